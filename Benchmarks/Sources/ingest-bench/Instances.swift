import ArgumentParser
import Foundation
import NewsCore
import PostgresClient
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

extension IngestBench {
    /// The burst split over `n` newsd processes (state folders, inboxes, instance names) on
    /// one database: the articles each round stores per second, for each `n` of `--instances`,
    /// rounds alternating between the counts (this machine's speed drifts). Returns, per `n`,
    /// the median rate and the machine's CPU seconds per article.
    func measureInstances(_ bin: String, pg: TestPostgres, articles: [String]) throws -> [(n: Int, perSecond: Double, cpuPerArticleMicros: Double)] {
        var rates: [Int: [Double]] = [:]
        var cpu: [Int: [Double]] = [:]
        for round in 0..<max(1, rounds) {
            for n in instances where n > 0 {
                let url = try pg.createDatabase(prefix: "instances")
                try migrate(bin, url)
                let base = NSTemporaryDirectory() + "ingest-bench-instances-\(getpid())"
                defer { try? FileManager.default.removeItem(atPath: base) }
                var hosts: [(pid: pid_t, state: String, socket: String)] = []
                defer {
                    for h in hosts { kill(h.pid, SIGTERM) }
                    for h in hosts { _ = waitFor(h.pid) }
                }
                for k in 0..<n {
                    let state = "\(base)/host\(k)"
                    try FileManager.default.createDirectory(atPath: state + "/staging", withIntermediateDirectories: true)
                    for (i, text) in articles.enumerated() where i % n == k {
                        try Data(text.utf8).write(to: URL(fileURLWithPath: "\(state)/staging/\(i).txt"))
                    }
                    let (pid, socket) = try launchNewsd(bin, url, state: state, environment: ["NEWSD_INSTANCE_NAME": "bench-\(k)"])
                    hosts.append((pid, state, socket))
                }
                for h in hosts {
                    let deadline = Date().addingTimeInterval(120)
                    while Date() < deadline {
                        if let r = try? runCommand(bin + "/newsctl", ["status", "--json", "--socket", h.socket]), r.status == 0,
                            r.output.contains(#""state":"connected""#) || r.output.contains(#""state" : "connected""#)
                        {
                            break
                        }
                        usleep(50_000)
                    }
                }
                var db: PostgresConnection? = try PostgresConnection(conninfo: url)
                let start = Date()
                let busy = machineBusySeconds()
                for (i, _) in articles.enumerated() {
                    let h = hosts[i % n]
                    rename("\(h.state)/staging/\(i).txt", "\(h.state)/inbox/\(i).txt")
                }
                while try committedFiles(db!, atLeast: articles.count) < articles.count { usleep(20_000) }
                let seconds = Date().timeIntervalSince(start)
                rates[n, default: []].append(Double(articles.count) / seconds)
                cpu[n, default: []].append((machineBusySeconds() - busy) / Double(articles.count) * 1e6)
                print(String(format: "instances round %d: %d newsd on one database, %.0f articles/s", round + 1, n, Double(articles.count) / seconds))
                for h in hosts { kill(h.pid, SIGTERM) }
                for h in hosts { _ = waitFor(h.pid) }
                hosts = []
                db = nil  // closed before its database is dropped
                try drop(url, on: pg)
            }
        }
        return instances.filter { $0 > 0 }.map { n in (n, median(rates[n] ?? []), median(cpu[n] ?? [])) }
    }
}
