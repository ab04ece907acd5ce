import Synchronization

/// The pipeline's bound: how many files may be claimed at once (`pipeline.maxInFlight`).
/// The watcher takes a slot before claiming; the finisher gives it back when the file has left
/// the spool. Every in-memory queue is therefore bounded by this number.
///
/// Whoever claims listens for releases (`onRelease`), so the stages that free room need not
/// know who is waiting for it.
public final class Slots: Sendable {
    private let state: Mutex<(used: Int, capacity: Int)>
    private let listener = Mutex<(@Sendable () -> Void)?>(nil)

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

    /// Gives `count` slots back and tells the listener. A release of 0 tells it too: the
    /// byte budget, which also holds claiming back, may have room again.
    public func release(_ count: Int = 1) {
        state.withLock { s in
            precondition(count >= 0 && s.used >= count, "released more slots than were reserved")
            s.used -= count
        }
        listener.withLock { $0 }?()
    }

    /// Returns a slot just reserved and not used (nothing to claim): no one is told, since
    /// no room was freed that was not free a moment ago.
    public func unreserve() {
        state.withLock { s in
            precondition(s.used >= 1, "released more slots than were reserved")
            s.used -= 1
        }
    }

    /// Calls `handler` after every release, on the releasing thread (it must not block).
    public func onRelease(_ handler: @escaping @Sendable () -> Void) {
        listener.withLock { $0 = handler }
    }

    /// Slots in use and in total.
    public var snapshot: (used: Int, capacity: Int) { state.withLock { ($0.used, $0.capacity) } }
}
