@preconcurrency import Dispatch
import Foundation
import Logging
import NewsCore

/// Moves files out of the spool once their batch committed, counts the outcome, logs one line
/// per file, and hands the files' slots back to the inbox watcher, once per batch (a hand-back
/// per file woke the watcher's thread for each).
///
/// If the move fails (full disk, permissions), the file stays in the spool, the error shows in
/// `status`, and the move is retried; its database record is already committed, so a restart
/// in between finishes the move without writing anything twice.
final class Finisher: Sendable {
    private let spool: Spool
    private let stats: IngestStats
    private let logger: Logger
    /// Called with the number of files that left the spool.
    private let done: @Sendable (Int) -> Void
    private let retryQueue = DispatchQueue(label: "newsd.finisher.retry")

    private let metrics: NewsdMetrics?

    init(spool: Spool, stats: IngestStats, logger: Logger, metrics: NewsdMetrics? = nil, done: @escaping @Sendable (Int) -> Void) {
        self.metrics = metrics
        self.spool = spool
        self.stats = stats
        self.logger = logger
        self.done = done
    }

    /// Finishes a committed batch's files; one hand-back for all that left the spool.
    func finish<S: Sequence>(_ batch: S) where S.Element == (PendingWrite, StoredOutcome) {
        var left = 0
        for (item, outcome) in batch where finish(item, outcome) { left += 1 }
        if left > 0 { done(left) }
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
                metrics?.articles.increment(by: new)
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
                logger.notice("recovered a file committed before a crash; moved it without writing again", metadata: meta)
            }
        } catch {
            meta["error"] = "\(error)"
            logger.error("cannot move the file out of the spool; it stays claimed and will be retried", metadata: meta)
            stats.recordError("cannot move \(file.display) out of the spool: \(error)")
            retryQueue.asyncAfter(deadline: .now() + .seconds(5)) { self.finish([(item, outcome)]) }
            return false
        }
        return true
    }
}

import NewsSystem
