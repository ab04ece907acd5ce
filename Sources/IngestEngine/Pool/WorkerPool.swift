@preconcurrency import Dispatch
import Synchronization

/// A pool of Dispatch workers fed by an explicit bounded queue.
///
/// No thread waits for work: `submit` starts a worker (a block on a concurrent queue) when fewer
/// than `workers` are running, and each worker drains the queue before it ends. The queue and
/// the count of running workers change under one lock, so an element is never left behind.
public final class WorkerPool<Job: Sendable>: Sendable {
    private struct State {
        var queue: BoundedQueue<Job>
        var running = 0
        var busy = 0
        var workers: Int
    }

    private let state: Mutex<State>
    private let dispatch: DispatchQueue
    private let work: @Sendable (Job, WorkerPool<Job>) -> Void

    /// Creates a pool running `work` on at most `workers` threads, holding at most `capacity` jobs.
    /// `work` is handed the pool too, so a job can queue itself again later.
    public init(label: String, workers: Int, capacity: Int, work: @escaping @Sendable (Job, WorkerPool<Job>) -> Void) {
        self.state = Mutex(State(queue: BoundedQueue(capacity: capacity), workers: max(1, workers)))
        self.dispatch = DispatchQueue(label: label, qos: .utility, attributes: .concurrent)
        self.work = work
    }

    /// Queues `job`; returns false if the queue is full (the caller keeps the job).
    @discardableResult
    public func submit(_ job: Job) -> Bool {
        let startWorker = state.withLock { s -> Bool? in
            guard s.queue.push(job) else { return nil }
            guard s.running < s.workers else { return false }
            s.running += 1
            return true
        }
        guard let startWorker else { return false }
        if startWorker { dispatch.async { self.drain() } }
        return true
    }

    private func drain() {
        var finishedOne = false
        while true {
            let job = state.withLock { [finishedOne] s -> Job? in
                if finishedOne { s.busy -= 1 }
                guard let job = s.queue.pop() else {
                    s.running -= 1
                    return nil
                }
                s.busy += 1
                return job
            }
            guard let job else { return }
            work(job, self)
            finishedOne = true
        }
    }

    /// Jobs waiting, jobs being worked on, the worker limit and the queue's capacity.
    public var snapshot: (queued: Int, busy: Int, workers: Int, capacity: Int) {
        state.withLock { ($0.queue.count, $0.busy, $0.workers, $0.queue.capacity) }
    }
}
