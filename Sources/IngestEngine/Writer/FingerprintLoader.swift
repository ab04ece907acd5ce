import Foundation
import Logging
import NewsCore
import PostgresClient
import Synchronization

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
    private let stopped = Atomic<Bool>(false)
    private let started = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    init(conninfo: String, connectTimeoutSeconds: Int, windowDays: Int, tracker: NearDuplicateTracker, logger: Logger) {
        self.conninfo = conninfo
        self.connectTimeout = connectTimeoutSeconds
        self.windowDays = windowDays
        self.tracker = tracker
        self.logger = logger
    }

    func start() {
        let t = Thread { [self] in
            run()
            finished.signal()
        }
        t.name = "newsd-fingerprint-loader"
        started.store(true, ordering: .relaxed)
        t.start()
    }

    /// Stops between pages; returns once the thread is done, or after 2 s (a frozen database can
    /// hold a libpq call for ever).
    func stop() {
        stopped.store(true, ordering: .relaxed)
        guard started.load(ordering: .relaxed) else { return }
        if finished.wait(timeout: .now() + .seconds(2)) == .timedOut {
            logger.notice("near-duplicate index: the loader did not stop within 2 s; stopping without it")
        }
    }

    private func run() {
        var delay = 0.25
        var late: [(id: Int64, target: Int64)]?
        var loaded = 0
        let start = ContinuousClock.now
        while !stopped.load(ordering: .relaxed) {
            do {
                let conn = try PostgresConnection(conninfo: conninfo, connectTimeoutSeconds: connectTimeout)
                defer { conn.close() }
                // A page is read in well under a second; a read stuck behind a lock gives up.
                try conn.query("SELECT set_config('statement_timeout', '5min', false)")
                if late == nil {
                    try Migrations.migrate(conn, logger: logger)
                    let load = try NearDuplicateTracker.read(
                        conn, windowDays: windowDays, maxDistance: tracker.maxDistance, stop: { stopped.load(ordering: .relaxed) })
                    if stopped.load(ordering: .relaxed) { return }
                    loaded = load.index.count
                    late = tracker.finishLoad(load.index, through: load.through)
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
                if stopped.load(ordering: .relaxed) { return }
                logger.debug("near-duplicate index: not loaded yet; trying again", metadata: ["error": "\(error)", "in_seconds": "\(delay)"])
                var slept = 0.0
                while slept < delay, !stopped.load(ordering: .relaxed) {
                    Thread.sleep(forTimeInterval: 0.1)
                    slept += 0.1
                }
                delay = min(delay * 2, 10)
            }
        }
    }
}
