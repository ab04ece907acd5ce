import Foundation
import NewsCore
import PostgresClient

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

/// Writes batches of records: article rows and the per-file ingest log, one transaction a batch.
public enum ArticleStore {
    /// Writes `records` in one transaction and returns their outcomes in order.
    /// With a tracker, new articles get `duplicate_of` their nearest earlier near-duplicate.
    public static func write(
        _ records: [IngestRecord], on conn: PostgresConnection, duplicates: NearDuplicateTracker? = nil
    ) throws -> [StoredOutcome] {
        duplicates?.rollback()
        do {
            let outcomes = try write(records, conn, duplicates)
            duplicates?.commit()
            return outcomes
        } catch {
            duplicates?.rollback()
            throw error
        }
    }

    private static func write(
        _ records: [IngestRecord], _ conn: PostgresConnection, _ duplicates: NearDuplicateTracker?
    ) throws -> [StoredOutcome] {
        try conn.withTransaction { tx in
            let recorded = try Self.recordedClaims(records.map(\.claimKey), tx)
            var outcomes: [StoredOutcome] = []
            outcomes.reserveCapacity(records.count)
            for record in records {
                if let previous = recorded[record.claimKey] {
                    outcomes.append(previous)
                    continue
                }
                let outcome = try Self.insert(record, duplicates, tx)
                outcomes.append(outcome)
            }
            try notify(outcomes, tx)
            return outcomes
        }
    }

    /// The channel newsd NOTIFYs after each committed batch that stored new articles.
    public static let notifyChannel = "newsd_articles"

    /// `NOTIFY newsd_articles, '{"ids":[…]}'` with the batch's new article ids, inside the
    /// transaction, so listeners hear of them only once they are committed (and never for a
    /// rolled-back batch). Payloads stay under PostgreSQL's 8,000-byte limit: large batches
    /// send several.
    private static func notify(_ outcomes: [StoredOutcome], _ tx: PostgresConnection) throws {
        var ids: [Int64] = []
        for case .stored(let articles) in outcomes { ids += articles.filter(\.isNew).map(\.id) }
        var start = 0
        while start < ids.count {
            let chunk = ids[start..<min(ids.count, start + 300)]
            try tx.query("SELECT pg_notify(\(notifyChannel), \("{\"ids\":[" + chunk.map(String.init).joined(separator: ",") + "]}"))")
            start += 300
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

    private static func insert(_ record: IngestRecord, _ duplicates: NearDuplicateTracker?, _ tx: PostgresConnection) throws -> StoredOutcome {
        let outcome: StoredOutcome
        switch record.content {
        case .document(let format, let articles, _):
            var stored: [StoredArticle] = []
            for (index, article) in articles.enumerated() {
                stored.append(try insertArticle(article, format: format, index: index, file: record.fileName, duplicates, tx))
            }
            outcome = .stored(stored)
        case .failure(let failure):
            outcome = .failed(failure)
        }
        try log(record, outcome, tx)
        return outcome
    }

    private static func insertArticle(
        _ article: Article, format: DocumentFormat, index: Int, file: String, _ duplicates: NearDuplicateTracker?,
        _ tx: PostgresConnection
    ) throws -> StoredArticle {
        let hash = article.contentHash
        let m = article.metadata
        let e = article.enrichment
        let published = m.publishedAt.map { String($0.timeIntervalSince1970) }
        let topic = e?.topic
        let scores = try topic.map { String(decoding: try JSONSerialization.data(withJSONObject: $0.scores, options: [.sortedKeys]), as: UTF8.self) }
        let keywords: PostgresBind = e.map { .textArray($0.keywords) } ?? .null
        let simhash = e.map { Int(Int64(bitPattern: $0.simhash)) }
        let comparable = e != nil && article.wordCount >= NearDuplicateTracker.minimumWords
        let duplicateOf = comparable ? duplicates?.match(e!.simhash).map { Int($0) } : nil
        let inserted = try tx.query(
            """
            INSERT INTO articles (title, body, paragraph_count, word_count, content_hash, source_file,
                                  url, published_at, author, source, language, format, record_index,
                                  category, confidence, scores, model_id, classified_at, keywords, simhash, duplicate_of)
            VALUES (\(article.title), \(article.body), \(article.paragraphs.count), \(article.wordCount), \(hash), \(file),
                    \(m.url), to_timestamp(\(published)::float8), \(m.author), \(m.source), \(e?.language ?? m.language),
                    \(format.rawValue), \(index),
                    \(topic?.category), \(topic.map { String($0.confidence) })::real, \(scores)::jsonb, \(topic?.modelID),
                    CASE WHEN \(topic != nil) THEN now() END, \(keywords)::text[], \(simhash),
                    (SELECT id FROM articles WHERE id = \(duplicateOf)))
            ON CONFLICT (content_hash) DO NOTHING
            RETURNING id
            """)
        if let id = inserted.scalar.flatMap({ Int64($0) }) {
            if let e {
                try insertEntities(e.entities, article: id, tx)
                if comparable { duplicates?.add(e.simhash, id: id) }
            }
            return StoredArticle(id: id, isNew: true)
        }
        let existing = try tx.query("SELECT id FROM articles WHERE content_hash = \(hash)")
        guard let id = existing.scalar.flatMap({ Int64($0) }) else {
            throw PostgresError(code: .unexpectedResult, message: "article conflicted on content_hash but no row has it")
        }
        return StoredArticle(id: id, isNew: false)
    }

    static func insertEntities(_ entities: [NamedEntity], article id: Int64, _ tx: PostgresConnection) throws {
        guard !entities.isEmpty else { return }
        try tx.query(
            """
            INSERT INTO article_entities (article_id, kind, name, mentions)
            SELECT \(Int(id)), k, n, m::integer
            FROM unnest(\(entities.map(\.kind.rawValue))::text[], \(entities.map(\.name))::text[], \(entities.map { String($0.mentions) })::text[]) AS e(k, n, m)
            ON CONFLICT DO NOTHING
            """)
    }

    private static func log(_ record: IngestRecord, _ outcome: StoredOutcome, _ tx: PostgresConnection) throws {
        var kind = "failed"
        var ids: [Int64] = []
        var failure: IngestFailure? = nil
        var format: String? = nil
        var recordErrors: String? = nil
        switch outcome {
        case .stored(let articles):
            kind = articles.contains(where: \.isNew) ? "ingested" : "duplicate"
            ids = articles.map(\.id)
        case .failed(let f): failure = f
        case .alreadyRecorded: return
        }
        if case .document(let f, _, let failures) = record.content {
            format = f.rawValue
            if !failures.isEmpty {
                let list = failures.map { ["index": $0.index, "code": $0.failure.code.rawValue, "reason": $0.failure.reason] as [String: Any] }
                recordErrors = String(decoding: try JSONSerialization.data(withJSONObject: list, options: [.sortedKeys]), as: UTF8.self)
            }
        }
        let sha: PostgresBind = record.sha256.map { .bytes($0) } ?? .null
        let idList: PostgresBind = ids.isEmpty ? .null : .textArray(ids.map(String.init))
        try tx.query(
            """
            INSERT INTO ingest_log (claim_key, file_name, size_bytes, sha256, outcome, error_code,
                                    error_message, attempts, first_seen, article_id, article_ids, format, record_errors)
            VALUES (\(record.claimKey), \(record.fileName), \(record.sizeBytes), \(sha), \(kind),
                    \(failure?.code.rawValue), \(failure?.reason), \(record.attempts),
                    to_timestamp(\(String(record.firstSeen.timeIntervalSince1970))::float8), \(ids.first.map { Int($0) }),
                    \(idList)::bigint[], \(format), \(recordErrors)::jsonb)
            """)
    }
}
