import Foundation
import Logging
import PostgresClient
import Testing
import TestSupport

@testable import IngestEngine

/// archive.retainDays, failed.retainDays and ingestLog.retainDays, with ages faked: dated
/// archive folders, reason files stamped in the past and the future, ingest_log rows finished
/// long ago, yesterday and (a wrong clock) next week.
@Suite struct RetentionTests {
    /// 2026-12-01 12:00 UTC.
    static let now = Date(timeIntervalSince1970: 1_796_126_400)

    func touch(_ path: String, daysAgo: Double) throws {
        let t = Self.now.addingTimeInterval(-daysAgo * 86_400)
        try FileManager.default.setAttributes([.modificationDate: t], ofItemAtPath: path)
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

        // Archive: a month-old day (2 files), yesterday, today, a day in the future, and a folder
        // that is not a day at all.
        for (day, files) in [("2026-11-01", 2), ("2026-11-30", 1), ("2026-12-01", 1), ("2099-01-01", 1), ("keep-me", 1)] {
            try fm.createDirectory(atPath: config.archivePath + "/" + day, withIntermediateDirectories: true)
            for i in 0..<files { try Data("x".utf8).write(to: URL(fileURLWithPath: "\(config.archivePath)/\(day)/f\(i).txt")) }
        }
        // failed/: by the reason's time; without a reason, by the file's own.
        let reasons = config.failedPath + "/" + Spool.reasonsFolder
        for (name, reasonAge, fileAge) in [("old.txt", 10.0, 0.0), ("new.txt", 1.0, 30.0), ("future.txt", -5.0, 30.0)] {
            try Data("x".utf8).write(to: URL(fileURLWithPath: config.failedPath + "/" + name))
            try touch(config.failedPath + "/" + name, daysAgo: fileAge)
            try Data("{}".utf8).write(to: URL(fileURLWithPath: reasons + "/" + name))
            try touch(reasons + "/" + name, daysAgo: reasonAge)
        }
        try Data("x".utf8).write(to: URL(fileURLWithPath: config.failedPath + "/no-reason.txt"))
        try touch(config.failedPath + "/no-reason.txt", daysAgo: 10)
        // ingest_log: finished 40 days ago, 29 days ago, and in the future.
        for (key, age) in [("a", "40 days"), ("b", "29 days"), ("c", "-7 days")] {
            try conn.query(
                """
                INSERT INTO ingest_log (claim_key, file_name, size_bytes, outcome, first_seen, finished_at)
                VALUES (\(key), 'f.txt', 1, 'ingested', now() - \(age)::interval, now() - \(age)::interval)
                """)
        }

        // Nothing is removed while every setting is 0 (the default).
        let idle = Retention(spool: spool, config: config, logger: Logger(label: "test"))
        #expect(idle.sweep(now: Self.now) == RetentionReport())
        #expect(try fm.contentsOfDirectory(atPath: config.archivePath).count == 5)

        config.retention = RetentionSettings(archiveDays: 7, failedDays: 7, ingestLogDays: 30)
        let retention = Retention(spool: spool, config: config, logger: Logger(label: "test"))
        let report = retention.sweep(now: Self.now)
        #expect(report.errors.isEmpty, "\(report.errors)")
        #expect(report.archiveFolders == 1 && report.archiveFiles == 2)
        #expect(try fm.contentsOfDirectory(atPath: config.archivePath).sorted() == ["2026-11-30", "2026-12-01", "2099-01-01", "keep-me"])
        #expect(report.failedFiles == 2)
        #expect(try fm.contentsOfDirectory(atPath: config.failedPath).sorted() == [".reasons", "future.txt", "new.txt"])
        #expect(try fm.contentsOfDirectory(atPath: reasons).sorted() == ["future.txt", "new.txt"])
        #expect(report.ingestLogRows == 1)
        #expect(try conn.query("SELECT string_agg(claim_key, ',' ORDER BY claim_key) FROM ingest_log").scalar == "b,c")

        // A second sweep finds nothing more; a reload's settings apply to the next one.
        #expect(retention.sweep(now: Self.now) == RetentionReport())
        retention.update(RetentionSettings(archiveDays: 0, failedDays: 0, ingestLogDays: 1))
        #expect(retention.sweep(now: Self.now).ingestLogRows == 1)
        #expect(try fm.contentsOfDirectory(atPath: config.archivePath).count == 4)
    }

    @Test func archiveDaysAreReadFromNamesOnly() {
        #expect(Retention.archiveDay("1970-01-01") == 0)
        #expect(Retention.archiveDay("2026-12-01") == 20_788)
        for bad in ["2026-13-01", "2026-12-1", "26-12-01", "2026-12-01.old", "abcd-ef-gh", "", "２０２６-12-01"] {
            #expect(Retention.archiveDay(bad) == nil, "\(bad)")
        }
    }
}
