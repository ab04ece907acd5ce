import NewsSystem

/// How newsd shares its open-file limit (RLIMIT_NOFILE, read after newsd raised the soft limit
/// to the hard one). Control connections are the only descriptors an outsider can make newsd
/// hold, so they get what the limit leaves after newsd's own work, and newsd itself never runs
/// out: a process at its limit cannot read claimed files, and libdispatch's thread monitor,
/// which opens `/proc/TID/stat` once a second while work is queued, ends the process when that
/// open fails (SIGILL, "workq: registered worker exited prematurely"; seen with 300 held
/// connections at a limit of 256).
public struct DescriptorBudget: Sendable, Equatable {
    /// The open-file limit in force.
    public var limit: Int
    /// Descriptors kept for newsd's own work.
    public var ownUse: Int

    /// Fewest control connections newsd runs with; a lower limit stops start-up.
    public static let minimumClients = 8
    /// Descriptors a control connection may hold: its socket, and one more while its request
    /// is answered (`status` counts the inbox and failed/ through a directory descriptor,
    /// `queue` reads failure records).
    public static let perClient = 2

    /// The fixed part of newsd's own use: standard streams, libdispatch's epoll, eventfd,
    /// timer and signal descriptors, inotify, the state folders, the listening sockets, the
    /// query, follow, reclassify, search-rebuild and peer-fingerprint connections, directory
    /// scans, and a margin.
    static let fixedOwnUse = 64

    /// `workers` parse workers each read one file and may scan a folder; each writer holds a
    /// database connection; the metrics endpoint serves a few requests at once.
    public init(limit: Int, workers: Int, writerConnections: Int) {
        self.limit = limit
        self.ownUse = Self.fixedOwnUse + 2 * workers + writerConnections + MetricsHTTPServer.maxConnections
    }

    /// The soft RLIMIT_NOFILE now (Int.max when unlimited or unknown).
    public static func currentLimit() -> Int {
        guard let limit = ProcessMemory.openFileLimit(), limit != UInt64.max else { return Int.max }
        return Int(clamping: limit)
    }

    /// Control connections the limit leaves room for, admins' reserve included.
    public var roomForClients: Int { limit == Int.max ? Int.max : max(0, limit - ownUse) / Self.perClient }

    /// `configured` (control.maxClients), lowered to what the limit leaves once the admins'
    /// reserve is set aside; nil when that is under `minimumClients`.
    public func maxClients(configured: Int) -> Int? {
        let room = roomForClients == Int.max ? Int.max : roomForClients - ConnectionLimits.adminReserve
        guard room >= Self.minimumClients else { return nil }
        return min(configured, room)
    }

    /// The smallest limit newsd starts with.
    public var smallestLimit: Int { ownUse + Self.perClient * (ConnectionLimits.adminReserve + Self.minimumClients) }
}

/// The open-file limit leaves too little for newsd: start-up stops (exit 78, as for a bad
/// configuration) rather than run where a handful of clients could exhaust it.
public struct DescriptorLimitError: Error, Sendable, CustomStringConvertible {
    public var budget: DescriptorBudget
    public var workers: Int

    public var description: String {
        "the open-file limit is \(budget.limit); newsd needs at least \(budget.smallestLimit) "
            + "(\(budget.ownUse) for its own work with \(workers) workers, the rest for control connections): "
            + "raise LimitNOFILE= in the unit, or `ulimit -n`"
    }
}
