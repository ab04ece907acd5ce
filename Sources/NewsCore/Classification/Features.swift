import Foundation

/// A sparse feature vector: sorted indices and their values.
public struct SparseVector: Sendable, Equatable {
    public var indices: [Int32]
    public var values: [Float]

    /// Dot product with a dense weight row starting at `offset`.
    @inline(__always)
    func dot(_ weights: UnsafeBufferPointer<Float>, offset: Int) -> Float {
        var sum: Float = 0
        for k in 0..<indices.count { sum += weights[offset + Int(indices[k])] * values[k] }
        return sum
    }
}

/// Turns text into hashed word and bigram counts (the hashing trick: no vocabulary to store).
/// Tokens are lowercased runs of letters and digits; one-character tokens are dropped.
public struct FeatureHasher: Sendable, Equatable {
    /// log2 of the number of buckets.
    public var bits: Int
    /// How capitalized words inside a sentence (mostly names) become features.
    public var names: NameFeatures

    /// What to do with names: they tie a topic to the people and places of the training
    /// years ("Trump" was a casino owner in the BBC's 2004 business news).
    public enum NameFeatures: UInt32, Sendable, Equatable, CaseIterable {
        /// Hash them like any word.
        case keep = 0
        /// Replace each by one shared "name" token, keeping only that a name stood there.
        case mask = 1
        /// Replace place names and nationality words ("Russia", "Russian") by one shared
        /// token: where a story happens says little about what it is about.
        case places = 2
    }

    /// Whether the first line's words also count as title features.
    public var titleFeatures: Bool



    /// Creates a hasher with 2^bits buckets.
    public init(bits: Int = 16, names: NameFeatures = .places, titleFeatures: Bool = true) {
        self.bits = bits
        self.names = names
        self.titleFeatures = titleFeatures
    }

    /// Number of buckets.
    public var dimension: Int { 1 << bits }

    /// Lowercased word tokens of `text` (for display and tests; hashing does not build them).
    public static func tokens(_ text: String) -> [String] {
        var out: [String] = []
        var current = String.UnicodeScalarView()
        forEachToken(text) { scalars in
            current.removeAll(keepingCapacity: true)
            current.append(contentsOf: scalars)
            out.append(String(current))
        }
        return out
    }

    /// Calls `body` with each token's lowercased scalars: runs of letters and digits of two or
    /// more characters. ASCII and Latin-1 letters are lowercased in place; other scripts are
    /// taken as they are (most have no case, or hashing them unfolded costs little accuracy).
    @inline(__always)
    static func forEachToken(_ text: String, _ body: (ArraySlice<Unicode.Scalar>) -> Void) {
        forEachToken(text) { token, _ in body(token) }
    }

    /// Like `forEachToken`, also telling whether the token is a name: capitalized and not the
    /// first word of a sentence or line.
    @inline(__always)
    static func forEachToken(_ text: String, _ body: (ArraySlice<Unicode.Scalar>, Bool) -> Void) {
        forEachToken(text, positions: false) { token, isName, _ in body(token, isName) }
    }

    /// Like `forEachToken`, also passing the scalar offset where the token ends.
    @inline(__always)
    static func forEachToken(_ text: String, positions: Bool, _ body: (ArraySlice<Unicode.Scalar>, Bool, Int) -> Void) {
        var offset = 0
        var buffer: [Unicode.Scalar] = []
        buffer.reserveCapacity(32)
        var capitalized = false
        var sentenceStart = true
        var boundary = true
        func flush() {
            if buffer.count > 1 { body(buffer[...], capitalized && !sentenceStart, offset) }
            if !buffer.isEmpty {
                sentenceStart = false
                boundary = false
            }
            buffer.removeAll(keepingCapacity: true)
        }
        for scalar in text.unicodeScalars {
            let v = scalar.value
            defer { offset += 1 }
            if v < 0x80 {
                if (v >= 0x61 && v <= 0x7A) || (v >= 0x30 && v <= 0x39) {
                    if buffer.isEmpty { capitalized = false; sentenceStart = boundary }
                    buffer.append(scalar)
                } else if v >= 0x41 && v <= 0x5A {
                    if buffer.isEmpty { capitalized = true; sentenceStart = boundary }
                    buffer.append(Unicode.Scalar(v + 0x20)!)
                } else {
                    flush()
                    if v == 0x2E || v == 0x21 || v == 0x3F || v == 0x0A || v == 0x3A { boundary = true }
                }
            } else if (v >= 0x2000 && v <= 0x206F) || (v >= 0xA0 && v <= 0xBF) || v == 0xD7 || v == 0xF7 || (v >= 0x3000 && v <= 0x303F) {
                flush()  // general punctuation, Latin-1 symbols, CJK punctuation
            } else if v >= 0xC0 && v <= 0xDE {
                if buffer.isEmpty { capitalized = true; sentenceStart = boundary }
                buffer.append(Unicode.Scalar(v + 0x20)!)
            } else {
                if buffer.isEmpty { capitalized = false; sentenceStart = boundary }
                buffer.append(scalar)
            }
        }
        flush()
    }

    /// Bucket counts of the words and adjacent word pairs of `text`, sorted by bucket. With
    /// `titleFeatures`, the words of the first line also count as title words of their own.
    public func sortedCounts(_ text: String) -> (indices: [Int32], counts: [Float]) {
        var buckets: [Int32] = []
        buckets.reserveCapacity(text.utf8.count / 3)
        let mask = UInt64(dimension - 1)
        var previous: UInt64? = nil
        let names = self.names
        // The title is the first line: tokens end before the first newline's offset.
        var titleScalarsLeft = titleFeatures ? Self.firstLineScalarCount(text) : 0
        Self.forEachToken(text, positions: true) { token, isName, end in
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            for s in token {
                h ^= UInt64(s.value)
                h = h &* 0x100_0000_01b3
            }
            if isName {
                switch names {
                case .keep: break
                case .mask: h = Self.nameToken
                case .places: if Self.placeHashes.contains(h) { h = Self.placeToken }
                }
            }
            buckets.append(Int32(truncatingIfNeeded: h & mask))
            if let p = previous {
                // Bigram: mix the two word hashes so "a b" differs from "b a".
                let b = (p &* 0x100_0000_01b3) ^ (h &+ 0x9e37_79b9_7f4a_7c15)
                buckets.append(Int32(truncatingIfNeeded: (b ^ (b >> 29)) & mask))
            }
            previous = h
            if end <= titleScalarsLeft {
                var t = (h ^ 0x7469_746c_65) &* 0x100_0000_01b3  // the same word, as a title word
                t ^= t >> 29
                buckets.append(Int32(truncatingIfNeeded: t & mask))
            } else {
                titleScalarsLeft = 0
            }
        }
        Self.radixSort(&buckets, bits: bits)
        var indices: [Int32] = []
        var counts: [Float] = []
        indices.reserveCapacity(buckets.count)
        counts.reserveCapacity(buckets.count)
        for b in buckets {
            if indices.last == b { counts[counts.count - 1] += 1 } else {
                indices.append(b)
                counts.append(1)
            }
        }
        return (indices, counts)
    }

    static func firstLineScalarCount(_ text: String) -> Int {
        var n = 0
        for s in text.unicodeScalars {
            if s == "\n" { return n }
            n += 1
        }
        return n
    }

    /// The word hash `sortedCounts` uses.
    static func wordHash(_ word: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for s in word.unicodeScalars {
            h ^= UInt64(s.value)
            h = h &* 0x100_0000_01b3
        }
        return h
    }

    static let nameToken: UInt64 = 0x6e61_6d65
    static let placeToken: UInt64 = 0x706c_6163

    /// Hashes of the lowercased one-word places of the gazetteer and of nationality words.
    static let placeHashes: Set<UInt64> = {
        let notNationalities: Set<String> = ["A", "An", "As", "The", "Former", "Veteran", "Labour", "Tory", "Conservative", "Democrat", "Republican", "Olympic"]
        let words = Gazetteer.places.filter { !$0.contains(" ") } + EntityExtractor.leadingNonName.subtracting(notNationalities)
        return Set(words.map { wordHash($0.lowercased()) })
    }()

    /// Sorts non-negative keys below 2^bits in two counting passes (far cheaper than a
    /// comparison sort for the few hundred keys of an article).
    static func radixSort(_ keys: inout [Int32], bits: Int) {
        guard keys.count > 32 else {
            keys.sort()
            return
        }
        let low = (bits + 1) / 2
        var scratch = [Int32](repeating: 0, count: keys.count)
        for (shift, width) in [(0, low), (low, bits - low)] {
            let mask = Int32((1 << width) - 1)
            var counts = [Int](repeating: 0, count: (1 << width) + 1)
            for k in keys { counts[Int((k >> Int32(shift)) & mask) + 1] += 1 }
            for i in 1..<counts.count { counts[i] += counts[i - 1] }
            for k in keys {
                let d = Int((k >> Int32(shift)) & mask)
                scratch[counts[d]] = k
                counts[d] += 1
            }
            swap(&keys, &scratch)
        }
    }

    /// Bucket counts as a dictionary (tests and keyword extraction).
    public func counts(_ text: String) -> [Int32: Float] {
        let (i, c) = sortedCounts(text)
        return Dictionary(uniqueKeysWithValues: zip(i, c))
    }

    static func fnv1a<S: Sequence>(_ bytes: S, seed: UInt64) -> UInt64 where S.Element == UInt8 {
        var h = seed
        for b in bytes {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01b3
        }
        return h
    }
}
