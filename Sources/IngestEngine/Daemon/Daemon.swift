import Crypto
@preconcurrency import Dispatch
import Foundation
import Logging
import NewsCore
import NewsProtocol
import NewsSystem
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// newsd: wires the inbox watcher, the parse pool, the database writer and the control server
/// together, handles signals, and shuts down in the reverse order of start-up.
///
///     inbox ──claim──▶ spool ──▶ parse pool ──▶ batch writer ──commit──▶ archive / failed/
public final class Daemon: Sendable {
    private let config: Mutex<NewsdConfig>
    private let logger: Logger
    private let logLevel: LogLevelControl?
    private let started = Date()
    private let state = Mutex("starting")
    private let spool: Spool
    private let stats: IngestStats
    private let slots: Slots
    /// Bytes held by parsed records until they commit (`pipeline.maxInFlightBytes`), and the
    /// chunks of large files in flight.
    private let budget: ByteBudget
    private let chunkGate = ByteBudget(capacity: Daemon.maxChunksInFlight)
    private let finisher: Mutex<Finisher?> = Mutex(nil)
    /// NDJSON files at least this large are parsed and written a chunk at a time.
    static let chunkedFileBytes = 256 * 1024
    /// Records in one chunk.
    static let chunkRecords = 500
    /// Chunks parsed and not yet committed, all files together.
    static let maxChunksInFlight = 256
    private let parser: Mutex<DocumentParser>
    private let enricher: Mutex<Enricher>
    private let reloadConfig: @Sendable () async throws -> NewsdConfig

    // Components are created in init but refer to each other through these.
    private let pool: Mutex<WorkerPool<ClaimedFile>?> = Mutex(nil)
    private let writer: Mutex<BatchWriter?> = Mutex(nil)
    private let watcher: Mutex<InboxWatcher?> = Mutex(nil)
    private let control: Mutex<ControlServer?> = Mutex(nil)
    private let metricsHTTP: Mutex<MetricsHTTPServer?> = Mutex(nil)
    private let reclassifier: Reclassifier
    private let retention: Retention
    private let queries: ArticleQueries
    private let follows: FollowHub
    /// Counters, histograms and gauges (`newsctl metrics`).
    public let metrics = NewsdMetrics()
    private let drainTimer = Mutex(Timers())
    private let notifier = SystemdNotifier(environment: ProcessInfo.processInfo.environment)
    private let readySent = Mutex(false)
    private let stopHandler = Mutex<(@Sendable (String) -> Void)?>(nil)
    private let timers = Mutex(Timers())

    /// Dispatch timers are thread-safe but not marked Sendable.
    private struct Timers: @unchecked Sendable {
        var all: [DispatchSourceTimer] = []
    }

    /// Prepares the folders and components; nothing runs until `run()`.
    /// `logLevel`, when given, is the level newsd's log handlers read; a reload sets it from `log.level`.
    public init(
        config: NewsdConfig, logger: Logger, logLevel: LogLevelControl? = nil,
        reload: @escaping @Sendable () async throws -> NewsdConfig
    ) throws {
        self.config = Mutex(config)
        self.logger = logger
        self.logLevel = logLevel
        self.reloadConfig = reload
        self.spool = try Spool(config: config)
        self.stats = IngestStats()
        let moved = spool.moveLegacySidecars()
        if moved > 0 {
            logger.notice("moved failure reasons to the new layout", metadata: ["count": "\(moved)", "to": "\(config.failedPath)/\(Spool.reasonsFolder)"])
        }
        self.slots = Slots(capacity: config.maxInFlight)
        self.budget = ByteBudget(capacity: config.maxInFlightBytes)
        self.parser = Mutex(DocumentParser(junk: try JunkRules(patterns: config.junkPatterns)))
        let enricher = try Self.makeEnricher(config)
        self.enricher = Mutex(enricher)
        if let m = enricher.model {
            logger.notice(
                "topic model loaded",
                metadata: ["path": "\(m.path)", "model_id": "\(m.id)", "labels": "\(m.model.labels.joined(separator: ","))",
                           "languages": "\(m.model.languages.joined(separator: ","))"])
        } else {
            logger.notice("no classifier.model configured: articles are stored without topic or keywords")
        }

        self.queries = ArticleQueries(conninfo: config.databaseURL, connectTimeoutSeconds: config.connectTimeoutSeconds)
        self.follows = FollowHub(queries: queries)
        self.reclassifier = Reclassifier(conninfo: config.databaseURL, connectTimeoutSeconds: config.connectTimeoutSeconds, logger: logger)
        self.retention = Retention(spool: spool, config: config, logger: logger)
        let finisher = Finisher(spool: spool, stats: stats, logger: logger, metrics: metrics, budget: budget, chunkGate: chunkGate) {
            [weak self] count in
            guard let self else { return }
            if count > 0 { self.slots.release(count) }
            self.watcher.withLock { $0 }?.slotFreed()
        }
        self.finisher.withLock { $0 = finisher }
        let writer = BatchWriter(config: config, finisher: finisher, stats: stats, logger: logger, metrics: metrics) { [weak self] in
            self?.databaseReady()
        }
        self.writer.withLock { $0 = writer }
        let pool = WorkerPool<ClaimedFile>(label: "newsd.parse", workers: config.workers, capacity: config.maxInFlight) {
            [weak self] file in self?.parse(file)
        }
        self.pool.withLock { $0 = pool }
        let watcher = InboxWatcher(config: config, spool: spool, slots: slots, budget: budget, stats: stats, logger: logger) {
            [weak self] file in
            guard let self else { return }
            if self.pool.withLock({ $0 })?.submit(file) != true {
                self.logger.error("parse queue over capacity", metadata: ["file": "\(file.display)"])
            }
        }
        self.watcher.withLock { $0 = watcher }
        let descriptors = DescriptorBudget(
            limit: DescriptorBudget.currentLimit(), workers: config.workers, writerConnections: config.writerConnections)
        guard let maxClients = descriptors.maxClients(configured: config.controlMaxClients) else {
            throw DescriptorLimitError(budget: descriptors, workers: config.workers)
        }
        if maxClients < config.controlMaxClients {
            logger.warning(
                "control.maxClients lowered to fit the open-file limit",
                metadata: ["configured": "\(config.controlMaxClients)", "max_clients": "\(maxClients)", "open_file_limit": "\(descriptors.limit)",
                           "kept_for_newsd": "\(descriptors.ownUse)"])
        }
        let control = ControlServer(
            path: config.socketPath, mode: config.socketMode, group: config.socketGroup,
            policy: try AccessPolicy(adminUsers: config.adminUsers, adminGroup: config.adminGroup), maxClients: maxClients, logger: logger
        ) {
            [weak self] call, peer, reply in
            guard let self else { return reply(ControlResponse(ok: false, error: ControlErrorBody(code: "internal", message: "shutting down"))) }
            if case .follow(let after, let wait) = call {
                // Waits in the shared poller, not on a thread of its own.
                return self.follows.wait(after: after, seconds: wait, reply: reply)
            }
            reply(self.handle(call, peer))
        }
        self.control.withLock { $0 = control }
        if !config.metricsListen.isEmpty {
            let http = try MetricsHTTPServer(
                listen: config.metricsListen, logger: logger,
                unready: { [weak self] in
                    // Ready: database connected and writing, inbox watched, claiming not paused.
                    guard let report = self?.status() else { return ["shutting down"] }
                    return (report.problems ?? []) + (report.state == "running" ? [] : ["state \(report.state)"])
                }
            ) { [weak self] in
                self?.metricsText() ?? ""
            }
            metricsHTTP.withLock { $0 = http }
        }
    }

    /// Runs until SIGTERM or SIGINT, then stops claiming, finishes in-flight files (up to
    /// `shutdown.timeoutMs`) and returns. SIGHUP reloads the configuration.
    public func run() async throws {
        let cfg = config.withLock { $0 }
        signal(SIGPIPE, SIG_IGN)
        try control.withLock { $0 }!.start()
        try metricsHTTP.withLock { $0 }?.start()
        startNotifications()
        writer.withLock { $0 }!.connectEarly()
        try watcher.withLock { $0 }!.start()
        retention.start()
        state.withLock { $0 = "running" }
        logger.notice(
            "newsd started",
            metadata: [
                "version": "\(NewsdVersion.current)", "inbox": "\(cfg.inboxPath)", "spool": "\(cfg.spoolPath)",
                "workers": "\(cfg.workers)", "batch_size": "\(cfg.batchSize)", "max_in_flight": "\(cfg.maxInFlight)", "writer_connections": "\(cfg.writerConnections)",
            ])

        let signalQueue = DispatchQueue(label: "newsd.signals")
        let sources = Mutex<[DispatchSourceSignal]>([])
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let once = Mutex(false)
            // `newsctl drain` ends the daemon the way SIGTERM does.
            stopHandler.withLock {
                $0 = { [self] reason in
                    guard once.withLock({ let first = !$0; $0 = true; return first }) else { return }
                    logger.notice("\(reason); shutting down")
                    self.shutdown()
                    continuation.resume()
                }
            }
            for sig in [SIGTERM, SIGINT, SIGHUP] {
                signal(sig, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: sig, queue: signalQueue)
                source.setEventHandler { [self] in
                    if sig == SIGHUP {
                        Task { await self.reload() }
                        return
                    }
                    guard once.withLock({ let first = !$0; $0 = true; return first }) else { return }
                    logger.notice("received \(sig == SIGTERM ? "SIGTERM" : "SIGINT"); shutting down")
                    self.shutdown()
                    continuation.resume()
                }
                source.resume()
                sources.withLock { $0.append(source) }
            }
        }
        sources.withLock { $0.forEach { $0.cancel() } }
    }

    /// The service manager hears READY=1 once the control socket listens (it is started before
    /// the database) and migrations have been applied: the first successful connection.
    private func databaseReady() {
        let first = readySent.withLock { sent in
            defer { sent = true }
            return !sent
        }
        guard first else { return }
        notifier.notify("READY=1\nSTATUS=\(statusLine())")
        if notifier.isActive { logger.info("notified the service manager: ready") }
    }

    /// Periodic STATUS= (what `systemctl status` shows) and, when the unit sets WatchdogSec=,
    /// WATCHDOG=1 at half that interval.
    private func startNotifications() {
        guard notifier.isActive else { return }
        notifier.notify("STATUS=starting: connecting to the database")
        let queue = DispatchQueue(label: "newsd.notify")
        let status = DispatchSource.makeTimerSource(queue: queue)
        status.schedule(deadline: .now() + 2, repeating: 2)
        status.setEventHandler { [weak self] in
            guard let self else { return }
            self.notifier.notify("STATUS=\(self.statusLine())")
        }
        status.resume()
        var all = [status]
        if let interval = notifier.watchdogInterval {
            let ms = max(1, Int(interval.components.seconds * 1000 + interval.components.attoseconds / 1_000_000_000_000_000))
            let watchdog = DispatchSource.makeTimerSource(queue: queue)
            watchdog.schedule(deadline: .now(), repeating: .milliseconds(ms))
            watchdog.setEventHandler { [weak self] in self?.notifier.notify("WATCHDOG=1") }
            watchdog.resume()
            all.append(watchdog)
        }
        let set = Timers(all: all)
        timers.withLock { $0 = set }
    }

    /// One line: counts, backlog and database state.
    func statusLine() -> String {
        let (s, rate1, _) = stats.snapshot()
        let claimed = slots.snapshot.used
        return "\(s.ingested) ingested, \(s.duplicates) duplicates, \(s.failed) failed; \(claimed) claimed; "
            + String(format: "%.1f/s; ", rate1) + "database \(s.databaseState)"
    }

    /// Stops claiming, lets in-flight files finish, then closes the control socket.
    private func shutdown() {
        notifier.notify("STOPPING=1\nSTATUS=stopping: finishing claimed files")
        let running = timers.withLock { t in
            defer { t = Timers() }
            return t
        }
        running.all.forEach { $0.cancel() }
        retention.stop()
        state.withLock { $0 = "stopping" }
        watcher.withLock { $0 }?.stop()
        writer.withLock { $0 }?.beginShutdown()
        let timeout = config.withLock { $0.shutdownTimeoutMilliseconds }
        let deadline = Date().addingTimeInterval(Double(timeout) / 1000)
        while slots.snapshot.used > 0 && Date() < deadline {
            usleep(20_000)
        }
        let left = slots.snapshot.used
        if left > 0 {
            logger.warning(
                "shutdown time-out: files stay claimed in the spool and are processed first at the next start",
                metadata: ["claimed": "\(left)"])
        }
        follows.releaseAll()
        control.withLock { $0 }?.stop()
        metricsHTTP.withLock { $0 }?.stop()
        logger.notice("newsd stopped", metadata: ["claimed_left": "\(left)"])
    }

    /// The enricher the configuration asks for, reading the model file if one is named.
    public static func makeEnricher(_ config: NewsdConfig) throws(ModelFileError) -> Enricher {
        let model = config.classifierModel.isEmpty ? nil : try LoadedModel(path: config.classifierModel)
        return Enricher(model: model, minConfidence: config.classifierMinConfidence, keywordCount: config.keywordCount)
    }

    /// Reloads; returns why it failed, or nil.
    @discardableResult
    private func reload() async -> String? {
        notifier.reloading()
        defer { notifier.notify("READY=1\nSTATUS=\(statusLine())") }
        do {
            let new = try await reloadConfig()
            let old = config.withLock { $0 }
            let junk = try JunkRules(patterns: new.junkPatterns)
            let newEnricher = try Self.makeEnricher(new)
            parser.withLock { $0 = DocumentParser(junk: junk) }
            enricher.withLock { $0 = newEnricher }
            if let m = newEnricher.model {
                logger.notice("topic model loaded", metadata: ["path": "\(m.path)", "model_id": "\(m.id)", "labels": "\(m.model.labels.joined(separator: ","))"])
            }
            writer.withLock { $0 }?.reconfigure(batchSize: new.batchSize, flushIntervalMilliseconds: new.flushIntervalMilliseconds)
            watcher.withLock { $0 }?.reconfigure(ignorePatterns: new.ignorePatterns, settleMilliseconds: new.settleMilliseconds)
            var applied = old
            applied.junkPatterns = new.junkPatterns
            applied.parserMaxSeconds = new.parserMaxSeconds
            applied.batchSize = new.batchSize
            applied.flushIntervalMilliseconds = new.flushIntervalMilliseconds
            applied.ignorePatterns = new.ignorePatterns
            applied.settleMilliseconds = new.settleMilliseconds
            applied.logLevel = new.logLevel
            if let level = Logger.Level(rawValue: new.logLevel) { logLevel?.level = level }
            applied.classifierModel = new.classifierModel
            applied.classifierMinConfidence = new.classifierMinConfidence
            applied.keywordCount = new.keywordCount
            applied.retention = new.retention
            retention.update(new.retention)
            config.withLock { $0 = applied }
            var needRestart: [String] = []
            if new.inboxPath != old.inboxPath { needRestart.append("inbox.path") }
            if new.spoolPath != old.spoolPath { needRestart.append("spool.path") }
            if new.databaseURL != old.databaseURL { needRestart.append("database.url") }
            if new.socketPath != old.socketPath { needRestart.append("control.socket") }
            if new.workers != old.workers { needRestart.append("pipeline.workers") }
            if new.maxInFlight != old.maxInFlight { needRestart.append("pipeline.maxInFlight") }
            if new.writerConnections != old.writerConnections { needRestart.append("database.writerConnections") }
            if new.duplicateMaxDistance != old.duplicateMaxDistance { needRestart.append("duplicates.maxDistance") }
            if new.adminUsers != old.adminUsers { needRestart.append("control.adminUsers") }
            if new.adminGroup != old.adminGroup { needRestart.append("control.adminGroup") }
            if new.controlMaxClients != old.controlMaxClients { needRestart.append("control.maxClients") }
            if new.socketMode != old.socketMode { needRestart.append("control.mode") }
            if new.socketGroup != old.socketGroup { needRestart.append("control.group") }
            if new.metricsListen != old.metricsListen { needRestart.append("metrics.listen") }
            logger.notice(
                "configuration reloaded",
                metadata: needRestart.isEmpty ? [:] : ["needs_restart": "\(needRestart.joined(separator: ","))"])
        } catch {
            logger.error("configuration reload failed; keeping the running configuration", metadata: ["error": "\(error)"])
            stats.recordError("reload failed: \(error)")
            return "\(error)"
        }
        return nil
    }

    /// Parse stage: read the claimed file, parse it, hand the result to the writer.
    private func parse(_ file: ClaimedFile) {
        let started = ContinuousClock.now
        defer { metrics.parseTime.record(ContinuousClock.now - started) }
        guard let read = spool.read(file.name) else {
            logger.warning("claimed file disappeared from the spool before it was read", metadata: ["file": "\(file.display)"])
            stats.recordError("\(file.display) disappeared from the spool")
            slots.release()
            watcher.withLock { $0 }?.slotFreed()
            return
        }
        if let shortage = read.transientError {
            readLater(file, shortage)
            return
        }
        var sha: [UInt8]? = nil
        let content: IngestRecord.Content
        switch read.content {
        case .failure(let failure):
            content = .failure(failure)
        case .success(let bytes):
            sha = Array(SHA256.hash(data: bytes))
            let parser = self.parser.withLock { $0 }
            if let chunks = try? parser.ndjsonChunks(bytes: bytes, minBytes: Self.chunkedFileBytes) {
                writeInChunks(file, read, sha: sha!, chunks)
                return
            }
            let processor = FileProcessor(
                parser: parser, enricher: enricher.withLock { $0 }, maxSeconds: config.withLock { $0.parserMaxSeconds })
            switch processor.process(bytes) {
            case .success(let document):
                content = .document(
                    format: document.format, articles: document.articles,
                    recordFailures: document.recordFailures.map { IngestRecord.RecordFailure(index: $0.index, failure: $0.failure) })
            case .failure(let failure):
                content = .failure(failure)
            }
        }
        // The content hash makes the claim key safe even if an inode and its coarse ctime were
        // reused: a collision could then only pair two files with the same bytes.
        let claimKey = read.claimKey + (sha.map { ":" + hexString(Array($0.prefix(8))) } ?? "")
        var record = IngestRecord(
            claimKey: claimKey, fileName: file.display, sizeBytes: read.size, sha256: sha,
            firstSeen: file.claimedAt, attempts: file.attempts, content: content)
        record.mayBeRecorded = file.recovered
        record.prepare()
        let held = record.estimatedBytes
        budget.reserve(held)
        writer.withLock { $0 }?.submit(PendingWrite(file: file, record: record, heldBytes: held))
    }

    /// A large NDJSON file: read, enriched and handed to the writer `chunkRecords` records at a
    /// time, each chunk waiting for room in the byte budget, so the pipeline holds a few chunks
    /// of it, never its 200,000 articles at once. Each chunk is a record of its own
    /// (`ChunkedFile`); the file leaves the spool after the last one committed.
    private func writeInChunks(_ file: ClaimedFile, _ read: ReadFile, sha: [UInt8], _ start: NDJSONChunks) {
        var chunks = start
        let tracker = ChunkedFile()
        let enricher = self.enricher.withLock { $0 }
        let allowance = config.withLock { $0.parserMaxSeconds }
        let baseKey = read.claimKey + ":" + hexString(Array(sha.prefix(8)))
        var index = 0
        while true {
            let first = chunks.recordsRead
            let content: IngestRecord.Content
            do {
                let deadline = ParseDeadline(seconds: allowance)  // per chunk: parsing and enriching it
                guard let records = try chunks.next(maxRecords: Self.chunkRecords, deadline: deadline) else { break }
                var articles: [Article] = []
                var failures: [IngestRecord.RecordFailure] = []
                for (i, r) in records.enumerated() {
                    switch r {
                    case .success(let a):
                        try deadline.check()
                        var enriched = a
                        enriched.enrichment = enricher.enrich(a)
                        articles.append(enriched)
                    case .failure(let f):
                        failures.append(IngestRecord.RecordFailure(index: first + i, failure: f))
                    }
                }
                if articles.isEmpty {
                    content = .failure(
                        IngestFailure(.badRecord, "none of records \(first)–\(first + records.count - 1) is an article; first problem: \(failures[0].failure.reason)"))
                } else {
                    content = .document(format: .ndjson, articles: articles, recordFailures: failures)
                }
            } catch {
                content = .failure(error)
            }
            var record = IngestRecord(
                claimKey: baseKey + "#\(index)", fileName: file.display, sizeBytes: index == 0 ? read.size : 0, sha256: sha,
                firstSeen: file.claimedAt, attempts: file.attempts, content: content)
            record.mayBeRecorded = file.recovered
            record.prepare()
            let held = record.estimatedBytes
            chunkGate.reserve(1)
            budget.reserve(held)
            tracker.produced()
            writer.withLock { $0 }?.submit(PendingWrite(file: file, record: record, heldBytes: held, chunk: tracker))
            index += 1
            if case .failure(let f) = content, f.code == .parseTimeout { break }
        }
        if tracker.markDone() { finisher.withLock { $0 }?.finishChunkedFileNow(PendingWrite(file: file, record: IngestRecord(
            claimKey: baseKey, fileName: file.display, sizeBytes: read.size, sha256: sha, firstSeen: file.claimedAt,
            attempts: file.attempts, content: .failure(IngestFailure(.empty, "the NDJSON file holds no records")))), tracker) }
    }

    /// The system ran short of descriptors or memory while reading a claimed file: not the
    /// file's fault, so it stays claimed (its slot held) and is read again after a pause that
    /// doubles with each attempt, up to `retry.maxMs`. Status shows the reason meanwhile.
    private func readLater(_ file: ClaimedFile, _ why: String) {
        let (initial, maximum) = config.withLock { ($0.retryInitialMilliseconds, $0.retryMaxMilliseconds) }
        let delay = min(maximum, initial << min(20, max(0, file.attempts - 1)))
        stats.recordResourceShortage(why)
        logger.warning(
            "cannot read a claimed file for want of resources; it stays claimed and is read again",
            metadata: ["file": "\(file.display)", "error": "\(why)", "retry_in_ms": "\(delay)"])
        var next = file
        next.attempts += 1
        let again = next
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(delay)) { [weak self] in
            guard let self else { return }
            if self.pool.withLock({ $0 })?.submit(again) != true {
                self.logger.error("parse queue over capacity", metadata: ["file": "\(again.display)"])
            }
        }
    }

    /// Answers one request line as the control socket would for `peer` (the libFuzzer target
    /// drives this without a socket).
    public func answer(line: Data, peer: PeerCredentials) -> ControlResponse {
        control.withLock { $0 }!.answer(line, peer)
    }

    /// Answers one validated control call (`ControlServer` decodes and checks every request
    /// first, so arguments arrive typed and within their ranges).
    func handle(_ call: ControlCall, _ peer: PeerCredentials) -> ControlResponse {
        func failure(_ code: String, _ message: String) -> ControlResponse {
            ControlResponse(ok: false, error: ControlErrorBody(code: code, message: message))
        }
        func done(_ message: String) -> ControlResponse {
            var r = ControlResponse(ok: true)
            r.message = message
            return r
        }
        do {
            switch call {
            case .status:
                return ControlResponse(ok: true, status: status())
            case .pause:
                let changed = state.withLock { s -> Bool in
                    guard s == "running" else { return false }
                    s = "paused"
                    return true
                }
                guard changed else { return failure("bad_state", "newsd is \(state.withLock { $0 }), not running") }
                watcher.withLock { $0 }?.setPaused(true)
                logger.notice("claiming paused", metadata: ["uid": "\(peer.uid)"])
                return done("paused: new files wait in the inbox; files already claimed finish")
            case .resume:
                let changed = state.withLock { s -> Bool in
                    guard s == "paused" else { return false }
                    s = "running"
                    return true
                }
                guard changed else { return failure("bad_state", "newsd is \(state.withLock { $0 }), not paused") }
                watcher.withLock { $0 }?.setPaused(false)
                logger.notice("claiming resumed", metadata: ["uid": "\(peer.uid)"])
                return done("resumed")
            case .drain:
                return startDrain(peer)
            case .reload:
                if let error = try waitForTask { await self.reload() } {
                    return failure("reload_failed", "\(error); the running configuration is kept")
                }
                return done("configuration and topic model reloaded")
            case .queue(let limit):
                var r = ControlResponse(ok: true)
                r.queue = spool.listClaimed(limit: limit) + spool.listFailed(limit: limit)
                return r
            case .retry(let selection), .drop(let selection):
                let retrying = call.command == .retry
                let (found, unknown) = spool.selectFailed(ids: selection.ids, code: selection.code)
                guard unknown.isEmpty else {
                    let shown = unknown.prefix(20).joined(separator: ", ") + (unknown.count > 20 ? " and \(unknown.count - 20) more" : "")
                    return failure("not_found", "no such file in failed/: \(shown)")
                }
                var acted: [QueueEntry] = []
                for name in found {
                    let id = displayName(name)
                    if retrying {
                        let inboxName = try spool.retryFailed(name)
                        acted.append(QueueEntry(id: id, place: "inbox", sizeBytes: 0, ageSeconds: 0, originalName: inboxName))
                    } else {
                        try spool.dropFailed(name)
                        acted.append(QueueEntry(id: id, place: "dropped", sizeBytes: 0, ageSeconds: 0))
                    }
                }
                if retrying { watcher.withLock { $0 }?.slotFreed() }
                logger.notice(
                    "\(retrying ? "retrying" : "dropped") failed files",
                    metadata: ["count": "\(acted.count)", "uid": "\(peer.uid)"])
                var r = done("\(retrying ? "moved back to the inbox" : "deleted"): \(acted.count) file(s)")
                r.queue = acted
                return r
            case .show(let id):
                guard let a = try queries.show(id) else { return failure("not_found", "no article \(id)") }
                var r = ControlResponse(ok: true)
                r.articles = [a]
                return r
            case .search(let s):
                var r = ControlResponse(ok: true)
                r.articles = try queries.search(
                    s.query, category: s.category, since: s.since.map(Self.sqlTime), until: s.until.map(Self.sqlTime),
                    source: s.source, limit: s.limit)
                return r
            case .stats(let days):
                var r = ControlResponse(ok: true)
                r.stats = try queries.stats(days: days)
                return r
            case .follow:
                return failure("internal", "follow is answered by the follow hub")  // routed before handle
            case .metrics:
                var r = ControlResponse(ok: true)
                r.metrics = metricsText()
                return r
            case .reclassify(let since, let all):
                switch reclassifier.start(enricher: enricher.withLock { $0 }, since: since, all: all) {
                case .success(let p): return ControlResponse(ok: true, reclassify: p)
                case .failure(let e): return ControlResponse(ok: false, error: e)
                }
            }
        } catch {
            let unavailable = error.isTransientDatabaseError
            return failure(unavailable ? "unavailable" : "internal", unavailable ? "the database is unreachable: \(error)" : "\(error)")
        }
    }

    /// A time as PostgreSQL reads a timestamptz: ISO 8601 with fractional seconds, UTC.
    private static func sqlTime(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// `newsctl drain`: claim everything in the inbox, then stop as SIGTERM would.
    private func startDrain(_ peer: PeerCredentials) -> ControlResponse {
        let previous = state.withLock { s -> String in
            let p = s
            if s == "running" || s == "paused" { s = "draining" }
            return p
        }
        guard previous == "running" || previous == "paused" else {
            return ControlResponse(ok: false, error: ControlErrorBody(code: "bad_state", message: "newsd is \(previous)"))
        }
        watcher.withLock { $0 }?.setPaused(false)
        logger.notice("draining: newsd stops once the inbox and the pipeline are empty", metadata: ["uid": "\(peer.uid)"])
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "newsd.drain"))
        timer.schedule(deadline: .now() + .milliseconds(200), repeating: .milliseconds(200))
        timer.setEventHandler { [weak self] in
            guard let self else { return }
            let idle = self.watcher.withLock { $0 }!.inboxCount() == 0 && self.slots.snapshot.used == 0
                && self.writer.withLock { $0 }!.depth.waiting == 0
            guard idle else { return }
            let t = self.drainTimer.withLock { t in
                defer { t = Timers() }
                return t
            }
            t.all.forEach { $0.cancel() }
            self.stopHandler.withLock { $0 }?("drained the backlog")
        }
        let set = Timers(all: [timer])
        drainTimer.withLock { $0 = set }
        timer.resume()
        var r = ControlResponse(ok: true)
        r.message = "draining: newsd will stop once the inbox and the pipeline are empty"
        return r
    }

    /// The Prometheus exposition text, queue depths read now.
    func metricsText() -> String {
        let report = status()
        metrics.setDepth("inbox", report.files.inbox)
        metrics.setDepth("failed", report.files.failed)
        for stage in report.stages { metrics.setDepth(stage.name, stage.depth) }
        return metrics.text()
    }

    /// The current status, as `newsctl status` shows it.
    public func status() -> StatusReport {
        let (s, rate1, rate5) = stats.snapshot()
        let poolSnapshot = pool.withLock { $0 }!.snapshot
        let writerDepth = writer.withLock { $0 }!.depth
        let slotSnapshot = slots.snapshot
        let inbox = watcher.withLock { $0 }!.inboxCount()
        var problems: [String] = []
        problems += watcher.withLock({ $0 })?.problems ?? []
        if let shortage = s.resourceShortage, Date().timeIntervalSince1970 - shortage.at < 30 {
            problems.append("resources: \(shortage.message)")
        }
        if s.databaseState != "connected" {
            problems.append("database \(s.databaseState)" + (s.databaseError.map { ": \($0.message)" } ?? ""))
        } else if let failing = s.writesFailing {
            // Connected again, but no batch has been written since the last failure (a lock
            // held past lock_timeout, say): not healthy yet.
            problems.append("database writes failing: \(failing.message)")
        }
        var report = StatusReport(
            version: NewsdVersion.current,
            pid: getpid(),
            uptimeSeconds: Date().timeIntervalSince(started),
            state: state.withLock { $0 },
            files: .init(inbox: inbox, claimed: slotSnapshot.used, failed: spool.failedCount()),
            stages: [
                .init(name: "claimed", depth: slotSnapshot.used, capacity: slotSnapshot.capacity),
                .init(name: "parse", depth: poolSnapshot.queued + poolSnapshot.busy, capacity: poolSnapshot.capacity),
                .init(name: "write", depth: writerDepth.waiting, capacity: writerDepth.capacity),
                .init(name: "bytes", depth: budget.snapshot.used, capacity: budget.snapshot.capacity),
            ],
            workers: .init(busy: poolSnapshot.busy, total: poolSnapshot.workers),
            totals: .init(ingested: s.ingested, duplicates: s.duplicates, failed: s.failed, retries: s.retries),
            rates: .init(oneMinute: rate1, fiveMinutes: rate5),
            database: .init(state: s.databaseState, lastError: s.databaseError),
            lastError: s.lastError,
            model: enricher.withLock { $0 }.model.map { .init(id: $0.id, path: $0.path, labels: $0.model.labels) },
            reclassify: reclassifier.snapshot)
        report.problems = problems
        report.intake = config.withLock { $0.intake }
        return report
    }
}
