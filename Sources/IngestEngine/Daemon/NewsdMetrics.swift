import Foundation
import CoreMetrics
import Metrics
import Prometheus

/// newsd's metrics, recorded through swift-metrics and exposed in the Prometheus text format
/// by a registry of newsd's own (`newsctl metrics`, and `metrics.listen` over HTTP).
///
/// | metric | kind | labels |
/// | --- | --- | --- |
/// | `newsd_files_total` | counter | `outcome`: ingested, duplicate, failed |
/// | `newsd_articles_total` | counter | new articles stored |
/// | `newsd_stage_seconds` | histogram | `stage`: parse (read + parse + enrich), write (one batch transaction), claim_to_commit |
/// | `newsd_batch_files` | histogram | files per committed batch |
/// | `newsd_database_errors_total` | counter | `kind`: transient, rejected |
/// | `newsd_database_reconnects_total` | counter | successful (re)connections |
/// | `newsd_queue_depth` | gauge | `stage`: inbox, claimed, parse, write, failed |
public final class NewsdMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory

    let ingested: CoreMetrics.Counter, duplicates: CoreMetrics.Counter, failed: CoreMetrics.Counter, articles: CoreMetrics.Counter
    let parseTime: CoreMetrics.Timer, writeTime: CoreMetrics.Timer, claimToCommit: CoreMetrics.Timer
    let batchFiles: CoreMetrics.Recorder
    let transientErrors: CoreMetrics.Counter, rejectedErrors: CoreMetrics.Counter, reconnects: CoreMetrics.Counter
    private let depth: [String: CoreMetrics.Gauge]

    /// Metrics recorded into a registry of their own (not the process-wide swift-metrics
    /// bootstrap, so tests and several daemons in one process stay apart).
    public init() {
        registry = PrometheusCollectorRegistry()
        var f = PrometheusMetricsFactory(registry: registry)
        f.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
            .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
        ]
        f.valueHistogramBuckets = ["newsd_batch_files": [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000]]
        factory = f
        func counter(_ label: String, _ dims: [(String, String)] = []) -> CoreMetrics.Counter {
            CoreMetrics.Counter(label: label, dimensions: dims, factory: f)
        }
        ingested = counter("newsd_files_total", [("outcome", "ingested")])
        duplicates = counter("newsd_files_total", [("outcome", "duplicate")])
        failed = counter("newsd_files_total", [("outcome", "failed")])
        articles = counter("newsd_articles_total")
        parseTime = CoreMetrics.Timer(label: "newsd_stage_seconds", dimensions: [("stage", "parse")], factory: f)
        writeTime = CoreMetrics.Timer(label: "newsd_stage_seconds", dimensions: [("stage", "write")], factory: f)
        claimToCommit = CoreMetrics.Timer(label: "newsd_stage_seconds", dimensions: [("stage", "claim_to_commit")], factory: f)
        batchFiles = CoreMetrics.Recorder(label: "newsd_batch_files", dimensions: [], aggregate: true, factory: f)
        transientErrors = counter("newsd_database_errors_total", [("kind", "transient")])
        rejectedErrors = counter("newsd_database_errors_total", [("kind", "rejected")])
        reconnects = counter("newsd_database_reconnects_total")
        var gauges: [String: CoreMetrics.Gauge] = [:]
        for stage in ["inbox", "claimed", "parse", "write", "failed"] {
            gauges[stage] = CoreMetrics.Gauge(label: "newsd_queue_depth", dimensions: [("stage", stage)], factory: f)
        }
        depth = gauges
    }

    /// Sets the queue-depth gauges (read at scrape time).
    func setDepth(_ stage: String, _ value: Int) { depth[stage]?.record(value) }

    /// The exposition text.
    public func text() -> String { registry.emitToString() }
}
