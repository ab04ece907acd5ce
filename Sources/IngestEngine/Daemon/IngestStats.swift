import Foundation
import NewsProtocol
import Synchronization

/// Counters and recent errors shared by every stage; read by `status`.
public final class IngestStats: Sendable {
    struct State {
        var ingested = 0
        var duplicates = 0
        var failed = 0
        var retries = 0
        var databaseState = DatabaseState.connecting
        var databaseError: StatusReport.ErrorEvent?
        /// The server the writer reached last, and how often it changed.
        var server: String?
        var serverChanges = 0
        var lastError: StatusReport.ErrorEvent?
        /// The latest time the system ran short of descriptors or memory (status lists it as a
        /// problem for 30 seconds after).
        var resourceShortage: StatusReport.ErrorEvent?
        /// Set when a batch failed and none has been written since (a lock held, an outage):
        /// a reconnect alone does not clear it.
        var writesFailing: StatusReport.ErrorEvent?
        /// Ingested articles per second for the last 300 seconds, indexed by second % 300.
        var buckets = [Int](repeating: 0, count: 300)
        var bucketSecond = [Int](repeating: -1, count: 300)
    }

    private let state = Mutex(State())

    /// Creates zeroed counters. (What failed/ holds is counted from the folder itself when
    /// asked: operators drop and retry files, by newsctl or by hand.)
    public init() {}

    /// Counts outcomes: new articles, articles already stored, files moved to failed/.
    public func record(ingested: Int = 0, duplicates: Int = 0, failedFiles: Int = 0, now: Date = Date()) {
        let second = Int(now.timeIntervalSince1970)
        state.withLock { s in
            if ingested > 0 {
                s.ingested += ingested
                let i = second % 300
                if s.bucketSecond[i] != second {
                    s.bucketSecond[i] = second
                    s.buckets[i] = 0
                }
                s.buckets[i] += ingested
            }
            s.duplicates += duplicates
            s.failed += failedFiles
        }
    }

    /// Counts a batch retry after a transient database error.
    public func recordRetry() { state.withLock { $0.retries += 1 } }

    /// Sets the database state; `error` (if any) becomes the database's last error.
    public func setDatabase(_ databaseState: DatabaseState, error: String? = nil, now: Date = Date()) {
        state.withLock { s in
            s.databaseState = databaseState
            if let error {
                let event = StatusReport.ErrorEvent(message: error, at: now.timeIntervalSince1970)
                s.databaseError = event
                s.lastError = event
            }
        }
    }

    /// The server a writer connection reached; returns the one before it when it differs (a
    /// failover or switchover: counted once, whichever lane sees it first).
    public func setServer(_ server: String) -> String? {
        state.withLock { s in
            defer { s.server = server }
            guard let previous = s.server, previous != server else { return nil }
            s.serverChanges += 1
            return previous
        }
    }

    /// A batch could not be written (it is kept and retried).
    public func recordWriteFailure(_ message: String, now: Date = Date()) {
        state.withLock { $0.writesFailing = StatusReport.ErrorEvent(message: message, at: now.timeIntervalSince1970) }
    }

    /// A batch was written: writes work again.
    public func recordWriteSuccess() {
        state.withLock { if $0.writesFailing != nil { $0.writesFailing = nil } }
    }

    /// Remembers that reading a file failed for want of descriptors or memory.
    public func recordResourceShortage(_ message: String, now: Date = Date()) {
        let event = StatusReport.ErrorEvent(message: message, at: now.timeIntervalSince1970)
        state.withLock {
            $0.resourceShortage = event
            $0.lastError = event
        }
    }

    /// Remembers an error of any kind for `status`.
    public func recordError(_ message: String, now: Date = Date()) {
        state.withLock { $0.lastError = StatusReport.ErrorEvent(message: message, at: now.timeIntervalSince1970) }
    }

    /// A consistent copy of the counters, with rates computed at `now`.
    func snapshot(now: Date = Date()) -> (State, rate1: Double, rate5: Double) {
        let second = Int(now.timeIntervalSince1970)
        return state.withLock { s in
            var one = 0
            var five = 0
            for i in 0..<300 where s.bucketSecond[i] > second - 300 && s.bucketSecond[i] <= second {
                five += s.buckets[i]
                if s.bucketSecond[i] > second - 60 { one += s.buckets[i] }
            }
            return (s, Double(one) / 60, Double(five) / 300)
        }
    }
}
