import Synchronization

/// The pipeline's bound: how many files may be claimed at once (`pipeline.maxInFlight`).
/// The watcher takes a slot before claiming; the finisher gives it back when the file has left
/// the spool. Every in-memory queue is therefore bounded by this number.
public final class Slots: Sendable {
    private let state: Mutex<(used: Int, capacity: Int)>

    /// Creates `capacity` free slots.
    public init(capacity: Int) {
        state = Mutex((0, capacity))
    }

    /// Takes a slot if one is free.
    public func reserve() -> Bool {
        state.withLock { s in
            guard s.used < s.capacity else { return false }
            s.used += 1
            return true
        }
    }

    /// Gives `count` slots back.
    public func release(_ count: Int = 1) {
        state.withLock { s in
            precondition(count >= 0 && s.used >= count, "released more slots than were reserved")
            s.used -= count
        }
    }

    /// Slots in use and in total.
    public var snapshot: (used: Int, capacity: Int) { state.withLock { ($0.used, $0.capacity) } }
}
