import NewsCore
import PostgresClient

/// The writer's view of stored fingerprints: the committed index, loaded from `articles.simhash`
/// on the first connection, plus the articles of the transaction in progress, which join the
/// index only when it commits. Used only on the writer's queue.
public final class NearDuplicateTracker: @unchecked Sendable {
    // @unchecked: confined to the single writer queue (or one test thread).
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
    public var count: Int { index.count }

    /// Loads every stored fingerprint (once).
    public func loadIfNeeded(_ conn: PostgresConnection) throws {
        guard !loaded else { return }
        let rows = try conn.query(
            "SELECT id, simhash FROM articles WHERE simhash IS NOT NULL AND word_count >= \(Self.minimumWords) ORDER BY id")
        var fresh = NearDuplicateIndex(maxDistance: index.maxDistance)
        for row in rows.rows {
            guard let id = row[0].flatMap({ Int64($0) }), let f = row[1].flatMap({ Int64($0) }) else { continue }
            fresh.insert(UInt64(bitPattern: f), id: id)
        }
        index = fresh
        loaded = true
    }

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

    /// Notes an article inserted by the transaction in progress.
    public func add(_ fingerprint: UInt64, id: Int64) { pending.append((fingerprint, id)) }

    /// The transaction committed: its articles join the index.
    public func commit() {
        for p in pending { index.insert(p.fingerprint, id: p.id) }
        pending = []
    }

    /// The transaction failed: forget its articles.
    public func rollback() { pending = [] }
}
