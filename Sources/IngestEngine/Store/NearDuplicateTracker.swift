import Foundation
import NewsCore
import PostgresClient

/// The writers' view of stored fingerprints: the committed index, loaded from `articles.simhash`
/// on the first connection, plus the articles of the transaction in progress, which join the
/// index only when it commits.
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

    private let maxDistance: Int

    /// Fingerprints in the committed index.
    public var count: Int {
        indexLock.lock()
        defer { indexLock.unlock() }
        return index.count
    }

    /// Loads every stored fingerprint (once). Returns whether this call loaded them.
    @discardableResult
    public func loadIfNeeded(_ conn: PostgresConnection) throws -> Bool {
        loading.lock()
        defer { loading.unlock() }
        guard !loaded else { return false }
        let rows = try conn.query(
            "SELECT id, simhash FROM articles WHERE simhash IS NOT NULL AND word_count >= \(Self.minimumWords) ORDER BY id")
        var fresh = NearDuplicateIndex(maxDistance: maxDistance)
        for row in rows.rows {
            guard let id = row[0].flatMap({ Int64($0) }), let f = row[1].flatMap({ Int64($0) }) else { continue }
            fresh.insert(UInt64(bitPattern: f), id: id)
        }
        exclusive.lock()
        indexLock.lock()
        index = fresh
        isLoaded = true
        // Answers prepared against the old index must search the new one.
        generation += 1
        trimmedThrough = generation
        recent = []
        indexLock.unlock()
        exclusive.unlock()
        return true
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
        var best = nearestCommittedNow(fingerprint, seen: seen)
        for p in pending {
            let d = SimHash.distance(p.fingerprint, fingerprint)
            guard d <= maxDistance else { continue }
            if let b = best, (b.distance, b.id) <= (d, p.id) { continue }
            best = (p.id, d)
        }
        return best?.id
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

    /// Notes an article inserted by the transaction in progress.
    public func add(_ fingerprint: UInt64, id: Int64) { pending.append((fingerprint, id)) }

    /// The transaction committed: its articles join the index, and the tracker is released.
    public func commit() {
        indexLock.lock()
        insertCommitted(pending)
        indexLock.unlock()
        pending = []
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
        exclusive.unlock()
    }
}
