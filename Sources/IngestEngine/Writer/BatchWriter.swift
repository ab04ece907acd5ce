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
    /// Bytes it holds in the pipeline's budget until its transaction committed.
    public var heldBytes: Int = 0
    /// Set when this is one chunk of a large file written a chunk at a time.
    public var chunk: ChunkedFile? = nil

    public init(file: ClaimedFile, record: IngestRecord, heldBytes: Int = 0, chunk: ChunkedFile? = nil) {
        self.file = file
        self.record = record
        self.heldBytes = heldBytes
        self.chunk = chunk
    }
}

/// A large file written a chunk of records at a time, each chunk a record of its own (claim key
/// `KEY#N`, its own `ingest_log` row, its own transaction). The file leaves the spool once the
/// last chunk is produced and every chunk committed: a crash in between leaves it claimed, and
/// the next run reads the same chunks again, finds the committed ones by their claim keys and
/// writes only the rest.
public final class ChunkedFile: Sendable {
    private struct State {
        var produced = 0
        var finished = 0
        var done = false
        var stored = 0
        var duplicates = 0
        var firstFailure: IngestFailure?
        var finishedOnce = false
    }
    private let state = Mutex(State())

    public init() {}

    /// A chunk was handed to the writer.
    func produced() { state.withLock { $0.produced += 1 } }

    /// The producer has handed over every chunk; true when every one has committed already,
    /// so the caller moves the file.
    func markDone() -> Bool {
        state.withLock { s in
            s.done = true
            return s.finished == s.produced && Self.claimFinish(&s)
        }
    }

    /// A chunk committed with `outcome`; true when it was the last and the producer is done,
    /// so the caller moves the file.
    func chunkFinished(_ outcome: StoredOutcome) -> Bool {
        state.withLock { s in
            s.finished += 1
            switch outcome {
            case .stored(let articles):
                s.stored += articles.filter(\.isNew).count
                s.duplicates += articles.count { !$0.isNew }
            case .failed(let failure):
                if s.firstFailure == nil { s.firstFailure = failure }
            case .alreadyRecorded(let recorded, _, let failure):
                if let failure, s.firstFailure == nil { s.firstFailure = failure }
                if recorded != "failed" { s.stored += 1 }
            }
            return s.done && s.finished == s.produced && Self.claimFinish(&s)
        }
    }

    private static func claimFinish(_ s: inout State) -> Bool {
        guard !s.finishedOnce else { return false }
        s.finishedOnce = true
        return true
    }

    /// What the chunks came to: articles new and already stored, and the first failure.
    var totals: (stored: Int, duplicates: Int, failure: IngestFailure?) { state.withLock { ($0.stored, $0.duplicates, $0.firstFailure) } }
}

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
    // @unchecked: the properties below are read and written only on `queue` (the coordinator);
    // each lane's connection only on that lane's queue.
    private let queue = DispatchQueue(label: "newsd.writer", qos: .default)
    private var pending: BoundedQueue<PendingWrite>
    /// Files submitted since the coordinator last looked, and what it published of its state:
    /// `submit` wakes the coordinator only when it would not look soon anyway (see `Intake`).
    private let intake: Mutex<Intake>
    private var timer: DispatchSourceTimer?
    private var backingOff = false
    private var backoffMilliseconds: Int
    private var stopping = false
    private let waiting = Atomic<Int>(0)
    private let capacity: Int
    private var batchSize: Int
    private var flushInterval: Int
    private let lanes: [Lane]
    private var idle: [Int]
    /// Transient failures so far, on any lane. A lane whose connection predates the latest one
    /// reconnects before writing: the server that failed one connection has most likely dropped
    /// the others too, and finding out by failing again would cost another backoff.
    private let failures = Atomic<Int>(0)

    private let conninfo: String
    private let connectTimeout: Int
    private let retryInitial: Int
    private let retryMax: Int
    private let finisher: Finisher
    private let duplicates: NearDuplicateTracker
    private let stats: IngestStats
    private let logger: Logger
    private let metrics: NewsdMetrics?

    /// Told after each successful connection, once migrations have been applied.
    private let readiness: Readiness?

    /// The hand-off from the parse workers to the coordinator. Waking the coordinator for each
    /// file cost a thread wake-up and a context switch per file; now `submit` only appends, and
    /// wakes it when nothing else will make it look: no timer armed, a lane idle, not backing
    /// off, or a timer armed but a full batch waiting. Every coordinator entry that may flush
    /// takes the intake first (`absorb`) and publishes its state last (`publish`), under the
    /// same lock, so a file is never left behind.
    private struct Intake {
        var files: [PendingWrite] = []
        /// A wake-up is queued on the coordinator and has not taken the intake yet.
        var woken = false
        /// The coordinator will look again by itself: every lane busy (a lane's end
        /// schedules) or backing off (the pause's end flushes).
        var willLook = false
        /// A flush timer is armed.
        var timerArmed = false
        /// Files in the coordinator's queue, and the batch size.
        var pending = 0
        var batchSize: Int

        /// Whether a file just appended needs a wake-up.
        mutating func needsWakeUp() -> Bool {
            if woken || willLook || files.isEmpty { return false }
            if timerArmed && pending + files.count < batchSize { return false }
            woken = true
            return true
        }
    }

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

    /// What a lane made of a batch: outcomes for the files written, and, after a transient
    /// error, the error and the files still to write.
    private struct LaneResult {
        var transient: (any Error)?
        var unwritten: [PendingWrite] = []
    }

    /// Creates a writer; it connects on the first batch (or `connectEarly`). `readiness` hears
    /// of each successful connection, once migrations have been applied.
    init(
        config: NewsdConfig, finisher: Finisher, stats: IngestStats, logger: Logger, metrics: NewsdMetrics? = nil,
        readiness: Readiness? = nil
    ) {
        self.metrics = metrics
        self.readiness = readiness
        // Claimed files, and the chunks of large files in flight (Daemon.maxChunksInFlight).
        pending = BoundedQueue(capacity: config.maxInFlight + 256)
        intake = Mutex(Intake(batchSize: config.batchSize))
        capacity = config.maxInFlight
        batchSize = config.batchSize
        flushInterval = config.flushIntervalMilliseconds
        lanes = (0..<max(1, config.writerConnections)).map(Lane.init)
        idle = Array(lanes.indices.reversed())
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

    /// Queues a parsed file. Its articles' rows are made here, on the caller's thread (a parse
    /// worker), so a lane does not hash, count and serialize while the database waits.
    public func submit(_ write: PendingWrite) {
        var write = write
        write.record.makeRows()
        waiting.add(1, ordering: .relaxed)
        let wake = intake.withLock { i -> Bool in
            i.files.append(write)
            return i.needsWakeUp()
        }
        if wake { queue.async { self.schedule() } }
    }

    /// On the coordinator: moves the submitted files into `pending`.
    private func absorb() {
        let files = intake.withLock { i -> [PendingWrite] in
            i.woken = false
            defer { i.files.removeAll(keepingCapacity: true) }
            return i.files
        }
        for write in files where !pending.push(write) {
            // Cannot happen while claims are bounded by maxInFlight; keep the file safe anyway.
            pending.pushFront(contentsOf: [write])
            logger.error("writer queue over capacity", metadata: ["file": "\(write.file.display)"])
        }
    }

    /// On the coordinator, after anything that may change when it looks again: tells `submit`,
    /// and wakes itself if files arrived meanwhile that no one else will pick up.
    private func publish() {
        let wake = intake.withLock { i -> Bool in
            i.willLook = idle.isEmpty || backingOff
            i.timerArmed = timer != nil
            i.pending = pending.count
            i.batchSize = batchSize
            return i.needsWakeUp()
        }
        if wake { queue.async { self.schedule() } }
    }

    /// Files waiting for the database (queued or in a batch being written) and the
    /// queue's capacity. Read without the writer's queue, which may be busy.
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

    /// Connects (and migrates) the first lane now, so start-up can report the database state
    /// early. Returns immediately; failures go through the usual backoff.
    func connectEarly() {
        queue.async { self.connectIdleLane() }
    }

    /// On the coordinator: connects an idle lane (after start-up or a backoff with nothing to write).
    private func connectIdleLane() {
        guard let l = idle.popLast() else { return }
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
                self.idle.append(l)
                if let failure { self.failedTransiently(failure, batch: []) } else { self.schedule() }
            }
        }
    }

    private func schedule() {
        absorb()
        defer { publish() }
        guard !backingOff, !pending.isEmpty, !idle.isEmpty else { return }
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

    /// Hands batches to idle lanes: full ones, or whatever waits when the timer fired.
    private func flush() {
        absorb()
        timer?.cancel()
        timer = nil
        while !backingOff, !pending.isEmpty, let l = idle.popLast() {
            let batch = pending.pop(upTo: batchSize)
            let lane = lanes[l]
            lane.queue.async {
                let result = self.write(batch, on: lane)
                self.queue.async {
                    self.idle.append(l)
                    if let error = result.transient {
                        self.failedTransiently(error, batch: result.unwritten)
                    } else {
                        self.backoffMilliseconds = self.retryInitial
                        self.stats.recordWriteSuccess()
                    }
                    self.schedule()
                }
            }
            // A partial batch waits for the timer unless we are shutting down.
            if !stopping && pending.count < batchSize { break }
        }
        schedule()
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
        try ArticleStore.prepareWriterSession(conn)
        let start = ContinuousClock.now
        if try duplicates.loadIfNeeded(conn) {
            logger.info(
                "near-duplicate index loaded",
                metadata: ["fingerprints": "\(duplicates.count)", "elapsed": "\(ContinuousClock.now - start)"])
        }
        lane.connection = conn
        stats.setDatabase(.connected)
        metrics?.reconnects.increment()
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

    /// On the coordinator: keeps the files, in order, and retries after a growing pause.
    private func failedTransiently(_ error: any Error, batch: [PendingWrite]) {
        pending.pushFront(contentsOf: batch.map { item in
            var again = item
            again.file.attempts += 1
            again.record.attempts += 1
            return again
        })
        let message = "\(error)"
        // Unreachable: reconnecting. Reachable but refusing what newsd needs (schema,
        // privileges): an error that someone must fix, shown as such in status.
        stats.setDatabase(error.isTransientDatabaseError ? .reconnecting : .error, error: message)
        if !batch.isEmpty { stats.recordWriteFailure(message) }
        if error.isTransientDatabaseError { metrics?.transientErrors.increment() } else { metrics?.refusedErrors.increment() }
        if !batch.isEmpty { stats.recordRetry() }
        if backingOff { return }  // another lane failed too; one pause is enough (published then)
        logger.warning(
            error.isTransientDatabaseError
                ? "database unavailable; keeping files claimed and retrying"
                : "database refuses newsd's writes (schema, privileges?); keeping files claimed and retrying",
            metadata: [
                "error": "\(message)", "retry_in_ms": "\(backoffMilliseconds)", "waiting": "\(pending.count)",
                "sqlstate": "\(error.postgresError?.sqlState ?? "")",
            ])
        backingOff = true
        publish()
        let delay = backoffMilliseconds
        backoffMilliseconds = min(retryMax, backoffMilliseconds * 2)
        queue.asyncAfter(deadline: .now() + .milliseconds(delay)) {
            self.backingOff = false
            self.absorb()
            if self.pending.isEmpty {
                self.connectIdleLane()
            } else {
                self.flush()
            }
        }
    }
}
