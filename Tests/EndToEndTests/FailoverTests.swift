import Foundation
import NewsProtocol
import PostgresClient
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A multi-host connection string (issue 22): when the server newsd writes to goes away,
/// newsd reconnects to the next one that accepts writes, and status, the log and the metrics
/// say which server it writes to and how many changes it has seen. (Two independent servers
/// stand in for a primary and the standby promoted after it: what is tested here is newsd's
/// side; `scripts/pgaf-formation` makes a real pg_auto_failover formation.)
@Suite(.serialized) struct FailoverTests {
    @Test func theNextServerIsUsedAndTheChangeIsShown() throws {
        let first = try TestPostgres.makePrivate()
        let second = try TestPostgres.makePrivate()
        for server in [first, second] {
            try PostgresConnection(conninfo: server.conninfo()).query(PostgresQuery(unsafeSQL: "CREATE DATABASE news"))
        }
        let url = "host=\(first.socketDir),\(second.socketDir) port=\(first.port),\(second.port) user=postgres dbname=news target_session_attrs=read-write"
        let newsd = try NewsdInstance(databaseURL: url)
        try newsd.start()
        defer { newsd.stop() }
        let sample = String(decoding: try sampleArticleBytes(), as: UTF8.self)
        try newsd.drop("one.txt", Array(sample.utf8))
        #expect(try eventually { try newsd.status().totals.ingested == 1 })
        var database = try newsd.status().database
        #expect(database.server == "\(first.socketDir):\(first.port)")
        #expect(database.serverChanges == 0)

        try first.stopServer()
        try newsd.drop("two.txt", Array(sample.replacingOccurrences(of: "Harbour ferry", with: "Island ferry").utf8))
        #expect(try eventually(60) { try newsd.status().totals.ingested == 2 })
        database = try newsd.status().database
        #expect(database.server == "\(second.socketDir):\(second.port)")
        #expect(database.serverChanges == 1)
        #expect(database.state == .connected)
        #expect(try newsd.newsctl(["status"]).output.contains("(\(second.socketDir):\(second.port)), 1 server change seen"))
        #expect(newsd.logText.contains("writing to another database server now"))
        #expect(try newsd.newsctl(["metrics"]).output.contains("newsd_database_server_changes_total 1"))
        let onSecond = try PostgresConnection(conninfo: second.conninfo(database: "news"))
        #expect(try onSecond.query("SELECT source_file FROM articles").rows == [["two.txt"]])

        // The first is back, and the second turns read-only (as a demoted primary does): its
        // refusal (SQLSTATE 25006) is an outage, not a rejected record; newsd reconnects,
        // libpq skips the read-only node, and the file is stored on the first.
        try first.startServer()
        try onSecond.execute("ALTER SYSTEM SET default_transaction_read_only = on")
        try onSecond.execute("SELECT pg_reload_conf()")
        try newsd.drop("three.txt", Array(sample.replacingOccurrences(of: "Harbour ferry", with: "River ferry").utf8))
        #expect(try eventually(60) { try newsd.status().totals.ingested == 3 })
        database = try newsd.status().database
        #expect(database.server == "\(first.socketDir):\(first.port)")
        #expect(database.serverChanges == 2)
        #expect(try newsd.status().totals.failed == 0)
        let onFirst = try PostgresConnection(conninfo: first.conninfo(database: "news"))
        #expect(try onFirst.query("SELECT source_file FROM articles ORDER BY id").rows == [["one.txt"], ["three.txt"]])
    }

    /// A server that is back ends the writer's pause early: newsd looks once a second while a
    /// long pause runs after a failed connection, rather than sleeping out a doubled pause
    /// (here 10 s) that began while the server was down.
    @Test func aServerBackEndsTheWaitEarly() throws {
        let server = try TestPostgres.makePrivate()
        let url = try server.createDatabase()
        let newsd = try NewsdInstance(databaseURL: url)
        try newsd.start(environment: ["NEWSD_RETRY_INITIAL_MS": "5000", "NEWSD_RETRY_MAX_MS": "60000"])
        try newsd.drop("one.txt", try sampleArticleBytes())
        #expect(try eventually { try newsd.status().totals.ingested == 1 })
        try server.stopServer()
        let sample = String(decoding: try sampleArticleBytes(), as: UTF8.self)
        try newsd.drop("two.txt", Array(sample.replacingOccurrences(of: "Harbour ferry", with: "Island ferry").utf8))
        // The lost connection (a 5 s pause), then a failed connection: a 10 s pause.
        #expect(try eventually(20) { try newsd.status().totals.retries >= 2 })
        let restarted = Date()
        try server.startServer()
        #expect(try eventually(30) { try newsd.status().totals.ingested == 2 })
        let waited = Date().timeIntervalSince(restarted)
        #expect(newsd.logText.contains("database reachable again; ending the pause early"))
        #expect(try newsd.status().totals.retries == 2, "no attempt failed after the server was back")
        print(String(format: "server back: stored %.1f s after the restart (the pause had up to 10 s to run)", waited))
    }

    /// A database that stops answering (its processes frozen, as a hung host or a network
    /// that drops everything looks) does not hold newsd's shutdown: the last instance report
    /// and the peer listener get 2 s each, and newsd exits within its shutdown time-out.
    @Test func aFrozenDatabaseDoesNotHoldShutdown() throws {
        let server = try TestPostgres.makePrivate()
        let url = try server.createDatabase()
        let newsd = try NewsdInstance(databaseURL: url)
        try newsd.start(environment: ["NEWSD_SHUTDOWN_TIMEOUT_MS": "3000"])
        let db = try PostgresConnection(conninfo: url)
        #expect(eventually { ((try? db.query("SELECT count(*) FROM newsd_instances").scalar) ?? nil) == "1" })
        try newsd.drop("one.txt", try sampleArticleBytes())
        #expect(try eventually { try newsd.status().totals.ingested == 1 })
        // The postmaster and every backend it started.
        let postmaster = pid_t(try String(contentsOfFile: server.root + "/data/postmaster.pid", encoding: .utf8).split(separator: "\n")[0])!
        var frozen = [postmaster]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let p = pid_t(entry), let stat = try? String(contentsOfFile: "/proc/\(p)/stat", encoding: .utf8) else { continue }
            let fields = stat.split(separator: ")").last?.split(separator: " ") ?? []
            if fields.count > 2, pid_t(fields[1]) == postmaster { frozen.append(p) }
        }
        for p in frozen { kill(p, SIGSTOP) }
        defer { for p in frozen { kill(p, SIGCONT) } }
        let pid = newsd.pid
        let start = Date()
        kill(pid, SIGTERM)
        var status: Int32 = 0
        var exited = false
        while Date().timeIntervalSince(start) < 30 {
            if waitpid(pid, &status, WNOHANG) == pid {
                exited = true
                break
            }
            usleep(50_000)
        }
        if !exited {
            kill(pid, SIGKILL)
            _ = waitpid(pid, &status, 0)
        }
        #expect(exited, "newsd still running 30 s after SIGTERM with the database frozen")
        print("frozen database: newsd exited \(exited ? "after \(Date().timeIntervalSince(start)) s" : "not at all")")
        _ = newsd.stop(0)
    }
}
