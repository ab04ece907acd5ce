import Foundation
import NewsCore
import NewsProtocol
import NewsSystem
import Synchronization

/// A file claimed from the inbox: it now lives in the spool under the same name.
public struct ClaimedFile: Sendable {
    /// The name as bytes (file names need not be UTF-8).
    public var name: [UInt8]
    /// The name as people see it.
    public var display: String
    /// When this process claimed it, or found it in the spool at start-up.
    public var claimedAt: Date
    /// Processing attempts so far.
    public var attempts: Int
    /// Whether it was left claimed by an earlier run.
    public var recovered: Bool
}

/// The folders a file passes through, Maildir style: it is claimed from the inbox by an atomic
/// rename into the spool (same filesystem), and leaves the spool, by another rename, into the
/// archive or failed/, or is deleted, only after its database transaction committed.
public final class Spool: Sendable {
    /// The inbox as opened now: `reopenInbox` replaces it when the path names another directory
    /// (the inbox was replaced or moved away under newsd).
    public var inbox: Directory { inboxDirectory.withLock { $0 } }
    private let inboxDirectory: Mutex<Directory>
    /// Where the inbox is (`inbox.path`).
    public let inboxPath: String
    public let spool: Directory
    /// failed/ as opened now: `checkStateFolders` opens it again (making it if need be) when
    /// its path names another directory or none.
    public var failed: Directory { failedDirectory.withLock { $0 } }
    private let failedDirectory: Mutex<Directory>
    private let failedPath: String
    /// `failed/.reasons`: one JSON sidecar per failed file, under the failed file's own name. A
    /// folder of their own, so no input file can be mistaken for a reason (a failed `x.json`
    /// beside a failed `x`) and a 255-byte name needs no suffix that would not fit.
    public var reasons: Directory { reasonsDirectory.withLock { $0 } }
    private let reasonsDirectory: Mutex<Directory>
    public let archive: Directory?
    /// Where the archive is (`archive.path`), to recreate it or a day's folder if removed.
    private let archivePath: String
    public let maxFileBytes: Int
    /// The archive folder of the current UTC day (days since 1970), so a file's move does not
    /// format a date.
    private let currentArchiveDay = Mutex<(day: Int, dir: Directory)?>(nil)

    /// Opens (creating) the folders and checks that the inbox and spool share a filesystem.
    public init(config: NewsdConfig) throws {
        let inbox = try Directory(path: config.inboxPath, mode: 0o770)
        inboxDirectory = Mutex(inbox)
        inboxPath = config.inboxPath
        spool = try Directory(path: config.spoolPath)
        let failed = try Directory(path: config.failedPath)
        failedDirectory = Mutex(failed)
        failedPath = config.failedPath
        reasonsDirectory = Mutex(try failed.subdirectory(Self.reasonsFolder))
        archive = config.archiveMode == .archive ? try Directory(path: config.archivePath) : nil
        archivePath = config.archivePath
        maxFileBytes = config.maxFileBytes
        if try inbox.device() != spool.device() {
            throw SystemError(
                call: "claim", errno: Errno.crossDeviceLink,
                context: "inbox \(config.inboxPath) and spool \(config.spoolPath) must be on the same filesystem")
        }
    }

    /// What the inbox path names now, against the directory newsd has open.
    public enum InboxCheck: Sendable, Equatable {
        /// The path names the open directory.
        case same
        /// Nothing, or something other than a directory, is at the path.
        case missing(String)
        /// Another directory is at the path (replaced, or the old one moved away): reopened.
        case reopened
        /// Another directory is there but cannot be used (another filesystem, no access).
        case unusable(String)
    }

    /// Compares the inbox path's (device, inode) with the open directory's and opens the new
    /// directory if they differ. newsd watches the path, not an inode.
    public func checkInbox() -> InboxCheck {
        let atPath: FileStatus
        do {
            atPath = try FileSystem.status(atPath: inboxPath)
        } catch {
            return .missing("\(inboxPath): \(error.message)")
        }
        guard atPath.kind == .directory else { return .missing("\(inboxPath) is not a directory") }
        if let open = try? inbox.status(), open.isSameFile(as: atPath) { return .same }
        do {
            let fresh = try Directory(path: inboxPath, create: false)
            guard try fresh.device() == spool.device() else {
                return .unusable("\(inboxPath) is now on another filesystem than the spool \(spool.path)")
            }
            inboxDirectory.withLock { $0 = fresh }
            return .reopened
        } catch {
            return .unusable("\(error)")
        }
    }

    /// Follows failed/ by path (moved away or removed: made again and opened, so failures land
    /// where the operator looks), and reports a spool that is no longer at its path, which newsd
    /// cannot follow: the files claimed there are out of its reach until a restart. Returns
    /// the problems for status, and what was done for the log.
    public func checkStateFolders() -> (problems: [String], reopened: [String]) {
        var problems: [String] = []
        var reopened: [String] = []
        if !failed.isNamed(by: failedPath) {
            do {
                let fresh = try Directory(path: failedPath)
                let reasons = try fresh.subdirectory(Self.reasonsFolder)
                failedDirectory.withLock { $0 = fresh }
                reasonsDirectory.withLock { $0 = reasons }
                reopened.append(failedPath)
            } catch {
                problems.append("failed/: \(error)")
            }
        }
        if !spool.isNamed(by: spool.path) {
            problems.append(
                "spool: \(spool.path) was removed or replaced under newsd; nothing more is claimed until newsd is restarted (files claimed in the old folder are out of its reach)")
        }
        return (problems, reopened)
    }

    /// The outcome of trying to claim a name.
    public enum ClaimResult: Sendable, Equatable {
        /// It is now in the spool.
        case claimed
        /// It is gone (another daemon took it, or it was removed).
        case vanished
        /// A file of the same name is still being processed; try again later.
        case busy
    }

    /// Atomically moves `name` from the inbox into the spool.
    public func claim(_ name: [UInt8]) throws(SystemError) -> ClaimResult {
        do {
            try renameNoReplace(inbox, name, spool, name)
            return .claimed
        } catch {
            switch error.errno {
            case Errno.noSuchFileOrDirectory: return .vanished
            case Errno.fileExists: return .busy
            default: throw error
            }
        }
    }

    /// Reads a claimed file, never following a symlink and never reading more than the limit.
    /// Returns nil if the file is no longer in the spool.
    public func read(_ name: [UInt8]) -> ReadFile? {
        FileIntake.read(name, in: spool, maxBytes: maxFileBytes)
    }

    /// After commit: moves the file into today's archive folder, or deletes it.
    /// Returns where it went (for the log), or nil if it was deleted.
    @discardableResult
    public func finishCommitted(_ name: [UInt8], now: Date = Date()) throws -> String? {
        guard archive != nil else {
            try spool.removeEntry(name)
            return nil
        }
        let day = Int((now.timeIntervalSince1970 / 86_400).rounded(.down))
        for attempt in 0..<2 {
            let dir = try currentArchiveDay.withLock { current throws -> Directory in
                if attempt == 0, let current, current.day == day { return current.dir }
                // By path, creating what is missing: the dated folder (or the archive itself)
                // may have been moved away or deleted since it was opened.
                let d = try Directory(path: archivePath + "/" + Self.day(now))
                current = (day, d)
                return d
            }
            do {
                let final = try moveUnique(name, to: dir)
                return dir.path + "/" + displayName(final)
            } catch let error as SystemError where error.errno == Errno.noSuchFileOrDirectory {
                // The spool file is gone (deleted after it was read): its article is committed,
                // so the file is finished. Otherwise the archive folder is: open it anew, once.
                if !spool.contains(name) { return "vanished from the spool" }
                if attempt == 1 { throw error }
            }
        }
        return nil
    }

    /// The folder of failed files' reasons, inside failed/.
    public static let reasonsFolder = ".reasons"

    /// Permanent failure: writes the reason to `failed/.reasons/NAME` and moves the file to
    /// `failed/NAME` (`NAME~XXXXXXXXXXXX` if that is taken). Returns the name in failed/.
    @discardableResult
    public func finishFailed(
        _ file: ClaimedFile, failure: IngestFailure, size: Int, sha256: [UInt8]?, now: Date = Date()
    ) throws -> [UInt8] {
        var candidate = file.name
        for attempt in 0..<8 {
            if attempt > 0 || failed.contains(candidate) { candidate = Self.uniqueName(file.name) }
            let sidecar = FailedSidecar(
                file: displayName(candidate), originalName: file.display, code: failure.code.rawValue,
                reason: failure.reason, firstSeen: Self.iso(file.claimedAt), failedAt: Self.iso(now),
                attempts: file.attempts, sizeBytes: size, sha256: sha256.map(hexString))
            try writeSidecar(sidecar, name: candidate)
            do {
                try renameNoReplace(spool, file.name, failed, candidate)
                return candidate
            } catch {
                _ = try? reasons.removeEntry(candidate)
                // Gone from the spool (finished before a crash, or deleted by hand): nothing to move.
                if error.errno == Errno.noSuchFileOrDirectory && !spool.contains(file.name) { return candidate }
                if error.errno == Errno.fileExists { continue }
                throw error
            }
        }
        throw SystemError(call: "renameat2", errno: Errno.fileExists, context: failed.path + ": no free name for " + file.display)
    }

    /// Writes a sidecar under a temporary name and renames it over any stale one of the name.
    private func writeSidecar(_ sidecar: FailedSidecar, name: [UInt8]) throws {
        do {
            try writeSidecar(sidecar, name: name, in: reasons)
        } catch let error as SystemError where error.errno == Errno.noSuchFileOrDirectory {
            // failed/.reasons was removed: make it again and write there.
            let fresh = try failed.subdirectory(Self.reasonsFolder)
            reasonsDirectory.withLock { $0 = fresh }
            try writeSidecar(sidecar, name: name, in: fresh)
        }
    }

    private func writeSidecar(_ sidecar: FailedSidecar, name: [UInt8], in reasons: Directory) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var data = Array(try encoder.encode(sidecar))
        data.append(0x0A)
        let tmp = Self.uniqueName([0x2E] + name)
        do {
            let file = try reasons.createFile(tmp, mode: 0o640)
            try file.writeAll(data)
        }
        try reasons.renameEntry(tmp, to: name)
    }

    /// Moves a spool file into `dir` under its name, or a unique one if that is taken: one
    /// rename in the usual case, two when the name is taken, never a search through `name.1`,
    /// `name.2`, ….
    func moveUnique(_ name: [UInt8], from: Directory? = nil, to dir: Directory) throws -> [UInt8] {
        let source = from ?? spool
        var candidate = name
        for _ in 0..<8 {
            do {
                try renameNoReplace(source, name, dir, candidate)
                return candidate
            } catch {
                if error.errno != Errno.fileExists { throw error }
                candidate = Self.uniqueName(name)
            }
        }
        throw SystemError(call: "renameat2", errno: Errno.fileExists, context: dir.path + ": no free name for " + displayName(name))
    }

    /// `name~` and 12 random hex digits, the name shortened so the whole fits NAME_MAX (255 bytes)
    /// and cut only at a UTF-8 character boundary.
    static func uniqueName(_ name: [UInt8]) -> [UInt8] {
        var token = "~"
        for _ in 0..<12 { token += String(UInt8.random(in: 0..<16), radix: 16) }
        return fit(name, suffix: Array(token.utf8))
    }

    /// `name` + `suffix`, `name` cut (at a character boundary) so the result is at most 255 bytes.
    static func fit(_ name: [UInt8], suffix: [UInt8]) -> [UInt8] {
        let room = 255 - suffix.count
        guard name.count > room else { return name + suffix }
        var end = room
        while end > 0, name[end] & 0xC0 == 0x80 { end -= 1 }  // not inside a UTF-8 sequence
        return Array(name[..<end]) + suffix
    }

    static func day(_ date: Date) -> String {
        let (year, month, day) = utcDate(secondsSince1970: Int(date.timeIntervalSince1970))
        return String(format: "%04d-%02d-%02d", year, month, day)
    }

    static func iso(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
