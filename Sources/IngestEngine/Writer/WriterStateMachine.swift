/// The writer's coordination, as a value that takes events and returns actions: when to cut a
/// batch and for which lane, when to wait for more files, when to back off after a failure and
/// for how long, and what to retry. It does no I/O and keeps no clock, so it is tested without
/// a database or a thread (Tests/IngestEngineTests/WriterStateMachineTests.swift); `BatchWriter`
/// carries its actions out on Dispatch queues and libpq connections.
///
/// Batches: full ones (`batchSize` items) go at once to any idle lane; a partial batch waits for
/// the flush timer (`flushInterval` after it began waiting), unless the writer is stopping or
/// the interval is 0. After a lane's failure the batch goes back to the front of the queue, in
/// order, and nothing is written until the backoff ends; the pause doubles with each failure up
/// to `retryMax` and is reset by a success.
struct WriterStateMachine<Item> {
    enum Action {
        /// Write `batch` on lane `lane` (idle until then); report with `laneFinished`.
        case write(_ batch: [Item], lane: Int)
        /// Open lane `lane`'s connection without writing; report with `connectFinished`.
        case connect(lane: Int)
        /// Call `timerFired` after this many milliseconds. At most one timer is armed.
        case armTimer(milliseconds: Int)
        /// The armed timer is no longer wanted.
        case cancelTimer
        /// A failure began a pause: call `backoffEnded` after this many milliseconds.
        case backOff(milliseconds: Int)
    }

    private(set) var pending: BoundedQueue<Item>
    /// Lanes with nothing to do, the next one to use last.
    private(set) var idle: [Int]
    private(set) var timerArmed = false
    private(set) var backingOff = false
    /// The pause the next failure starts.
    private(set) var backoffMilliseconds: Int
    private(set) var stopping = false
    private(set) var batchSize: Int
    private(set) var flushInterval: Int
    let retryInitial: Int
    let retryMax: Int

    init(lanes: Int, capacity: Int, batchSize: Int, flushIntervalMilliseconds: Int, retryInitialMilliseconds: Int, retryMaxMilliseconds: Int) {
        pending = BoundedQueue(capacity: capacity)
        idle = Array((0..<max(1, lanes)).reversed())
        self.batchSize = max(1, batchSize)
        flushInterval = flushIntervalMilliseconds
        retryInitial = retryInitialMilliseconds
        retryMax = retryMaxMilliseconds
        backoffMilliseconds = retryInitialMilliseconds
    }

    /// Whether the coordinator will look again by itself, without a wake-up: every lane busy
    /// (a lane's end looks) or backing off (the pause's end looks).
    var willLook: Bool { idle.isEmpty || backingOff }

    /// Takes submitted items into the queue; returns those beyond its capacity, which were put
    /// at its front to keep them safe (cannot happen while claims are bounded by maxInFlight).
    mutating func absorb(_ items: some Sequence<Item>) -> [Item] {
        var over: [Item] = []
        for item in items where !pending.push(item) { over.append(item) }
        if !over.isEmpty { pending.pushFront(contentsOf: over) }
        return over
    }

    /// After new items, a reload or a lane's end: write what should go now, or arm the timer.
    mutating func schedule() -> [Action] {
        guard !backingOff, !pending.isEmpty, !idle.isEmpty else { return [] }
        if stopping || pending.count >= batchSize || flushInterval == 0 { return flush() }
        if timerArmed { return [] }
        timerArmed = true
        return [.armTimer(milliseconds: flushInterval)]
    }

    /// The flush timer fired: what waits goes, partial batches too.
    mutating func timerFired() -> [Action] {
        timerArmed = false
        return flush()
    }

    /// Hands batches to idle lanes: full ones, or whatever waits when the timer fired.
    private mutating func flush() -> [Action] {
        var actions: [Action] = []
        if timerArmed {
            timerArmed = false
            actions.append(.cancelTimer)
        }
        while !backingOff, !pending.isEmpty, let lane = idle.popLast() {
            actions.append(.write(pending.pop(upTo: batchSize), lane: lane))
            // A partial batch waits for the timer unless the writer is stopping.
            if !stopping && pending.count < batchSize { break }
        }
        return actions + schedule()
    }

    /// Lane `lane` is done with its batch. `unwritten` is what a failure left (in order, at
    /// most the whole batch); `failed` whether there was one.
    mutating func laneFinished(_ lane: Int, failed: Bool, unwritten: [Item] = []) -> [Action] {
        idle.append(lane)
        if failed { return failure(unwritten) + schedule() }
        backoffMilliseconds = retryInitial
        return schedule()
    }

    /// Lane `lane` finished connecting (`connect`), or failed to.
    mutating func connectFinished(_ lane: Int, failed: Bool) -> [Action] {
        idle.append(lane)
        return failed ? failure([]) : schedule()
    }

    /// Keeps the items, in order, at the front; begins a pause unless one is running (another
    /// lane failed too: one pause is enough).
    private mutating func failure(_ unwritten: [Item]) -> [Action] {
        pending.pushFront(contentsOf: unwritten)
        guard !backingOff else { return [] }
        backingOff = true
        let delay = backoffMilliseconds
        backoffMilliseconds = min(retryMax, backoffMilliseconds * 2)
        return [.backOff(milliseconds: delay)]
    }

    /// The pause is over: write what waits, or, with nothing waiting, reconnect a lane so
    /// status learns when the database is back.
    mutating func backoffEnded() -> [Action] {
        backingOff = false
        return pending.isEmpty ? connectEarly() : flush()
    }

    /// Connects an idle lane now (start-up: status reports the database state early).
    mutating func connectEarly() -> [Action] {
        guard let lane = idle.popLast() else { return [] }
        return [.connect(lane: lane)]
    }

    /// Applies reloadable settings.
    mutating func reconfigure(batchSize: Int, flushIntervalMilliseconds: Int) -> [Action] {
        self.batchSize = max(1, batchSize)
        flushInterval = flushIntervalMilliseconds
        return schedule()
    }

    /// Stops waiting for full batches: everything pending is written as soon as possible.
    mutating func beginShutdown() -> [Action] {
        stopping = true
        return schedule()
    }
}

/// The hand-off from the parse workers to the coordinator. Waking the coordinator for each
/// file cost a thread wake-up and a context switch per file; now `submit` only appends, and
/// wakes it when nothing else will make it look: no timer armed, a lane idle, not backing
/// off, or a timer armed but a full batch waiting. Every coordinator entry that may flush
/// takes the intake first and publishes its state last (`WriterStateMachine.willLook`…),
/// under the same lock, so a file is never left behind.
struct WriterIntake<Item> {
    var items: [Item] = []
    /// A wake-up is queued on the coordinator and has not taken the intake yet.
    var woken = false
    /// The coordinator will look again by itself (`WriterStateMachine.willLook`).
    var willLook = false
    /// A flush timer is armed.
    var timerArmed = false
    /// Items in the coordinator's queue, and the batch size.
    var pending = 0
    var batchSize: Int

    init(batchSize: Int) {
        self.batchSize = batchSize
    }

    /// Appends a submitted item; returns whether the coordinator needs a wake-up.
    mutating func append(_ item: Item) -> Bool {
        items.append(item)
        return needsWakeUp()
    }

    /// The coordinator takes everything submitted so far.
    mutating func take() -> [Item] {
        woken = false
        defer { items.removeAll(keepingCapacity: true) }
        return items
    }

    /// The coordinator's state after it acted; returns whether it needs another wake-up
    /// (items arrived meanwhile that no one else will pick up).
    mutating func publish<T>(_ machine: WriterStateMachine<T>) -> Bool {
        willLook = machine.willLook
        timerArmed = machine.timerArmed
        pending = machine.pending.count
        batchSize = machine.batchSize
        return needsWakeUp()
    }

    private mutating func needsWakeUp() -> Bool {
        if woken || willLook || items.isEmpty { return false }
        if timerArmed && pending + items.count < batchSize { return false }
        woken = true
        return true
    }
}

extension WriterStateMachine.Action: Equatable where Item: Equatable {}
