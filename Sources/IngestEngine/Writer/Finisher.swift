@preconcurrency import Dispatch
import Foundation
import Logging
import NewsCore
import NewsSystem

/// Moves files out of the spool once their batch committed, counts the outcome, logs one line
/// per file, and gives the files' slots back, once per batch (a hand-back per file woke the
/// inbox watcher's thread for each).
///
/// If the move fails (full disk, permissions), the file stays in the spool, the error shows in
/// `status`, and the move is retried; its database record is already committed, so a restart
/// in between finishes the move without writing anything twice.
final class Finisher: Sendable {
    private let spool: Spool
    private let stats: IngestStats
    private let logger: Logger
    /// Given back for each file that left the spool.
    private let slots: Slots
    private let retryQueue = DispatchQueue(label: "newsd.finisher.retry")

    private let metrics: NewsdMetrics?
    /// Bytes and chunks held by records until they commit (`pipeline.maxInFlightBytes`).
    private let budget: ByteBudget?
    private let chunkGate: ByteBudget?

    init(
        spool: Spool, slots: Slots, stats: IngestStats, logger: Logger, metrics: NewsdMetrics? = nil, budget: ByteBudget? = nil,
        chunkGate: ByteBudget? = nil
    ) {
        self.metrics = metrics
        self.budget = budget
        self.chunkGate = chunkGate
        self.spool = spool
        self.stats = stats
        self.logger = logger
        self.slots = slots
    }

    /// Finishes a committed batch's files; one hand-back for all that left the spool, and the
    /// batch's bytes back to the budget (the watcher is told either way: claiming may resume).
    func finish<S: Sequence>(_ batch: S) where S.Element == (PendingWrite, StoredOutcome) {
        var left = 0
        var bytes = 0
        var chunks = 0
        for (item, outcome) in batch {
            bytes += item.heldBytes
            if let chunk = item.chunk {
                chunks += 1
                finishChunk(item, outcome)
                if chunk.chunkFinished(outcome), finishChunkedFile(item, chunk) { left += 1 }
                continue
            }
            if finish(item, outcome) { left += 1 }
        }
        budget?.release(bytes)
        chunkGate?.release(chunks)
        if left > 0 || bytes > 0 { slots.release(left) }
    }

    /// One chunk of a large file committed: counted and logged; the file stays in the spool.
    private func finishChunk(_ item: PendingWrite, _ outcome: StoredOutcome) {
        switch outcome {
        case .stored(let articles):
            let new = articles.filter(\.isNew).count
            stats.record(ingested: new, duplicates: articles.count - new)
            metrics?.articles.increment(by: Int64(new))
        case .failed(let failure):
            logger.warning(
                "chunk failed", metadata: ["file": "\(item.file.display)", "claim": "\(item.record.claimKey)", "code": "\(failure.code.rawValue)", "reason": "\(failure.reason)"])
        case .alreadyRecorded:
            break
        }
        if case .document(_, _, let failures) = item.record.content {
            for f in failures.prefix(20) {
                logger.warning(
                    "record skipped",
                    metadata: ["file": "\(item.file.display)", "record": "\(f.index)", "code": "\(f.failure.code.rawValue)", "reason": "\(f.failure.reason)"])
            }
        }
    }

    /// The producer of a chunked file saw every chunk committed already: the file is moved now.
    func finishChunkedFileNow(_ item: PendingWrite, _ chunk: ChunkedFile) {
        if finishChunkedFile(item, chunk) { slots.release(1) }
    }

    /// Every chunk of a large file committed: the file leaves the spool, to the archive if any
    /// chunk stored an article, else to failed/ with the first chunk's failure. False when the
    /// move failed and was scheduled again (its slot is handed back when it succeeds).
    private func finishChunkedFile(_ item: PendingWrite, _ chunk: ChunkedFile) -> Bool {
        let file = item.file
        let totals = chunk.totals
        var meta: Logger.Metadata = ["file": "\(file.display)", "articles_new": "\(totals.stored)", "articles_duplicate": "\(totals.duplicates)"]
        do {
            if totals.stored + totals.duplicates > 0 || totals.failure == nil {
                let dest = try spool.finishCommitted(file.name)
                meta["moved_to"] = "\(dest ?? "deleted")"
                (totals.stored > 0 ? metrics?.ingested : metrics?.duplicates)?.increment()
                logger.info("ingested in chunks", metadata: meta)
            } else if let failure = totals.failure {
                let name = try spool.finishFailed(file, failure: failure, size: item.record.sizeBytes, sha256: item.record.sha256)
                meta["code"] = "\(failure.code.rawValue)"
                meta["moved_to"] = "\(spool.failed.path)/\(displayName(name))"
                stats.record(failedFiles: 1)
                metrics?.failed.increment()
                logger.warning("failed", metadata: meta)
            }
            return true
        } catch {
            meta["error"] = "\(error)"
            logger.error("cannot move the file out of the spool; it stays claimed and will be retried", metadata: meta)
            stats.recordError("cannot move \(file.display) out of the spool: \(error)")
            retryQueue.asyncAfter(deadline: .now() + .seconds(5)) {
                if self.finishChunkedFile(item, chunk) { self.slots.release(1) }
            }
            return false
        }
    }

    /// Finishes one file; false when its move failed and was scheduled again (its slot is
    /// handed back when the retry succeeds).
    private func finish(_ item: PendingWrite, _ outcome: StoredOutcome) -> Bool {
        let file = item.file
        var meta: Logger.Metadata = ["file": "\(file.display)", "claim": "\(item.record.claimKey)"]
        do {
            switch outcome {
            case .stored(let articles):
                let dest = try spool.finishCommitted(file.name)
                let new = articles.filter(\.isNew).count
                // The one line per stored file is at info: its metadata is built only when it is logged.
                func storedMetadata() -> Logger.Metadata {
                    meta["article_id"] = "\(articles.map { String($0.id) }.joined(separator: ","))"
                    meta["moved_to"] = "\(dest ?? "deleted")"
                    if case .document(let format, _, let failures) = item.record.content {
                        meta["format"] = "\(format.rawValue)"
                        if articles.count > 1 || !failures.isEmpty {
                            meta["articles_new"] = "\(new)"
                            meta["articles_duplicate"] = "\(articles.count - new)"
                        }
                    }
                    return meta
                }
                if case .document(_, _, let failures) = item.record.content {
                    for f in failures {
                        logger.warning(
                            "record skipped",
                            metadata: ["file": "\(file.display)", "record": "\(f.index)", "code": "\(f.failure.code.rawValue)",
                                       "reason": "\(f.failure.reason)"])
                    }
                }
                stats.record(ingested: new, duplicates: articles.count - new)
                (new > 0 ? metrics?.ingested : metrics?.duplicates)?.increment()
                metrics?.articles.increment(by: Int64(new))
                metrics?.claimToCommit.recordNanoseconds(Int64(max(0, Date().timeIntervalSince(file.claimedAt)) * 1e9))
                logger.info(new > 0 ? "ingested" : "duplicate of a stored article", metadata: storedMetadata())
            case .failed(let failure):
                let name = try spool.finishFailed(
                    file, failure: failure, size: item.record.sizeBytes, sha256: item.record.sha256)
                meta["code"] = "\(failure.code.rawValue)"
                meta["reason"] = "\(failure.reason)"
                meta["moved_to"] = "\(spool.failed.path)/\(displayName(name))"
                stats.record(failedFiles: 1)
                metrics?.failed.increment()
                logger.warning("failed", metadata: meta)
            case .alreadyRecorded(let recorded, let id, let failure):
                if let failure {
                    try spool.finishFailed(file, failure: failure, size: item.record.sizeBytes, sha256: item.record.sha256)
                } else {
                    try spool.finishCommitted(file.name)
                }
                meta["outcome"] = "\(recorded)"
                if let id { meta["article_id"] = "\(id)" }
                // Committed before a crash, or by a commit whose answer was lost (a connection
                // cut during COMMIT, a failover): finished by this run, counted as it was recorded.
                switch recorded {
                case "ingested":
                    stats.record(ingested: 1)
                    metrics?.ingested.increment()
                case "duplicate":
                    stats.record(duplicates: 1)
                    metrics?.duplicates.increment()
                default:
                    stats.record(failedFiles: 1)
                    metrics?.failed.increment()
                }
                logger.notice(
                    "a file already recorded (committed before a crash, or by a commit whose answer was lost); moved it without writing again",
                    metadata: meta)
            }
        } catch {
            meta["error"] = "\(error)"
            logger.error("cannot move the file out of the spool; it stays claimed and will be retried", metadata: meta)
            stats.recordError("cannot move \(file.display) out of the spool: \(error)")
            // Its bytes went back to the budget with its batch: the retry holds none.
            var again = item
            again.heldBytes = 0
            let retry = again
            retryQueue.asyncAfter(deadline: .now() + .seconds(5)) { self.finish([(retry, outcome)]) }
            return false
        }
        return true
    }
}
