import Foundation
import Synchronization
import NewsProtocol
import NewsSystem
import Prometheus

/// newsd's metrics, kept in a swift-prometheus registry and exposed in the Prometheus text format
/// by a registry of newsd's own (`newsctl metrics`, and `metrics.listen` over HTTP).
///
/// | metric | kind | labels |
/// | --- | --- | --- |
/// | `newsd_files_total` | counter | `outcome`: ingested, duplicate, failed |
/// | `newsd_articles_total` | counter | new articles stored |
/// | `newsd_stage_seconds` | histogram | `stage`: parse (read + parse + enrich), write (one batch transaction), claim_to_commit |
/// | `newsd_batch_files` | histogram | files per committed batch |
/// | `newsd_database_errors_total` | counter | `kind`: transient (unreachable), refused (the server refuses newsd's writes), rejected (one row refused) |
/// | `newsd_database_reconnects_total` | counter | successful (re)connections |
/// | `newsd_database_server_changes_total` | counter | reconnections that reached another server than the last (failovers, switchovers) |
/// | `newsd_queue_depth` | gauge | `stage`: inbox, claimed, parse, write, failed |
/// | `newsd_build_info` | gauge (1) | `version`, `protocol` |
/// | `process_*` | gauges, read at scrape time from /proc/self | cpu seconds, resident and virtual memory, open and maximum descriptors, threads, start time |
///
/// Each metric has a `# HELP` line. The metrics are made on the registry directly (the
/// swift-metrics factory gives no help text) and are Prometheus's own types.
public final class NewsdMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry

    let ingested: Counter, duplicates: Counter, failed: Counter, articles: Counter
    let parseTime: DurationHistogram, writeTime: DurationHistogram, claimToCommit: DurationHistogram
    let batchFiles: ValueHistogram
    let transientErrors: Counter, refusedErrors: Counter, rejectedErrors: Counter, reconnects: Counter, serverChanges: Counter
    private let depth: [String: Gauge]
    private let process: ProcessGauges

    /// Metrics recorded into a registry of their own (not the process-wide swift-metrics
    /// bootstrap, so tests and several daemons in one process stay apart).
    public init() {
        let r = PrometheusCollectorRegistry()
        registry = r
        let files = "Files finished, by outcome: ingested (stored new articles), duplicate, failed (moved to failed/)."
        ingested = r.makeCounter(descriptor: .named("newsd_files_total", files), labels: [("outcome", "ingested")])
        duplicates = r.makeCounter(descriptor: .named("newsd_files_total", files), labels: [("outcome", "duplicate")])
        failed = r.makeCounter(descriptor: .named("newsd_files_total", files), labels: [("outcome", "failed")])
        articles = r.makeCounter(descriptor: .named("newsd_articles_total", "New articles stored."))
        let buckets: [Duration] = [
            .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
            .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
        ]
        let stages =
            "Seconds per stage: parse (read, parse and enrich one file), write (one batch transaction), claim_to_commit (a file's claim to its commit)."
        func stage(_ name: String) -> DurationHistogram {
            r.makeDurationHistogram(descriptor: .named("newsd_stage_seconds", stages), labels: [("stage", name)], buckets: buckets)
        }
        parseTime = stage("parse")
        writeTime = stage("write")
        claimToCommit = stage("claim_to_commit")
        batchFiles = r.makeValueHistogram(descriptor: .named("newsd_batch_files", "Files per committed batch."), labels: [], buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000])
        let errors =
            "Database errors: transient (unreachable, connection lost; retried), refused (the server refuses newsd's writes: schema, privileges, disk; retried until fixed), rejected (one article refused; its file goes to failed/)."
        transientErrors = r.makeCounter(descriptor: .named("newsd_database_errors_total", errors), labels: [("kind", "transient")])
        refusedErrors = r.makeCounter(descriptor: .named("newsd_database_errors_total", errors), labels: [("kind", "refused")])
        rejectedErrors = r.makeCounter(descriptor: .named("newsd_database_errors_total", errors), labels: [("kind", "rejected")])
        reconnects = r.makeCounter(descriptor: .named("newsd_database_reconnects_total", "Successful database (re)connections."))
        serverChanges = r.makeCounter(
            descriptor: .named(
                "newsd_database_server_changes_total",
                "Reconnections that reached another server than the last one (failovers and switchovers of a multi-host connection string)."))
        var gauges: [String: Gauge] = [:]
        for stage in ["inbox", "claimed", "parse", "write", "failed"] {
            gauges[stage] = r.makeGauge(descriptor: .named("newsd_queue_depth", "Files waiting, by place: inbox, claimed, parse, write, failed (in failed/)."), labels: [("stage", stage)])
        }
        depth = gauges
        r.makeGauge(descriptor: .named("newsd_build_info", "newsd's version and control protocol; always 1."), labels: [("version", NewsdVersion.current), ("protocol", String(ControlProtocol.version))]).set(to: 1)
        process = ProcessGauges(registry: r)
    }

    /// Sets the queue-depth gauges (read at scrape time).
    func setDepth(_ stage: String, _ value: Int) { depth[stage]?.set(to: Double(value)) }

    /// The exposition text, with the process gauges read now.
    public func text() -> String {
        process.update()
        return registry.emitToString()
    }
}

/// The standard `process_*` metrics of Prometheus clients, read from /proc/self at scrape time
/// (the CPU time as a counter, the rest as gauges).
final class ProcessGauges: Sendable {
    let cpu: Counter
    private let cpuCounted = Mutex<Double>(0)
    let resident: Gauge, virtual: Gauge, openFDs: Gauge, maxFDs: Gauge, threads: Gauge, start: Gauge

    init(registry r: PrometheusCollectorRegistry) {
        cpu = r.makeCounter(descriptor: .named("process_cpu_seconds_total", "User and system CPU time spent, in seconds."))
        resident = r.makeGauge(descriptor: .named("process_resident_memory_bytes", "Resident memory size in bytes."))
        virtual = r.makeGauge(descriptor: .named("process_virtual_memory_bytes", "Virtual memory size in bytes."))
        openFDs = r.makeGauge(descriptor: .named("process_open_fds", "Open file descriptors."))
        maxFDs = r.makeGauge(descriptor: .named("process_max_fds", "The open-file limit (RLIMIT_NOFILE, soft)."))
        threads = r.makeGauge(descriptor: .named("process_threads", "Threads of the process."))
        start = r.makeGauge(descriptor: .named("process_start_time_seconds", "Start time of the process since the Unix epoch, in seconds."))
        if let s = ProcessStat.read() { start.set(to: s.startTime) }
    }

    func update() {
        if let s = ProcessStat.read() {
            // A counter only goes up: add what was spent since the last scrape.
            let added = cpuCounted.withLock { counted -> Double in
                let delta = max(0, s.cpuSeconds - counted)
                counted += delta
                return delta
            }
            if added > 0 { cpu.increment(by: added) }
            resident.set(to: s.residentBytes)
            virtual.set(to: s.virtualBytes)
            threads.set(to: s.threads)
        }
        if let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
            openFDs.set(to: Double(max(0, names.count - 1)))  // less the descriptor that lists them
        }
        if let limit = ProcessMemory.openFileLimit() { maxFDs.set(to: Double(limit)) }
    }
}

/// Fields of /proc/self/stat (proc(5)), converted to seconds and bytes.
struct ProcessStat {
    var cpuSeconds: Double, residentBytes: Double, virtualBytes: Double, threads: Double, startTime: Double

    static func read() -> ProcessStat? {
        guard let text = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        // Fields after the command name, which may hold spaces: field 3 (state) is [0].
        let f = text[text.index(after: close)...].split(separator: " ").map(String.init)
        guard f.count > 22, let utime = Double(f[11]), let stime = Double(f[12]), let threads = Double(f[17]),
            let started = Double(f[19]), let vsize = Double(f[20]), let rss = Double(f[21])
        else { return nil }
        let ticks = Double(clockTicksPerSecond)
        let page = Double(ProcessMemory.pageSize)
        return ProcessStat(
            cpuSeconds: (utime + stime) / ticks, residentBytes: rss * page, virtualBytes: vsize, threads: threads,
            startTime: bootTime() + started / ticks)
    }
}

extension MetricNameDescriptor {
    /// A metric named as Prometheus shows it, unit included in the name.
    static func named(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }
}
