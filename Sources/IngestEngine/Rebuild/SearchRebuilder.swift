@preconcurrency import Dispatch
import Foundation
import Logging
import NewsCore
import NewsProtocol
import PostgresClient
import Synchronization

/// Builds again, in each article's own language, the search vectors of rows stored before
/// newsd chose a text search configuration per language (migration 7 left them English, with
/// `search_config` NULL), and of rows other tools insert without one.
///
/// It runs in the background on a connection of its own, in batches of `batchSize` rows taken
/// in id order, each a short transaction: `SELECT … FOR UPDATE SKIP LOCKED` picks rows nobody
/// else holds, and `UPDATE … SET search_config` names their configuration, from which the
/// `articles_search` trigger builds the vector. Ingestion inserts new rows and never waits for
/// it; a second newsd on the same database skips the rows this one holds, and neither ever
/// waits for the other's rows, so they cannot deadlock. Nothing is remembered between runs:
/// the rows left are the rows still NULL, so a restart takes up where the last run stopped.
/// Once none are left it looks again every `idleInterval`.
public final class SearchRebuilder: Sendable {
    /// Rows per transaction by default (`search.rebuildBatchSize`).
    public static let defaultBatchSize = 500

    private let progress = Mutex<SearchRebuildProgress?>(nil)
    private let stopping = Atomic<Bool>(false)
    private let finished = Atomic<Bool>(false)
    /// Between "search rebuild started" and "finished" in the log.
    private let active = Atomic<Bool>(false)
    /// Signalled by `stop` to end a wait early.
    private let wake = DispatchSemaphore(value: 0)
    private let queue = DispatchQueue(label: "newsd.search-rebuild", qos: .utility)
    /// Rows whose vector cannot be built (an error about the row itself, in its configuration
    /// and in English): left NULL, and not tried again until the next start.
    private let skipped = Mutex<[String]>([])
    private let conninfo: String
    private let connectTimeout: Int
    private let batchSize: Int
    private let idleInterval: Duration
    private let retryInterval: Duration
    private let logger: Logger

    /// A rebuilder for the database at `conninfo`; nothing runs until `start`.
    public init(
        conninfo: String, connectTimeoutSeconds: Int = 5, batchSize: Int = defaultBatchSize,
        idleInterval: Duration = .seconds(60),
        retryInterval: Duration = .seconds(5), logger: Logger
    ) {
        self.conninfo = conninfo
        self.connectTimeout = connectTimeoutSeconds
        self.batchSize = max(1, batchSize)
        self.idleInterval = idleInterval
        self.retryInterval = retryInterval
        self.logger = logger
    }

    /// Progress since start-up; nil until it has counted the rows left.
    public var snapshot: SearchRebuildProgress? { progress.withLock { $0 } }

    /// Whether the loop has returned after `stop`.
    public var isFinished: Bool { finished.load(ordering: .acquiring) }

    /// Starts the loop on a queue of its own.
    public func start() {
        queue.async { self.run() }
    }

    /// Stops before the next batch (a batch being written commits first); `isFinished` says
    /// when it has.
    public func stop() {
        stopping.store(true, ordering: .releasing)
        wake.signal()
    }

    /// Waits `duration`, or less when stopped. Returns false when stopped.
    private func pause(_ duration: Duration) -> Bool {
        let c = duration.components
        let milliseconds = Int(clamping: c.seconds) &* 1000 + Int(c.attoseconds / 1_000_000_000_000_000)
        _ = wake.wait(timeout: .now() + .milliseconds(max(0, milliseconds)))
        return !stopping.load(ordering: .acquiring)
    }

    private var isStopping: Bool { stopping.load(ordering: .acquiring) }

    private func run() {
        defer { finished.store(true, ordering: .releasing) }
        var connection: PostgresConnection?
        var failing = false
        while !isStopping {
            do {
                let conn = try connection ?? connect()
                connection = conn
                if failing {
                    logger.notice("search rebuild: database reachable again")
                    failing = false
                }
                let left = try rowsLeft(conn)
                guard left > 0 else {
                    finish()
                    if !pause(idleInterval) { break }
                    continue
                }
                begin(left: left)
                let done = try pass(conn)
                // Rows are left that another newsd holds (or that were written meanwhile):
                // count again after a moment rather than at once.
                if done == 0, !pause(.seconds(1)) { break }
            } catch {
                connection?.close()
                connection = nil
                progress.withLock { p in
                    if p == nil { p = SearchRebuildProgress(state: .failed, rowsLeft: 0, rebuilt: 0, batchSize: batchSize) }
                    p?.state = .failed
                    p?.error = "\(error)"
                }
                if !failing {
                    logger.warning(
                        "search rebuild: cannot continue; trying again",
                        metadata: ["error": "\(error)", "sqlstate": "\(error.postgresError?.sqlState ?? "")"])
                    failing = true
                }
                if !pause(retryInterval) { break }
            }
        }
        connection?.close()
        if active.load(ordering: .acquiring), let p = snapshot {
            logger.notice("search rebuild stopped; it goes on at the next start", metadata: ["rows_left": "\(p.rowsLeft)"])
        }
    }

    private func connect() throws -> PostgresConnection {
        let conn = try PostgresConnection(
            conninfo: conninfo, applicationName: "newsd search rebuild", connectTimeoutSeconds: connectTimeout)
        // The writer migrates too; whichever comes first applies migration 7, under the lock.
        try Migrations.migrate(conn, logger: logger)
        // Its UPDATEs add search-index entries, as the writers' inserts do.
        try ArticleStore.prepareWriterSession(conn)
        return conn
    }

    /// Rows still NULL, less those skipped for good: cheap, the partial index
    /// `articles_search_pending_idx` holds just the NULL ones.
    private func rowsLeft(_ conn: PostgresConnection) throws -> Int {
        let skip = skipped.withLock { $0 }
        return Int(
            try conn.query("SELECT count(*) FROM articles WHERE search_config IS NULL AND NOT id = ANY(\(skip)::bigint[])").scalar
                ?? "")
            ?? 0
    }

    private func begin(left: Int) {
        progress.withLock { p in
            if p == nil { p = SearchRebuildProgress(state: .running, rowsLeft: left, rebuilt: 0, batchSize: batchSize) }
            p?.state = .running
            p?.rowsLeft = left
            p?.error = nil
        }
        // Said once per rebuild, not again after a pause for the database.
        if !active.exchange(true, ordering: .acquiringAndReleasing) {
            logger.notice(
                "search rebuild started: vectors stored before are built again in each article's language",
                metadata: ["rows": "\(left)", "batch_size": "\(batchSize)"])
        }
    }

    private func finish() {
        let rebuilt = progress.withLock { p -> Int in
            if p == nil { p = SearchRebuildProgress(state: .done, rowsLeft: 0, rebuilt: 0, batchSize: batchSize) }
            p?.state = .done
            p?.rowsLeft = 0
            p?.error = nil
            return p?.rebuilt ?? 0
        }
        if active.exchange(false, ordering: .acquiringAndReleasing) {
            logger.notice("search rebuild finished", metadata: ["rebuilt": "\(rebuilt)"])
        }
    }

    /// One pass over the rows left, in id order; returns how many it rebuilt.
    private func pass(_ conn: PostgresConnection) throws -> Int {
        var after: Int64 = 0
        var total = 0
        while !isStopping {
            guard let (last, count) = try batch(conn, after: after) else { break }
            after = last
            total += count
            progress.withLock { p in
                guard var q = p else { return }
                q.rebuilt += count
                q.rowsLeft = max(0, q.rowsLeft - count)
                p = q
            }
        }
        return total
    }

    /// Rebuilds the next rows after id `after` that nobody else holds: the last id it looked
    /// at and how many it rebuilt, or nil when none are left.
    private func batch(_ conn: PostgresConnection, after: Int64) throws -> (Int64, Int)? {
        let skip = skipped.withLock { $0 }
        do {
            return try conn.withTransaction { tx -> (Int64, Int)? in
                let rows = try tx.query(
                    """
                    SELECT id, language FROM articles
                    WHERE search_config IS NULL AND id > \(after) AND NOT id = ANY(\(skip)::bigint[])
                    ORDER BY id LIMIT \(batchSize)
                    FOR UPDATE SKIP LOCKED
                    """
                ).rows
                let ids = rows.compactMap { $0[0] }
                guard let last = ids.last.flatMap({ Int64($0) }) else { return nil }
                let configs = rows.map { SearchConfiguration.forLanguage($0[1]) }
                return (last, try Self.update(tx, ids: ids, configs: configs))
            }
        } catch  where error.postgresError?.isRowDataError == true {
            // One row's text cannot be indexed in its configuration (a vector over 1 MB, say):
            // the others are rebuilt one at a time, and that one kept as it was.
            return try oneByOne(conn, after: after)
        }
    }

    /// The next batch, a transaction per row: a row refused in its configuration keeps its
    /// English vector and is named in the log.
    private func oneByOne(_ conn: PostgresConnection, after: Int64) throws -> (Int64, Int)? {
        let skip = skipped.withLock { $0 }
        let rows = try conn.query(
            """
            SELECT id, language FROM articles
            WHERE search_config IS NULL AND id > \(after) AND NOT id = ANY(\(skip)::bigint[])
            ORDER BY id LIMIT \(batchSize)
            """
        ).rows
        guard let last = rows.last?[0].flatMap({ Int64($0) }) else { return nil }
        var count = 0
        for row in rows {
            guard let id = row[0] else { continue }
            let config = SearchConfiguration.forLanguage(row[1])
            do {
                count += try conn.withTransaction { tx in
                    guard
                        try tx.query(
                            "SELECT 1 FROM articles WHERE id = \(id)::bigint AND search_config IS NULL FOR UPDATE SKIP LOCKED"
                        )
                        .rows.count == 1
                    else { return 0 }
                    return try Self.update(tx, ids: [id], configs: [config])
                }
            } catch  where error.postgresError?.isRowDataError == true {
                skipped.withLock { $0.append(id) }
                logger.warning(
                    "search rebuild: an article's vector cannot be built in its language; it keeps the English one",
                    metadata: ["article_id": "\(id)", "config": "\(config)", "error": "\(error)"])
            }
        }
        return (last, count)
    }

    private static func update(_ tx: PostgresConnection, ids: [String], configs: [String]) throws -> Int {
        try tx.query(
            """
            UPDATE articles a SET search_config = u.config::regconfig
            FROM unnest(\(ids)::bigint[], \(configs)::text[]) AS u(id, config)
            WHERE a.id = u.id
            """
        ).affected
    }
}
