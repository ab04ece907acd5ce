import Synchronization

/// The stems of terms already seen, per Snowball algorithm, shared by every parse worker:
/// keywords look a term up by its `WordTokens` hash and stem only the terms not found.
///
/// Stemming every candidate term of an article cost three times what ranking them did (about
/// 200 distinct terms at a few hundred nanoseconds each); a newswire's vocabulary repeats, so
/// after the first few hundred articles nearly every term is found here. A hit gives exactly
/// what stemming gives (the stem's FNV-1a), so the cache changes no keyword.
///
/// Bounded: each algorithm's table starts at 1,024 slots and doubles while at most half full,
/// up to `maxSlots`; a full table is emptied and fills again. Looked up and filled under one
/// lock per article (a few microseconds), with the stemming itself done outside it.
final class StemCache: Sendable {
    /// Shared by every keywords call.
    static let shared = StemCache()

    /// Slots of the largest table (16 bytes each: 1 MiB).
    let maxSlots: Int

    private struct Table {
        var keys: [UInt64]
        var stems: [UInt64]
        var count = 0

        init(slots: Int) {
            keys = [UInt64](repeating: 0, count: slots)
            stems = [UInt64](repeating: 0, count: slots)
        }

        @inline(__always)
        func slot(_ key: UInt64) -> Int {
            Int(truncatingIfNeeded: (key &* 0x9e37_79b9_7f4a_7c15) >> 32) & (keys.count - 1)
        }

        func lookup(_ key: UInt64) -> UInt64? {
            var s = slot(key)
            while keys[s] != 0 {
                if keys[s] == key { return stems[s] }
                s = (s + 1) & (keys.count - 1)
            }
            return nil
        }

        mutating func insert(_ key: UInt64, _ stem: UInt64, maxSlots: Int) {
            if (count + 1) * 2 > keys.count {
                if keys.count >= maxSlots {
                    self = Table(slots: keys.count)
                } else {
                    var grown = Table(slots: keys.count * 2)
                    for i in 0..<keys.count where keys[i] != 0 { grown.insert(keys[i], stems[i], maxSlots: maxSlots) }
                    self = grown
                }
            }
            var s = slot(key)
            while keys[s] != 0 {
                if keys[s] == key { return }
                s = (s + 1) & (keys.count - 1)
            }
            keys[s] = key
            stems[s] = stem
            count += 1
        }
    }

    private let tables = Mutex<[String: Table]>([:])

    init(maxSlots: Int = 1 << 16) {
        precondition(maxSlots >= 1024 && maxSlots & (maxSlots - 1) == 0, "a power of two, 1,024 or more")
        self.maxSlots = maxSlots
    }

    /// The stem key of each term (`terms` are `WordTokens` hashes) for `algorithm`: the cached
    /// one, or `stem(i)` for term `i` when there is none, which is then cached. `stem` runs
    /// outside the lock.
    func stems(algorithm: String, terms: [UInt64], stem: (Int) -> UInt64) -> [UInt64] {
        var result = [UInt64](repeating: 0, count: terms.count)
        var missing: [Int] = []
        tables.withLock { tables in
            guard let table = tables[algorithm] else {
                missing = Array(terms.indices)
                return
            }
            for (i, term) in terms.enumerated() {
                // 0 marks an empty slot, so a term hashing to 0 is never cached.
                if term != 0, let found = table.lookup(term) { result[i] = found } else { missing.append(i) }
            }
        }
        guard !missing.isEmpty else { return result }
        for i in missing { result[i] = stem(i) }
        tables.withLock { tables in
            for i in missing where terms[i] != 0 {
                tables[algorithm, default: Table(slots: 1024)].insert(terms[i], result[i], maxSlots: maxSlots)
            }
        }
        return result
    }

    /// Entries cached for `algorithm` (tests).
    func count(algorithm: String) -> Int {
        tables.withLock { $0[algorithm]?.count ?? 0 }
    }
}
