import Dispatch
import Synchronization

/// Runs `body` in a new task (of `priority`, else the current one's) and blocks this thread
/// until it ends, returning its result or throwing its error. For synchronous callers of async
/// work: newsd's commands from a plain `main`, a `reload` asked for on the control socket. The
/// calling thread must not be one the task needs (a Dispatch queue thread is fine: Swift's
/// tasks run on their own pool).
public func waitForTask<T: Sendable>(
    priority: TaskPriority? = nil, _ body: @escaping @Sendable () async throws -> T
) throws -> T {
    let outcome = TaskOutcome<T>()
    Task.detached(priority: priority) {
        do {
            outcome.finish(.success(try await body()))
        } catch {
            outcome.finish(.failure(error))
        }
    }
    return try outcome.wait().get()
}

private final class TaskOutcome<T: Sendable>: Sendable {
    private let result = Mutex<Result<T, any Error>?>(nil)
    private let done = DispatchSemaphore(value: 0)

    func finish(_ r: Result<T, any Error>) {
        result.withLock { $0 = r }
        done.signal()
    }

    func wait() -> Result<T, any Error> {
        done.wait()
        return result.withLock { $0 }!
    }
}
