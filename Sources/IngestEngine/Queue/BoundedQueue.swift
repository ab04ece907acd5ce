import DequeModule

/// A first-in, first-out queue that refuses to grow past its capacity.
///
/// Not synchronized: each stage keeps its queue inside its own lock or serial queue, together
/// with the state that must change atomically with it (e.g. the number of busy workers).
/// Nothing here needs to survive a crash: every element stands for a file in the spool, and
/// the spool is re-read at start-up.
public struct BoundedQueue<Element> {
    private var items: Deque<Element> = []
    /// The most elements the queue holds.
    public private(set) var capacity: Int

    /// Creates an empty queue.
    public init(capacity: Int) {
        precondition(capacity > 0, "a queue needs room for at least one element")
        self.capacity = capacity
    }

    /// Elements waiting.
    public var count: Int { items.count }
    /// Whether nothing is waiting.
    public var isEmpty: Bool { items.isEmpty }
    /// Whether another push would be refused.
    public var isFull: Bool { items.count >= capacity }

    /// Appends `element`; returns false, leaving the queue unchanged, when it is full.
    @discardableResult
    public mutating func push(_ element: Element) -> Bool {
        guard items.count < capacity else { return false }
        items.append(element)
        return true
    }

    /// Puts elements back at the front (a batch that must be retried), ignoring capacity:
    /// they were taken from this queue, so they had room.
    public mutating func pushFront<C: BidirectionalCollection>(contentsOf elements: C) where C.Element == Element {
        for e in elements.reversed() { items.prepend(e) }
    }

    /// Removes and returns the oldest element.
    public mutating func pop() -> Element? { items.popFirst() }

    /// Removes and returns up to `max` of the oldest elements.
    public mutating func pop(upTo max: Int) -> [Element] {
        let n = Swift.min(max, items.count)
        let batch = Array(items.prefix(n))
        items.removeFirst(n)
        return batch
    }

    /// Changes the capacity (config reload); elements already queued stay.
    public mutating func setCapacity(_ capacity: Int) {
        precondition(capacity > 0, "a queue needs room for at least one element")
        self.capacity = capacity
    }
}
