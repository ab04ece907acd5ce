import Foundation
import NewsProtocol
import PostgresClient
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Issue 22's failover suite: a real pg_auto_failover formation (a monitor and two data nodes
/// with synchronous replication, `scripts/pgaf-formation`), newsd pointed at the formation's
/// URI, a burst of files, and during it a fault: `pg_autoctl perform failover`, or kill -9 of
/// the primary's keeper and postgres. Every file ends stored once on the node that is primary
/// afterwards, nothing is left claimed, newsd never exits. `scripts/suite failover` runs it at
/// full size (10,000 files); `scripts/test` reduced.
@Suite(.serialized) struct PgAutoFailoverSuiteTests {
    static let script = repositoryRoot.appendingPathComponent("scripts/pgaf-formation").path
    static let basePort = SuiteSize.int("NEWSD_PGAF_PORT", 6500)

    /// A formation for one test; `down` on deinit.
    final class Formation {
        let dir: String
        let uri: String

        init() throws {
            var template = Array("/tmp/newsd-pgaf-XXXXXX".utf8CString)
            guard let made = mkdtemp(&template) else { throw TestPostgresError(message: "mkdtemp") }
            chmod(made, 0o755)  // the formation's own user (pgaf when root) must reach its folder
            dir = String(cString: made) + "/f"
            let up = try Formation.run(dir, "up")
            guard up.status == 0, let uri = up.output.split(separator: "\n").last.map(String.init), uri.hasPrefix("postgres://") else {
                throw TestPostgresError(message: "pgaf-formation up failed:\n\(up.output)")
            }
            // The nodes' superuser is the OS user the formation runs as.
            let user = getuid() == 0 ? "pgaf" : String(cString: getpwuid(getuid())!.pointee.pw_name)
            self.uri = uri + "&user=\(user)&connect_timeout=5"
        }

        static func run(_ dir: String, _ command: String, _ arg: String? = nil) throws -> CommandResult {
            try runCommand(PgAutoFailoverSuiteTests.script, [dir, command] + (arg.map { [$0] } ?? []), environment: environment)
        }

        static var environment: [String: String] {
            var env = ProcessInfo.processInfo.environment
            env["PGAF_PORT"] = "\(PgAutoFailoverSuiteTests.basePort)"
            return env
        }

        func address(of node: String) -> String {
            "127.0.0.1:\(PgAutoFailoverSuiteTests.basePort + (node == "node1" ? 1 : 2))"
        }

        deinit {
            _ = try? Formation.run(dir, "down")
            try? FileManager.default.removeItem(atPath: (dir as NSString).deletingLastPathComponent)
        }
    }

    static func counter(_ metrics: String, _ name: String) -> Int {
        for line in metrics.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Int(Double(line.split(separator: " ").last ?? "") ?? 0)
        }
        return 0
    }

    /// Runs the burst with `fault` (a pgaf-formation command) once a fifth of it is stored.
    func burst(fault: String) throws {
        let files = SuiteSize.int("NEWSD_FAILOVER_FILES", 1_200)
        #expect(FileManager.default.isExecutableFile(atPath: "/usr/bin/pg_autoctl"),
                "pg_autoctl missing: scripts/install-deps installs postgresql-15-auto-failover")
        let formation = try Formation()
        let newsd = try NewsdInstance(databaseURL: formation.uri)
        try newsd.start(environment: ["NEWSD_INSTANCE_NAME": "failover"])
        defer { newsd.stop() }
        let before = try newsd.status().database.server
        func article(_ i: Int) -> [UInt8] {
            Array(MultiInstanceSuiteTests.article(UInt64(7_000_000 + i), "failover \(i)").utf8)
        }
        // A fifth of the files, then the fault once they are stored; the rest drop while the
        // fault runs (5 at each status read) and the last fifth once it is over (100 at each),
        // so commits are under way through the fault and after it.
        var dropped = 0
        while dropped < files / 5 {
            try newsd.drop("f-\(dropped).txt", article(dropped))
            dropped += 1
        }
        let start = Date()
        #expect(try eventually(120) { try newsd.status().totals.ingested >= files / 5 })

        // The fault runs in the background; newsd's status is read every 20 ms meanwhile.
        let faultLog = newsd.state + "/fault.log"
        let faultStart = Date()
        let faultPid = try spawn(Self.script, [formation.dir, fault], environment: Formation.environment, output: faultLog)
        var faultStatus: Int32 = 0
        var faultDone = false
        var firstCommitOnNew: Date?
        var previousDone = Int.max
        var newServer: String?
        let deadline = Date().addingTimeInterval(Double(240 + files / 20))
        while Date() < deadline {
            if !faultDone, waitpid(faultPid, &faultStatus, WNOHANG) == faultPid { faultDone = true }
            let reserve = faultDone ? files : files - files / 5
            // (A few at a time even after the fault, so that newsd's status is read often.)
            for _ in 0..<(faultDone ? 100 : 5) where dropped < reserve {
                try newsd.drop("f-\(dropped).txt", article(dropped))
                dropped += 1
            }
            let status = try newsd.status()
            let done = status.totals.ingested + status.totals.duplicates
            // The first poll that shows the new server and more files done than the poll
            // before it (at most one poll, 20-50 ms, late).
            if let server = status.database.server, server != before, (status.database.serverChanges ?? 0) >= 1 {
                newServer = newServer ?? server
                if firstCommitOnNew == nil, done > previousDone { firstCommitOnNew = Date() }
            }
            previousDone = done
            if faultDone, dropped == files, status.totals.ingested + status.totals.duplicates + status.totals.failed >= files { break }
            usleep(20_000)
        }
        let output = (try? String(contentsOfFile: faultLog, encoding: .utf8)) ?? ""
        #expect(faultDone && faultStatus == 0, "pgaf-formation \(fault) failed:\n\(output)")
        let line = output.split(separator: "\n").last { $0.hasPrefix(fault == "failover" ? "failover " : "kill-primary ") } ?? ""
        let newNode = line.split(separator: " ").first { $0.hasPrefix("new=") }.map { String($0.dropFirst(4)) } ?? "?"
        #expect(newServer == formation.address(of: newNode), "newsd writes to \(newServer ?? "-") after the fault, the new primary is \(newNode)")

        // Everything stored once on the node that is primary now; newsd never exited.
        var exitStatus: Int32 = 0
        #expect(waitpid(newsd.pid, &exitStatus, WNOHANG) == 0, "newsd exited:\n\(newsd.logText)")
        let db = try PostgresConnection(conninfo: formation.uri)
        #expect(try db.query("SELECT inet_server_port()").scalar == formation.address(of: newNode).split(separator: ":").last.map(String.init))
        #expect(try eventually(60) { try db.query("SELECT count(*) FROM ingest_log").scalar == "\(files)" })
        #expect(try db.query("SELECT count(*), count(DISTINCT content_hash) FROM articles").rows == [["\(files)", "\(files)"]])
        #expect(try db.query("SELECT count(*), count(DISTINCT claim_key) FROM ingest_log WHERE outcome = 'ingested'").rows == [["\(files)", "\(files)"]])
        #expect(eventually { newsd.files(in: newsd.archive).count == files })
        #expect(newsd.files(in: newsd.spool).isEmpty && newsd.files(in: newsd.inbox).isEmpty && newsd.files(in: newsd.failed).isEmpty)
        let status = try newsd.status()
        // Files whose commit went through though its answer was lost (the connection cut at
        // COMMIT) are found recorded when written again, and count as ingested all the same.
        #expect(status.totals.failed == 0)
        #expect(status.totals.ingested == files)
        let metrics = try newsd.newsctl(["metrics"]).output
        let seconds = Date().timeIntervalSince(start)
        print(String(
            format: "failover suite (%@): %d files in %.1f s, each stored once on %@; fault to first commit on the new primary %@; %d batch retries, %d transient errors, %d reconnects, %d server changes; %@",
            fault, files, seconds, newNode,
            firstCommitOnNew.map { String(format: "%.2f s", $0.timeIntervalSince(faultStart)) } ?? "not seen",
            status.totals.retries, Self.counter(metrics, #"newsd_database_errors_total{kind="transient"}"#),
            Self.counter(metrics, "newsd_database_reconnects_total"), status.database.serverChanges ?? 0,
            String(line)))
        if ProcessInfo.processInfo.environment["NEWSD_FAILOVER_LOG"] != nil { print(newsd.logText) }
    }

    @Test func aSwitchoverLosesNothing() throws { try burst(fault: "failover") }

    @Test func aKilledPrimaryLosesNothing() throws { try burst(fault: "kill-primary") }
}
