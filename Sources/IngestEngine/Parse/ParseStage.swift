import Crypto
@preconcurrency import Dispatch
import Foundation
import Logging
import NewsCore
import Synchronization

/// The parse stage: a pool of Dispatch workers that read each claimed file from the spool,
/// parse and enrich it (`FileProcessor`), and hand the record to the writer. Large NDJSON files
/// go a chunk at a time (`writeInChunks`), so the pipeline never holds all of one in memory.
public final class ParseStage: Sendable {
    /// NDJSON files at least this large are parsed and written a chunk at a time.
    static let chunkedFileBytes = 256 * 1024
    /// Records in one chunk.
    static let chunkRecords = 500
    /// Chunks parsed and not yet committed, all files together.
    static let maxChunksInFlight = 256

    /// What a reload may change.
    struct Settings: Sendable {
        var parser: DocumentParser
        var enricher: Enricher
        var maxSeconds: Double
    }

    private let pool: WorkerPool<ClaimedFile>
    private let work: Work

    init(
        config: NewsdConfig, parser: DocumentParser, enricher: Enricher, spool: Spool, slots: Slots, budget: ByteBudget,
        chunkGate: ByteBudget, writer: BatchWriter, finisher: Finisher, stats: IngestStats, metrics: NewsdMetrics, logger: Logger
    ) {
        let work = Work(
            settings: Settings(parser: parser, enricher: enricher, maxSeconds: config.parserMaxSeconds), spool: spool, slots: slots, budget: budget, chunkGate: chunkGate, writer: writer, finisher: finisher,
            stats: stats, metrics: metrics, logger: logger,
            retry: (config.retryInitialMilliseconds, config.retryMaxMilliseconds))
        self.work = work
        pool = WorkerPool(label: "newsd.parse", workers: config.workers, capacity: config.maxInFlight) { file, pool in
            work.parse(file, pool)
        }
    }

    /// Queues a claimed file. The pool holds as many as there are slots, so this cannot fail
    /// while claims are bounded; if it ever did, the file stays claimed for the next start.
    func submit(_ file: ClaimedFile) {
        if !pool.submit(file) { work.logger.error("parse queue over capacity", metadata: ["file": "\(file.display)"]) }
    }

    /// Uses a new parser, enricher and time limit for files parsed from now on.
    func reconfigure(parser: DocumentParser, enricher: Enricher, maxSeconds: Double) {
        work.settings.withLock { $0 = Settings(parser: parser, enricher: enricher, maxSeconds: maxSeconds) }
    }

    /// The enricher in use (its topic model shows in status).
    var enricher: Enricher { work.settings.withLock { $0.enricher } }

    /// Files queued and being parsed, the worker count and the queue's capacity.
    var snapshot: (queued: Int, busy: Int, workers: Int, capacity: Int) { pool.snapshot }

    /// The work done for each file, on a pool worker.
    fileprivate final class Work: Sendable {
        let settings: Mutex<Settings>
        let spool: Spool
        let slots: Slots
        let budget: ByteBudget
        let chunkGate: ByteBudget
        let writer: BatchWriter
        let finisher: Finisher
        let stats: IngestStats
        let metrics: NewsdMetrics
        let logger: Logger
        let retry: (initial: Int, max: Int)

        init(
            settings: Settings, spool: Spool, slots: Slots, budget: ByteBudget, chunkGate: ByteBudget, writer: BatchWriter,
            finisher: Finisher, stats: IngestStats, metrics: NewsdMetrics, logger: Logger, retry: (Int, Int)
        ) {
            self.settings = Mutex(settings)
            self.spool = spool
            self.slots = slots
            self.budget = budget
            self.chunkGate = chunkGate
            self.writer = writer
            self.finisher = finisher
            self.stats = stats
            self.metrics = metrics
            self.logger = logger
            self.retry = retry
        }

        /// Reads the claimed file, parses it and hands the result to the writer.
        func parse(_ file: ClaimedFile, _ pool: WorkerPool<ClaimedFile>) {
            let started = ContinuousClock.now
            defer { metrics.parseTime.record(ContinuousClock.now - started) }
            guard let read = spool.read(file.name) else {
                logger.warning("claimed file disappeared from the spool before it was read", metadata: ["file": "\(file.display)"])
                stats.recordError("\(file.display) disappeared from the spool")
                slots.release()
                return
            }
            if let shortage = read.transientError {
                readLater(file, shortage, pool)
                return
            }
            let current = settings.withLock { $0 }
            var sha: [UInt8]? = nil
            let content: IngestRecord.Content
            switch read.content {
            case .failure(let failure):
                content = .failure(failure)
            case .success(let bytes):
                sha = Array(SHA256.hash(data: bytes))
                if let chunks = try? current.parser.ndjsonChunks(bytes: bytes, minBytes: ParseStage.chunkedFileBytes) {
                    writeInChunks(file, read, sha: sha!, chunks, current)
                    return
                }
                let processor = FileProcessor(parser: current.parser, enricher: current.enricher, maxSeconds: current.maxSeconds)
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
            let held = record.estimatedBytes
            budget.reserve(held)
            writer.submit(PendingWrite(file: file, record: record, heldBytes: held))
        }

        /// A large NDJSON file: read, enriched and handed to the writer `chunkRecords` records at a
        /// time, each chunk waiting for room in the byte budget, so the pipeline holds a few chunks
        /// of it, never its 200,000 articles at once. Each chunk is a record of its own
        /// (`ChunkedFile`); the file leaves the spool after the last one committed.
        private func writeInChunks(_ file: ClaimedFile, _ read: ReadFile, sha: [UInt8], _ start: NDJSONChunks, _ current: Settings) {
            var chunks = start
            let tracker = ChunkedFile()
            let baseKey = read.claimKey + ":" + hexString(Array(sha.prefix(8)))
            var index = 0
            while true {
                let first = chunks.recordsRead
                let content: IngestRecord.Content
                do {
                    let deadline = ParseDeadline(seconds: current.maxSeconds)  // per chunk: parsing and enriching it
                    guard let records = try chunks.next(maxRecords: ParseStage.chunkRecords, deadline: deadline) else { break }
                    var articles: [Article] = []
                    var failures: [IngestRecord.RecordFailure] = []
                    for (i, r) in records.enumerated() {
                        switch r {
                        case .success(let a):
                            try deadline.check()
                            var enriched = a
                            enriched.enrichment = current.enricher.enrich(a)
                            articles.append(enriched)
                        case .failure(let f):
                            failures.append(IngestRecord.RecordFailure(index: first + i, failure: f))
                        }
                    }
                    if articles.isEmpty {
                        content = .failure(
                            IngestFailure(
                                .badRecord,
                                "none of records \(first)–\(first + records.count - 1) is an article; first problem: \(failures[0].failure.reason)"))
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
                let held = record.estimatedBytes
                chunkGate.reserve(1)
                budget.reserve(held)
                tracker.produced()
                writer.submit(PendingWrite(file: file, record: record, heldBytes: held, chunk: tracker))
                index += 1
                if case .failure(let f) = content, f.code == .parseTimeout { break }
            }
            if tracker.markDone() {
                let empty = IngestRecord(
                    claimKey: baseKey, fileName: file.display, sizeBytes: read.size, sha256: sha, firstSeen: file.claimedAt,
                    attempts: file.attempts, content: .failure(IngestFailure(.empty, "the NDJSON file holds no records")))
                finisher.finishChunkedFileNow(PendingWrite(file: file, record: empty), tracker)
            }
        }

        /// The system ran short of descriptors or memory while reading a claimed file: not the
        /// file's fault, so it stays claimed (its slot held) and is read again after a pause that
        /// doubles with each attempt, up to `retry.maxMs`. Status shows the reason meanwhile.
        private func readLater(_ file: ClaimedFile, _ why: String, _ pool: WorkerPool<ClaimedFile>) {
            let delay = min(retry.max, retry.initial << min(20, max(0, file.attempts - 1)))
            stats.recordResourceShortage(why)
            logger.warning(
                "cannot read a claimed file for want of resources; it stays claimed and is read again",
                metadata: ["file": "\(file.display)", "error": "\(why)", "retry_in_ms": "\(delay)"])
            var next = file
            next.attempts += 1
            let again = next
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(delay)) { [logger] in
                if !pool.submit(again) { logger.error("parse queue over capacity", metadata: ["file": "\(again.display)"]) }
            }
        }
    }
}
