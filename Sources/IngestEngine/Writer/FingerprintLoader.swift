import Foundation
import Logging
import NewsCore
import PostgresClient

/// Loads the stored fingerprints into the writer's `NearDuplicateTracker` in the background, so
/// that writes begin at once however many articles are stored (issue 22: 1,000,000 stored
/// articles used to delay the first commit by 8.6 s and cost 270 MB).
///
/// On a connection of its own: applies the migrations (a fresh database has no `articles` yet),
/// reads the fingerprints of the articles of the last `duplicates.windowDays` days a page at a
/// time (`NearDuplicateTracker.read`), merges them (`finishLoad`), and writes the links found
/// late: articles committed during the load whose nearest earlier near-duplicate was among the
/// loaded ones. A failure (the database away) is retried with a doubling pause; the links are
/// kept until written.
final class FingerprintLoader: Sendable {
    private let conninfo: String
    private let connectTimeout: Int
    private let windowDays: Int
    private let tracker: NearDuplicateTracker
    private let logger: Logger
    private let thread = StoppableThread(name: "newsd-fingerprint-loader")

    init(conninfo: String, connectTimeoutSeconds: Int, windowDays: Int, tracker: NearDuplicateTracker, logger: Logger) {
        self.conninfo = conninfo
        self.connectTimeout = connectTimeoutSeconds
        self.windowDays = windowDays
        self.tracker = tracker
        self.logger = logger
    }

    func start() { thread.start { [self] in run() } }

    /// Stops between pages; returns once the thread is done, or after 2 s.
    func stop() {
        if !thread.stop() { logger.notice("near-duplicate index: the loader did not stop within 2 s; stopping without it") }
    }

    private func run() {
        var delay = 0.25
        var late: [(id: Int64, target: Int64)]?
        var loaded = 0
        let start = ContinuousClock.now
        while !thread.isStopped {
            do {
                let conn = try PostgresConnection(conninfo: conninfo, connectTimeoutSeconds: connectTimeout)
                defer { conn.close() }
                if late == nil {
                    // Without a time-out: a migration that builds an index on a large table may
                    // take minutes, and cancelling it would only make a writer do it again.
                    try Migrations.migrate(conn, logger: logger)
                }
                // A page is read in well under a second; a read stuck behind a lock gives up.
                try conn.query("SELECT set_config('statement_timeout', '5min', false)")
                if late == nil {
                    var load: NearDuplicateTracker.Load? = try NearDuplicateTracker.read(
                        conn, windowDays: windowDays, maxDistance: tracker.maxDistance, stop: { thread.isStopped })
                    if thread.isStopped { return }
                    loaded = load?.index.count ?? 0
                    late = tracker.finishLoad(&load)
                }
                try NearDuplicateTracker.writeLinks(late ?? [], conn)
                logger.info(
                    "near-duplicate index loaded",
                    metadata: [
                        "fingerprints": "\(loaded)", "window_days": "\(windowDays)", "linked_late": "\(late?.count ?? 0)",
                        "elapsed": "\(ContinuousClock.now - start)",
                    ])
                return
            } catch {
                if thread.isStopped { return }
                // The database away is the writer's to report; anything else (a privilege, a
                // missing index, a time-out) is this loader's, and near-duplicates of stored
                // articles go unseen until it is fixed.
                logger.log(
                    level: error.isTransientDatabaseError ? .debug : .warning,
                    "near-duplicate index: the stored fingerprints are not loaded yet; trying again",
                    metadata: ["error": "\(error)", "in_seconds": "\(delay)"])
                thread.sleep(delay)
                delay = min(delay * 2, 10)
            }
        }
    }
}
