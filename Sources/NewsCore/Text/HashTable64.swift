/// A fixed map from 64-bit hashes to values, in a power-of-two table probed linearly: looked
/// up once per word by keywords (stop words) and topic features, where the SipHash
/// of a `Dictionary` or `Set` cost more than the rest of the word's work.
struct HashTable64<Value: Sendable>: Sendable {
    private var keys: [UInt64]
    private var values: [Value?]
    private let mask: Int

    init(_ entries: [UInt64: Value]) {
        var size = 16
        while size < entries.count * 4 { size <<= 1 }
        keys = [UInt64](repeating: 0, count: size)
        values = [Value?](repeating: nil, count: size)
        mask = size - 1
        for (key, value) in entries {
            var slot = Self.slot(key, mask)
            while values[slot] != nil { slot = (slot + 1) & mask }
            keys[slot] = key
            values[slot] = value
        }
    }

    @inline(__always)
    private static func slot(_ key: UInt64, _ mask: Int) -> Int { Int(truncatingIfNeeded: (key &* 0x9e37_79b9_7f4a_7c15) >> 32) & mask }

    /// The value stored for `key`, if any.
    @inline(__always)
    func lookup(_ key: UInt64) -> Value? {
        var slot = Self.slot(key, mask)
        while true {
            guard let value = values[slot] else { return nil }
            if keys[slot] == key { return value }
            slot = (slot + 1) & mask
        }
    }
}

extension HashTable64 where Value == Bool {
    /// A set of keys.
    init<S: Sequence>(keys: S) where S.Element == UInt64 {
        self.init(Dictionary(keys.map { ($0, true) }, uniquingKeysWith: { a, _ in a }))
    }

    /// Whether `key` is in the set.
    @inline(__always)
    func contains(_ key: UInt64) -> Bool { lookup(key) != nil }
}
