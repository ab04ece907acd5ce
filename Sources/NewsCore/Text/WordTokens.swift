/// The word tokens of a text, found in one pass over its UTF-8 bytes and shared by everything
/// that counts words: topic features, keywords and the SimHash fingerprint.
///
/// A token is a run of letters and digits of two or more characters. ASCII and Latin-1 capitals
/// are lowercased; other scripts are taken as they are. Each token keeps the FNV-1a hash of its
/// lowercased scalars (the hash the topic model was trained on), where it sits in the text, and
/// three facts: it is a name (capitalized, not the first word of a sentence or line), it is all
/// digits, it ends on the first line (the title).
public struct WordTokens: Sendable {
    /// The text the tokens point into.
    public let text: String
    /// FNV-1a over each token's lowercased scalar values.
    public private(set) var hashes: [UInt64] = []
    /// UTF-8 offsets of each token's first byte and of the byte after it.
    private(set) var starts: [Int32] = []
    private(set) var ends: [Int32] = []
    /// Scalars in each token.
    private(set) var lengths: [UInt16] = []
    private(set) var flags: [UInt8] = []

    static let isName: UInt8 = 1
    static let isNumeric: UInt8 = 2
    static let inTitle: UInt8 = 4

    static let fnvOffset: UInt64 = 0xcbf2_9ce4_8422_2325
    static let fnvPrime: UInt64 = 0x100_0000_01b3

    /// Number of tokens.
    public var count: Int { hashes.count }

    /// Whether token `i` is a name: capitalized and not opening a sentence or line.
    @inline(__always) public func isName(_ i: Int) -> Bool { flags[i] & Self.isName != 0 }
    /// Whether token `i` is made of digits only.
    @inline(__always) public func isNumeric(_ i: Int) -> Bool { flags[i] & Self.isNumeric != 0 }
    /// Whether token `i` ends on the text's first line.
    @inline(__always) public func inTitle(_ i: Int) -> Bool { flags[i] & Self.inTitle != 0 }
    /// Scalars in token `i`.
    @inline(__always) public func length(_ i: Int) -> Int { Int(lengths[i]) }

    /// Tokenizes `text`.
    public init(_ text: String) {
        self.text = text
        var copy = text
        copy.withUTF8 { scan($0) }
    }

    private mutating func scan(_ bytes: UnsafeBufferPointer<UInt8>) {
        let n = bytes.count
        // A token takes two bytes at least and a separator: at most n / 3 + 1 of them. Written
        // through raw buffers (an append checks uniqueness and capacity each time), then copied.
        let capacity = n / 3 + 1
        let outHashes = UnsafeMutablePointer<UInt64>.allocate(capacity: capacity)
        let outStarts = UnsafeMutablePointer<Int32>.allocate(capacity: capacity)
        let outEnds = UnsafeMutablePointer<Int32>.allocate(capacity: capacity)
        let outLengths = UnsafeMutablePointer<UInt16>.allocate(capacity: capacity)
        let outFlags = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        defer {
            outHashes.deallocate()
            outStarts.deallocate()
            outEnds.deallocate()
            outLengths.deallocate()
            outFlags.deallocate()
        }
        var count = 0

        var hash = Self.fnvOffset
        var length = 0
        var start = 0
        var capitalized = false
        var numeric = true
        var nameAllowed = false  // false at a sentence or line start
        var boundary = true
        var titleOpen = true  // no newline seen yet

        @inline(__always) func flush(at end: Int) {
            guard length > 0 else { return }
            if length > 1 {
                var f: UInt8 = 0
                if capitalized && nameAllowed { f |= Self.isName }
                if numeric { f |= Self.isNumeric }
                if titleOpen { f |= Self.inTitle }
                outHashes[count] = hash
                outStarts[count] = Int32(truncatingIfNeeded: start)
                outEnds[count] = Int32(truncatingIfNeeded: end)
                outLengths[count] = UInt16(truncatingIfNeeded: min(length, Int(UInt16.max)))
                outFlags[count] = f
                count += 1
            }
            boundary = false
            length = 0
            hash = Self.fnvOffset
        }
        @inline(__always) func add(_ v: UInt32, at position: Int, upper: Bool, digit: Bool) {
            if length == 0 {
                start = position
                capitalized = upper
                numeric = true
                nameAllowed = !boundary
            }
            if !digit { numeric = false }
            hash = (hash ^ UInt64(v)) &* Self.fnvPrime
            length += 1
        }

        var i = 0
        while i < n {
            let b0 = bytes[i]
            if b0 < 0x80 {
                let v = UInt32(b0)
                if v >= 0x61 && v <= 0x7A {
                    add(v, at: i, upper: false, digit: false)
                } else if v >= 0x30 && v <= 0x39 {
                    add(v, at: i, upper: false, digit: true)
                } else if v >= 0x41 && v <= 0x5A {
                    add(v + 0x20, at: i, upper: true, digit: false)
                } else {
                    flush(at: i)
                    if v == 0x2E || v == 0x21 || v == 0x3F || v == 0x0A || v == 0x3A { boundary = true }
                    if v == 0x0A { titleOpen = false }
                }
                i += 1
                continue
            }
            // Multi-byte scalar (the text is valid UTF-8: it is a String).
            let (v, width) = UTF8Scalar.decode(bytes, i)
            if (v >= 0x2000 && v <= 0x206F) || (v >= 0xA0 && v <= 0xBF) || v == 0xD7 || v == 0xF7
                || (v >= 0x3000 && v <= 0x303F)
            {
                flush(at: i)  // general punctuation, Latin-1 symbols, CJK punctuation
            } else if v >= 0xC0 && v <= 0xDE {
                add(v + 0x20, at: i, upper: true, digit: false)
            } else {
                add(v, at: i, upper: false, digit: false)
            }
            i += width
        }
        flush(at: n)
        hashes = Array(UnsafeBufferPointer(start: outHashes, count: count))
        starts = Array(UnsafeBufferPointer(start: outStarts, count: count))
        ends = Array(UnsafeBufferPointer(start: outEnds, count: count))
        lengths = Array(UnsafeBufferPointer(start: outLengths, count: count))
        flags = Array(UnsafeBufferPointer(start: outFlags, count: count))
    }

    /// Token `i`, lowercased as it was hashed.
    public func string(_ i: Int) -> String {
        var scalars = String.UnicodeScalarView()
        let utf8 = text.utf8
        let from = utf8.index(utf8.startIndex, offsetBy: Int(starts[i]))
        let to = utf8.index(utf8.startIndex, offsetBy: Int(ends[i]))
        for s in text.unicodeScalars[from..<to] {
            let v = s.value
            if (v >= 0x41 && v <= 0x5A) || (v >= 0xC0 && v <= 0xDE) {
                scalars.append(Unicode.Scalar(v + 0x20)!)
            } else {
                scalars.append(s)
            }
        }
        return String(scalars)
    }

    /// FNV-1a of a word's scalars, as `hashes` holds them (the word should be lowercased).
    public static func hash(_ word: String) -> UInt64 {
        var h = fnvOffset
        for s in word.unicodeScalars { h = (h ^ UInt64(s.value)) &* fnvPrime }
        return h
    }
}

extension WordTokens {
    /// Token `i`'s UTF-8 bytes, lowercased as `string(i)` lowercases them (A–Z and the Latin-1
    /// capitals), written into `word`. `bytes` are `text`'s UTF-8 bytes.
    func lowercasedUTF8(_ i: Int, of bytes: UnsafeBufferPointer<UInt8>, into word: inout [UInt8]) {
        word.removeAll(keepingCapacity: true)
        var k = Int(starts[i])
        let end = Int(ends[i])
        while k < end {
            let b = bytes[k]
            if b >= 0x41 && b <= 0x5A {
                word.append(b + 0x20)
            } else if b == 0xC3 && bytes[k + 1] >= 0x80 && bytes[k + 1] <= 0x9E {
                // U+00C0–U+00DE are C3 80–C3 9E; their lowercase letters are 0x20 further on.
                word.append(b)
                word.append(bytes[k + 1] + 0x20)
                k += 1
            } else {
                word.append(b)
            }
            k += 1
        }
    }
}
