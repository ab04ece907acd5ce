import Foundation
import NewsProtocol

/// Reads every stage's counters: `newsctl status`, the STATUS= line for systemd, `/readyz`,
/// the metrics text, and whether a drain is done. It only reads; no stage depends on it.
public final class StatusReporter: Sendable {
    private let started = Date()
    let config: RunningConfig
    let state: RunState
    let stats: IngestStats
    let slots: Slots
    let budget: ByteBudget
    let spool: Spool
    let parse: ParseStage
    let writer: BatchWriter
    let watcher: InboxWatcher
    let reclassifier: Reclassifier
    let rebuilder: SearchRebuilder
    let metrics: NewsdMetrics

    init(
        config: RunningConfig, state: RunState, stats: IngestStats, slots: Slots, budget: ByteBudget, spool: Spool,
        parse: ParseStage, writer: BatchWriter, watcher: InboxWatcher, reclassifier: Reclassifier,
        rebuilder: SearchRebuilder, metrics: NewsdMetrics
    ) {
        self.config = config
        self.state = state
        self.stats = stats
        self.slots = slots
        self.budget = budget
        self.spool = spool
        self.parse = parse
        self.writer = writer
        self.watcher = watcher
        self.reclassifier = reclassifier
        self.rebuilder = rebuilder
        self.metrics = metrics
    }

    /// Seconds since newsd started.
    var uptimeSeconds: Double { Date().timeIntervalSince(started) }

    /// The current status, as `newsctl status` shows it.
    public func report() -> StatusReport {
        let (s, rate1, rate5) = stats.snapshot()
        let pool = parse.snapshot
        let writerDepth = writer.depth
        let claimed = slots.snapshot
        var problems: [String] = watcher.problems
        if let shortage = s.resourceShortage, Date().timeIntervalSince1970 - shortage.at < 30 {
            problems.append("resources: \(shortage.message)")
        }
        if s.databaseState != .connected {
            problems.append("database \(s.databaseState.rawValue)" + (s.databaseError.map { ": \($0.message)" } ?? ""))
        } else if let failing = s.writesFailing {
            // Connected again, but no batch has been written since the last failure (a lock
            // held past lock_timeout, say): not healthy yet.
            problems.append("database writes failing: \(failing.message)")
        }
        var report = StatusReport(
            version: NewsdVersion.current,
            pid: ProcessInfo.processInfo.processIdentifier,
            uptimeSeconds: uptimeSeconds,
            state: state.current,
            files: .init(inbox: watcher.inboxCount(), claimed: claimed.used, failed: spool.failedCount()),
            stages: [
                .init(name: "claimed", depth: claimed.used, capacity: claimed.capacity),
                .init(name: "parse", depth: pool.queued + pool.busy, capacity: pool.capacity),
                .init(name: "write", depth: writerDepth.waiting, capacity: writerDepth.capacity),
                .init(name: "bytes", depth: budget.snapshot.used, capacity: budget.snapshot.capacity),
            ],
            workers: .init(busy: pool.busy, total: pool.workers),
            totals: .init(ingested: s.ingested, duplicates: s.duplicates, failed: s.failed, retries: s.retries),
            rates: .init(oneMinute: rate1, fiveMinutes: rate5),
            database: .init(state: s.databaseState, lastError: s.databaseError, server: s.server, serverChanges: s.serverChanges),
            lastError: s.lastError,
            model: parse.enricher.model.map { .init(id: $0.id, path: $0.path, labels: $0.model.labels) },
            reclassify: reclassifier.snapshot)
        report.searchRebuild = rebuilder.snapshot
        report.problems = problems
        report.intake = config.current.intake
        report.instance = config.current.instanceName
        return report
    }

    /// One line for `systemctl status`: counts, backlog and database state.
    func line() -> String {
        let (s, rate1, _) = stats.snapshot()
        return "\(s.ingested) ingested, \(s.duplicates) duplicates, \(s.failed) failed; \(slots.snapshot.used) claimed; "
            + String(format: "%.1f/s; ", rate1) + "database \(s.databaseState.rawValue)"
    }

    /// Why newsd is not ready (`/readyz`): the database not connected and writing, the inbox
    /// not watched, or claiming not running. Empty when ready.
    func unready() -> [String] {
        let r = report()
        return (r.problems ?? []) + (r.state == .running ? [] : ["state \(r.state.rawValue)"])
    }

    /// Nothing left to do: the inbox empty, no file claimed, nothing waiting to be written.
    var isIdle: Bool {
        watcher.inboxCount() == 0 && slots.snapshot.used == 0 && writer.depth.waiting == 0
    }

    /// The Prometheus exposition text, queue depths read now.
    func metricsText() -> String {
        let r = report()
        metrics.setDepth("inbox", r.files.inbox)
        metrics.setDepth("failed", r.files.failed)
        for stage in r.stages { metrics.setDepth(stage.name, stage.depth) }
        return metrics.text()
    }
}
