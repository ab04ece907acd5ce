import Foundation
import PostgresClient
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite struct OutageSuiteTests {
    /// PostgreSQL crashes while a batch sits between its inserts and its COMMIT, and stays down
    /// for NEWSD_OUTAGE_SECONDS (30 at full size) in the middle of a burst; then it is stopped
    /// again cleanly. newsd never exits, shows the outage in status, counts its retries, and
    /// afterwards every file is stored exactly once.
    @Test func crashesAndOutagesMidBurstLoseAndDoubleNothing() throws {
        let n = SuiteSize.int("NEWSD_OUTAGE_FILES", 1000)
        let outage = SuiteSize.int("NEWSD_OUTAGE_SECONDS", 3)
        let pg = try TestPostgres.makePrivate()
        let url = try pg.createDatabase()
        let newsd = try NewsdInstance(databaseURL: url)
        try newsd.start(environment: ["NEWSD_RETRY_INITIAL_MS": "50", "NEWSD_RETRY_MAX_MS": "500", "NEWSD_PIPELINE_BATCH_SIZE": "20"])
        var db = try PostgresConnection(conninfo: url)
        #expect(try eventually { try newsd.status().database.state == .connected })
        // A trigger holds the transaction that records "stall.txt" after its article row is
        // inserted and before COMMIT, so the crash lands exactly there.
        try db.query(
            """
            CREATE FUNCTION stall() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN IF NEW.file_name = 'stall.txt' THEN PERFORM pg_sleep(30); END IF; RETURN NEW; END $$
            """)
        try db.query("CREATE TRIGGER stall BEFORE INSERT ON ingest_log FOR EACH ROW EXECUTE FUNCTION stall()")

        let files = try burstFiles(n)
        let expectedFailed = files.count { $0.fails }
        let third = n / 3
        for f in files[..<third] { try newsd.drop(f.name, f.bytes) }
        try newsd.drop("stall.txt", article(424242))
        #expect(try eventually {
            try db.query("SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep'").scalar == "1"
        })
        #expect(try db.query("SELECT count(*) FROM articles WHERE source_file = 'stall.txt'").scalar == "0")  // not committed yet
        try pg.crashServer()
        for f in files[third..<(2 * third)] { try newsd.drop(f.name, f.bytes) }
        #expect(try eventually {
            let s = try newsd.status()
            return s.database.state == .reconnecting && s.database.lastError != nil
        })
        sleep(UInt32(outage))
        let down = try newsd.status()
        #expect(down.state == .running && down.database.state == .reconnecting)
        #expect(down.totals.failed <= expectedFailed)  // only the binary files: an outage fails nothing
        try pg.startServer()
        let back = Date()
        db = try PostgresConnection(conninfo: url)
        try db.query("DROP TRIGGER stall ON ingest_log")
        for f in files[(2 * third)...] { try newsd.drop(f.name, f.bytes) }
        #expect(try eventually(Double(60 + n / 20)) { try newsd.status().totals.ingested == n - expectedFailed + 1 })
        print(
            "outage suite: \(n) files, PostgreSQL crashed mid-transaction and down \(outage) s, "
                + "\(try newsd.status().totals.retries) batch retries, everything stored \(String(format: "%.1f", Date().timeIntervalSince(back))) s after it returned")

        // A clean stop of PostgreSQL once everything landed: newsd reconnects again.
        try pg.stopServer()
        try pg.startServer()
        try newsd.drop("after.txt", article(434343))
        #expect(try eventually(60) { try newsd.status().totals.ingested == n - expectedFailed + 2 })

        db = try PostgresConnection(conninfo: url)
        let s = try newsd.status()
        #expect(s.totals.retries >= 1)
        #expect(s.totals.failed == expectedFailed)
        #expect(s.files.claimed == 0)
        #expect(try db.query("SELECT count(*) FROM articles").scalar == "\(n - expectedFailed + 2)")
        #expect(try db.query("SELECT count(DISTINCT content_hash) FROM articles").scalar == "\(n - expectedFailed + 2)")
        #expect(try db.query("SELECT count(*) FROM ingest_log").scalar == "\(n + 2)")
        #expect(try db.query("SELECT count(*) FROM articles WHERE source_file = 'stall.txt'").scalar == "1")
        #expect(newsd.files(in: newsd.spool).isEmpty && newsd.files(in: newsd.inbox).isEmpty)
        #expect(newsd.stop() == 0)
    }

    /// The database refuses writes (read-only transactions) for a while: files stay claimed,
    /// status says why, and they land once writes are allowed again.
    @Test func aReadOnlyDatabaseKeepsFilesClaimedUntilWritesReturn() throws {
        let pg = try TestPostgres.makePrivate()
        let url = try pg.createDatabase()
        let newsd = try NewsdInstance(databaseURL: url)
        try newsd.start(environment: ["NEWSD_RETRY_INITIAL_MS": "50", "NEWSD_RETRY_MAX_MS": "300"])
        try newsd.drop("before.txt", article(0))
        #expect(try eventually { try newsd.status().totals.ingested == 1 })
        let admin = try PostgresConnection(conninfo: pg.conninfo())
        let dbname = try PostgresConnection(conninfo: url).query("SELECT current_database()").scalar!
        try admin.query("ALTER DATABASE \(unescaped: dbname) SET default_transaction_read_only = on")
        try admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = \(dbname) AND pid <> pg_backend_pid()")

        for i in 1...5 { try newsd.drop("during-\(i).txt", article(i)) }
        #expect(try eventually {
            let s = try newsd.status()
            return s.files.claimed == 5 && (s.database.lastError?.message.contains("read-only") ?? false)
        })
        #expect(try newsd.status().totals.failed == 0)

        try admin.query("ALTER DATABASE \(unescaped: dbname) RESET default_transaction_read_only")
        try admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = \(dbname) AND pid <> pg_backend_pid()")
        #expect(try eventually { try newsd.status().totals.ingested == 6 })
        #expect(try PostgresConnection(conninfo: url).query("SELECT count(*) FROM ingest_log").scalar == "6")
        #expect(try newsd.status().files.claimed == 0)
    }
}
