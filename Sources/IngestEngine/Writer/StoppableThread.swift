import Foundation
import Synchronization

/// A thread of its own for a loop that talks to the database (PeerFingerprints,
/// FingerprintLoader): `stop()` sets a flag the loop reads, and waits for it at most 2 s, since a
/// frozen database can hold a libpq call for ever and shutdown must not wait for that.
final class StoppableThread: Sendable {
    private let name: String
    private let stopped = Atomic<Bool>(false)
    private let started = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    private let done = Atomic<Bool>(false)

    init(name: String) { self.name = name }

    /// Whether `stop()` was called.
    var isStopped: Bool { stopped.load(ordering: .relaxed) }

    /// Runs `body` on the thread.
    func start(_ body: @escaping @Sendable () -> Void) {
        let t = Thread { [self] in
            body()
            done.store(true, ordering: .relaxed)
            finished.signal()
        }
        t.name = name
        started.store(true, ordering: .relaxed)
        t.start()
    }

    /// Asks the loop to stop; returns whether it finished within 2 s (true if never started).
    @discardableResult
    func stop() -> Bool {
        stopped.store(true, ordering: .relaxed)
        guard started.load(ordering: .relaxed), !done.load(ordering: .relaxed) else { return true }
        return finished.wait(timeout: .now() + .seconds(2)) == .success
    }

    /// Sleeps `seconds`, waking within 0.1 s of `stop()`.
    func sleep(_ seconds: Double) {
        var slept = 0.0
        while slept < seconds, !isStopped {
            Thread.sleep(forTimeInterval: 0.1)
            slept += 0.1
        }
    }
}
