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

    /// Creates a hasher with 2^bits buckets.
    public init(bits: Int = 18) {
        self.bits = bits
    }

    /// Number of buckets.
    public var dimension: Int { 1 << bits }

    /// Lowercased word tokens of `text`.
    public static func tokens(_ text: String) -> [Substring] {
        let lower = text.lowercased()
        return lower.split { !($0.isLetter || $0.isNumber) }.filter { $0.count > 1 }
    }

    /// Bucket counts of the words and adjacent word pairs of `text`.
    public func counts(_ text: String) -> [Int32: Float] {
        let words = Self.tokens(text)
        var counts: [Int32: Float] = [:]
        counts.reserveCapacity(words.count * 2)
        let mask = UInt64(dimension - 1)
        var previous: UInt64? = nil
        for w in words {
            let h = Self.fnv1a(w.utf8, seed: 0xcbf2_9ce4_8422_2325)
            counts[Int32(truncatingIfNeeded: h & mask), default: 0] += 1
            if let p = previous {
                // Bigram: mix the two word hashes so ("a b") differs from ("b a").
                let b = (p &* 0x100_0000_01b3) ^ (h &+ 0x9e37_79b9_7f4a_7c15)
                counts[Int32(truncatingIfNeeded: (b ^ (b >> 29)) & mask), default: 0] += 1
            }
            previous = h
        }
        return counts
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
