import Foundation
import Logging
import NewsProtocol
import Synchronization

/// Reports this newsd in the database's `newsd_instances` every
/// `InstanceSummary.heartbeatSeconds`: its `instance.name`, state, counts and rate, for
/// `newsctl status --cluster` on any host. A report that fails (the database away, the table not
/// made yet) is tried again at the next beat; on shutdown the last report says `stopped`, if
/// it gets through within `finalReportSeconds` (a frozen database does not hold shutdown).
/// Reports go through a connection of their own with short lock and statement time-outs, so a
/// lock on the table delays no control command.
final class InstanceHeartbeat: Sendable {
    private let queries: ArticleQueries
    private let status: StatusReporter
    private let logger: Logger
    /// This process's run, told apart from another newsd reporting under the same name.
    private let boot: String
    private let queue = DispatchQueue(label: "newsd.heartbeat")
    private let timer = Mutex<Timer?>(nil)
    private let reported = Atomic<Bool>(false)
    private let lastWarning = Mutex<Double>(0)

    private struct Timer: @unchecked Sendable { let source: DispatchSourceTimer }

    /// How long shutdown waits for the last report.
    static let finalReportSeconds = 2

    init(queries: ArticleQueries, status: StatusReporter, boot: String, logger: Logger) {
        self.queries = queries
        self.boot = boot
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
        guard reported.load(ordering: .relaxed) else { return }
        let done = DispatchSemaphore(value: 0)
        queue.async { [self] in
            beat(state: "stopped")
            done.signal()
        }
        if done.wait(timeout: .now() + .seconds(Self.finalReportSeconds)) == .timedOut {
            logger.notice("the last instance report did not get through in time; stopping without it", metadata: ["seconds": "\(Self.finalReportSeconds)"])
        }
    }

    private func beat(state: String?) {
        let (s, rate1, _) = status.stats.snapshot()
        let name = status.config.current.instanceName
        do {
            let other = try queries.heartbeat(
                name: name, boot: boot, state: state ?? status.state.current.rawValue, uptimeSeconds: status.uptimeSeconds,
                totals: .init(ingested: s.ingested, duplicates: s.duplicates, failed: s.failed, retries: s.retries), rateOneMinute: rate1)
            // Only a row rewritten by another run since this one's last report is another
            // newsd: at the first report the row may still be a crashed predecessor's.
            let again = reported.exchange(true, ordering: .relaxed)
            if let other, again {
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
