import Foundation
import NewsCore
import NewsSystem

#if canImport(Glibc)
import Glibc
#endif

/// The bytes of a claimed file and what identifies this claim.
public struct ReadFile: Sendable {
    /// `dev:inode:ctime`; the rename into the spool set the ctime, so this is unique per claim.
    public var claimKey: String
    /// Size in bytes.
    public var size: Int
    /// The bytes, or why the file cannot be used.
    public var content: Result<[UInt8], IngestFailure>
    /// Set when reading failed for want of a resource (descriptors, memory), not because of
    /// the file: it stays claimed and is read again later.
    public var transientError: String? = nil

    /// Whether errno says the system ran short of something rather than that the file is bad.
    static func isResourceShortage(_ code: Int32) -> Bool {
        code == EMFILE || code == ENFILE || code == ENOMEM || code == ENOBUFS || code == ENOSPC || code == EAGAIN
    }
}

/// What decides a file's fate, shared by newsd and `newsctl explain` so the two cannot disagree:
/// how a file is read (`read`), then parsed and enriched (`FileProcessor`).
public enum FileIntake {
    /// Reads `name` in `dir`, never following a symlink, never opening anything but a regular
    /// file, never reading more than `maxBytes` (a sparse 1 GB file is refused by its size,
    /// unread). Returns nil if there is no such entry.
    public static func read(_ name: [UInt8], in dir: Directory, maxBytes: Int) -> ReadFile? {
        let st: stat
        do {
            guard let s = try dir.entryStat(name) else { return nil }
            st = s
        } catch {
            var r = ReadFile(claimKey: "unstatable:\(displayName(name))", size: 0,
                             content: .failure(IngestFailure(.unreadable, "cannot stat the file: \(error)")))
            if let e = error as? SystemError, ReadFile.isResourceShortage(e.errno) {
                r.transientError = "cannot stat \(displayName(name)): \(e.message)"
            }
            return r
        }
        let key = "\(st.st_dev):\(st.st_ino):\(st.st_ctim.tv_sec).\(st.st_ctim.tv_nsec)"
        let size = Int(st.st_size)
        func fail(_ code: FailureCode, _ reason: String) -> ReadFile {
            ReadFile(claimKey: key, size: size, content: .failure(IngestFailure(code, reason)))
        }
        switch st.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFLNK: return fail(.symlink, "the entry is a symbolic link; newsd never follows links")
        case S_IFDIR: return fail(.notRegularFile, "the entry is a directory, not a file")
        case S_IFIFO: return fail(.notRegularFile, "the entry is a FIFO, not a regular file")
        case S_IFSOCK: return fail(.notRegularFile, "the entry is a socket, not a regular file")
        default: return fail(.notRegularFile, "the entry is a device or other special file")
        }
        if size > maxBytes {
            return fail(.tooLarge, "the file is \(size) bytes, over the limit of \(maxBytes) (inbox.maxFileBytes)")
        }
        let fd: Int32
        do {
            fd = try withCString(name) { p in
                try syscall("openat", displayName(name)) { openat(dir.fd, p, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC) }
            }
        } catch let error as SystemError {
            switch error.errno {
            case ENOENT: return nil
            case let code where ReadFile.isResourceShortage(code):
                var r = fail(.unreadable, "cannot open the file: \(error.message)")
                r.transientError = "cannot open \(displayName(name)): \(error.message)"
                return r
            case ELOOP: return fail(.symlink, "the entry is a symbolic link; newsd never follows links")
            case ENXIO: return fail(.notRegularFile, "the entry is not a regular file")
            default: return fail(.unreadable, "cannot open the file: \(error.message)")
            }
        } catch {
            return fail(.unreadable, "cannot open the file: \(error)")
        }
        defer { close(fd) }
        // Read one byte past the limit to notice a file that grew after the stat.
        var bytes = [UInt8](repeating: 0, count: min(size, maxBytes) + 1)
        var total = 0
        while true {
            if total == bytes.count {
                if bytes.count > maxBytes { break }
                bytes.append(contentsOf: repeatElement(0, count: min(bytes.count, maxBytes + 1 - bytes.count)))
            }
            let n = bytes.withUnsafeMutableBytes { raw in Glibc.read(fd, raw.baseAddress! + total, raw.count - total) }
            if n < 0 {
                let code = errno
                if code == EINTR { continue }
                var r = fail(.unreadable, "cannot read the file: \(String(cString: strerror(code)))")
                if ReadFile.isResourceShortage(code) { r.transientError = "cannot read \(displayName(name)): \(String(cString: strerror(code)))" }
                return r
            }
            if n == 0 { break }
            total += n
        }
        if total > maxBytes {
            return fail(.tooLarge, "the file grew past the limit of \(maxBytes) bytes (inbox.maxFileBytes)")
        }
        bytes.removeSubrange(total...)
        return ReadFile(claimKey: key, size: total, content: .success(bytes))
    }
}

/// Parses a file's bytes and enriches each article, within `parser.maxSeconds`: what newsd's
/// workers do with a file and what `newsctl explain` shows.
public struct FileProcessor: Sendable {
    public var parser: DocumentParser
    public var enricher: Enricher
    /// `parser.maxSeconds`.
    public var maxSeconds: Double

    public init(parser: DocumentParser, enricher: Enricher, maxSeconds: Double) {
        self.parser = parser
        self.enricher = enricher
        self.maxSeconds = maxSeconds
    }

    /// The processor a configuration asks for: its junk rules, topic model and limits.
    public init(config: NewsdConfig) throws {
        self.init(
            parser: DocumentParser(junk: try JunkRules(patterns: config.junkPatterns)),
            enricher: try Enricher(config: config), maxSeconds: config.parserMaxSeconds)
    }

    /// The document, each article enriched, or why the file cannot become an article.
    public func process(_ bytes: [UInt8]) -> Result<ParsedDocument, IngestFailure> {
        do {
            // One allowance for the whole file: parsing and the enrichment of every record.
            let deadline = ParseDeadline(seconds: maxSeconds)
            var document = try parser.parse(bytes: bytes, deadline: deadline)
            for i in document.records.indices {
                guard case .success(var article) = document.records[i] else { continue }
                try deadline.check()
                article.enrichment = enricher.enrich(article)
                document.records[i] = .success(article)
            }
            return .success(document)
        } catch {
            return .failure(error)
        }
    }
}
