import Foundation
import Logging
import NewsProtocol
import Synchronization

/// Reports this newsd in the database's `newsd_instances` every
/// `InstanceSummary.heartbeatSeconds`: its `instance.name`, state, counts and rate, for
/// `newsctl status --cluster` on any host. A report that fails (the database away, the table not
/// made yet) is tried again at the next beat; on shutdown the last report says `stopped`.
final class InstanceHeartbeat: Sendable {
    private let queries: ArticleQueries
    private let status: StatusReporter
    private let logger: Logger
    /// This process's run, told apart from another newsd reporting under the same name.
    private let boot = UUID().uuidString
    private let queue = DispatchQueue(label: "newsd.heartbeat")
    private let timer = Mutex<Timer?>(nil)
    private let reported = Atomic<Bool>(false)
    private let lastWarning = Mutex<Double>(0)

    private struct Timer: @unchecked Sendable { let source: DispatchSourceTimer }

    init(queries: ArticleQueries, status: StatusReporter, logger: Logger) {
        self.queries = queries
        self.status = status
        self.logger = logger
    }

    func start() {
        let t = DispatchSource.makeTimerSource(queue: queue)
        t.schedule(deadline: .now(), repeating: .milliseconds(Int(InstanceSummary.heartbeatSeconds * 1000)))
        t.setEventHandler { [self] in beat(state: nil) }
        timer.withLock { $0 = Timer(source: t) }
        t.resume()
    }

    /// Stops the beats; the last report, if the last beat got through, says `stopped`.
    func stop() {
        timer.withLock { t in
            t?.source.cancel()
            t = nil
        }
        queue.sync {
            if reported.load(ordering: .relaxed) { beat(state: "stopped") }
        }
    }

    private func beat(state: String?) {
        let (s, rate1, _) = status.stats.snapshot()
        let name = status.config.current.instanceName
        do {
            let other = try queries.heartbeat(
                name: name, boot: boot, state: state ?? status.state.current.rawValue, uptimeSeconds: status.uptimeSeconds,
                totals: .init(ingested: s.ingested, duplicates: s.duplicates, failed: s.failed, retries: s.retries), rateOneMinute: rate1)
            reported.store(true, ordering: .relaxed)
            if let other {
                let now = Date().timeIntervalSince1970
                let warn = lastWarning.withLock { last in
                    guard now - last >= 60 else { return false }
                    last = now
                    return true
                }
                if warn {
                    logger.warning(
                        "another newsd reports under this instance.name: give each host its own (newsctl status --cluster shows only one of them)",
                        metadata: ["instance": "\(name)", "other_pid": "\(other)"])
                }
            }
        } catch {
            reported.store(false, ordering: .relaxed)
            logger.debug("instance report not written; trying again", metadata: ["error": "\(error)"])
        }
    }
}
