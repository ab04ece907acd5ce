import Foundation
import NewsCore
import NewsSystem

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
}

/// What decides a file's fate, shared by newsd and `newsctl explain` so the two cannot disagree:
/// how a file is read (`read`), then parsed and enriched (`FileProcessor`).
public enum FileIntake {
    /// Reads `name` in `dir`, never following a symlink, never opening anything but a regular
    /// file, never reading more than `maxBytes` (a sparse 1 GB file is refused by its size,
    /// unread). Returns nil if there is no such entry.
    public static func read(_ name: [UInt8], in dir: Directory, maxBytes: Int) -> ReadFile? {
        let st: FileStatus
        do {
            guard let s = try dir.entryStatus(name) else { return nil }
            st = s
        } catch {
            var r = ReadFile(claimKey: "unstatable:\(displayName(name))", size: 0,
                             content: .failure(IngestFailure(.unreadable, "cannot stat the file: \(error)")))
            if error.isResourceShortage {
                r.transientError = "cannot stat \(displayName(name)): \(error.message)"
            }
            return r
        }
        let key = "\(st.device):\(st.inode):\(st.changed.seconds).\(st.changed.nanoseconds)"
        let size = Int(st.size)
        func fail(_ code: FailureCode, _ reason: String) -> ReadFile {
            ReadFile(claimKey: key, size: size, content: .failure(IngestFailure(code, reason)))
        }
        switch st.kind {
        case .regular: break
        case .symbolicLink: return fail(.symlink, "the entry is a symbolic link; newsd never follows links")
        case .directory: return fail(.notRegularFile, "the entry is a directory, not a file")
        case .fifo: return fail(.notRegularFile, "the entry is a FIFO, not a regular file")
        case .socket: return fail(.notRegularFile, "the entry is a socket, not a regular file")
        case .other: return fail(.notRegularFile, "the entry is a device or other special file")
        }
        if size > maxBytes {
            return fail(.tooLarge, "the file is \(size) bytes, over the limit of \(maxBytes) (inbox.maxFileBytes)")
        }
        let file: OpenFile
        do {
            file = try dir.openForReading(name)
        } catch {
            switch error.errno {
            case Errno.noSuchFileOrDirectory: return nil
            case _ where error.isResourceShortage:
                var r = fail(.unreadable, "cannot open the file: \(error.message)")
                r.transientError = "cannot open \(displayName(name)): \(error.message)"
                return r
            case Errno.tooManySymbolicLinkLevels: return fail(.symlink, "the entry is a symbolic link; newsd never follows links")
            case Errno.noSuchAddressOrDevice: return fail(.notRegularFile, "the entry is not a regular file")
            default: return fail(.unreadable, "cannot open the file: \(error.message)")
            }
        }
        // Read one byte past the limit to notice a file that grew after the stat.
        var bytes = [UInt8](repeating: 0, count: min(size, maxBytes) + 1)
        var total = 0
        while true {
            if total == bytes.count {
                if bytes.count > maxBytes { break }
                bytes.append(contentsOf: repeatElement(0, count: min(bytes.count, maxBytes + 1 - bytes.count)))
            }
            let n: Int
            do {
                n = try file.read(into: &bytes, from: total)
            } catch {
                var r = fail(.unreadable, "cannot read the file: \(error.message)")
                if error.isResourceShortage { r.transientError = "cannot read \(displayName(name)): \(error.message)" }
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
