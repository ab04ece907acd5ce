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
        var tf: [String: (count: Int, first: Int)] = [:]
        var position = 0
        FeatureHasher.forEachToken(text) { scalars in
            guard scalars.count >= 3 else { return }
            var s = String.UnicodeScalarView()
            s.append(contentsOf: scalars)
            let term = String(s)
            position += 1
            if let seen = tf[term] {
                tf[term] = (seen.count + 1, seen.first)
            } else {
                tf[term] = (1, position)
            }
        }
        var ranked: [(term: String, score: Float, first: Int)] = []
        ranked.reserveCapacity(tf.count)
        for (term, entry) in tf {
            if term.unicodeScalars.allSatisfy({ $0.properties.numericType != nil }) { continue }
            if LanguageDetector.isStopWord(term) { continue }
            let weight = (1 + log(Float(entry.count))) * idf[hasher.bucket(ofToken: term.unicodeScalars)]
            ranked.append((term, weight, entry.first))
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
