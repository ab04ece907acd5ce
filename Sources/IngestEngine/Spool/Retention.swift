import Foundation
import Logging
import NewsSystem
import PostgresClient
import Synchronization

/// How long newsd keeps what it has finished with; 0 keeps it for ever (the default).
public struct RetentionSettings: Sendable, Equatable {
    /// `archive.retainDays`: archive/YYYY-MM-DD folders older than this many days are removed.
    public var archiveDays = 0
    /// `failed.retainDays`: files in failed/ longer than this (by their reason's time) are removed.
    public var failedDays = 0
    /// `ingestLog.retainDays`: `ingest_log` rows finished longer ago than this are deleted.
    public var ingestLogDays = 0

    public init(archiveDays: Int = 0, failedDays: Int = 0, ingestLogDays: Int = 0) {
        self.archiveDays = archiveDays
        self.failedDays = failedDays
        self.ingestLogDays = ingestLogDays
    }

    var isEmpty: Bool { archiveDays == 0 && failedDays == 0 && ingestLogDays == 0 }
}

/// What one sweep removed.
public struct RetentionReport: Sendable, Equatable {
    public var archiveFolders = 0, archiveFiles = 0, failedFiles = 0, ingestLogRows = 0
    public var errors: [String] = []
}

/// Removes archived days, failed files and `ingest_log` rows past their retention: a minute
/// after start-up, then every hour, each sweep logged. Ages come from names and times newsd
/// wrote: an archive folder's day (its name, UTC), a failed file's reason (the reason file's
/// modification time, set when the file was moved to failed/; a failed file without a reason
/// is kept), a row's `finished_at` (compared with the database's clock). A time in the future
/// is young. A sweep first compares this machine's clock with the database's and is skipped,
/// with a warning, when this one runs more than an hour ahead, so a clock set wrong removes
/// nothing early; with the database unreachable, the sweep waits for the next hour.
///
/// An archive folder is removed only if it is a real directory (not a link) whose name is a
/// date written as newsd writes it, and it holds only files (no folders); its files are
/// unlinked one by one, then the folder. `ingest_log` is how a restarted newsd knows a claimed
/// file was already committed: a row is kept while a file in the spool was claimed less than
/// a day after it finished, whatever the setting, and if the spool cannot be listed no row
/// is deleted.
public final class Retention: Sendable {
    private let spool: Spool
    private let archivePath: String?
    private let databaseURL: String
    private let connectTimeoutSeconds: Int
    private let logger: Logger
    private let settings: Mutex<RetentionSettings>
    private let queue = DispatchQueue(label: "newsd.retention", qos: .utility)
    private let timer = Mutex<Timer?>(nil)
    /// How far this machine's clock may run ahead of the database's before a sweep is skipped.
    static let clockTolerance: Double = 3600

    private struct Timer: @unchecked Sendable { let source: DispatchSourceTimer }

    public init(spool: Spool, config: NewsdConfig, logger: Logger) {
        self.spool = spool
        archivePath = config.archiveMode == .archive ? config.archivePath : nil
        databaseURL = config.databaseURL
        connectTimeoutSeconds = config.connectTimeoutSeconds
        self.logger = logger
        settings = Mutex(config.retention)
    }

    /// New settings (a reload): the next sweep uses them.
    public func update(_ new: RetentionSettings) {
        settings.withLock { $0 = new }
    }

    /// Starts the sweeps: the first after `delay`, then every `interval`.
    public func start(delay: DispatchTimeInterval = .seconds(60), interval: DispatchTimeInterval = .seconds(3600)) {
        let t = DispatchSource.makeTimerSource(queue: queue)
        t.schedule(deadline: .now() + delay, repeating: interval, leeway: .seconds(5))
        t.setEventHandler { [self] in _ = sweep() }
        timer.withLock { $0 = Timer(source: t) }
        t.resume()
    }

    public func stop() {
        timer.withLock { $0?.source.cancel(); $0 = nil }
    }

    /// One sweep with the current settings; logged when it removed or failed anything. `now`
    /// is this machine's clock (a test passes its own).
    @discardableResult
    public func sweep(now: Date = Date()) -> RetentionReport {
        let s = settings.withLock { $0 }
        var report = RetentionReport()
        if s.isEmpty { return report }
        let conn: PostgresConnection
        do {
            conn = try PostgresConnection(
                conninfo: databaseURL, applicationName: "newsd retention", connectTimeoutSeconds: connectTimeoutSeconds)
            let database = try Double(conn.query("SELECT extract(epoch FROM now())").scalar ?? "") ?? .nan
            let ahead = now.timeIntervalSince1970 - database
            guard ahead.isFinite, ahead <= Self.clockTolerance else {
                conn.close()
                report.errors.append(
                    "this machine's clock is \(Int(ahead / 60)) minutes ahead of the database's; nothing removed until they agree")
                log(report)
                return report
            }
        } catch {
            report.errors.append("the database cannot be reached to check the clock (\(error)); the sweep waits for the next hour")
            log(report)
            return report
        }
        defer { conn.close() }
        if s.archiveDays > 0, let archivePath { sweepArchive(archivePath, days: s.archiveDays, now: now, into: &report) }
        if s.failedDays > 0 { sweepFailed(days: s.failedDays, now: now, into: &report) }
        if s.ingestLogDays > 0 { sweepIngestLog(conn, days: s.ingestLogDays, into: &report) }
        log(report)
        return report
    }

    private func log(_ report: RetentionReport) {
        if report.archiveFolders + report.failedFiles + report.ingestLogRows > 0 {
            logger.notice(
                "retention sweep removed what was past its time",
                metadata: [
                    "archive_folders": "\(report.archiveFolders)", "archive_files": "\(report.archiveFiles)",
                    "failed_files": "\(report.failedFiles)", "ingest_log_rows": "\(report.ingestLogRows)",
                ])
        }
        for e in report.errors { logger.warning("retention sweep left something in place", metadata: ["reason": "\(e)"]) }
    }

    /// The day number (days since 1970, UTC) of an archive folder name, if it is a date
    /// written exactly as newsd writes one (`YYYY-MM-DD`, a day that exists).
    static func archiveDay(_ name: String) -> Int? {
        let parts = name.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }),
            let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2])
        else { return nil }
        let seconds = utcSeconds(year: y, month: m, day: d)
        let date = Date(timeIntervalSince1970: Double(seconds))
        guard Spool.day(date) == name else { return nil }  // 2020-02-31 is not a day
        return Int((Double(seconds) / 86_400).rounded(.down))
    }

    private func sweepArchive(_ path: String, days: Int, now: Date, into report: inout RetentionReport) {
        let today = Int((now.timeIntervalSince1970 / 86_400).rounded(.down))
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return }
        for name in names.sorted() {
            guard let day = Self.archiveDay(name), today - day > days else { continue }
            let folder = path + "/" + name
            guard (try? FileSystem.status(atPath: folder, followingLinks: false))?.kind == .directory else { continue }  // a link or a file: not ours
            guard let entries = try? FileManager.default.contentsOfDirectory(atPath: folder) else {
                report.errors.append("\(folder): cannot be listed")
                continue
            }
            // Only files (or links) in it, or it is not a folder newsd made: left whole.
            let folders = entries.filter { entry in
                (try? FileSystem.status(atPath: folder + "/" + entry, followingLinks: false))?.kind == .directory
            }
            if let first = folders.first {
                report.errors.append("\(folder): holds a folder (\(first)), which newsd never makes there; left in place")
                continue
            }
            var removed = 0
            var kept: String?
            for entry in entries {
                // A file or a link: the link itself, never what it points to.
                do {
                    try FileSystem.removeFile(atPath: folder + "/" + entry)
                    removed += 1
                } catch {
                    if error.errno == Errno.noSuchFileOrDirectory {
                        removed += 1
                    } else {
                        kept = "\(entry): \(error.message)"
                    }
                }
            }
            report.archiveFiles += removed
            if let kept {
                report.errors.append("\(folder): \(kept)")
            } else {
                do {
                    try FileSystem.removeDirectory(atPath: folder)
                    report.archiveFolders += 1
                } catch {
                    report.errors.append("\(folder): \(error.message)")
                }
            }
        }
    }

    private func sweepFailed(days: Int, now: Date, into report: inout RetentionReport) {
        let cutoff = now.timeIntervalSince1970 - Double(days) * 86_400
        let failed = spool.failed
        let reasons = spool.reasons
        guard let stream = try? failed.stream() else { return }
        var old: [[UInt8]] = []
        while let name = stream.next() {
            if name.first == 0x2E { continue }  // .reasons, temporary files
            // The reason's time is when the file failed. Without one, the file's own times say
            // nothing of that (a rename keeps the writer's): kept.
            guard let st = try? reasons.entryStatus(name) else { continue }
            if Double(st.modified.seconds) < cutoff { old.append(name) }
        }
        for name in old {
            do {
                try spool.dropFailed(name)
                report.failedFiles += 1
            } catch {
                report.errors.append("\(failed.path)/\(displayName(name)): \(error)")
            }
        }
    }

    private func sweepIngestLog(_ conn: PostgresConnection, days: Int, into report: inout RetentionReport) {
        // Keep every row a file still in the spool could need: finished later than a day
        // before the oldest claim there. No listing, no deletion.
        var oldestClaim: Double?
        do {
            let stream = try spool.spool.stream()
            while let name = stream.next() {
                guard let st = try spool.spool.entryStatus(name) else { continue }
                oldestClaim = min(oldestClaim ?? .infinity, Double(st.changed.seconds))
            }
        } catch {
            report.errors.append("ingest_log: the spool cannot be listed (\(error)); no row deleted")
            return
        }
        let spoolFloor = oldestClaim.map { Int64($0 - 86_400) } ?? Int64.max
        do {
            // In slices, so a long-neglected table does not hold one lock for minutes. The age
            // is the database's: the rows' times are its own.
            while true {
                let deleted = try conn.query(
                    """
                    DELETE FROM ingest_log WHERE id IN (
                        SELECT id FROM ingest_log
                        WHERE finished_at < now() - make_interval(days => \(days))
                          AND finished_at < to_timestamp(\(spoolFloor == Int64.max ? Int64(1) << 40 : spoolFloor))
                        LIMIT 10000)
                    """
                ).affected
                report.ingestLogRows += deleted
                if deleted < 10000 { break }
            }
        } catch {
            report.errors.append("ingest_log: \(error)")
        }
    }
}
