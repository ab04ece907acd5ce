import Foundation
import NewsProtocol
import PostgresClient
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized) struct IngestEndToEndTests {
    @Test func sampleTwiceAndABadFile() throws {
        let url = try TestPostgres.start().createDatabase()
        let newsd = try NewsdInstance(databaseURL: url)
        try newsd.start()
        let db = try PostgresConnection(conninfo: url)

        try newsd.drop("seed.txt", try sampleArticleBytes())
        #expect(try eventually { try newsd.status().totals.ingested == 1 })
        try newsd.drop("seed-again.txt", try sampleArticleBytes())
        try newsd.drop("photo.png", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48])
        #expect(try eventually { let t = try newsd.status().totals; return t.duplicates == 1 && t.failed == 1 })

        let rows = try db.query("SELECT title, body, paragraph_count, source_file FROM articles")
        #expect(rows.rows.count == 1)
        #expect(rows.value(0, "title") == "Harbour ferry service to resume after council vote")
        #expect(rows.value(0, "paragraph_count") == "16")
        #expect(rows.value(0, "source_file") == "seed.txt")
        let body = rows.value(0, "body") ?? ""
        #expect(body.hasPrefix("The ferry between Kingsport and the island of Marrow"))
        #expect(body.hasSuffix("to explain the new timetable."))
        #expect(!body.contains("Share:"))

        let log = try db.query("SELECT file_name, outcome, error_code FROM ingest_log ORDER BY file_name")
        #expect(log.rows == [["photo.png", "failed", "not_text"], ["seed-again.txt", "duplicate", nil], ["seed.txt", "ingested", nil]])

        let day = newsd.files(in: newsd.archive)
        #expect(day.count == 2)
        #expect(day.allSatisfy { $0.hasSuffix("/seed.txt") || $0.hasSuffix("/seed-again.txt") })
        #expect(newsd.files(in: newsd.failed) == [".reasons/photo.png", "photo.png"])
        let sidecar = try JSONDecoder().decode(
            FailedSidecar.self, from: Data(contentsOf: URL(fileURLWithPath: newsd.failed + "/.reasons/photo.png")))
        #expect(sidecar.code == "not_text")
        #expect(sidecar.file == "photo.png")
        #expect(sidecar.attempts == 1)
        #expect(sidecar.sizeBytes == 14)
        #expect(newsd.files(in: newsd.spool).isEmpty)
        #expect(newsd.files(in: newsd.inbox).isEmpty)

        let status = try newsd.status()
        #expect(status.totals == .init(ingested: 1, duplicates: 1, failed: 1, retries: 0))
        #expect(status.files == .init(inbox: 0, claimed: 0, failed: 1))
        #expect(status.database.state == .connected)
        #expect(status.state == .running)
        #expect(status.pid == newsd.pid)

        let human = try newsd.newsctl(["status"])
        #expect(human.status == 0)
        #expect(human.output.contains("1 ingested, 1 duplicates, 1 failed, 0 retries"))

        #expect(newsd.stop(SIGTERM) == 0)
        #expect(newsd.logText.contains("newsd stopped"))
        #expect(!FileManager.default.fileExists(atPath: newsd.socket))
    }

    @Test func newsctlExplainsWhenNewsdIsNotRunning() throws {
        let r = try runCommand(binDir + "/newsctl", ["status", "--socket", "/tmp/newsd-no-such-dir/newsd.sock"])
        #expect(r.status == 69)
        #expect(r.output == "newsctl: newsd is not running (no answer on /tmp/newsd-no-such-dir/newsd.sock: No such file or directory)\n")
        let j = try runCommand(binDir + "/newsctl", ["status", "--json", "--socket", "/tmp/newsd-no-such-dir/newsd.sock"])
        #expect(j.status == 69)
        #expect(j.output.contains(#"{"error":{"code":"client_error","message":"newsd is not running"#))
    }

    @Test func migrateAppliesTheSchemaOnceAndTheSocketIsGroupOnly() throws {
        let url = try TestPostgres.start().createDatabase()
        let first = try runCommand(binDir + "/newsd", ["migrate", "--database-url", url])
        #expect(first.status == 0)
        #expect(first.output.hasSuffix("applied migrations 1, 2, 3, 4, 5, 6, 7, 8, 9; schema at version 9\n"))
        let second = try runCommand(binDir + "/newsd", ["migrate", "--database-url", url])
        #expect(second.output == "schema is up to date (version 9)\n")
        let down = try runCommand(binDir + "/newsd", ["migrate", "--database-url", "host=/nonexistent port=1 dbname=x"])
        #expect(down.status == 69)

        let newsd = try NewsdInstance(databaseURL: url)
        try newsd.start()
        var st = stat()
        #expect(lstat(newsd.socket, &st) == 0)
        #expect(st.st_mode & 0o7777 == 0o660)
        #expect(st.st_mode & S_IFMT == S_IFSOCK)
    }

    @Test func anInvalidSettingStopsStartUpNamingTheKey() throws {
        let r = try runCommand(binDir + "/newsd", ["check-config", "--state-dir", "/tmp/x"], environment: ["NEWSD_PIPELINE_BATCH_SIZE": "zero"])
        #expect(r.status == 78)
        #expect(r.output.contains("pipeline.batchSize"))
    }

    @Test func aSecondNewsdOnTheSameSocketRefusesToStart() throws {
        let url = try TestPostgres.start().createDatabase()
        let first = try NewsdInstance(databaseURL: url)
        try first.start()
        let r = try runCommand(binDir + "/newsd", ["--state-dir", first.state, "--socket", first.socket, "--database-url", url])
        #expect(r.status == 69)
        #expect(r.output.contains("another newsd is answering"))
        #expect(try first.status().state == .running)
    }
}
