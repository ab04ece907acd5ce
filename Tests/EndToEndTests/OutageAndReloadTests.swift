import Foundation
import NewsProtocol
import PostgresClient
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

func article(_ i: Int, junk: String = "") -> [UInt8] {
    Array("Headline number \(i)\n\nBody paragraph of article \(i), long enough to be an article.\n\nSecond paragraph.\n\(junk)".utf8)
}

@Suite struct OutageAndReloadTests {
    @Test func aDatabaseOutageKeepsFilesClaimedAndEverythingLandsAfterwards() throws {
        let pg = try TestPostgres.makePrivate()
        let url = try pg.createDatabase()
        let newsd = try NewsdInstance(databaseURL: url)
        try newsd.start(environment: ["NEWSD_RETRY_INITIAL_MS": "50", "NEWSD_RETRY_MAX_MS": "400"])
        try newsd.drop("first.txt", article(0))
        #expect(try eventually { try newsd.status().totals.ingested == 1 })

        try pg.stopServer()
        for i in 1...5 { try newsd.drop("during-\(i).txt", article(i)) }
        #expect(try eventually {
            let s = try newsd.status()
            return s.database.state == .reconnecting && s.files.claimed == 5
        })
        let during = try newsd.status()
        #expect(during.database.lastError != nil)
        #expect(during.totals.ingested == 1)
        #expect(during.totals.failed == 0)
        #expect(newsd.files(in: newsd.spool).count == 5)
        #expect(newsd.files(in: newsd.failed).isEmpty)

        try pg.startServer()
        #expect(try eventually { try newsd.status().totals.ingested == 6 })
        let after = try newsd.status()
        #expect(after.database.state == .connected)
        #expect(after.totals.retries >= 1)
        #expect(after.files.claimed == 0)
        let db = try PostgresConnection(conninfo: url)
        #expect(try db.query("SELECT count(*) FROM articles").scalar == "6")
        #expect(try db.query("SELECT count(*) FROM ingest_log").scalar == "6")
        #expect(newsd.files(in: newsd.spool).isEmpty)
        #expect(newsd.stop() == 0)
    }

    @Test func hiddenAndTemporaryNamesWaitUntilRenamed() throws {
        let url = try TestPostgres.start().createDatabase()
        let newsd = try NewsdInstance(databaseURL: url)
        try newsd.start(["--log-level", "debug"])
        for name in [".hidden", "a.tmp", "b.part", "c~"] {
            try Data(article(name.count)).write(to: URL(fileURLWithPath: newsd.inbox + "/" + name))
        }
        try newsd.drop("marker.txt", article(99))
        #expect(try eventually { try newsd.status().totals.ingested == 1 })
        #expect(newsd.files(in: newsd.inbox) == [".hidden", "a.tmp", "b.part", "c~"])
        #expect(try newsd.status().files.inbox == 0)
        #expect(rename(newsd.inbox + "/a.tmp", newsd.inbox + "/a.txt") == 0)
        #expect(try eventually { try newsd.status().totals.ingested == 2 })
        #expect(newsd.files(in: newsd.inbox) == [".hidden", "b.part", "c~"])
    }

    @Test func sighupReloadsJunkRules() throws {
        let url = try TestPostgres.start().createDatabase()
        let newsd = try NewsdInstance(databaseURL: url)
        let config = newsd.state + "/newsd.json"
        try #"{"parser": {"junkPatterns": ["share:"]}}"#.write(toFile: config, atomically: true, encoding: .utf8)
        try newsd.start(["--config", config])
        let db = try PostgresConnection(conninfo: url)

        try newsd.drop("before.txt", article(1, junk: "\nSponsored by Acme\n"))
        #expect(try eventually { try newsd.status().totals.ingested == 1 })
        #expect(try db.query("SELECT body LIKE '%Acme%' FROM articles").scalar == "t")

        #expect(eventually { newsd.logText.contains("file=before.txt") })

        try #"{"parser": {"junkPatterns": ["share:", "sponsored by .*"]}, "log": {"level": "notice"}}"#
            .write(toFile: config, atomically: true, encoding: .utf8)
        kill(newsd.pid, SIGHUP)
        #expect(eventually { newsd.logText.contains("configuration reloaded") })
        try newsd.drop("after.txt", article(2, junk: "\nSponsored by Acme\n"))
        #expect(try eventually { try newsd.status().totals.ingested == 2 })
        #expect(try db.query("SELECT body LIKE '%Acme%' FROM articles WHERE source_file = 'after.txt'").scalar == "f")
        // The reloaded log.level applies to the running daemon: the file's info line is not written.
        #expect(!newsd.logText.contains("file=after.txt"))

        // A model that is not a regular file (a FIFO would block the read for ever) is refused
        // at once, and the running one kept.
        #expect(mkfifo(newsd.state + "/model.fifo", 0o600) == 0)
        try #"{"classifier": {"model": "\#(newsd.state)/model.fifo"}}"#.write(toFile: config, atomically: true, encoding: .utf8)
        kill(newsd.pid, SIGHUP)
        #expect(eventually { newsd.logText.contains("model.fifo is not a regular file") })
        #expect(try newsd.status().state == .running)

        // A broken file on reload keeps the running configuration and says why.
        try "{ broken".write(toFile: config, atomically: true, encoding: .utf8)
        kill(newsd.pid, SIGHUP)
        #expect(eventually { newsd.logText.contains("configuration reload failed") })
        #expect(try newsd.status().state == .running)
    }

    /// A SIGHUP while newsd starts (an early `systemctl reload`, a HUP to the process group)
    /// must not end it: before the reload service listens, SIGHUP is ignored.
    @Test func aSighupWhileStartingDoesNotEndNewsd() throws {
        let url = try TestPostgres.start().createDatabase()
        let newsd = try NewsdInstance(databaseURL: url)
        // With the shipped model to load, start-up takes long enough to hit it while starting.
        let config = newsd.state + "/newsd.json"
        let model = repositoryRoot.appendingPathComponent("config/topics-bbc.model").path
        try #"{"classifier": {"model": "\#(model)"}}"#.write(toFile: config, atomically: true, encoding: .utf8)
        var sent = 0
        try newsd.start(["--config", config]) { pid in
            // From the moment newsd ignores SIGHUP (the first thing `run` does) until its control
            // socket exists: a HUP every millisecond. Before the fix, SIGHUP was ignored only once
            // the reload service listened, after the socket, and a HUP before that ended newsd.
            func ignoresHangup() -> Bool {
                guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
                    let line = text.split(separator: "\n").first(where: { $0.hasPrefix("SigIgn:") }),
                    let mask = UInt64(line.dropFirst(7).trimmingCharacters(in: .whitespaces), radix: 16)
                else { return false }
                return mask & (1 << (UInt64(SIGHUP) - 1)) != 0
            }
            // Looked at every 0.1 ms: `eventually`'s pace would miss most of the window.
            let until = Date().addingTimeInterval(30)
            while !ignoresHangup(), kill(pid, 0) == 0, Date() < until { usleep(100) }
            while Date() < until, kill(pid, 0) == 0, !FileManager.default.fileExists(atPath: newsd.socket) {
                kill(pid, SIGHUP)
                sent += 1
                usleep(200)
            }
        }
        #expect(sent > 0)
        #expect(kill(newsd.pid, 0) == 0)
        #expect(try newsd.status().state == .running)
        #expect(newsd.stop() == 0)
    }
}

@Suite struct DatabaseRejectionTests {
    @Test func aRowTheDatabaseRefusesFailsAloneAndItsBatchLands() throws {
        let url = try TestPostgres.start().createDatabase()
        let newsd = try NewsdInstance(databaseURL: url)
        // A long flush interval puts all three files in one batch.
        try newsd.start(environment: ["NEWSD_PIPELINE_FLUSH_INTERVAL_MS": "1500"])
        // Over 1 MB of distinct words: PostgreSQL refuses the tsvector (SQLSTATE 54000).
        var words: [String] = []
        var x: UInt64 = 42
        for _ in 0..<150_000 {
            x = x &* 6364136223846793005 &+ 1442695040888963407
            words.append(String(x >> 20, radix: 36))
        }
        let huge = Array(("Huge\n\n" + words.joined(separator: " ")).utf8)
        try newsd.drop("good-1.txt", article(1))
        try newsd.drop("huge.txt", huge)
        try newsd.drop("good-2.txt", article(2))
        #expect(try eventually(60) { let t = try newsd.status().totals; return t.ingested == 2 && t.failed == 1 })
        let db = try PostgresConnection(conninfo: url)
        let failed = try db.query("SELECT file_name, error_code, error_message LIKE '%54000%' FROM ingest_log WHERE outcome = 'failed'")
        #expect(failed.rows == [["huge.txt", "db_rejected", "t"]])
        #expect(newsd.files(in: newsd.failed) == [".reasons/huge.txt", "huge.txt"])
        #expect(try db.query("SELECT count(*) FROM articles").scalar == "2")
    }
}
