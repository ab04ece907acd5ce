import Foundation

/// A fixed set of words for the entity rules, which look words up thousands of times per
/// article. An ASCII word (nearly every look-up) is found by FNV-1a over its bytes in an
/// open-addressing table and compared byte for byte; any other word goes to a `Set<String>`,
/// whose equality (canonical equivalence) is the one that decides. An ASCII string is its own
/// normal form, so both paths answer as the `Set` would.
struct WordSet: Sendable, ExpressibleByArrayLiteral, Sequence {
    /// The words.
    let words: Set<String>
    /// Per slot: 0 when empty, else 1 + the entry.
    private let slots: [Int32]
    private let hashes: [UInt64]
    /// Entry k's bytes are `bytes[offsets[k]..<offsets[k + 1]]`.
    private let offsets: [Int]
    private let bytes: [UInt8]
    private let mask: Int

    init(arrayLiteral elements: String...) {
        self.init(Set(elements))
    }

    init(_ words: Set<String>) {
        self.words = words
        // Every word whose normal form is ASCII, in that form.
        let ascii = Set(words.map(\.precomposedStringWithCanonicalMapping).filter { $0.utf8.allSatisfy { $0 < 0x80 } })
        var size = 16
        while size < ascii.count * 4 { size <<= 1 }
        mask = size - 1
        var slots = [Int32](repeating: 0, count: size)
        var hashes: [UInt64] = []
        var offsets = [0]
        var bytes: [UInt8] = []
        for word in ascii.sorted() {
            let h = Self.hash(word.utf8)
            var slot = Self.slot(h, mask)
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            hashes.append(h)
            bytes.append(contentsOf: word.utf8)
            offsets.append(bytes.count)
            slots[slot] = Int32(hashes.count)
        }
        self.slots = slots
        self.hashes = hashes
        self.offsets = offsets
        self.bytes = bytes
    }

    @inline(__always)
    private static func hash<C: Collection>(_ utf8: C) -> UInt64 where C.Element == UInt8 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }

    @inline(__always)
    private static func slot(_ h: UInt64, _ mask: Int) -> Int { Int(truncatingIfNeeded: h ^ (h >> 32)) & mask }

    /// Whether `word` is in the set.
    func contains(_ word: String) -> Bool {
        var copy = word
        return copy.withUTF8 { w in
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            var high: UInt8 = 0
            for b in w {
                h = (h ^ UInt64(b)) &* 0x100_0000_01b3
                high |= b
            }
            if high >= 0x80 { return words.contains(word) }
            var slot = Self.slot(h, mask)
            while true {
                let entry = Int(slots[slot])
                if entry == 0 { return false }
                let k = entry - 1
                if hashes[k] == h, offsets[k + 1] - offsets[k] == w.count {
                    let same = bytes.withUnsafeBufferPointer { all in
                        w.count == 0 || memcmp(all.baseAddress! + offsets[k], w.baseAddress!, w.count) == 0
                    }
                    if same { return true }
                }
                slot = (slot + 1) & mask
            }
        }
    }

    func makeIterator() -> Set<String>.Iterator { words.makeIterator() }
}
