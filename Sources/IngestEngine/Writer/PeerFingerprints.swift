import Foundation
import Logging
import NewsCore
import PostgresClient
import Synchronization

/// Near-duplicates across newsd hosts on one database: the fingerprints other instances
/// commit reach this writer's `NearDuplicateTracker` within moments, so an article stored by
/// host A and its near-duplicate dropped on host B a second later gets `duplicate_of`.
///
/// A connection of its own LISTENs on `newsd_articles` (every writer NOTIFYs its committed
/// article ids there, with its `instance.name`); the ids of other instances are read back
/// (`id`, `simhash`) and join the tracker as committed. Each time it connects it first reads
/// the fingerprints other instances stored in the last `catchUpSeconds` by the database's
/// clock, so what was committed while it was not listening (start-up, a lost connection) is not
/// missed; an article read back twice is not added twice (`addCommitted`).
///
/// Any role that can connect to the database may NOTIFY on the channel: a payload is only
/// ever read as ids, which are looked up in `articles`, so a forged one can add nothing but
/// stored articles' fingerprints, each at most once.
final class PeerFingerprints: Sendable {
    private let conninfo: String
    private let connectTimeout: Int
    private let instance: String
    /// This run of newsd: its own notifications carry it (a second host given the same
    /// `instance.name` is still another newsd).
    private let boot: String
    private let tracker: NearDuplicateTracker
    private let logger: Logger
    private let thread = StoppableThread(name: "newsd-peer-fingerprints")
    /// Fingerprints learnt from other instances (for tests and the log).
    let learnt = Atomic<Int>(0)

    /// How far back a (re)connection looks for what it may have missed.
    static let catchUpSeconds = 120
    /// Ids read back in one query.
    static let maxIDsPerQuery = 5_000
    /// Only articles stored this recently are read back for a notification: a peer's are
    /// seconds old, and ids of older articles (a forged payload) cost nothing more.
    static let recentSeconds = 600

    init(conninfo: String, connectTimeoutSeconds: Int, instance: String, boot: String, tracker: NearDuplicateTracker, logger: Logger) {
        self.boot = boot
        self.conninfo = conninfo
        self.connectTimeout = connectTimeoutSeconds
        self.instance = instance
        self.tracker = tracker
        self.logger = logger
    }

    func start() { thread.start { [self] in run() } }

    /// Stops listening; returns once the thread has closed its connection (it looks at the
    /// flag at least twice a second, or after a connection attempt's time-out), or after 2 s:
    /// a frozen database can hold a libpq call for ever, and shutdown does not wait for it.
    func stop() {
        if !thread.stop() { logger.notice("peer fingerprints: the listener did not stop within 2 s; stopping without it") }
    }

    private func run() {
        var delay = 0.25
        // Listening starts at once: what peers commit while the tracker loads joins the
        // index and is kept when the load is merged in (`finishLoad`).
        while !thread.isStopped {
            do {
                let conn = try PostgresConnection(conninfo: conninfo, connectTimeoutSeconds: connectTimeout)
                defer { conn.close() }
                // A read stuck behind a lock gives up rather than hold shutdown (stop waits for
                // this thread).
                try conn.query("SELECT set_config('statement_timeout', '10s', false) WHERE current_setting('statement_timeout') = '0'")
                try conn.query("LISTEN newsd_articles")
                try catchUp(conn)
                delay = 0.25
                try listen(conn)
            } catch {
                if thread.isStopped { break }
                logger.debug("peer fingerprints: not listening; trying again", metadata: ["error": "\(error)", "in_seconds": "\(delay)"])
                thread.sleep(delay)
                delay = min(delay * 2, 10)
            }
        }
    }

    private struct Payload: Decodable {
        var ids: [Int64]
        var instance: String?
        var boot: String?
    }

    /// Idle this long, the listener asks the server something, so a dead connection (a
    /// failover, a NAT that forgot it) is found and replaced, not listened on for hours.
    static let idleCheckSeconds = 30.0

    private func listen(_ conn: PostgresConnection) throws {
        var idle = 0.0
        while !thread.isStopped {
            guard let first = try conn.nextNotification(timeoutSeconds: 0.5) else {
                idle += 0.5
                if idle >= Self.idleCheckSeconds {
                    try conn.query("SELECT 1")
                    idle = 0
                }
                continue
            }
            idle = 0
            var ids = peerIDs(first)
            // Whatever else is queued already, read back in one query.
            while ids.count < Self.maxIDsPerQuery, let more = try conn.nextNotification(timeoutSeconds: 0) { ids += peerIDs(more) }
            guard !ids.isEmpty else { continue }
            add(try conn.query(
                """
                SELECT id, simhash FROM articles
                WHERE id = ANY(\(ids.map(String.init))::bigint[]) AND simhash IS NOT NULL AND word_count >= \(NearDuplicateTracker.minimumWords)
                  AND ingested_at > now() - make_interval(secs => \(Self.recentSeconds))
                """))
        }
    }

    /// The ids of a notification from another instance (none for this instance's own, or for
    /// a payload that is not newsd's).
    private func peerIDs(_ n: PostgresConnection.Notification) -> [Int64] {
        guard n.payload.hasPrefix("{\"ids\":["), let p = try? JSONDecoder().decode(Payload.self, from: Data(n.payload.utf8)) else { return [] }
        // Its own: by the run when the payload names one, else by the name.
        return (p.boot.map { $0 == boot } ?? (p.instance == instance)) ? [] : p.ids
    }

    private func catchUp(_ conn: PostgresConnection) throws {
        add(try conn.query(
            """
            SELECT a.id, a.simhash FROM articles a
            WHERE a.ingested_at > now() - make_interval(secs => \(Self.catchUpSeconds))
              AND a.simhash IS NOT NULL AND a.word_count >= \(NearDuplicateTracker.minimumWords)
              AND NOT EXISTS (SELECT 1 FROM ingest_log l WHERE l.article_id = a.id AND l.instance = \(instance))
            """))
    }

    private func add(_ rows: PostgresRows) {
        let entries = rows.rows.compactMap { row -> (fingerprint: UInt64, id: Int64)? in
            guard let id = row[0].flatMap({ Int64($0) }), let f = row[1].flatMap({ Int64($0) }) else { return nil }
            return (UInt64(bitPattern: f), id)
        }
        learnt.add(tracker.addCommitted(entries), ordering: .relaxed)
    }
}
