@preconcurrency import Dispatch
import DequeModule
import Foundation
import Logging
import NewsSystem
import Synchronization

/// Finds files in the inbox and claims them, never more than the pipeline has room for.
///
/// Sources of names, in order: files left in the spool by an earlier run (processed first),
/// names from inotify (`IN_CLOSE_WRITE`, `IN_MOVED_TO`), and passes over the inbox directory
/// (at start-up, every `inbox.rescanIntervalMs`, after `IN_Q_OVERFLOW`, and when names had to be
/// passed over because the pipeline was full). The inbox itself is the backlog: when the
/// pipeline is full, names are not remembered, only that a pass is needed, so memory stays
/// bounded whatever the number of waiting files.
public final class InboxWatcher: @unchecked Sendable {
    // @unchecked: every mutable property is read and written only on `queue`.
    private let queue = DispatchQueue(label: "newsd.inbox", qos: .default)
    private let spool: Spool
    private let logger: Logger
    private let stats: IngestStats
    private let slots: Slots
    /// The byte budget: claiming waits while parsed records fill it.
    private let budget: ByteBudget?
    /// The next stage: every claimed file goes there.
    private let parse: ParseStage

    private var ignore: IgnoreRules
    private var settle: SettleRule
    private var rescanInterval: Int
    private var inotify: Inotify?
    private var watch: Int32 = -1
    private var inboxCheckTimer: DispatchSourceTimer?
    /// Read by `status` from other threads.
    private let problem = Mutex<String?>(nil)
    private var readSource: DispatchSourceRead?
    private var rescanTimer: DispatchSourceTimer?
    private var recovery: DirectoryStream?
    private var scan: DirectoryStream?
    private var needsPass = false
    private var passAfterFinish = false
    private var settleTimerPending = false
    private var eventNames = BoundedQueue<[UInt8]>(capacity: 4096)
    private var claiming = false
    private var paused = false
    private var pumpScheduled = false

    init(
        config: NewsdConfig, spool: Spool, slots: Slots, budget: ByteBudget? = nil, stats: IngestStats, logger: Logger,
        parse: ParseStage
    ) {
        self.budget = budget
        self.spool = spool
        self.slots = slots
        self.stats = stats
        self.logger = logger
        self.parse = parse
        self.ignore = IgnoreRules(patterns: config.ignorePatterns)
        self.settle = SettleRule(settle: config.settleMilliseconds)
        self.rescanInterval = config.rescanIntervalMilliseconds
    }

    /// Starts watching: recovers the spool first, then claims from the inbox.
    func start() throws {
        slots.onRelease { [weak self] in self?.slotFreed() }
        let inotify = try Inotify()
        let wd: Int32
        do {
            wd = try inotify.addWatch(spool.inbox.path, mask: Self.watchMask)
        } catch {
            inotify.close()  // no source reads it yet
            throw error
        }
        queue.sync {
            self.inotify = inotify
            watch = wd
            let source = DispatchSource.makeReadSource(fileDescriptor: inotify.fd, queue: queue)
            source.setEventHandler { [weak self] in self?.readEvents() }
            // The descriptor is closed only here, once the source can no longer use it.
            source.setCancelHandler { inotify.close() }
            readSource = source
            source.resume()

            let timer = DispatchSource.makeTimerSource(queue: queue)
            timer.schedule(deadline: .now() + .milliseconds(rescanInterval), repeating: .milliseconds(rescanInterval))
            timer.setEventHandler { [weak self] in
                self?.needsPass = true
                self?.pump()
            }
            rescanTimer = timer
            timer.resume()

            // The inbox path is checked every second (one stat): a directory removed while
            // newsd holds it open sends no event at all, and `mv inbox inbox.old` only a move.
            let check = DispatchSource.makeTimerSource(queue: queue)
            check.schedule(deadline: .now() + .seconds(1), repeating: .seconds(1))
            check.setEventHandler { [weak self] in self?.checkInbox() }
            inboxCheckTimer = check
            check.resume()

            recovery = try? spool.spool.stream()
            needsPass = true
            claiming = true
            pump()
        }
    }

    /// Stops claiming; files already claimed finish their way through the pipeline.
    func stop() {
        queue.sync {
            claiming = false
            readSource?.cancel()
            readSource = nil
            rescanTimer?.cancel()
            rescanTimer = nil
            inboxCheckTimer?.cancel()
            inboxCheckTimer = nil
            scan = nil
            recovery = nil
        }
    }

    /// Pauses or resumes claiming (`newsctl pause` / `resume`); files wait in the inbox.
    func setPaused(_ value: Bool) {
        queue.async {
            self.paused = value
            if !value {
                self.needsPass = true
                self.pump()
            }
        }
    }

    /// Applies reloadable settings.
    func reconfigure(ignorePatterns: [String], settleMilliseconds: Int) {
        queue.async {
            self.ignore = IgnoreRules(patterns: ignorePatterns)
            self.settle.settle = settleMilliseconds
            self.needsPass = true
            self.pump()
        }
    }

    /// A slot was freed: claim more. Coalesces many calls into one pass.
    func slotFreed() {
        queue.async {
            if self.passAfterFinish {
                self.passAfterFinish = false
                self.needsPass = true
            }
            guard !self.pumpScheduled else { return }
            self.pumpScheduled = true
            self.queue.async {
                self.pumpScheduled = false
                self.pump()
            }
        }
    }

    /// Counts files waiting in the inbox (for status), ignored names excluded.
    func inboxCount() -> Int {
        let rules = queue.sync { ignore }
        return spool.inbox.count { !rules.ignores($0) }
    }

    private func readEvents() {
        // Until a read finds nothing (drained) or fails.
        while let events = try? inotify?.readEvents(), !events.isEmpty {
            var inboxChanged = false
            for event in events {
                if event.mask.contains(.queueOverflow) {
                    logger.notice("inotify queue overflowed; scanning the inbox")
                    needsPass = true
                    continue
                }
                if !event.mask.isDisjoint(with: [.ignored, .deleteSelf, .moveSelf, .unmount]) {
                    inboxChanged = true  // looked at once every event of this read is
                    continue
                }
                guard !event.name.isEmpty else { continue }
                if !eventNames.push(event.name) { needsPass = true }
            }
            if inboxChanged { checkInbox() }
        }
        pump()
    }

    /// The problems with the inbox and the state folders right now (for status).
    var problems: [String] {
        (problem.withLock { $0 }.map { [$0] } ?? []) + folderProblems.withLock { $0 }
    }
    private let folderProblems = Mutex<[String]>([])
    /// On `queue`: the state folders' problems as last seen.
    private var stateProblems: [String] = [] {
        didSet { let p = stateProblems; folderProblems.withLock { $0 = p } }
    }

    /// On `queue`: follows the inbox path. When it names another directory (replaced, or the
    /// old one renamed away), opens and watches that one and scans it; while nothing usable is
    /// there, says so in status and the log, once.
    private func checkInbox() {
        let (folderProblems, reopened) = spool.checkStateFolders()
        for path in reopened {
            logger.notice("failed/ was moved away or removed; made it again and writing there", metadata: ["failed": "\(path)"])
        }
        let newProblems = folderProblems.filter { !stateProblems.contains($0) }
        for p in newProblems {
            logger.critical("a state folder cannot be used", metadata: ["error": "\(p)"])
            stats.recordError(p)
        }
        stateProblems = folderProblems
        if folderProblems.contains(where: { $0.hasPrefix("spool:") }) {
            claiming = false  // claims would go to a folder newsd no longer sees
        }
        switch spool.checkInbox() {
        case .same:
            if problem.withLock({ $0 }) != nil {
                problem.withLock { $0 = nil }
                logger.notice("the inbox is back", metadata: ["inbox": "\(spool.inboxPath)"])
            }
        case .missing(let why), .unusable(let why):
            let first = problem.withLock { p -> Bool in
                defer { p = "inbox: \(why)" }
                return p == nil
            }
            if first {
                logger.critical("the inbox cannot be used; waiting for it to be made again", metadata: ["inbox": "\(spool.inboxPath)", "error": "\(why)"])
                stats.recordError("inbox: \(why)")
            }
        case .reopened:
            problem.withLock { $0 = nil }
            if let inotify {  // set by start, before anything calls this
                if watch >= 0 { try? inotify.removeWatch(watch) }
                do {
                    watch = try inotify.addWatch(spool.inboxPath, mask: Self.watchMask)
                    logger.notice("the inbox directory was replaced; watching the new one", metadata: ["inbox": "\(spool.inboxPath)"])
                } catch {
                    watch = -1
                    let why = "cannot watch \(spool.inboxPath): \(error.message)"
                    problem.withLock { $0 = "inbox: \(why)" }
                    logger.error("the inbox was replaced but cannot be watched; it is scanned every inbox.rescanIntervalMs", metadata: ["error": "\(why)"])
                }
            }
            while eventNames.pop() != nil {}  // names in the old directory
            scan = nil
            needsPass = true
            pump()
        }
    }

    private static let watchMask: InotifyEvent.Mask = [.closeWrite, .movedTo, .onlyDirectory, .deleteSelf, .moveSelf]

    /// Claims as long as there are slots and candidates.
    private func pump() {
        while claiming && !paused {
            // Parsed records fill the byte budget: claim again once some are written (the
            // finisher's release of slots calls slotFreed). Files already claimed (recovered from the
            // spool included) are not held back by this.
            if budget?.isFull == true, recovery == nil { return }
            guard slots.reserve() else { return }
            guard let (name, recovered) = nextCandidate() else {
                slots.unreserve()
                return
            }
            if recovered {
                let file = ClaimedFile(name: name, display: displayName(name), claimedAt: Date(), attempts: 2, recovered: true)
                logger.notice("resuming a file left claimed by an earlier run", metadata: ["file": "\(file.display)"])
                parse.submit(file)
                continue
            }
            do {
                switch try spool.claim(name) {
                case .claimed:
                    parse.submit(ClaimedFile(name: name, display: displayName(name), claimedAt: Date(), attempts: 1, recovered: false))
                case .vanished:
                    slots.unreserve()
                case .busy:
                    // Same name still in the spool: try again once something finishes.
                    passAfterFinish = true
                    slots.unreserve()
                }
            } catch {
                slots.unreserve()
                logger.error("cannot claim a file", metadata: ["file": "\(displayName(name))", "error": "\(error)"])
                stats.recordError("cannot claim \(displayName(name)): \(error)")
            }
        }
    }

    private func nextCandidate() -> (name: [UInt8], recovered: Bool)? {
        if let r = recovery {
            if let name = r.next() { return (name, true) }
            recovery = nil
        }
        while let name = eventNames.pop() {
            if !ignore.ignores(name) { return (name, false) }
        }
        while true {
            if scan == nil {
                guard needsPass else { return nil }
                needsPass = false
                do {
                    scan = try spool.inbox.stream()
                } catch {
                    logger.error("cannot read the inbox", metadata: ["error": "\(error)"])
                    stats.recordError("cannot read the inbox: \(error)")
                    return nil
                }
            }
            guard let name = scan?.next() else {
                scan = nil
                continue
            }
            if ignore.ignores(name) { continue }
            if isSettling(name) { continue }
            return (name, false)
        }
    }

    /// Whether `name` may still be being written (`SettleRule`); if so, a pass comes back to
    /// it after the settle interval.
    private func isSettling(_ name: [UInt8]) -> Bool {
        guard settle.settle > 0, let st = try? spool.inbox.entryStatus(name), st.kind == .regular else { return false }
        let look = SettleRule.Look(
            size: st.size, mtime: Int64(st.modified.seconds) * 1_000_000_000 + Int64(st.modified.nanoseconds),
            ctime: Int64(st.changed.seconds) * 1_000_000_000 + Int64(st.changed.nanoseconds))
        guard settle.isSettling(name, look, now: Date().timeIntervalSince1970) else { return false }
        if !settleTimerPending {
            settleTimerPending = true
            queue.asyncAfter(deadline: .now() + .milliseconds(settle.settle)) {
                self.settleTimerPending = false
                self.needsPass = true
                self.pump()
            }
        }
        return true
    }
}
