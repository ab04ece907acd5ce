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
    public init(bits: Int = 16) {
        self.bits = bits
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
        var buffer: [Unicode.Scalar] = []
        buffer.reserveCapacity(32)
        func flush() {
            if buffer.count > 1 { body(buffer[...]) }
            buffer.removeAll(keepingCapacity: true)
        }
        for scalar in text.unicodeScalars {
            let v = scalar.value
            if v < 0x80 {
                if (v >= 0x61 && v <= 0x7A) || (v >= 0x30 && v <= 0x39) {
                    buffer.append(scalar)
                } else if v >= 0x41 && v <= 0x5A {
                    buffer.append(Unicode.Scalar(v + 0x20)!)
                } else {
                    flush()
                }
            } else if (v >= 0x2000 && v <= 0x206F) || (v >= 0xA0 && v <= 0xBF) || v == 0xD7 || v == 0xF7 || (v >= 0x3000 && v <= 0x303F) {
                flush()  // general punctuation, Latin-1 symbols, CJK punctuation
            } else if v >= 0xC0 && v <= 0xDE {
                buffer.append(Unicode.Scalar(v + 0x20)!)
            } else {
                buffer.append(scalar)
            }
        }
        flush()
    }

    /// Bucket counts of the words and adjacent word pairs of `text`, sorted by bucket.
    public func sortedCounts(_ text: String) -> (indices: [Int32], counts: [Float]) {
        var buckets: [Int32] = []
        buckets.reserveCapacity(text.utf8.count / 3)
        let mask = UInt64(dimension - 1)
        var previous: UInt64? = nil
        Self.forEachToken(text) { token in
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            for s in token {
                h ^= UInt64(s.value)
                h = h &* 0x100_0000_01b3
            }
            buckets.append(Int32(truncatingIfNeeded: h & mask))
            if let p = previous {
                // Bigram: mix the two word hashes so "a b" differs from "b a".
                let b = (p &* 0x100_0000_01b3) ^ (h &+ 0x9e37_79b9_7f4a_7c15)
                buckets.append(Int32(truncatingIfNeeded: (b ^ (b >> 29)) & mask))
            }
            previous = h
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
