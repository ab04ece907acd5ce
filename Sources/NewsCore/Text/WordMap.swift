import Foundation

/// A fixed set of words for the entity rules, which look words up thousands of times per
/// article. An ASCII word (nearly every look-up) is found by FNV-1a over its bytes in an
/// open-addressing table and compared byte for byte; any other word goes to a `Set<String>`,
/// whose equality (canonical equivalence) is the one that decides. An ASCII string is its own
/// normal form, so both paths answer as the `Set` would.
struct WordSet: Sendable, ExpressibleByArrayLiteral, Sequence {
    /// The words.
    let words: Set<String>
    /// FNV-1a of each ASCII entry's bytes → the entry.
    private let table: HashTable64<Int>
    /// Entry k's bytes are `bytes[offsets[k]..<offsets[k + 1]]`.
    private let offsets: [Int]
    private let bytes: [UInt8]

    init(arrayLiteral elements: String...) {
        self.init(Set(elements))
    }

    init(_ words: Set<String>) {
        self.words = words
        // Every word whose normal form is ASCII, in that form.
        let ascii = Set(words.map(\.precomposedStringWithCanonicalMapping).filter { $0.utf8.allSatisfy { $0 < 0x80 } })
        var entries: [UInt64: Int] = [:]
        var offsets = [0]
        var bytes: [UInt8] = []
        for word in ascii.sorted() {
            let h = Self.hash(word.utf8).value
            precondition(entries[h] == nil, "two words of a WordSet share a hash: \(word)")
            entries[h] = offsets.count - 1
            bytes.append(contentsOf: word.utf8)
            offsets.append(bytes.count)
        }
        table = HashTable64(entries)
        self.offsets = offsets
        self.bytes = bytes
    }

    /// FNV-1a over bytes, and whether they are all ASCII (one pass for both).
    @inline(__always)
    private static func hash<C: Sequence>(_ utf8: C) -> (value: UInt64, ascii: Bool) where C.Element == UInt8 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        var any: UInt8 = 0
        for b in utf8 {
            h = (h ^ UInt64(b)) &* 0x100_0000_01b3
            any |= b
        }
        return (h, any < 0x80)
    }

    /// Whether `word` is in the set.
    func contains(_ word: String) -> Bool {
        var copy = word
        return copy.withUTF8 { w in
            let h = Self.hash(w)
            if !h.ascii { return words.contains(word) }
            guard let k = table.lookup(h.value) else { return false }
            let length = offsets[k + 1] - offsets[k]
            return length == w.count
                && bytes.withUnsafeBufferPointer { all in
                    w.count == 0 || memcmp(all.baseAddress! + offsets[k], w.baseAddress!, w.count) == 0
                }
        }
    }

    func makeIterator() -> Set<String>.Iterator { words.makeIterator() }
}
