import Foundation

extension TopicModel {
    /// The `count` terms of `text` with the highest TF-IDF, using the document frequencies the
    /// model learned from its training corpus. Terms are lowercased words of three or more
    /// characters that are neither numbers nor stop words of any profiled language; ties go to
    /// the term seen first.
    public func keywords(_ text: String, count: Int = 10) -> [String] {
        keywords(WordTokens(text), count: count)
    }

    /// `keywords` of an already tokenized text. Terms are counted by hash; only the winners'
    /// strings are built.
    public func keywords(_ tokens: WordTokens, count: Int = 10) -> [String] {
        struct Entry {
            var token: Int
            var count: Int
            var first: Int
            var candidate: Bool
        }
        // Terms by hash: an open-addressing table of entry numbers (1-based; 0 is empty), at
        // most half full.
        var size = 16
        while size < tokens.count * 2 { size <<= 1 }
        let tableMask = size - 1
        var slots = [Int32](repeating: 0, count: size)
        var entries: [Entry] = []
        entries.reserveCapacity(tokens.count)
        var position = 0
        for i in 0..<tokens.count where tokens.length(i) >= 3 {
            let h = tokens.hashes[i]
            position += 1
            var s = Int(truncatingIfNeeded: (h &* 0x9e37_79b9_7f4a_7c15) >> 32) & tableMask
            var found = -1
            while slots[s] != 0 {
                let e = Int(slots[s]) - 1
                if tokens.hashes[entries[e].token] == h {
                    found = e
                    break
                }
                s = (s + 1) & tableMask
            }
            if found >= 0 {
                entries[found].count += 1
                continue
            }
            slots[s] = Int32(entries.count + 1)
            let candidate = !tokens.isNumeric(i) && !LanguageDetector.stopWordHashes.contains(h)
            entries.append(Entry(token: i, count: 1, first: position, candidate: candidate))
        }
        // The best `count`, highest score first (the earlier term on a tie; no two terms share
        // a first position, so the order is total), kept by insertion: a full sort of every
        // term cost more than the counting.
        guard count > 0 else { return [] }
        let mask = UInt64(hasher.dimension - 1)
        var best: [(token: Int, score: Float, first: Int)] = []
        best.reserveCapacity(count + 1)
        for entry in entries where entry.candidate {
            let bucket = Int(tokens.hashes[entry.token] & mask)
            let term = (token: entry.token, score: (1 + log(Float(entry.count))) * idf[bucket], first: entry.first)
            if best.count == count, let last = best.last, (last.score, -last.first) >= (term.score, -term.first) { continue }
            var i = best.count
            while i > 0, (best[i - 1].score, -best[i - 1].first) < (term.score, -term.first) { i -= 1 }
            best.insert(term, at: i)
            if best.count > count { best.removeLast() }
        }
        return best.map { tokens.string($0.token) }
    }
}

extension LanguageDetector {
    static let allStopWords: Set<String> = stopWords.values.reduce(into: Set<String>()) { $0.formUnion($1) }
        .union(["mr", "mrs", "ms", "dr", "says", "told", "year", "years", "new", "one", "two", "people", "just", "like", "now", "last", "first", "over", "how", "did", "does", "some", "other", "any", "may", "most", "being", "those", "these", "then", "only", "very", "such", "while", "where", "because", "before", "between", "through", "during", "against", "him", "your", "if", "so", "no", "do", "get", "got", "make", "made", "many", "much", "well", "back", "still", "even", "way"])

    /// Whether `word` (lowercased) is a stop word of a profiled language or an English filler.
    public static func isStopWord(_ word: String) -> Bool { allStopWords.contains(word) }

    /// `WordTokens` hashes of `allStopWords`.
    static let stopWordHashes = HashTable64<Bool>(keys: allStopWords.map(WordTokens.hash))
}
