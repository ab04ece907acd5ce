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
public final class NearDuplicateTracker: @unchecked Sendable {
    // @unchecked: `index`, `pending` and `loaded` are used only while holding `exclusive`
    // (or, for `loadIfNeeded`, `loading`).
    private let exclusive = NSLock()
    private let loading = NSLock()
    /// Articles shorter than this are neither matched nor indexed: a few words say too little.
    public static let minimumWords = 20

    private var index: NearDuplicateIndex
    private var pending: [(fingerprint: UInt64, id: Int64)] = []
    /// Whether the committed index has been loaded from the database.
    public private(set) var loaded = false

    /// Creates an empty tracker with the given radius.
    public init(maxDistance: Int) {
        index = NearDuplicateIndex(maxDistance: maxDistance)
    }

    /// Fingerprints in the committed index.
    public var count: Int {
        exclusive.lock()
        defer { exclusive.unlock() }
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
        var fresh = NearDuplicateIndex(maxDistance: index.maxDistance)
        for row in rows.rows {
            guard let id = row[0].flatMap({ Int64($0) }), let f = row[1].flatMap({ Int64($0) }) else { continue }
            fresh.insert(UInt64(bitPattern: f), id: id)
        }
        exclusive.lock()
        index = fresh
        loaded = true
        exclusive.unlock()
        return true
    }

    /// Takes the tracker for one transaction's matching, until `commit()` or `rollback()`.
    public func acquire() { exclusive.lock() }

    /// The earlier article `fingerprint` is a near-duplicate of, if any (nearest; lowest id on a tie).
    public func match(_ fingerprint: UInt64) -> Int64? {
        var best = index.nearest(to: fingerprint)
        for p in pending {
            let d = SimHash.distance(p.fingerprint, fingerprint)
            guard d <= index.maxDistance else { continue }
            if let b = best, (b.distance, b.id) <= (d, p.id) { continue }
            best = (p.id, d)
        }
        return best?.id
    }

    /// The nearest committed article within the radius (lowest id on a tie), without holding
    /// the tracker: a first answer, before the transaction's own articles are known.
    public func nearestCommitted(_ fingerprint: UInt64) -> Int64? {
        exclusive.lock()
        defer { exclusive.unlock() }
        return index.nearest(to: fingerprint)?.id
    }

    /// Notes an article inserted by the transaction in progress.
    public func add(_ fingerprint: UInt64, id: Int64) { pending.append((fingerprint, id)) }

    /// The transaction committed: its articles join the index, and the tracker is released.
    public func commit() {
        for p in pending { index.insert(p.fingerprint, id: p.id) }
        pending = []
        exclusive.unlock()
    }

    /// The transaction failed: its articles are forgotten, and the tracker is released.
    public func rollback() {
        pending = []
        exclusive.unlock()
    }
}
