import Foundation
import NewsProtocol
import PostgresClient
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Several newsd hosts on one database (issue 22): each has its own state folder, inbox and
/// `instance.name`; what each recorded is told apart in `ingest_log.instance`, and every
/// instance's report is in `newsd_instances`, which `newsctl status --cluster` lists from any
/// of them.
@Suite(.serialized) struct MultiInstanceTests {
    func article(_ n: Int, host: String) -> [UInt8] {
        Array("""
            Harbour report \(n) from \(host)

            The harbour office at \(host) counted \(n * 7 + 3) ships on Tuesday, the pilots said in their note number \(n).

            A spokesman said the count for week \(n) was the highest since the office opened.

            """.utf8)
    }

    func cluster(_ newsd: NewsdInstance) throws -> (status: Int32, instances: [InstanceSummary]) {
        let r = try newsd.newsctl(["status", "--cluster", "--json"])
        guard r.status == 0 || r.status == 1 else { throw TestPostgresError(message: "status --cluster: \(r.output)") }
        return (r.status, try JSONDecoder().decode([InstanceSummary].self, from: Data(r.output.utf8)))
    }

    @Test func twoInstancesOnOneDatabase() throws {
        let url = try TestPostgres.start().createDatabase()
        let alpha = try NewsdInstance(databaseURL: url)
        let beta = try NewsdInstance(databaseURL: url)
        try alpha.start(environment: ["NEWSD_INSTANCE_NAME": "alpha"])
        try beta.start(environment: ["NEWSD_INSTANCE_NAME": "beta"])
        defer {
            alpha.stop()
            beta.stop()
        }
        #expect(try alpha.status().instance == "alpha")
        #expect(try beta.status().instance == "beta")
        #expect(try alpha.newsctl(["status"]).output.contains(", instance alpha"))

        for n in 0..<3 { try alpha.drop("a\(n).txt", article(n, host: "alpha")) }
        for n in 0..<2 { try beta.drop("b\(n).txt", article(n, host: "beta")) }
        // The same article on both hosts: stored once, the second host counts a duplicate.
        try alpha.drop("shared.txt", article(99, host: "both"))
        #expect(try eventually { try alpha.status().totals.ingested == 4 })
        try beta.drop("shared.txt", article(99, host: "both"))
        #expect(try eventually { try beta.status().totals == .init(ingested: 2, duplicates: 1, failed: 0, retries: 0) })

        // An article stored by alpha, and its rewrite dropped on beta at once: beta learnt
        // alpha's fingerprint (newsd_articles) and links the rewrite to it.
        let sample = String(decoding: try sampleArticleBytes(), as: UTF8.self)
        try alpha.drop("sample.txt", Array(sample.utf8))
        #expect(try eventually { try alpha.status().totals.ingested == 5 })
        try beta.drop("sample-rewritten.txt", Array(rewriteSample(sample).utf8))
        #expect(try eventually { try beta.status().totals.ingested == 3 })

        let db = try PostgresConnection(conninfo: url)
        let log = try db.query("SELECT instance, outcome, count(*) FROM ingest_log GROUP BY 1, 2 ORDER BY 1, 2")
        #expect(log.rows == [["alpha", "ingested", "5"], ["beta", "duplicate", "1"], ["beta", "ingested", "3"]])
        #expect(try db.query("SELECT count(*) FROM articles").scalar == "8")
        let link = try db.query(
            """
            SELECT r.duplicate_of = o.id FROM articles r, articles o
            WHERE r.source_file = 'sample-rewritten.txt' AND o.source_file = 'sample.txt'
            """)
        #expect(link.rows == [["t"]])

        // Either instance lists both, with the counts each reported (every 5 s).
        var seen: [InstanceSummary] = []
        #expect(try eventually {
            seen = try cluster(beta).instances
            return seen.map(\.name) == ["alpha", "beta"] && seen[0].ingested == 5 && seen[1].ingested == 3 && seen[1].duplicates == 1
        })
        #expect(seen.map(\.current) == [false, true])
        #expect(seen.allSatisfy { $0.state == "running" && $0.lastSeenSecondsAgo < InstanceSummary.staleSeconds && $0.failed == 0 })
        #expect(seen.map(\.pid) == [alpha.pid, beta.pid])
        let human = try alpha.newsctl(["status", "--cluster"])
        #expect(human.status == 0)
        let lines = human.output.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("INSTANCE"))
        #expect(lines[1].hasPrefix("alpha *") && lines[1].contains("running"))
        #expect(lines[2].hasPrefix("beta ") && !lines[2].contains("*"))

        // An instance that stops says so in its last report: listed as stopped, not lost.
        #expect(alpha.stop() == 0)
        #expect(try eventually { try cluster(beta).instances.first?.state == "stopped" })
        let after = try cluster(beta)
        #expect(after.status == 0)
        #expect(after.instances.first?.ingested == 5)

        // One that vanishes without a word (kill -9) is listed as lost once it has been silent
        // for 30 s: status --cluster exits 1. Its report is aged here rather than waited for.
        try db.execute("UPDATE newsd_instances SET state = 'running', last_seen = now() - interval '31 seconds' WHERE name = 'alpha'")
        let lost = try beta.newsctl(["status", "--cluster"])
        #expect(lost.status == 1)
        #expect(lost.output.contains("lost (running)"))
    }

    /// `newsd_instances` is writable by whoever may write to the database: rows with a NaN
    /// rate, infinite or future times, control characters, huge texts, or thousands of them,
    /// leave `status --cluster` answering, bounded and printable.
    @Test func hostileInstanceRowsAreBounded() throws {
        let url = try TestPostgres.start().createDatabase()
        let newsd = try NewsdInstance(databaseURL: url)
        try newsd.start(environment: ["NEWSD_INSTANCE_NAME": "real"])
        defer { newsd.stop() }
        let db = try PostgresConnection(conninfo: url)
        #expect(eventually { ((try? db.query("SELECT count(*) FROM newsd_instances").scalar) ?? nil) == "1" })
        try db.execute(
            #"""
            INSERT INTO newsd_instances (name, boot, pid, version, state, started_at, last_seen, rate_one_minute) VALUES
              ('a-nan', 'x', 1, '1', 'running', now(), now(), 'NaN'),
              ('inf', 'x', 1, '1', 'running', now(), 'infinity', 0),
              ('future', 'x', 1, '1', 'running', now(), now() + interval '1 year', 0),
              (E'esc\x1b[2J\nalpha *   running', 'x', 1, E'v\r1', 'running', '-infinity', now(), 0),
              ('a-huge', 'x', 1, repeat('v', 17000000), repeat('s', 1000000), now(), now(), 0);
            INSERT INTO newsd_instances (name, boot, pid, version, state, started_at, last_seen)
              SELECT 'many-' || g, 'x', g, '1', 'running', now(), now() FROM generate_series(1, 5000) g;
            """#)
        let json = try newsd.newsctl(["status", "--cluster", "--json"])
        #expect(json.status == 0)
        let listed = try JSONDecoder().decode([InstanceSummary].self, from: Data(json.output.utf8))
        #expect(listed.count == 1_000)
        #expect(!listed.contains { ["inf", "future"].contains($0.name) || $0.name.hasPrefix("esc") })
        let nan = listed.first { $0.name == "a-nan" }
        #expect(nan?.rateOneMinute == 0)
        let huge = listed.first { $0.name == "a-huge" }
        #expect(huge?.version.count == 64 && huge?.state.count == 16)
        // The control characters of a row that passes are not printed.
        try db.execute(
            #"UPDATE newsd_instances SET version = E'1\x1b[31m\r' WHERE name = 'a-nan'"#)
        let human = try newsd.newsctl(["status", "--cluster"])
        #expect(human.status == 0)
        #expect(!human.output.contains("\u{1b}") && !human.output.contains("\r"))
    }

    /// Two hosts given the same instance.name: both keep working, and each warns in its log
    /// that another newsd reports under its name.
    @Test func aSharedInstanceNameIsReported() throws {
        let url = try TestPostgres.start().createDatabase()
        let first = try NewsdInstance(databaseURL: url)
        let second = try NewsdInstance(databaseURL: url)
        try first.start(environment: ["NEWSD_INSTANCE_NAME": "same"])
        try second.start(environment: ["NEWSD_INSTANCE_NAME": "same"])
        defer {
            first.stop()
            second.stop()
        }
        let warning = "another newsd reports under this instance.name"
        #expect(eventually(40) { first.logText.contains(warning) || second.logText.contains(warning) })
        try first.drop("one.txt", article(1, host: "first"))
        try second.drop("two.txt", article(2, host: "second"))
        #expect(try eventually { try first.status().totals.ingested == 1 && second.status().totals.ingested == 1 })
        // Each still tells its own notifications from the other's (by the run, not the name):
        // a rewrite on the second of an article stored by the first is linked.
        let sample = String(decoding: try sampleArticleBytes(), as: UTF8.self)
        try first.drop("sample.txt", Array(sample.utf8))
        #expect(try eventually { try first.status().totals.ingested == 2 })
        try second.drop("rewritten.txt", Array(rewriteSample(sample).utf8))
        #expect(try eventually { try second.status().totals.ingested == 2 })
        let db = try PostgresConnection(conninfo: url)
        #expect(try db.query(
            "SELECT r.duplicate_of = o.id FROM articles r, articles o WHERE r.source_file = 'rewritten.txt' AND o.source_file = 'sample.txt'"
        ).rows == [["t"]])
    }
}
