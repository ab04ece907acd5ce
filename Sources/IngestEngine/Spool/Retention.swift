import Foundation
import Logging
import NewsSystem
import PostgresClient
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

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
/// wrote: an archive folder's day (its name, UTC), a failed file's reason (the sidecar's
/// modification time, set when the file was moved to failed/), a row's `finished_at`. A time in
/// the future is young, so a wrong clock removes nothing early.
///
/// `ingest_log` is how a restarted newsd knows a claimed file was already committed; a row is
/// kept while any file in the spool was claimed less than a day before it finished, whatever
/// the setting, so a file that waited in the spool (newsd stopped for days) is still
/// recognised when newsd comes back.
public final class Retention: Sendable {
    private let spool: Spool
    private let archivePath: String?
    private let databaseURL: String
    private let connectTimeoutSeconds: Int
    private let logger: Logger
    private let settings: Mutex<RetentionSettings>
    private let queue = DispatchQueue(label: "newsd.retention", qos: .utility)
    private let timer = Mutex<Timer?>(nil)

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

    /// One sweep with the current settings; logged when it removed or failed anything.
    @discardableResult
    public func sweep(now: Date = Date()) -> RetentionReport {
        let s = settings.withLock { $0 }
        var report = RetentionReport()
        if s.isEmpty { return report }
        if s.archiveDays > 0, let archivePath { sweepArchive(archivePath, days: s.archiveDays, now: now, into: &report) }
        if s.failedDays > 0 { sweepFailed(days: s.failedDays, now: now, into: &report) }
        if s.ingestLogDays > 0 { sweepIngestLog(days: s.ingestLogDays, now: now, into: &report) }
        if report.archiveFolders + report.failedFiles + report.ingestLogRows > 0 {
            logger.notice(
                "retention sweep removed what was past its time",
                metadata: [
                    "archive_folders": "\(report.archiveFolders)", "archive_files": "\(report.archiveFiles)",
                    "failed_files": "\(report.failedFiles)", "ingest_log_rows": "\(report.ingestLogRows)",
                ])
        }
        for e in report.errors { logger.warning("retention sweep could not remove something", metadata: ["error": "\(e)"]) }
        return report
    }

    /// The day number (days since 1970, UTC) of an archive folder name `YYYY-MM-DD`, or nil.
    static func archiveDay(_ name: String) -> Int? {
        let parts = name.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
            let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]), (1...12).contains(m), (1...31).contains(d)
        else { return nil }
        var t = tm()
        t.tm_year = Int32(y - 1900)
        t.tm_mon = Int32(m - 1)
        t.tm_mday = Int32(d)
        let seconds = timegm(&t)
        guard seconds != -1 || (y == 1969 && m == 12 && d == 31) else { return nil }
        return Int((Double(seconds) / 86_400).rounded(.down))
    }

    private func sweepArchive(_ path: String, days: Int, now: Date, into report: inout RetentionReport) {
        let today = Int((now.timeIntervalSince1970 / 86_400).rounded(.down))
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return }
        for name in names.sorted() {
            guard let day = Self.archiveDay(name), today - day > days else { continue }
            let folder = path + "/" + name
            let files = (try? FileManager.default.contentsOfDirectory(atPath: folder).count) ?? 0
            do {
                try FileManager.default.removeItem(atPath: folder)
                report.archiveFolders += 1
                report.archiveFiles += files
            } catch {
                report.errors.append("\(folder): \(error.localizedDescription)")
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
            // The reason's time is when the file failed; without one, the file's own.
            let st = (try? reasons.entryStat(name)) ?? (try? failed.entryStat(name))
            guard let st else { continue }
            if Double(st.st_mtim.tv_sec) < cutoff { old.append(name) }
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

    private func sweepIngestLog(days: Int, now: Date, into report: inout RetentionReport) {
        // Keep every row a file still in the spool could need: claimed a day or more before the
        // oldest claim there.
        var cutoff = now.timeIntervalSince1970 - Double(days) * 86_400
        if let stream = try? spool.spool.stream() {
            while let name = stream.next() {
                if let st = try? spool.spool.entryStat(name) {
                    cutoff = min(cutoff, Double(st.st_ctim.tv_sec) - 86_400)
                }
            }
        }
        do {
            let conn = try PostgresConnection(
                conninfo: databaseURL, applicationName: "newsd retention", connectTimeoutSeconds: connectTimeoutSeconds)
            defer { conn.close() }
            // In slices, so a long-neglected table does not hold one lock for minutes.
            while true {
                let deleted = try conn.query(
                    """
                    DELETE FROM ingest_log WHERE id IN (
                        SELECT id FROM ingest_log WHERE finished_at < to_timestamp(\(Int64(cutoff))) LIMIT 10000)
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
