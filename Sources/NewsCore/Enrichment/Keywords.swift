import Foundation
import Stemming

extension TopicModel {
    /// The `count` terms of `text` with the highest TF-IDF, using the document frequencies the
    /// model learned from its training corpus. Terms are lowercased words of three or more
    /// characters that are neither numbers nor stop words (`StopWords`); ties go to the term
    /// seen first. In a `language` Snowball has a stemmer for, the terms that share a stem
    /// are one keyword (docs/ENRICHMENT.md).
    public func keywords(_ text: String, count: Int = 10, language: String? = nil) -> [String] {
        keywords(WordTokens(text), count: count, language: language)
    }

    /// `keywords` of an already tokenized text. Terms are counted by hash; only candidate terms
    /// not yet in the `StemCache` are stemmed (each once, from the text's bytes), and only the
    /// winners' strings are built.
    ///
    /// With a stemmer, a group of terms sharing a stem counts the occurrences of all its
    /// forms, is shown as its most frequent form (the first seen on a tie), takes that form's
    /// IDF, and ranks by its first occurrence on a tie. The shown form's IDF rather than the
    /// highest of the group's: a rare inflection or misspelling would otherwise lift a common
    /// word; and a group of one form scores exactly what it scores without a stemmer.
    public func keywords(_ tokens: WordTokens, count: Int = 10, language: String? = nil) -> [String] {
        keywords(tokens, count: count, language: language, stemCache: .shared)
    }

    /// `keywords` with the stems cached in `stemCache` (tests give it one of its own).
    func keywords(_ tokens: WordTokens, count: Int, language: String?, stemCache: StemCache) -> [String] {
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
        var candidates = 0
        for i in 0..<tokens.count where tokens.length(i) >= 3 {
            let h = tokens.hashes[i]
            position += 1
            var s = Self.slot(h, tableMask)
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
            let candidate = !tokens.isNumeric(i) && !StopWords.hashes.contains(h)
            if candidate { candidates += 1 }
            entries.append(Entry(token: i, count: 1, first: position, candidate: candidate))
        }
        guard count > 0 else { return [] }

        // The best `count`, highest score first (the earlier term on a tie; no two terms share
        // a first position, so the order is total), kept by insertion: a full sort of every
        // term cost more than the counting.
        let mask = UInt64(hasher.dimension - 1)
        var best: [(token: Int, score: Float, first: Int)] = []
        best.reserveCapacity(count + 1)
        func consider(token: Int, occurrences: Int, first: Int) {
            let bucket = Int(tokens.hashes[token] & mask)
            let term = (token: token, score: (1 + log(Float(occurrences))) * idf[bucket], first: first)
            if best.count == count, let last = best.last, (last.score, -last.first) >= (term.score, -term.first) { return }
            var i = best.count
            while i > 0, (best[i - 1].score, -best[i - 1].first) < (term.score, -term.first) { i -= 1 }
            best.insert(term, at: i)
            if best.count > count { best.removeLast() }
        }

        if let language, let algorithm = Stemmer.algorithm(for: language) {
            // The candidates' stems, as FNV-1a keys: from the cache, or stemmed from the
            // lowercased bytes of the text (no String is made).
            var members: [Int] = []
            var terms: [UInt64] = []
            members.reserveCapacity(candidates)
            terms.reserveCapacity(candidates)
            for (e, entry) in entries.enumerated() where entry.candidate {
                members.append(e)
                terms.append(tokens.hashes[entry.token])
            }
            var stemmer: Stemmer? = nil
            var word: [UInt8] = []
            var text = tokens.text
            let stems = text.withUTF8 { bytes in
                stemCache.stems(algorithm: algorithm, terms: terms) { i in
                    if stemmer == nil { stemmer = Stemmer(language: language) }
                    tokens.lowercasedUTF8(entries[members[i]].token, of: bytes, into: &word)
                    return word.withUnsafeBufferPointer { w in
                        // libstemmer out of memory: the word stands for itself.
                        stemmer.map { $0.withStem(of: w, Self.fnv1a) } ?? Self.fnv1a(w)
                    }
                }
            }
            // Groups by stem key, in the same kind of table. Members are in order of first
            // occurrence, so a group's first member gives its first position, and a later form
            // replaces the shown one only when strictly more frequent.
            struct Group {
                var key: UInt64
                /// The entry shown: the most frequent form.
                var shown: Int
                var count: Int
                var first: Int
            }
            var groupSize = 16
            while groupSize < candidates * 2 { groupSize <<= 1 }
            let groupMask = groupSize - 1
            var groupSlots = [Int32](repeating: 0, count: groupSize)
            var groups: [Group] = []
            groups.reserveCapacity(candidates)
            for (i, e) in members.enumerated() {
                let entry = entries[e]
                let key = stems[i]
                var s = Self.slot(key, groupMask)
                while groupSlots[s] != 0 {
                    let g = Int(groupSlots[s]) - 1
                    if groups[g].key == key {
                        groups[g].count += entry.count
                        if entry.count > entries[groups[g].shown].count { groups[g].shown = e }
                        break
                    }
                    s = (s + 1) & groupMask
                }
                if groupSlots[s] == 0 {
                    groupSlots[s] = Int32(groups.count + 1)
                    groups.append(Group(key: key, shown: e, count: entry.count, first: entry.first))
                }
            }
            for group in groups {
                consider(token: entries[group.shown].token, occurrences: group.count, first: group.first)
            }
        } else {
            for entry in entries where entry.candidate {
                consider(token: entry.token, occurrences: entry.count, first: entry.first)
            }
        }
        return best.map { tokens.string($0.token) }
    }

    @inline(__always)
    private static func slot(_ h: UInt64, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: (h &* 0x9e37_79b9_7f4a_7c15) >> 32) & mask
    }

    /// FNV-1a over bytes: a stem's key.
    private static func fnv1a(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h = WordTokens.fnvOffset
        for b in bytes { h = (h ^ UInt64(b)) &* WordTokens.fnvPrime }
        return h
    }
}
