import ArgumentParser
import Foundation
import NewsProtocol

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show newsd's state, queues, counts and errors.",
        discussion: """
            Exits 0 when newsd is healthy and 1 when it answers but something needs attention (the \
            database unreachable or refusing writes, the inbox missing): the problems are listed, \
            and in --json as "problems". Other exit codes as for every command (69: newsd not running).
            """)

    @OptionGroup var client: ClientOptions

    @Flag(help: ArgumentHelp(
        "Every newsd instance writing to newsd's database (reported there in the last day), not only this one.",
        discussion: "Exits 1 when an instance that did not stop has not reported for 30 seconds."))
    var cluster = false

    func run() throws {
        if cluster { return try runCluster() }
        let response = try client.call(.status)
        guard let s = response.status else {
            client.fail("newsd answered without a status", code: 76, kind: "bad_response")
        }
        if client.json {
            try client.printJSON(s)
        } else {
            print(Self.render(s))
        }
        if !(s.problems ?? []).isEmpty { throw ExitCode(1) }
    }

    private func runCluster() throws {
        let response = try client.call(.cluster)
        guard let instances = response.instances else {
            client.fail("newsd answered without a list of instances", code: 76, kind: "bad_response")
        }
        if client.json {
            try client.printJSON(instances)
        } else {
            print(Self.render(instances))
        }
        if instances.contains(where: Self.isLost) { throw ExitCode(1) }
    }

    /// An instance that did not say it stopped and has not reported for `staleSeconds`.
    static func isLost(_ i: InstanceSummary) -> Bool {
        i.state != "stopped" && i.lastSeenSecondsAgo > InstanceSummary.staleSeconds
    }

    /// One line per instance; the one that answered is marked "*".
    static func render(_ instances: [InstanceSummary]) -> String {
        guard !instances.isEmpty else { return "no newsd instance has reported to the database in the last day" }
        let header = ["INSTANCE", "STATE", "LAST SEEN", "INGESTED", "DUPLICATES", "FAILED", "RATE/S", "PID", "VERSION", "STARTED"]
        // The table is written by whoever may write to the database: no control character
        // of a name or version reaches the terminal.
        func printable(_ text: String) -> String {
            String(String.UnicodeScalarView(text.unicodeScalars.map { $0.properties.generalCategory == .control || $0.properties.generalCategory == .format ? "?" : $0 }))
        }
        let rows = instances.map { i in
            [
                printable(i.name) + (i.current ? " *" : ""), printable(isLost(i) ? "lost (\(i.state))" : i.state),
                duration(i.lastSeenSecondsAgo) + " ago", String(i.ingested), String(i.duplicates), String(i.failed),
                String(format: "%.2f", i.rateOneMinute), String(i.pid), printable(i.version), printable(i.startedAt),
            ]
        }
        let widths = header.indices.map { c in ([header] + rows).map { $0[c].count }.max() ?? 0 }
        let lines = ([header] + rows).map { row in
            row.enumerated().map { c, v in v.padding(toLength: widths[c], withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .trimmingCharacters(in: .whitespaces)
        }
        return lines.joined(separator: "\n")
    }

    static func render(_ s: StatusReport, now: Date = Date()) -> String {
        var out: [String] = []
        out.append("newsd \(s.version), pid \(s.pid), \(s.state), up \(duration(s.uptimeSeconds))" + (s.instance.map { ", instance \($0)" } ?? ""))
        out.append("files:     \(s.files.inbox) in inbox, \(s.files.claimed) claimed, \(s.files.failed) in failed/")
        out.append("queues:    " + s.stages.map { "\($0.name) \($0.depth)/\($0.capacity)" }.joined(separator: ", "))
        out.append("workers:   \(s.workers.busy)/\(s.workers.total) busy")
        out.append(
            "totals:    \(s.totals.ingested) ingested, \(s.totals.duplicates) duplicates, \(s.totals.failed) failed, \(s.totals.retries) retries")
        out.append(String(format: "rate:      %.2f/s over 1 min, %.2f/s over 5 min", s.rates.oneMinute, s.rates.fiveMinutes))
        var db = "database:  \(s.database.state)"
        if let server = s.database.server { db += " (\(server))" }
        if let changes = s.database.serverChanges, changes > 0 { db += ", \(changes) server change\(changes == 1 ? "" : "s") seen" }
        if let e = s.database.lastError { db += " (last error \(ago(e.at, now)): \(e.message))" }
        out.append(db)
        if let m = s.model {
            out.append("model:     \(m.id) (\(m.labels.joined(separator: ", "))) from \(m.path)")
        } else {
            out.append("model:     none (no topics or keywords)")
        }
        if let r = s.reclassify { out.append("reclassify: " + Reclassify.describe(r)) }
        if let r = s.searchRebuild { out.append("search:    " + describe(r)) }
        if let e = s.lastError { out.append("last error \(ago(e.at, now)): \(e.message)") }
        for p in s.problems ?? [] { out.append("PROBLEM:   \(p)") }
        return out.joined(separator: "\n")
    }

    /// The search rebuild in a few words: "rebuild done", or how many rows it has left.
    static func describe(_ r: SearchRebuildProgress) -> String {
        switch r.state {
        case .running:
            return "rebuilding vectors in each article's language: \(r.rowsLeft) left, \(r.rebuilt) done"
        case .done:
            return r.rebuilt > 0 ? "rebuild done (\(r.rebuilt) articles)" : "rebuild done"
        case .failed:
            return "rebuild waiting: \(r.error ?? "unknown error") (\(r.rowsLeft) left)"
        case .unknown:
            return "rebuild state unknown (\(r.rowsLeft) left)"
        }
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds)
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m\(s % 60)s" }
        if s < 86400 { return "\(s / 3600)h\((s % 3600) / 60)m" }
        return "\(s / 86400)d\((s % 86400) / 3600)h"
    }

    static func ago(_ at: Double, _ now: Date) -> String {
        duration(max(0, now.timeIntervalSince1970 - at)) + " ago"
    }
}
