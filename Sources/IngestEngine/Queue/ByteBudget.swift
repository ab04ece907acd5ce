import Foundation
import Synchronization

/// The pipeline's bound in bytes (`pipeline.maxInFlightBytes`): parsed records waiting to be
/// written hold their estimated size here from the moment a parse worker hands them over until
/// their transaction committed. When half of it is used the inbox watcher stops claiming, and
/// when it is full a worker with a record to hand over waits: memory is bounded in bytes, not only in files. A record
/// larger than the whole budget is let through alone, when nothing else is held.
///
/// Nothing that holds bytes here needs a parse worker to make progress (only the writer gives
/// bytes back), so a worker waiting here cannot deadlock the pipeline.
public final class ByteBudget: Sendable {
    private let state: Mutex<(used: Int, capacity: Int)>
    /// Workers waiting for room.
    private let waiting = Mutex(0)
    private let condition = NSCondition()

    /// A budget of `capacity` bytes.
    public init(capacity: Int) {
        state = Mutex((0, max(1, capacity)))
    }

    /// Takes `bytes` if they fit (or nothing else is held).
    public func tryReserve(_ bytes: Int) -> Bool {
        state.withLock { s in
            guard s.used == 0 || s.used + bytes <= s.capacity else { return false }
            s.used += bytes
            return true
        }
    }

    /// Takes `bytes`, waiting until they fit.
    public func reserve(_ bytes: Int) {
        if tryReserve(bytes) { return }
        waiting.withLock { $0 += 1 }
        defer { waiting.withLock { $0 -= 1 } }
        condition.lock()
        defer { condition.unlock() }
        while !tryReserve(bytes) { condition.wait() }
    }

    /// Gives `bytes` back and wakes the waiters.
    public func release(_ bytes: Int) {
        guard bytes > 0 else { return }
        state.withLock { s in
            precondition(s.used >= bytes, "released more bytes than were reserved")
            s.used -= bytes
        }
        condition.lock()
        condition.broadcast()
        condition.unlock()
    }

    /// Whether claiming should wait: half the budget is used (the other half is room for the
    /// records of files already claimed), or a worker waits for room.
    public var isFull: Bool { state.withLock { $0.used * 2 >= $0.capacity } || waiting.withLock { $0 } > 0 }

    /// Bytes held and the capacity.
    public var snapshot: (used: Int, capacity: Int) { state.withLock { ($0.used, $0.capacity) } }
}
