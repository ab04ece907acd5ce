@preconcurrency import Dispatch
import Foundation
import Logging
import NewsCore
import PostgresClient
import Synchronization

/// A parsed file waiting to be written.
public struct PendingWrite: Sendable {
    /// The claimed file.
    public var file: ClaimedFile
    /// What to record for it.
    public var record: IngestRecord
}

/// The single database writer. Collects parsed files into batches (flush at `batchSize` files or
/// `flushInterval` after the first one, whichever comes first), writes each batch in one
/// transaction, and only then moves the batch's files out of the spool.
///
/// On a transient database error the batch is kept, in order, and retried with exponential
/// backoff on a new connection; nothing is dropped. A non-transient error (the database
/// refuses one row) isolates the offending file by writing the batch one file at a time.
public final class BatchWriter: @unchecked Sendable {
    // @unchecked: every mutable property below is read and written only on `queue`.
    private let queue = DispatchQueue(label: "newsd.writer", qos: .userInitiated)
    private var pending: BoundedQueue<PendingWrite>
    private var connection: PostgresConnection?
    private var timer: DispatchSourceTimer?
    private var backingOff = false
    private var backoffMilliseconds: Int
    private var stopping = false
    private let waiting = Atomic<Int>(0)
    private let capacity: Int
    private var batchSize: Int
    private var flushInterval: Int

    private let conninfo: String
    private let connectTimeout: Int
    private let retryInitial: Int
    private let retryMax: Int
    private let finisher: Finisher
    private let duplicates: NearDuplicateTracker
    private let stats: IngestStats
    private let logger: Logger

    /// Creates a writer; it connects on the first batch.
    private let onConnected: @Sendable () -> Void

    /// Creates a writer; it connects on the first batch. `onConnected` runs (on the writer's
    /// queue) after each successful connection, once migrations have been applied.
    private let metrics: NewsdMetrics?

    init(
        config: NewsdConfig, finisher: Finisher, stats: IngestStats, logger: Logger, metrics: NewsdMetrics? = nil,
        onConnected: @escaping @Sendable () -> Void = {}
    ) {
        self.metrics = metrics
        self.onConnected = onConnected
        pending = BoundedQueue(capacity: config.maxInFlight)
        capacity = config.maxInFlight
        batchSize = config.batchSize
        flushInterval = config.flushIntervalMilliseconds
        conninfo = config.databaseURL
        connectTimeout = config.connectTimeoutSeconds
        retryInitial = config.retryInitialMilliseconds
        retryMax = config.retryMaxMilliseconds
        backoffMilliseconds = config.retryInitialMilliseconds
        self.finisher = finisher
        self.duplicates = NearDuplicateTracker(maxDistance: config.duplicateMaxDistance)
        self.stats = stats
        self.logger = logger
    }

    /// Queues a parsed file.
    public func submit(_ write: PendingWrite) {
        waiting.add(1, ordering: .relaxed)
        queue.async {
            if !self.pending.push(write) {
                // Cannot happen while claims are bounded by maxInFlight; keep the file safe anyway.
                self.pending.pushFront(contentsOf: [write])
                self.logger.error("writer queue over capacity", metadata: ["file": "\(write.file.display)"])
            }
            self.schedule()
        }
    }

    /// Files waiting for the database (queued or in the batch being written) and the
    /// queue's capacity. Read without the writer's queue, which may be busy with the database.
    public var depth: (waiting: Int, capacity: Int) {
        (waiting.load(ordering: .relaxed), capacity)
    }

    /// Applies reloadable settings.
    func reconfigure(batchSize: Int, flushIntervalMilliseconds: Int) {
        queue.async {
            self.batchSize = batchSize
            self.flushInterval = flushIntervalMilliseconds
            self.schedule()
        }
    }

    /// Stops waiting for full batches: everything pending is written as soon as possible.
    func beginShutdown() {
        queue.async {
            self.stopping = true
            self.schedule()
        }
    }

    /// Connects (and migrates) now, on the writer's queue, so start-up can report the database
    /// state early. Returns immediately; failures go through the usual backoff.
    func connectEarly() {
        queue.async {
            do {
                _ = try self.ensureConnection()
            } catch {
                self.failedTransiently(error, batch: [])
            }
        }
    }

    private func schedule() {
        guard !backingOff, !pending.isEmpty else { return }
        if stopping || pending.count >= batchSize || flushInterval == 0 {
            flush()
        } else if timer == nil {
            let t = DispatchSource.makeTimerSource(queue: queue)
            t.schedule(deadline: .now() + .milliseconds(flushInterval))
            t.setEventHandler { [weak self] in
                guard let self else { return }
                self.timer?.cancel()
                self.timer = nil
                self.flush()
            }
            timer = t
            t.resume()
        }
    }

    private func flush() {
        timer?.cancel()
        timer = nil
        while !backingOff, !pending.isEmpty {
            let batch = pending.pop(upTo: batchSize)
            write(batch)
            // A partial batch waits for the timer unless we are shutting down.
            if !stopping && pending.count < batchSize { break }
        }
        schedule()
    }

    private func ensureConnection() throws -> PostgresConnection {
        if let connection, connection.isConnected { return connection }
        connection = nil
        let conn = try PostgresConnection(conninfo: conninfo, connectTimeoutSeconds: connectTimeout)
        try Migrations.migrate(conn, logger: logger)
        if !duplicates.loaded {
            let start = ContinuousClock.now
            try duplicates.loadIfNeeded(conn)
            logger.info(
                "near-duplicate index loaded",
                metadata: ["fingerprints": "\(duplicates.count)", "elapsed": "\(ContinuousClock.now - start)"])
        }
        connection = conn
        stats.setDatabase("connected")
        metrics?.reconnects.increment()
        onConnected()
        logger.info("database connected", metadata: ["server_version": "\(conn.serverVersion)"])
        return conn
    }

    private func write(_ batch: [PendingWrite]) {
        let outcomes: [StoredOutcome]
        do {
            let conn = try ensureConnection()
            let start = ContinuousClock.now
            outcomes = try ArticleStore.write(batch.map(\.record), on: conn, duplicates: duplicates)
            metrics?.writeTime.record(duration: ContinuousClock.now - start)
            metrics?.batchFiles.record(batch.count)
        } catch where error.isTransientDatabaseError {
            failedTransiently(error, batch: batch)
            return
        } catch {
            if batch.count > 1 {
                logger.warning("batch refused; writing its files one at a time", metadata: ["error": "\(error)"])
                for (i, one) in batch.enumerated() {
                    if backingOff {
                        pending.pushFront(contentsOf: batch[i...])
                        break
                    }
                    write([one])
                }
                return
            }
            rejectSingle(batch[0], error)
            return
        }
        backoffMilliseconds = retryInitial
        for (item, outcome) in zip(batch, outcomes) {
            waiting.subtract(1, ordering: .relaxed)
            finisher.finish(item, outcome)
        }
    }

    /// The database refused this file's row outright: record it as a failed file instead.
    private func rejectSingle(_ item: PendingWrite, _ error: any Error) {
        metrics?.rejectedErrors.increment()
        let pg = error.postgresError
        let reason = "the database refused the article: " + (pg.map { "\($0.message) (SQLSTATE \($0.sqlState ?? "none"))" } ?? "\(error)")
        if case .failure = item.record.content {
            // Recording a failure was itself refused: retrying later is all that is safe.
            failedTransiently(error, batch: [item])
            return
        }
        var failed = item
        failed.record.content = .failure(IngestFailure(.databaseRejected, reason))
        write([failed])
    }

    private func failedTransiently(_ error: any Error, batch: [PendingWrite]) {
        pending.pushFront(contentsOf: batch.map { item in
            var again = item
            again.file.attempts += 1
            again.record.attempts += 1
            return again
        })
        connection?.close()
        connection = nil
        let message = "\(error)"
        stats.setDatabase("reconnecting", error: message)
        metrics?.transientErrors.increment()
        if !batch.isEmpty { stats.recordRetry() }
        logger.warning(
            "database unavailable; keeping files claimed and retrying",
            metadata: [
                "error": "\(message)", "retry_in_ms": "\(backoffMilliseconds)", "waiting": "\(pending.count)",
                "sqlstate": "\(error.postgresError?.sqlState ?? "")",
            ])
        backingOff = true
        let delay = backoffMilliseconds
        backoffMilliseconds = min(retryMax, backoffMilliseconds * 2)
        queue.asyncAfter(deadline: .now() + .milliseconds(delay)) {
            self.backingOff = false
            if self.pending.isEmpty {
                do { _ = try self.ensureConnection() } catch { self.failedTransiently(error, batch: []) }
            } else {
                self.flush()
            }
        }
    }
}
