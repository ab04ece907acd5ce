import NewsCore
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
