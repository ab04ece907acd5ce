import Foundation

extension FeatureHasher {
    /// The bucket a single token falls in (the same hash `sortedCounts` uses for words).
    public func bucket(ofToken token: some Sequence<Unicode.Scalar>) -> Int {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for s in token {
            h ^= UInt64(s.value)
            h = h &* 0x100_0000_01b3
        }
        return Int(h & UInt64(dimension - 1))
    }
}

extension TopicModel {
    /// The `count` terms of `text` with the highest TF-IDF, using the document frequencies the
    /// model learned from its training corpus. Terms are lowercased words of three or more
    /// characters that are neither numbers nor stop words of any profiled language; ties go to
    /// the term seen first.
    public func keywords(_ text: String, count: Int = 10) -> [String] {
        // Counted by word hash; a word's String is built once, when first seen.
        struct Entry {
            var term: String?
            var count: Int
            var first: Int
            var bucket: Int
        }
        var tf: [UInt64: Entry] = [:]
        var position = 0
        let mask = UInt64(hasher.dimension - 1)
        FeatureHasher.forEachToken(text) { scalars in
            guard scalars.count >= 3 else { return }
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            var numeric = true
            for s in scalars {
                h = (h ^ UInt64(s.value)) &* 0x100_0000_01b3
                if numeric && !(s.value >= 0x30 && s.value <= 0x39) { numeric = false }
            }
            position += 1
            if tf[h] != nil {
                tf[h]!.count += 1
                return
            }
            var term: String? = nil
            if !numeric {
                var view = String.UnicodeScalarView()
                view.append(contentsOf: scalars)
                let t = String(view)
                if !LanguageDetector.isStopWord(t) { term = t }
            }
            tf[h] = Entry(term: term, count: 1, first: position, bucket: Int(h & mask))
        }
        var ranked: [(term: String, score: Float, first: Int)] = []
        ranked.reserveCapacity(tf.count)
        for entry in tf.values {
            guard let term = entry.term else { continue }
            ranked.append((term, (1 + log(Float(entry.count))) * idf[entry.bucket], entry.first))
        }
        ranked.sort { ($0.score, -$0.first) > ($1.score, -$1.first) }
        return ranked.prefix(count).map(\.term)
    }
}

extension LanguageDetector {
    static let allStopWords: Set<String> = stopWords.values.reduce(into: Set<String>()) { $0.formUnion($1) }
        .union(["mr", "mrs", "ms", "dr", "says", "told", "year", "years", "new", "one", "two", "people", "just", "like", "now", "last", "first", "over", "how", "did", "does", "some", "other", "any", "may", "most", "being", "those", "these", "then", "only", "very", "such", "while", "where", "because", "before", "between", "through", "during", "against", "him", "your", "if", "so", "no", "do", "get", "got", "make", "made", "many", "much", "well", "back", "still", "even", "way"])

    /// Whether `word` (lowercased) is a stop word of a profiled language or an English filler.
    public static func isStopWord(_ word: String) -> Bool { allStopWords.contains(word) }
}
