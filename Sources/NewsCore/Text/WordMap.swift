import Foundation

/// A fixed map from words to values for the entity rules, which look words up thousands of
/// times per article. An ASCII word (nearly every look-up) is found by FNV-1a over its bytes in
/// an open-addressing table and compared byte for byte; any other word goes to a
/// `Dictionary<String, Value>`, whose key equality (canonical equivalence) is the one that
/// decides. An ASCII string is its own normal form, so both paths answer as the `Dictionary`
/// would.
struct WordMap<Value: Sendable>: Sendable {
    /// The words and their values, as given (after combining canonically equivalent words).
    let entries: [String: Value]
    /// The ASCII entries by FNV-1a of their bytes: an open-addressing table, probed linearly, of
    /// entry numbers plus one (0: empty), at most half full. Four bytes a slot keep the table
    /// in the CPU's nearest cache, which a look-up per word of every article otherwise misses.
    private let slots: [UInt32]
    /// Entry k's hash is `hashes[k]`, its bytes `bytes[offsets[k]..<offsets[k + 1]]`, its value
    /// `values[k]`.
    private let hashes: [UInt64]
    private let offsets: [Int32]
    private let bytes: [UInt8]
    private let values: [Value]

    /// A map of `words`; a word given twice (or canonically equivalent to another) gets
    /// `combine` of the values.
    init<S: Sequence>(_ words: S, combine: (Value, Value) -> Value) where S.Element == (String, Value) {
        let entries = Dictionary(words, uniquingKeysWith: combine)
        self.entries = entries
        // Every word whose normal form is ASCII, in that form.
        var ascii: [String: Value] = [:]
        for (word, value) in entries {
            let form = word.precomposedStringWithCanonicalMapping
            guard form.utf8.allSatisfy({ $0 < 0x80 }) else { continue }
            ascii[form] = ascii[form].map { combine($0, value) } ?? value
        }
        var size = 16
        while size < ascii.count * 2 { size <<= 1 }
        var slots = [UInt32](repeating: 0, count: size)
        var hashes: [UInt64] = []
        var offsets: [Int32] = [0]
        var bytes: [UInt8] = []
        var values: [Value] = []
        for (word, value) in ascii.sorted(by: { $0.key < $1.key }) {
            let h = Self.hash(word.utf8).value
            var slot = Self.slot(h, size - 1)
            while slots[slot] != 0 { slot = (slot + 1) & (size - 1) }
            slots[slot] = UInt32(values.count + 1)
            hashes.append(h)
            bytes.append(contentsOf: word.utf8)
            offsets.append(Int32(bytes.count))
            values.append(value)
        }
        precondition(Set(hashes).count == hashes.count, "two words of a WordMap share a hash")
        self.slots = slots
        self.hashes = hashes
        self.offsets = offsets
        self.bytes = bytes
        self.values = values
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

    @inline(__always)
    private static func slot(_ hash: UInt64, _ mask: Int) -> Int { Int(truncatingIfNeeded: (hash &* 0x9e37_79b9_7f4a_7c15) >> 32) & mask }

    /// The value of the word whose UTF-8 is `w`, if it is in the map.
    @inline(__always)
    func value(utf8 w: UnsafeBufferPointer<UInt8>) -> Value? {
        let h = Self.hash(w)
        if !h.ascii { return entries[String(decoding: w, as: UTF8.self)] }
        let mask = slots.count - 1
        var slot = Self.slot(h.value, mask)
        while true {
            let entry = Int(slots[slot])
            if entry == 0 { return nil }
            let k = entry - 1
            if hashes[k] == h.value {
                let start = Int(offsets[k])
                guard Int(offsets[k + 1]) - start == w.count,
                    w.count == 0
                        || bytes.withUnsafeBufferPointer({ memcmp($0.baseAddress! + start, w.baseAddress!, w.count) == 0 })
                else { return nil }
                return values[k]
            }
            slot = (slot + 1) & mask
        }
    }

    /// The value of `word`, if it is in the map.
    func value(_ word: String) -> Value? {
        var copy = word
        return copy.withUTF8 { value(utf8: $0) }
    }
}
