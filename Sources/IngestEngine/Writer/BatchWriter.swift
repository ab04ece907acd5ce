@preconcurrency import Dispatch
import Foundation
import Logging
import NewsCore
import PostgresClient
import Synchronization

/// The database writer. Collects parsed files into batches (flush at `batchSize` files or
/// `flushInterval` after the first one, whichever comes first) and writes each batch in one
/// transaction on one of `writerConnections` lanes, each with its own connection, so the
/// database can work on several batches at once. A batch's files leave the spool only after
/// its transaction committed.
///
/// Batches stay small when the inbox is quiet (a file waits at most `flushInterval`) and grow
/// to `batchSize` under load, when a lane is busy anyway.
///
/// On a database error the batch is kept, in order, and retried with exponential backoff on a
/// new connection; nothing is dropped. Only an error about a row's data (SQLSTATE classes 22
/// and 23, 54000) isolates the offending file by writing the batch one file at a time.
public final class BatchWriter: @unchecked Sendable {
    // @unchecked: `machine`, `timer` and `lastFailure` are read and written only on `queue`
    // (the coordinator); each lane's connection only on that lane's queue.
    private let queue = DispatchQueue(label: "newsd.writer", qos: .default)
    private var machine: WriterStateMachine<PendingWrite>
    private let intake: Mutex<WriterIntake<PendingWrite>>
    private var timer: DispatchSourceTimer?
    /// The error that began the current pause, for its log line.
    private var lastFailure: (any Error)?
    /// Counts pauses, so a pause's end (its timer or a probe) acts only on that pause.
    private var pauseNumber = 0
    /// Where the reachability probes of a long pause run (one at a time).
    private let probeQueue = DispatchQueue(label: "newsd.writer.probe", qos: .utility)
    private let waiting = Atomic<Int>(0)
    private let capacity: Int
    private let lanes: [Lane]
    /// Transient failures so far, on any lane. A lane whose connection predates the latest one
    /// reconnects before writing: the server that failed one connection has most likely dropped
    /// the others too, and finding out by failing again would cost another backoff.
    private let failures = Atomic<Int>(0)

    private let conninfo: String
    /// `instance.name`, the default of the `ingest_log.instance` this writer records.
    private let instance: String
    /// This run of newsd (`newsd.boot` of the writer sessions, sent with each NOTIFY).
    private let boot: String
    private let connectTimeout: Int
    private let finisher: Finisher
    /// The near-duplicate index the lanes share (also fed by `PeerFingerprints`).
    let duplicates: NearDuplicateTracker
    private let stats: IngestStats
    private let logger: Logger
    private let metrics: NewsdMetrics?
    /// Told after each successful connection, once migrations have been applied.
    private let readiness: Readiness?

    /// One writer connection and the serial queue that owns it.
    private final class Lane: @unchecked Sendable {
        // @unchecked: `connection` is used only on `queue`.
        let number: Int
        let queue: DispatchQueue
        var connection: PostgresConnection?
        /// `failures` when `connection` was opened.
        var failuresSeen = 0
        init(_ number: Int) {
            self.number = number
            queue = DispatchQueue(label: "newsd.writer.\(number)", qos: .default)
        }
    }

    /// What a lane made of a batch: after a transient error, the error and the files still to write.
    private struct LaneResult {
        var transient: (any Error)?
        var unwritten: [PendingWrite] = []
    }

    /// Creates a writer; it connects on the first batch (or `connectEarly`). `readiness` hears
    /// of each successful connection, once migrations have been applied.
    init(
        config: NewsdConfig, finisher: Finisher, stats: IngestStats, logger: Logger, metrics: NewsdMetrics? = nil,
        readiness: Readiness? = nil, boot: String = UUID().uuidString
    ) {
        self.boot = boot
        self.metrics = metrics
        self.readiness = readiness
        // Claimed files, and the chunks of large files in flight (ParseStage.maxChunksInFlight).
        machine = WriterStateMachine(
            lanes: config.writerConnections, capacity: config.maxInFlight + ParseStage.maxChunksInFlight, batchSize: config.batchSize,
            flushIntervalMilliseconds: config.flushIntervalMilliseconds, retryInitialMilliseconds: config.retryInitialMilliseconds,
            retryMaxMilliseconds: config.retryMaxMilliseconds)
        intake = Mutex(WriterIntake(batchSize: config.batchSize))
        capacity = config.maxInFlight
        lanes = (0..<max(1, config.writerConnections)).map(Lane.init)
        conninfo = config.databaseURL
        connectTimeout = config.connectTimeoutSeconds
        instance = config.instanceName
        self.finisher = finisher
        self.duplicates = NearDuplicateTracker(maxDistance: config.duplicateMaxDistance)
        self.stats = stats
        self.logger = logger
    }

    /// Queues a parsed file. Its articles' rows are made here, on the caller's thread (a parse
    /// worker), so a lane does not hash, count and serialize while the database waits.
    public func submit(_ write: PendingWrite) {
        var write = write
        write.record.makeRows()
        waiting.add(1, ordering: .relaxed)
        if intake.withLock({ $0.append(write) }) { queue.async { self.step { $0.schedule() } } }
    }

    /// Files waiting for the database (queued or in a batch being written) and the
    /// queue's capacity. Read without the writer's queue, which may be busy.
    public var depth: (waiting: Int, capacity: Int) {
        (waiting.load(ordering: .relaxed), capacity)
    }

    /// Applies reloadable settings.
    func reconfigure(batchSize: Int, flushIntervalMilliseconds: Int) {
        queue.async { self.step { $0.reconfigure(batchSize: batchSize, flushIntervalMilliseconds: flushIntervalMilliseconds) } }
    }

    /// Stops waiting for full batches: everything pending is written as soon as possible.
    func beginShutdown() {
        queue.async { self.step { $0.beginShutdown() } }
    }

    /// Connects (and migrates) the first lane now, so start-up can report the database state
    /// early. Returns immediately; failures go through the usual backoff.
    func connectEarly() {
        queue.async { self.step { $0.connectEarly() } }
    }

    /// On the coordinator: takes the files submitted so far, applies `event` to the state
    /// machine, carries out what it says, and tells `submit` what it will do next.
    private func step(_ event: (inout WriterStateMachine<PendingWrite>) -> [WriterStateMachine<PendingWrite>.Action]) {
        for write in machine.absorb(intake.withLock { $0.take() }) {
            logger.error("writer queue over capacity", metadata: ["file": "\(write.file.display)"])
        }
        for action in event(&machine) { perform(action) }
        if intake.withLock({ $0.publish(machine) }) { queue.async { self.step { $0.schedule() } } }
    }

    private func perform(_ action: WriterStateMachine<PendingWrite>.Action) {
        switch action {
        case .write(let batch, let l):
            let lane = lanes[l]
            lane.queue.async {
                let result = self.write(batch, on: lane)
                self.queue.async {
                    if let error = result.transient {
                        let again = self.failed(error, batch: result.unwritten)
                        self.step { $0.laneFinished(l, failed: true, unwritten: again) }
                    } else {
                        self.stats.recordWriteSuccess()
                        self.step { $0.laneFinished(l, failed: false) }
                    }
                }
            }
        case .connect(let l):
            let lane = lanes[l]
            lane.queue.async {
                let failure: (any Error)?
                do {
                    _ = try self.ensureConnection(lane)
                    failure = nil
                } catch {
                    failure = error
                }
                self.queue.async {
                    if let failure { _ = self.failed(failure, batch: []) }
                    self.step { $0.connectFinished(l, failed: failure != nil) }
                }
            }
        case .armTimer(let ms):
            let t = DispatchSource.makeTimerSource(queue: queue)
            t.schedule(deadline: .now() + .milliseconds(ms))
            t.setEventHandler { [weak self] in
                guard let self else { return }
                self.timer?.cancel()
                self.timer = nil
                self.step { $0.timerFired() }
            }
            timer = t
            t.resume()
        case .cancelTimer:
            timer?.cancel()
            timer = nil
        case .backOff(let ms):
            let error = lastFailure
            logger.warning(
                error?.isTransientDatabaseError ?? true
                    ? "database unavailable; keeping files claimed and retrying"
                    : "database refuses newsd's writes (schema, privileges?); keeping files claimed and retrying",
                metadata: [
                    "error": "\(error.map { "\($0)" } ?? "")", "retry_in_ms": "\(ms)", "waiting": "\(machine.pending.count)",
                    "sqlstate": "\(error?.postgresError?.sqlState ?? "")",
                ])
            pauseNumber += 1
            let pause = pauseNumber
            queue.asyncAfter(deadline: .now() + .milliseconds(ms)) { self.endPause(pause) }
            // A server that went away (a failover, a restart) may be back long before a
            // doubled pause ends: look once a second, and end the pause when a connection
            // that takes writes succeeds. Errors a connection cannot cure (privileges, schema)
            // just wait.
            if ms > Self.probeIntervalMilliseconds, error?.postgresError?.isServerUnavailable ?? false {
                probe(pause, remaining: ms - Self.probeIntervalMilliseconds)
            }
        }
    }

    static let probeIntervalMilliseconds = 1_000

    /// On the coordinator: ends pause `pause` if it is still the one running.
    private func endPause(_ pause: Int) {
        guard pause == pauseNumber, machine.backingOff else { return }
        pauseNumber += 1
        step { $0.backoffEnded() }
    }

    /// In a second, unless pause `pause` is over: connects as a lane would and asks whether the
    /// server takes writes; if so, ends the pause.
    private func probe(_ pause: Int, remaining: Int) {
        probeQueue.asyncAfter(deadline: .now() + .milliseconds(Self.probeIntervalMilliseconds)) {
            guard self.queue.sync(execute: { pause == self.pauseNumber }) else { return }
            let writable: Bool
            do {
                let conn = try PostgresConnection(conninfo: self.conninfo, connectTimeoutSeconds: min(self.connectTimeout, 2))
                defer { conn.close() }
                writable = try conn.query("SELECT NOT pg_is_in_recovery() AND current_setting('transaction_read_only') = 'off'").scalar == "t"
            } catch {
                writable = false
            }
            if writable {
                self.queue.async {
                    if pause == self.pauseNumber { self.logger.info("database reachable again; ending the pause early") }
                    self.endPause(pause)
                }
            } else if remaining > Self.probeIntervalMilliseconds {
                self.probe(pause, remaining: remaining - Self.probeIntervalMilliseconds)
            }
        }
    }

    /// On the coordinator, after a transient failure: counts and shows it; returns the files
    /// to retry, each with one more attempt.
    private func failed(_ error: any Error, batch: [PendingWrite]) -> [PendingWrite] {
        lastFailure = error
        let message = "\(error)"
        // Unreachable: reconnecting. Reachable but refusing what newsd needs (schema,
        // privileges): an error that someone must fix, shown as such in status.
        stats.setDatabase(error.isTransientDatabaseError ? .reconnecting : .error, error: message)
        if error.isTransientDatabaseError { metrics?.transientErrors.increment() } else { metrics?.refusedErrors.increment() }
        if !batch.isEmpty {
            stats.recordWriteFailure(message)
            stats.recordRetry()
        }
        return batch.map { item in
            var again = item
            again.file.attempts += 1
            again.record.attempts += 1
            return again
        }
    }

    /// On the lane's queue.
    private func ensureConnection(_ lane: Lane) throws -> PostgresConnection {
        let failuresNow = failures.load(ordering: .relaxed)
        if let connection = lane.connection, connection.isConnected, lane.failuresSeen == failuresNow { return connection }
        lane.connection?.close()
        lane.connection = nil
        lane.failuresSeen = failuresNow
        let conn = try PostgresConnection(conninfo: conninfo, connectTimeoutSeconds: connectTimeout)
        try Migrations.migrate(conn, logger: logger)
        try ArticleStore.prepareWriterSession(conn, instance: instance, boot: boot)
        // The stored fingerprints load in the background (FingerprintLoader): writes begin now.
        lane.connection = conn
        stats.setDatabase(.connected)
        metrics?.reconnects.increment()
        if let previous = stats.setServer(conn.serverAddress) {
            metrics?.serverChanges.increment()
            logger.notice(
                "writing to another database server now (a failover or switchover); files claimed meanwhile are written here",
                metadata: ["from": "\(previous)", "to": "\(conn.serverAddress)"])
        }
        readiness?.databaseConnected()
        logger.info(
            "database connected", metadata: ["server_version": "\(conn.serverVersion)", "connection": "\(lane.number + 1)"])
        return conn
    }

    /// On the lane's queue: writes `batch`, finishes the files it committed, and reports what
    /// is left after a transient error.
    private func write(_ batch: [PendingWrite], on lane: Lane) -> LaneResult {
        let outcomes: [StoredOutcome]
        do {
            let conn = try ensureConnection(lane)
            let start = ContinuousClock.now
            outcomes = try ArticleStore.write(batch.map(\.record), on: conn, duplicates: duplicates)
            metrics?.writeTime.record(ContinuousClock.now - start)
            metrics?.batchFiles.record(Double(batch.count))
        } catch where error.isTransientDatabaseError || !error.isRowDataError {
            // An outage, or an error that is not about these rows (a dropped column, a revoked
            // privilege): nothing is failed, the batch waits and is retried with backoff.
            lane.connection?.close()
            lane.connection = nil
            failures.add(1, ordering: .relaxed)
            return LaneResult(transient: error, unwritten: batch)
        } catch {
            guard batch.count > 1 else { return rejectSingle(batch[0], error, on: lane) }
            logger.warning("batch refused; writing its files one at a time", metadata: ["error": "\(error)"])
            for (i, one) in batch.enumerated() {
                let result = write([one], on: lane)
                if let transient = result.transient {
                    return LaneResult(transient: transient, unwritten: result.unwritten + batch[(i + 1)...])
                }
            }
            return LaneResult()
        }
        waiting.subtract(batch.count, ordering: .relaxed)
        finisher.finish(zip(batch, outcomes))
        return LaneResult()
    }

    /// The database refused this file's row outright: record it as a failed file instead.
    private func rejectSingle(_ item: PendingWrite, _ error: any Error, on lane: Lane) -> LaneResult {
        metrics?.rejectedErrors.increment()
        let pg = error.postgresError
        let reason = "the database refused the article: " + (pg.map { "\($0.message) (SQLSTATE \($0.sqlState ?? "none"))" } ?? "\(error)")
        if case .failure = item.record.content {
            // Recording a failure was itself refused: retrying later is all that is safe.
            return LaneResult(transient: error, unwritten: [item])
        }
        var failed = item
        failed.record.content = .failure(IngestFailure(.databaseRejected, reason))
        failed.record.rows = nil
        return write([failed], on: lane)
    }
}
