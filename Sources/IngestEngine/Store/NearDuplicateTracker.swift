import Foundation
import NewsCore
import PostgresClient

/// The writers' view of stored fingerprints: the committed index, loaded from `articles.simhash`
/// in the background (`FingerprintLoader`), plus the articles of the transaction in progress,
/// which join the index only when it commits.
///
/// Writes do not wait for the load. Until it is done the index holds what was committed since
/// start-up; the load (the stored articles up to the largest id when it began) is then merged
/// in, and every article committed meanwhile is matched again against what was loaded: where
/// a loaded article is nearer (or as near, with a lower id) than the link it got, `finishLoad`
/// returns the better link for the loader to write. A near-duplicate found late is linked
/// late, by the same rule.
///
/// Writer connections share one tracker. A transaction takes it with `acquire()` before its
/// first `match` and gives it back with `commit()` or `rollback()` after its COMMIT or ROLLBACK,
/// so each batch is matched against every batch committed before it, as with one writer.
///
/// The committed index has a lock of its own, held only for a look-up or an insert: a writer
/// preparing its rows (`nearestCommitted`) does not wait for another's COMMIT. Each commit is a
/// generation, and the recently committed fingerprints are kept with theirs, so `match` need
/// not search the whole index again: the nearest committed article at the generation the rows
/// were prepared, compared with what was committed since, is the nearest now.
public final class NearDuplicateTracker: @unchecked Sendable {
    // @unchecked: `pending` is used only while holding `exclusive`; `index`, `recent`,
    // `generation`, `trimmedThrough` and `loaded` only while holding `indexLock`.
    private let exclusive = NSLock()
    private let indexLock = NSLock()
    private let loading = NSLock()
    /// Articles shorter than this are neither matched nor indexed: a few words say too little.
    public static let minimumWords = 20
    /// Recently committed fingerprints kept for `match` (older generations search the index).
    static let recentLimit = 4096

    private var index: NearDuplicateIndex
    private var pending: [(fingerprint: UInt64, id: Int64)] = []
    private var generation = 0
    private var recent: [(generation: Int, fingerprint: UInt64, id: Int64)] = []
    /// Entries of generations up to this one may have left `recent`.
    private var trimmedThrough = 0
    private var isLoaded = false
    /// While loading: this writer's own new articles with the link each got, to match again.
    /// (What was committed since start-up, here or by peers, is the index itself until then.)
    private var linkedWhileLoading: [Watched] = []
    private var pendingWatched: [Watched] = []

    /// At most this many articles committed during a load are kept to be matched again (about
    /// 40 MB): past them, a load that never finishes (a database that refuses the read) stops
    /// costing memory, and articles committed later keep the link they got (they are merged
    /// into the index all the same).
    static let whileLoadingLimit = 1_000_000

    /// An article committed during the load, and the near-duplicate it was linked to.
    struct Watched {
        var id: Int64
        var fingerprint: UInt64
        var link: (id: Int64, distance: Int)?
    }

    /// Whether the committed index has been loaded from the database.
    public var loaded: Bool {
        indexLock.lock()
        defer { indexLock.unlock() }
        return isLoaded
    }

    /// Creates an empty tracker with the given radius.
    public init(maxDistance: Int) {
        index = NearDuplicateIndex(maxDistance: maxDistance)
        self.maxDistance = maxDistance
    }

    /// The radius (bits).
    public let maxDistance: Int

    /// Fingerprints in the committed index.
    public var count: Int {
        indexLock.lock()
        defer { indexLock.unlock() }
        return index.count
    }

    /// Loads the stored fingerprints now, on `conn` (tests and tools; newsd loads in the
    /// background with `FingerprintLoader`). Returns whether this call loaded them.
    @discardableResult
    public func loadIfNeeded(_ conn: PostgresConnection, windowDays: Int = 0) throws -> Bool {
        loading.lock()
        defer { loading.unlock() }
        guard !loaded else { return false }
        var load: Load? = try Self.read(conn, windowDays: windowDays, maxDistance: maxDistance)
        let late = finishLoad(&load)
        try Self.writeLinks(late, conn)
        return true
    }

    /// What a load read: the index and the largest id it covers.
    public struct Load {
        public var index: NearDuplicateIndex
        public var through: Int64
    }

    /// Fingerprints read a page at a time (through `articles_fingerprint_idx`, an index-only
    /// scan), so memory holds the index and one page, not every row as text.
    static let pageRows = 50_000

    /// Reads the fingerprints of the articles stored up to now (those of the last `windowDays`
    /// days, 0: all) into an index, a page at a time; `stop` is asked between pages.
    public static func read(
        _ conn: PostgresConnection, windowDays: Int, maxDistance: Int, stop: () -> Bool = { false }
    ) throws -> Load {
        let through = Int64(try conn.query("SELECT coalesce(max(id), 0) FROM articles").scalar ?? "0") ?? 0
        // The window's first article: ids grow with time, so the first by ingested_at (an index
        // look-up) bounds the ids to read.
        var after: Int64 = 0
        if windowDays > 0 {
            let first = try conn.query(
                "SELECT id FROM articles WHERE ingested_at >= now() - make_interval(days => \(windowDays)) ORDER BY ingested_at LIMIT 1"
            ).scalar
            after = first.flatMap { Int64($0) }.map { $0 - 1 } ?? through
        }
        var index = NearDuplicateIndex(maxDistance: maxDistance)
        let expected = try conn.query(
            "SELECT count(*) FROM articles WHERE id > \(after) AND id <= \(through) AND simhash IS NOT NULL AND word_count >= \(minimumWords)"
        ).scalar.flatMap { Int($0) } ?? 0
        index.reserveCapacity(expected)
        var page: [(fingerprint: UInt64, id: Int64)] = []
        page.reserveCapacity(pageRows)
        while after < through, !stop() {
            let rows = try conn.query(
                """
                SELECT id, simhash FROM articles
                WHERE id > \(after) AND id <= \(through) AND simhash IS NOT NULL AND word_count >= \(minimumWords)
                ORDER BY id LIMIT \(pageRows)
                """)
            page.removeAll(keepingCapacity: true)
            for row in rows.rows {
                guard let id = row[0].flatMap({ Int64($0) }), let f = row[1].flatMap({ Int64($0) }) else { continue }
                page.append((UInt64(bitPattern: f), id))
            }
            guard let last = page.last else { break }
            index.insert(contentsOf: page, buildTables: false)
            after = last.id
        }
        index.buildTables()
        return Load(index: index, through: through)
    }

    /// Merges a load (the stored articles with ids up to its `through`) into the index, and
    /// returns the better links found for the articles this writer committed while it ran:
    /// (article, its nearest earlier near-duplicate among those loaded). Takes the load (it is
    /// nil after): the index becomes the tracker's without a copy (a copy of millions of
    /// entries would double the memory for a moment).
    public func finishLoad(_ load: inout Load?) -> [(id: Int64, target: Int64)] {
        guard let through = load?.through, var merged = load?.index else { return [] }
        load = nil
        exclusive.lock()
        indexLock.lock()
        defer {
            indexLock.unlock()
            exclusive.unlock()
        }
        guard !isLoaded else { return [] }
        var late: [(id: Int64, target: Int64)] = []
        for w in linkedWhileLoading {
            guard let best = merged.nearest(to: w.fingerprint, before: w.id) else { continue }
            if let link = w.link, (link.distance, link.id) <= (best.distance, best.id) { continue }
            late.append((w.id, best.id))
        }
        // An article committed while loading may have been read by the load too (a page read
        // after its commit): it is not added twice.
        let fresh = index.entries.filter { e in
            guard e.1 <= through, let n = merged.nearest(to: e.0), n.distance == 0 else { return true }
            return n.id != e.1
        }.map { (fingerprint: $0.0, id: $0.1) }
        merged.insert(contentsOf: fresh)
        index = merged
        isLoaded = true
        linkedWhileLoading = []
        // Answers prepared against the old index must search the new one.
        generation += 1
        trimmedThrough = generation
        recent = []
        return late
    }

    /// Writes links found late (`finishLoad`); a target or article deleted since is left out.
    public static func writeLinks(_ links: [(id: Int64, target: Int64)], _ conn: PostgresConnection) throws {
        var start = 0
        while start < links.count {
            let chunk = links[start..<min(links.count, start + 5_000)]
            try conn.query(
                """
                UPDATE articles a SET duplicate_of = l.target
                FROM (SELECT i::bigint AS id, t::bigint AS target
                      FROM unnest(\(chunk.map { String($0.id) })::text[], \(chunk.map { String($0.target) })::text[]) AS u(i, t)) l
                WHERE a.id = l.id AND a.duplicate_of IS DISTINCT FROM l.target
                  AND EXISTS (SELECT 1 FROM articles b WHERE b.id = l.target)
                """)
            start += chunk.count
        }
    }

    /// Takes the tracker for one transaction's matching, until `commit()` or `rollback()`.
    public func acquire() { exclusive.lock() }

    /// The nearest committed article at some moment, and that moment's generation.
    public struct Committed: Sendable, Equatable {
        /// The article and its distance, if one was within the radius.
        public var nearest: (id: Int64, distance: Int)?
        public var generation: Int

        public static func == (a: Committed, b: Committed) -> Bool {
            a.generation == b.generation && a.nearest?.id == b.nearest?.id && a.nearest?.distance == b.nearest?.distance
        }
    }

    /// The earlier article `fingerprint` is a near-duplicate of, if any (nearest; lowest id on a
    /// tie). With `seen` (from `nearestCommitted`), only what was committed since is searched.
    public func match(_ fingerprint: UInt64, seen: Committed? = nil) -> Int64? {
        nearest(fingerprint, seen: seen)?.id
    }

    /// `match` with the distance.
    public func nearest(_ fingerprint: UInt64, seen: Committed? = nil) -> (id: Int64, distance: Int)? {
        var best = nearestCommittedNow(fingerprint, seen: seen)
        for p in pending {
            let d = SimHash.distance(p.fingerprint, fingerprint)
            guard d <= maxDistance else { continue }
            if let b = best, (b.distance, b.id) <= (d, p.id) { continue }
            best = (p.id, d)
        }
        return best
    }

    private func nearestCommittedNow(_ fingerprint: UInt64, seen: Committed?) -> (id: Int64, distance: Int)? {
        indexLock.lock()
        defer { indexLock.unlock() }
        guard let seen, seen.generation >= trimmedThrough else { return index.nearest(to: fingerprint) }
        var best = seen.nearest
        // `recent` is in generation order: the entries committed after `seen` are at its end.
        for e in recent.reversed() {
            if e.generation <= seen.generation { break }
            let d = SimHash.distance(e.fingerprint, fingerprint)
            guard d <= maxDistance else { continue }
            if let b = best, (b.distance, b.id) <= (d, e.id) { continue }
            best = (e.id, d)
        }
        return best
    }

    /// The nearest committed article within the radius (lowest id on a tie), without holding
    /// the tracker: a first answer, before the transaction's own articles are known.
    public func nearestCommitted(_ fingerprint: UInt64) -> Committed {
        indexLock.lock()
        defer { indexLock.unlock() }
        return Committed(nearest: index.nearest(to: fingerprint), generation: generation)
    }

    /// Notes an article inserted by the transaction in progress, and the near-duplicate it was
    /// linked to (`nearest`).
    public func add(_ fingerprint: UInt64, id: Int64, link: (id: Int64, distance: Int)? = nil) {
        pending.append((fingerprint, id))
        pendingWatched.append(Watched(id: id, fingerprint: fingerprint, link: link))
    }

    /// The transaction committed: its articles join the index, and the tracker is released.
    public func commit() {
        indexLock.lock()
        insertCommitted(pending)
        if !isLoaded, linkedWhileLoading.count < Self.whileLoadingLimit { linkedWhileLoading.append(contentsOf: pendingWatched) }
        indexLock.unlock()
        pending = []
        pendingWatched = []
        exclusive.unlock()
    }

    /// Articles another newsd committed to the same database (`PeerFingerprints`): they join
    /// the index as a generation of their own, so a batch prepared before sees them when it is
    /// matched. The tracker need not be held: this is a commit that is already done.
    ///
    /// A fingerprint the index holds already (at distance 0) is not added again: an article
    /// read back twice (a catch-up after a reconnection, or ids sent again by anyone who may
    /// NOTIFY on the channel) leaves the index as it was, so it never holds more entries than
    /// the table has distinct fingerprints. Returns how many were added.
    @discardableResult
    public func addCommitted(_ entries: [(fingerprint: UInt64, id: Int64)]) -> Int {
        guard !entries.isEmpty else { return 0 }
        indexLock.lock()
        defer { indexLock.unlock() }
        var fresh: [(fingerprint: UInt64, id: Int64)] = []
        var seen = Set<UInt64>()
        for e in entries where index.nearest(to: e.fingerprint)?.distance != 0 && seen.insert(e.fingerprint).inserted {
            fresh.append(e)
        }
        guard !fresh.isEmpty else { return 0 }
        insertCommitted(fresh)
        return fresh.count
    }

    /// One generation of committed articles; `indexLock` held.
    private func insertCommitted(_ entries: [(fingerprint: UInt64, id: Int64)]) {
        generation += 1
        for e in entries {
            index.insert(e.fingerprint, id: e.id)
            recent.append((generation, e.fingerprint, e.id))
        }
        if recent.count > Self.recentLimit {
            let drop = recent.count - Self.recentLimit / 2
            trimmedThrough = recent[drop - 1].generation
            recent.removeFirst(drop)
        }
    }

    /// The transaction failed: its articles are forgotten, and the tracker is released.
    public func rollback() {
        pending = []
        pendingWatched = []
        exclusive.unlock()
    }
}
