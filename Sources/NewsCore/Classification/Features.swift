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
        let tokens = WordTokens(text)
        return (0..<tokens.count).map(tokens.string)
    }

    /// Bucket counts of the words and adjacent word pairs of `text`, sorted by bucket. With
    /// `titleFeatures`, the words of the first line also count as title words of their own.
    public func sortedCounts(_ text: String) -> (indices: [Int32], counts: [Float]) {
        sortedCounts(WordTokens(text))
    }

    /// `sortedCounts` of an already tokenized text.
    public func sortedCounts(_ tokens: WordTokens) -> (indices: [Int32], counts: [Float]) {
        var buckets: [Int32] = []
        buckets.reserveCapacity(tokens.count * 3)
        let mask = UInt64(dimension - 1)
        var previous: UInt64? = nil
        for i in 0..<tokens.count {
            let h = wordHash(tokens, i)
            buckets.append(Int32(truncatingIfNeeded: h & mask))
            if let p = previous {
                // Bigram: mix the two word hashes so "a b" differs from "b a".
                let b = (p &* 0x100_0000_01b3) ^ (h &+ 0x9e37_79b9_7f4a_7c15)
                buckets.append(Int32(truncatingIfNeeded: (b ^ (b >> 29)) & mask))
            }
            previous = h
            if titleFeatures && tokens.inTitle(i) {
                var t = (h ^ 0x7469_746c_65) &* 0x100_0000_01b3  // the same word, as a title word
                t ^= t >> 29
                buckets.append(Int32(truncatingIfNeeded: t & mask))
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

    /// The hash token `i` is counted under: its own, or the shared token a name is masked by.
    @inline(__always)
    func wordHash(_ tokens: WordTokens, _ i: Int) -> UInt64 {
        let h = tokens.hashes[i]
        guard tokens.isName(i) else { return h }
        switch names {
        case .keep: return h
        case .mask: return Self.nameToken
        case .places: return Self.placeHashes.contains(h) ? Self.placeToken : h
        }
    }

    /// The bucket of token `i` as a word (not a pair or title feature).
    @inline(__always)
    func wordBucket(_ tokens: WordTokens, _ i: Int) -> Int {
        Int(truncatingIfNeeded: wordHash(tokens, i) & UInt64(dimension - 1))
    }

    static let nameToken: UInt64 = 0x6e61_6d65
    static let placeToken: UInt64 = 0x706c_6163

    /// Hashes of the lowercased one-word places of the gazetteer and of nationality words.
    static let placeHashes: HashTable64<Bool> = {
        let notNationalities: Set<String> = ["A", "An", "As", "The", "Former", "Veteran", "Labour", "Tory", "Conservative", "Democrat", "Republican", "Olympic"]
        let words = Gazetteer.places.filter { !$0.contains(" ") } + EntityExtractor.leadingNonName.subtracting(notNationalities)
        return HashTable64(keys: words.map { WordTokens.hash($0.lowercased()) })
    }()

    /// Sorts non-negative keys below 2^bits in two counting passes (far cheaper than a
    /// comparison sort for the few hundred keys of an article).
    static func radixSort(_ keys: inout [Int32], bits: Int) {
        guard keys.count > 32 else {
            keys.sort()
            return
        }
        let low = (bits + 1) / 2
        let high = bits - low
        var scratch = [Int32](repeating: 0, count: keys.count)
        var counts = [Int](repeating: 0, count: (1 << max(low, high)) + 1)
        // Low digit: keys → scratch; high digit: scratch → keys.
        keys.withUnsafeMutableBufferPointer { keys in
            scratch.withUnsafeMutableBufferPointer { scratch in
                counts.withUnsafeMutableBufferPointer { counts in
                    func pass(_ from: UnsafeMutableBufferPointer<Int32>, _ to: UnsafeMutableBufferPointer<Int32>, shift: Int32, width: Int) {
                        let mask = Int32((1 << width) - 1)
                        for i in 0...(1 << width) { counts[i] = 0 }
                        for k in from { counts[Int((k >> shift) & mask) + 1] += 1 }
                        for i in 1...(1 << width) { counts[i] += counts[i - 1] }
                        for k in from {
                            let d = Int((k >> shift) & mask)
                            to[counts[d]] = k
                            counts[d] += 1
                        }
                    }
                    pass(keys, scratch, shift: 0, width: low)
                    pass(scratch, keys, shift: Int32(low), width: high)
                }
            }
        }
    }

    /// Bucket counts as a dictionary (tests and keyword extraction).
    public func counts(_ text: String) -> [Int32: Float] {
        let (i, c) = sortedCounts(text)
        return Dictionary(uniqueKeysWithValues: zip(i, c))
    }
}
