import Foundation
import NewsCore
import PostgresClient

/// One file's result of parsing, ready to be recorded.
public struct IngestRecord: Sendable {
    /// What the file turned into.
    public enum Content: Sendable {
        case article(Article)
        case failure(IngestFailure)
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
    /// A new article row.
    case ingested(articleID: Int64)
    /// The article was already stored (same content hash).
    case duplicate(articleID: Int64)
    /// Recorded as a permanent failure.
    case failed(IngestFailure)
    /// This claim was already recorded by an earlier run that crashed before moving the file:
    /// nothing new was written; the file only needs to be moved as the recorded outcome says.
    case alreadyRecorded(outcome: String, articleID: Int64?, failure: IngestFailure?)
}

/// Writes batches of records: article rows and the per-file ingest log, one transaction a batch.
public enum ArticleStore {
    /// Writes `records` in one transaction and returns their outcomes in order.
    public static func write(_ records: [IngestRecord], on conn: PostgresConnection) throws -> [StoredOutcome] {
        try conn.withTransaction { tx in
            let recorded = try Self.recordedClaims(records.map(\.claimKey), tx)
            var outcomes: [StoredOutcome] = []
            outcomes.reserveCapacity(records.count)
            for record in records {
                if let previous = recorded[record.claimKey] {
                    outcomes.append(previous)
                    continue
                }
                let outcome = try Self.insert(record, tx)
                outcomes.append(outcome)
            }
            return outcomes
        }
    }

    private static func recordedClaims(_ keys: [String], _ tx: PostgresConnection) throws -> [String: StoredOutcome] {
        let rows = try tx.query(
            """
            SELECT claim_key, outcome, article_id, error_code, error_message
            FROM ingest_log WHERE claim_key = ANY(\(keys)::text[])
            """)
        var result: [String: StoredOutcome] = [:]
        for row in rows.rows {
            guard let key = row[0], let outcome = row[1] else { continue }
            let failure = row[3].flatMap { FailureCode(rawValue: $0) }.map { IngestFailure($0, row[4] ?? "") }
            result[key] = .alreadyRecorded(outcome: outcome, articleID: row[2].flatMap { Int64($0) }, failure: failure)
        }
        return result
    }

    private static func insert(_ record: IngestRecord, _ tx: PostgresConnection) throws -> StoredOutcome {
        let outcome: StoredOutcome
        switch record.content {
        case .article(let article):
            let hash = article.contentHash
            let inserted = try tx.query(
                """
                INSERT INTO articles (title, body, paragraph_count, word_count, content_hash, source_file)
                VALUES (\(article.title), \(article.body), \(article.paragraphs.count), \(article.wordCount), \(hash), \(record.fileName))
                ON CONFLICT (content_hash) DO NOTHING
                RETURNING id
                """)
            if let id = inserted.scalar.flatMap({ Int64($0) }) {
                outcome = .ingested(articleID: id)
            } else {
                let existing = try tx.query("SELECT id FROM articles WHERE content_hash = \(hash)")
                guard let id = existing.scalar.flatMap({ Int64($0) }) else {
                    throw PostgresError(code: .unexpectedResult, message: "article conflicted on content_hash but no row has it")
                }
                outcome = .duplicate(articleID: id)
            }
        case .failure(let failure):
            outcome = .failed(failure)
        }
        try log(record, outcome, tx)
        return outcome
    }

    private static func log(_ record: IngestRecord, _ outcome: StoredOutcome, _ tx: PostgresConnection) throws {
        var kind = "failed"
        var articleID: Int? = nil
        var failure: IngestFailure? = nil
        switch outcome {
        case .ingested(let id): kind = "ingested"; articleID = Int(id)
        case .duplicate(let id): kind = "duplicate"; articleID = Int(id)
        case .failed(let f): failure = f
        case .alreadyRecorded: return
        }
        let sha: PostgresBind = record.sha256.map { .bytes($0) } ?? .null
        try tx.query(
            """
            INSERT INTO ingest_log (claim_key, file_name, size_bytes, sha256, outcome, error_code,
                                    error_message, attempts, first_seen, article_id)
            VALUES (\(record.claimKey), \(record.fileName), \(record.sizeBytes), \(sha), \(kind),
                    \(failure?.code.rawValue), \(failure?.reason), \(record.attempts),
                    to_timestamp(\(String(record.firstSeen.timeIntervalSince1970))::float8), \(articleID))
            """)
    }
}
