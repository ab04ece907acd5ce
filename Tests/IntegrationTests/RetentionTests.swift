import Foundation
import Logging
import PostgresClient
import Testing
import TestSupport

@testable import IngestEngine

/// archive.retainDays, failed.retainDays and ingestLog.retainDays, with ages faked: dated
/// archive folders, reason files stamped in the past and the future, ingest_log rows finished
/// long ago, recently and (a wrong clock) next week, and this machine's clock ahead.
@Suite struct RetentionTests {
    let now = Date()

    func day(_ daysAgo: Int) -> String { Spool.day(now.addingTimeInterval(Double(-daysAgo) * 86_400)) }

    func touch(_ path: String, daysAgo: Double) throws {
        try FileManager.default.setAttributes([.modificationDate: now.addingTimeInterval(-daysAgo * 86_400)], ofItemAtPath: path)
    }

    @Test func sweepsRemoveOnlyWhatIsPastItsTime() throws {
        let url = try TestPostgres.start().createDatabase()
        let root = NSTemporaryDirectory() + "newsd-retention-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        var config = NewsdConfig.defaults(stateDirectory: root)
        config.databaseURL = url
        let spool = try Spool(config: config)
        let conn = try PostgresConnection(conninfo: url)
        defer { conn.close() }
        try Migrations.migrate(conn, logger: Logger(label: "test"))
        let fm = FileManager.default
        let archive = config.archivePath

        // Archive: a month-old day (2 files and a link to a file elsewhere), yesterday, today, a
        // day in the future; and, all named like old days, a folder holding a folder, a link to
        // a folder elsewhere, a date that does not exist and a folder that is not a day at all.
        let outside = root + "/outside"
        try fm.createDirectory(atPath: outside + "/dir", withIntermediateDirectories: true)
        try Data("keep".utf8).write(to: URL(fileURLWithPath: outside + "/target.txt"))
        for (name, files) in [(day(30), 2), (day(1), 1), (day(0), 1), (day(-400), 1), (day(31), 1), ("2020-02-31", 1), ("keep-me", 1)] {
            try fm.createDirectory(atPath: archive + "/" + name, withIntermediateDirectories: true)
            for i in 0..<files { try Data("x".utf8).write(to: URL(fileURLWithPath: "\(archive)/\(name)/f\(i).txt")) }
        }
        try fm.createSymbolicLink(atPath: archive + "/" + day(30) + "/link.txt", withDestinationPath: outside + "/target.txt")
        try fm.createDirectory(atPath: archive + "/" + day(31) + "/sub", withIntermediateDirectories: true)
        try fm.createSymbolicLink(atPath: archive + "/" + day(32), withDestinationPath: outside + "/dir")
        // failed/: by the reason's time; a file without a reason is kept whatever its own age.
        let reasons = config.failedPath + "/" + Spool.reasonsFolder
        for (name, reasonAge, fileAge) in [("old.txt", 10.0, 0.0), ("new.txt", 1.0, 30.0), ("future.txt", -5.0, 30.0)] {
            try Data("x".utf8).write(to: URL(fileURLWithPath: config.failedPath + "/" + name))
            try touch(config.failedPath + "/" + name, daysAgo: fileAge)
            try Data("{}".utf8).write(to: URL(fileURLWithPath: reasons + "/" + name))
            try touch(reasons + "/" + name, daysAgo: reasonAge)
        }
        try Data("x".utf8).write(to: URL(fileURLWithPath: config.failedPath + "/no-reason.txt"))
        try touch(config.failedPath + "/no-reason.txt", daysAgo: 2_000)
        // ingest_log, by the database's clock: finished 40 days ago, 29 days ago, and next week.
        for (key, age) in [("a", "40 days"), ("b", "29 days"), ("c", "-7 days")] {
            try conn.query(
                """
                INSERT INTO ingest_log (claim_key, file_name, size_bytes, outcome, first_seen, finished_at)
                VALUES (\(key), 'f.txt', 1, 'ingested', now() - \(age)::interval, now() - \(age)::interval)
                """)
        }
        let archived = try fm.contentsOfDirectory(atPath: archive).sorted()
        #expect(archived.count == 8)

        // Nothing is removed while every setting is 0 (the default).
        let idle = Retention(spool: spool, config: config, logger: Logger(label: "test"))
        #expect(idle.sweep(now: now) == RetentionReport())
        #expect(try fm.contentsOfDirectory(atPath: archive).sorted() == archived)

        config.retention = RetentionSettings(archiveDays: 7, failedDays: 7, ingestLogDays: 30)
        let retention = Retention(spool: spool, config: config, logger: Logger(label: "test"))
        // This machine's clock two days ahead of the database's: nothing at all is removed.
        let ahead = retention.sweep(now: now.addingTimeInterval(2 * 86_400))
        #expect(ahead.archiveFolders == 0 && ahead.failedFiles == 0 && ahead.ingestLogRows == 0)
        #expect(ahead.errors.first?.contains("ahead of the database's") == true, "\(ahead.errors)")
        #expect(try fm.contentsOfDirectory(atPath: archive).sorted() == archived)

        let report = retention.sweep(now: now)
        #expect(report.archiveFolders == 1 && report.archiveFiles == 3)
        #expect(try fm.contentsOfDirectory(atPath: archive).sorted() == archived.filter { $0 != day(30) })
        #expect(fm.fileExists(atPath: outside + "/target.txt") && fm.fileExists(atPath: outside + "/dir"))
        #expect(report.errors.count == 1 && report.errors[0].contains("holds a folder (sub)"), "\(report.errors)")
        #expect(report.failedFiles == 1)
        #expect(try fm.contentsOfDirectory(atPath: config.failedPath).sorted() == [".reasons", "future.txt", "new.txt", "no-reason.txt"])
        #expect(try fm.contentsOfDirectory(atPath: reasons).sorted() == ["future.txt", "new.txt"])
        #expect(report.ingestLogRows == 1)
        #expect(try conn.query("SELECT string_agg(claim_key, ',' ORDER BY claim_key) FROM ingest_log").scalar == "b,c")

        // A file claimed now keeps every row finished since a day before its claim.
        try Data("x".utf8).write(to: URL(fileURLWithPath: config.spoolPath + "/claimed.txt"))
        retention.update(RetentionSettings(ingestLogDays: 1))
        try conn.query("INSERT INTO ingest_log (claim_key, file_name, size_bytes, outcome, first_seen, finished_at) VALUES ('d', 'f.txt', 1, 'ingested', now() - interval '2 hours', now() - interval '2 hours')")
        #expect(retention.sweep(now: now).ingestLogRows == 1)  // b (29 days); d is within the claim's day
        #expect(try conn.query("SELECT string_agg(claim_key, ',' ORDER BY claim_key) FROM ingest_log").scalar == "c,d")
        // A second sweep finds nothing more, and the archive is left alone once its setting is 0.
        #expect(retention.sweep(now: now).ingestLogRows == 0)
        #expect(try fm.contentsOfDirectory(atPath: archive).count == 7)
    }

    @Test func archiveDaysAreDatesAsNewsdWritesThem() {
        #expect(Retention.archiveDay("1970-01-01") == 0)
        #expect(Retention.archiveDay("2026-12-01") == 20_788)
        for bad in ["2026-13-01", "2020-02-31", "2026-12-1", "26-12-01", "2026-12-01.old", "abcd-ef-gh", "", "２０２６-12-01", "+026-12-01"] {
            #expect(Retention.archiveDay(bad) == nil, "\(bad)")
        }
    }
}
