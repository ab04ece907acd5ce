import Logging
import NewsProtocol
import ServiceLifecycle
import Synchronization

/// What newsd is doing (`status.state`), which `pause`, `resume` and `drain` change, and the
/// request to drain.
public final class RunState: Sendable {
    private let state = Mutex(DaemonState.starting)
    private let drainRequests: AsyncStream<Void>
    private let drainContinuation: AsyncStream<Void>.Continuation

    public init() {
        (drainRequests, drainContinuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// The state now.
    public var current: DaemonState { state.withLock { $0 } }

    /// Moves to `to` if the state is one of `from`; returns the state it found.
    @discardableResult
    func change(from: Set<DaemonState>, to: DaemonState) -> (changed: Bool, found: DaemonState) {
        state.withLock { s in
            let found = s
            guard from.contains(s) else { return (false, found) }
            s = to
            return (true, found)
        }
    }

    func set(_ new: DaemonState) { state.withLock { $0 = new } }

    /// Asks `DrainService` to stop newsd once the pipeline is empty.
    func requestDrain() { drainContinuation.yield() }

    /// The next drain request (nil if the stream ended).
    func nextDrainRequest() async -> Void? {
        var it = drainRequests.makeAsyncIterator()
        return await it.next()
    }
}

/// The last service to start and the first to stop. `newsctl drain` makes it wait until the
/// inbox and the pipeline are empty and then return, which shuts the group down as SIGTERM
/// would. When the group shuts down for any reason, it marks the state `stopping` and starts
/// the shutdown time-out first.
struct DrainService: Service {
    let state: RunState
    let status: StatusReporter
    let deadline: ShutdownDeadline
    let logger: Logger

    func run() async throws {
        let drained: Bool
        do {
            drained = try await cancelWhenGracefulShutdown {
                guard await state.nextDrainRequest() != nil else { return false }
                // Looks first after 200 ms: the answer to `drain` is written by then, and files
                // dropped just before it are claimed.
                repeat { try await Task.sleep(for: .milliseconds(200)) } while !status.isIdle
                return true
            }
        } catch {
            drained = false  // the group is shutting down (a signal, or another service failed)
        }
        deadline.begin()
        state.set(.stopping)
        logger.notice(drained ? "drained the backlog; shutting down" : "shutting down")
    }
}
