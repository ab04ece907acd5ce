import Foundation
import NewsCore

/// One file's result of parsing, ready to be recorded.
public struct IngestRecord: Sendable {
    /// What the file turned into.
    public enum Content: Sendable {
        /// A parsed file: its articles, in order, and the records that failed.
        case document(format: DocumentFormat, articles: [Article], recordFailures: [RecordFailure])
        /// The whole file failed.
        case failure(IngestFailure)

        /// A file holding one article.
        public static func article(_ a: Article, format: DocumentFormat = .plainText) -> Content {
            .document(format: format, articles: [a], recordFailures: [])
        }
    }

    /// A record of a multi-record file that could not be used.
    public struct RecordFailure: Sendable, Equatable {
        /// Its position in the file, from 0.
        public var index: Int
        /// Why.
        public var failure: IngestFailure

        /// Creates a record failure.
        public init(index: Int, failure: IngestFailure) {
            self.index = index
            self.failure = failure
        }
    }

    /// Identifies this claim of this file across restarts (`dev:inode:ctime` after the claim).
    public var claimKey: String
    /// The file name as shown to people.
    public var fileName: String
    /// Bytes read.
    public var sizeBytes: Int
    /// SHA-256 of the file's bytes, when it could be read.
    public var sha256: [UInt8]?
    /// When newsd claimed the file.
    public var firstSeen: Date
    /// Processing attempts so far, this one included.
    public var attempts: Int
    /// The article or the failure.
    public var content: Content
    /// Whether an earlier run may have recorded this claim already: the file was found in the
    /// spool at start-up. A claim this process made can be in the ingest log only if this process
    /// wrote it (a batch committed but its COMMIT's answer was lost); writing it again then fails
    /// on the unique claim key, and the batch is written again with every claim looked up.
    public var mayBeRecorded = true
    /// The articles' rows, made by the writer when the record is handed to it
    /// (`BatchWriter.submit`, on the parse worker's thread), so a writer lane does not hash,
    /// count and serialize while the database waits.
    public internal(set) var rows: [ArticleRow]? = nil

    /// Creates a record.
    public init(claimKey: String, fileName: String, sizeBytes: Int, sha256: [UInt8]?, firstSeen: Date, attempts: Int, content: Content) {
        self.claimKey = claimKey
        self.fileName = fileName
        self.sizeBytes = sizeBytes
        self.sha256 = sha256
        self.firstSeen = firstSeen
        self.attempts = attempts
        self.content = content
    }
}

/// What the database made of one record.
public enum StoredOutcome: Sendable, Equatable {
    /// The file's articles, in order: each a new row, or an existing one with the same content.
    case stored([StoredArticle])
    /// Recorded as a permanent failure.
    case failed(IngestFailure)
    /// This claim was already recorded by an earlier run that crashed before moving the file:
    /// nothing new was written; the file only needs to be moved as the recorded outcome says.
    case alreadyRecorded(outcome: String, articleID: Int64?, failure: IngestFailure?)
}

/// One article of a stored file.
public struct StoredArticle: Sendable, Equatable {
    /// The row's id.
    public var id: Int64
    /// False when an article with the same content hash was already stored.
    public var isNew: Bool

    /// Creates a value.
    public init(id: Int64, isNew: Bool) {
        self.id = id
        self.isNew = isNew
    }
}

extension StoredOutcome {
    /// Shorthand for a file that added one new article.
    public static func ingested(articleID: Int64) -> StoredOutcome { .stored([StoredArticle(id: articleID, isNew: true)]) }
    /// Shorthand for a file whose one article was already stored.
    public static func duplicate(articleID: Int64) -> StoredOutcome { .stored([StoredArticle(id: articleID, isNew: false)]) }
}

extension IngestRecord {
    /// About how many bytes this record holds until it is written: each article's text three
    /// times (title and body, paragraphs, the row's values) and a fixed share for the structures
    /// around it (enrichment, row values, strings' headers). Measured by `ingest-bench
    /// --big-ndjson` (docs/GUARANTEES.md).
    public var estimatedBytes: Int {
        guard case .document(_, let articles, let failures) = content else { return 1024 }
        var n = 1024 + failures.count * 256
        for a in articles { n += 1536 + 3 * (a.title.utf8.count + a.bodyUTF8Count) }
        return n
    }

    /// Makes the articles' rows now (see `rows`).
    public mutating func makeRows() {
        guard case .document(let format, let articles, _) = content else { return }
        rows = articles.enumerated().map { ArticleRow($1, format: format, index: $0, file: fileName) }
    }
}
