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
    /// Whether an earlier run may have recorded this claim already: the file was found in the
    /// spool at start-up. A claim this process made can be in the ingest log only if this process
    /// wrote it (a batch committed but its COMMIT's answer was lost); writing it again then fails
    /// on the unique claim key, and the batch is written again with every claim looked up.
    public var mayBeRecorded = true
    /// The articles' column values, computed by `prepare()` on a parse worker so the single
    /// database writer does not hash, count and serialize while the database waits.
    public internal(set) var prepared: [ArticleStore.Row]? = nil

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
        for a in articles { n += 1536 + 3 * (a.title.utf8.count + a.body.utf8.count) }
        return n
    }

    /// Computes the articles' column values now (see `prepared`).
    public mutating func prepare() {
        guard case .document(let format, let articles, _) = content else { return }
        prepared = articles.enumerated().map { ArticleStore.Row($1, format: format, index: $0, file: fileName) }
    }
}

/// Writes batches of records: article rows and the per-file ingest log, one transaction a batch.
public enum ArticleStore {
    /// How the article rows travel.
    public enum Method: Sendable {
        /// COPY of the rows not stored yet, with ids drawn from the sequence first: the fastest.
        /// When another writer stores the same content at the same moment, the COPY fails and
        /// the batch is written again with `.insert`.
        case copy
        /// One INSERT … ON CONFLICT DO NOTHING of every row.
        case insert
    }

    /// The `work_mem` a writer's session needs at least: a writer whose insert finds the search
    /// index's pending list over its limit (16 MB, migration 6) merges the list into the index,
    /// in as many passes as its work_mem needs to hold the list's words. At PostgreSQL's 4 MB
    /// default the larger list saved nothing.
    public static let writerWorkMem = "64MB"

    /// Sets up a writer's session: raises `work_mem` to `writerWorkMem` unless the server or the
    /// connection string already gives it more. Returns the session's `work_mem`.
    @discardableResult
    public static func prepareWriterSession(_ conn: PostgresConnection) throws -> String {
        try conn.query(
            """
            SELECT set_config('work_mem', \(writerWorkMem), false)
            WHERE pg_size_bytes(current_setting('work_mem')) < pg_size_bytes(\(writerWorkMem))
            """)
        // A writer waiting on a lock someone holds (LOCK TABLE, a long ALTER) gives up after
        // 10 s: the batch is retried with backoff, and status says why instead of "connected".
        // An operator's own lock_timeout (connection string, role, server) is kept.
        try conn.query("SELECT set_config('lock_timeout', '10s', false) WHERE current_setting('lock_timeout') = '0'")
        return try conn.query("SELECT current_setting('work_mem')").scalar ?? ""
    }

    /// `date` as timestamptz input text (UTC, microseconds).
    static func timestampText(_ date: Date) -> String {
        var seconds = time_t(floor(date.timeIntervalSince1970))
        let micros = Int((date.timeIntervalSince1970 - Double(seconds)) * 1_000_000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ v: Int32, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        let m = String(micros)
        // PostgreSQL has no year 0: the year before 1 AD is 1 BC.
        let year = parts.tm_year + 1900
        return "\(pad(year > 0 ? year : 1 - year, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2)) "
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))."
            + String(repeating: "0", count: max(0, 6 - m.count)) + m + "+00" + (year > 0 ? "" : " BC")
    }

    /// One article's values for the `articles` row, as text in its column order: the form COPY
    /// takes, which the INSERT fallback casts.
    public struct Row: Sendable {
        /// `\x` and the content hash in hex.
        var hash: String
        var wordCount: Int
        var values: [String?]

        /// Index in `values` of `classified_at`, held as `t`/`f` until the write stamps it.
        static let classifiedColumn = 19

        init(_ article: Article, format: DocumentFormat, index: Int, file: String) {
            let m = article.metadata
            let e = article.enrichment
            let body = article.body
            hash = "\\x" + hexString(Article.contentHash(title: article.title, body: body))
            wordCount = article.wordCount
            let scores = e?.topic.map { Self.json($0.scores) }
            values = [
                article.title, body, String(article.paragraphs.count), String(wordCount), hash, file,
                m.url, m.publishedAt.map(ArticleStore.timestampText), m.author, m.source, e?.language ?? m.language,
                format.rawValue, String(index), e?.topic?.category, e?.topic.map { String($0.confidence) }, scores, e?.topic?.modelID,
                e.map { CopyText.arrayLiteral($0.keywords) }, e.map { String(Int64(bitPattern: $0.simhash)) },
                e?.topic == nil ? "f" : "t",
            ]
        }

        /// The `articles` columns COPY fills, in order.
        static let copyColumns: [StaticString] = [
            "id", "title", "body", "paragraph_count", "word_count", "content_hash", "source_file", "url", "published_at",
            "author", "source", "language", "format", "record_index", "category", "confidence", "scores", "model_id",
            "keywords", "simhash", "classified_at", "duplicate_of",
        ]

        /// Appends this row to a COPY buffer.
        func copy(to out: inout CopyText, id: Int64, classifiedAt: String, duplicateOf: Int64?) {
            out.append(String(id))
            for (c, v) in values.enumerated() {
                out.append(c == Self.classifiedColumn ? (v == "t" ? classifiedAt : nil) : v)
            }
            out.append(duplicateOf.map { String($0) })
            out.endRow()
        }

        /// Label probabilities as a JSON object, keys sorted.
        static func json(_ scores: [String: Double]) -> String {
            // Written by hand, as bytes: JSONSerialization's Any-based path cost more than the
            // rest of the row, and appending to a String re-checks its storage at every step.
            var out: [UInt8] = []
            out.reserveCapacity(2 + 32 * scores.count)
            out.append(UInt8(ascii: "{"))
            for (i, entry) in scores.sorted(by: { $0.key < $1.key }).enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                if entry.key.utf8.allSatisfy({ $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) {
                    out.append(UInt8(ascii: "\""))
                    out.append(contentsOf: entry.key.utf8)
                    out.append(UInt8(ascii: "\""))
                } else {
                    out.append(contentsOf: jsonString(entry.key).utf8)
                }
                out.append(UInt8(ascii: ":"))
                out.append(contentsOf: entry.value.isFinite ? entry.value.description.utf8 : "null".utf8)
            }
            out.append(UInt8(ascii: "}"))
            return String(decoding: out, as: UTF8.self)
        }

        /// `text` as a JSON string literal.
        static func jsonString(_ text: String) -> String {
            var out = "\""
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\t": out += "\\t"
                default:
                    if scalar.value < 0x20 {
                        out += String(format: "\\u%04x", scalar.value)
                    } else {
                        out.unicodeScalars.append(scalar)
                    }
                }
            }
            return out + "\""
        }
    }

    /// Writes `records` in one transaction and returns their outcomes in order.
    /// With a tracker, new articles get `duplicate_of` their nearest earlier near-duplicate.
    public static func write(
        _ records: [IngestRecord], on conn: PostgresConnection, duplicates: NearDuplicateTracker? = nil,
        method: Method = .copy
    ) throws -> [StoredOutcome] {
        do {
            return try write(records, on: conn, duplicates: duplicates, copying: method == .copy, everyClaim: false)
        } catch let error where [uniqueViolation, foreignKeyViolation].contains(error.postgresError?.sqlState) {
            // Another writer stored the same content (or an operator deleted a near-duplicate
            // target) since this batch looked, or a claim not looked up was recorded already:
            // INSERT … ON CONFLICT with every claim looked up sorts that out.
            return try write(records, on: conn, duplicates: duplicates, copying: false, everyClaim: true)
        }
    }

    static let uniqueViolation = "23505"
    static let foreignKeyViolation = "23503"

    private static func write(
        _ records: [IngestRecord], on conn: PostgresConnection, duplicates: NearDuplicateTracker?, copying: Bool,
        everyClaim: Bool
    ) throws -> [StoredOutcome] {
        // The tracker is held from the near-duplicate matching until COMMIT or ROLLBACK returns.
        var acquired = false
        do {
            let outcomes = try write(records, conn, duplicates, copying, everyClaim, &acquired)
            if acquired { duplicates?.commit() }
            return outcomes
        } catch {
            if acquired { duplicates?.rollback() }
            throw error
        }
    }

    private static func write(
        _ records: [IngestRecord], _ conn: PostgresConnection, _ duplicates: NearDuplicateTracker?, _ copying: Bool,
        _ everyClaim: Bool, _ acquired: inout Bool
    ) throws -> [StoredOutcome] {
        try conn.withTransaction { tx in
            let recorded = try Self.recordedClaims(records.filter { everyClaim || $0.mayBeRecorded }.map(\.claimKey), tx)
            // Every article of the batch's new files, in file order: one INSERT for all of them.
            var rows: [(record: Int, article: Article, row: Row)] = []
            for (r, record) in records.enumerated() where recorded[record.claimKey] == nil {
                if case .document(let format, let articles, _) = record.content {
                    for (i, a) in articles.enumerated() {
                        rows.append((r, a, record.prepared?[i] ?? Row(a, format: format, index: i, file: record.fileName)))
                    }
                }
            }
            let (stored, fresh) = try insertArticles(rows.map { ($0.article, $0.row) }, duplicates, copying, tx)
            var perRecord = [[StoredArticle]](repeating: [], count: records.count)
            for (k, row) in rows.enumerated() { perRecord[row.record].append(stored[k]) }
            var outcomes: [StoredOutcome] = []
            outcomes.reserveCapacity(records.count)
            for (r, record) in records.enumerated() {
                if let previous = recorded[record.claimKey] {
                    outcomes.append(previous)
                } else if case .failure(let failure) = record.content {
                    outcomes.append(.failed(failure))
                } else {
                    outcomes.append(.stored(perRecord[r]))
                }
            }
            try logAll(records, outcomes, copying, tx)
            if let duplicates, !fresh.isEmpty {
                duplicates.acquire()
                acquired = true
                try linkNearDuplicates(fresh, duplicates, tx)
            }
            try notify(outcomes, tx)
            return outcomes
        }
    }

    /// Inserts the articles in one statement (ON CONFLICT on the content hash), then their
    /// entities in one more. Returns, per article in order, its row and whether this batch
    /// created it, and the new articles long enough for near-duplicate matching.
    private static func insertArticles(
        _ articles: [(article: Article, row: Row)], _ duplicates: NearDuplicateTracker?, _ copying: Bool,
        _ tx: PostgresConnection
    ) throws -> (stored: [StoredArticle], fresh: [Fresh]) {
        guard !articles.isEmpty else { return ([], []) }
        var cols = [[String?]](repeating: [], count: 21)
        var hashes: [String] = []
        var guesses: [Int64?] = []
        var seens: [NearDuplicateTracker.Committed?] = []
        for (article, row) in articles {
            hashes.append(row.hash)
            // Column arrays only for the INSERT path (COPY sends the rows as they are).
            if !copying { for (c, v) in row.values.enumerated() { cols[c].append(v) } }
            // The nearest committed near-duplicate, stored with the row: a later UPDATE would
            // rewrite the row and every index entry, search index included.
            var guess: Int64? = nil
            var seen: NearDuplicateTracker.Committed? = nil
            if let duplicates, let e = article.enrichment, row.wordCount >= NearDuplicateTracker.minimumWords {
                seen = duplicates.nearestCommitted(e.simhash)
                guess = seen?.nearest?.id
            }
            guesses.append(guess)
            seens.append(seen)
            if !copying { cols[20].append(guess.map { String($0) }) }
        }
        var newIDs: [String: Int64] = [:]
        var ids: [String: Int64] = [:]
        if copying {
            (newIDs, ids) = try copyArticles(articles.map(\.row), guesses: guesses, tx)
        } else {
        let inserted = try tx.query(
            """
            INSERT INTO articles (title, body, paragraph_count, word_count, content_hash, source_file,
                                  url, published_at, author, source, language, format, record_index,
                                  category, confidence, scores, model_id, keywords, simhash, classified_at, duplicate_of)
            SELECT title, body, pc::integer, wc::integer, decode(substr(hash, 3), 'hex'), file,
                   url, pub::timestamptz, author, source, lang, format, idx::integer,
                   category, conf::real, scores::jsonb, model, keywords::text[], simhash::bigint,
                   CASE WHEN classified::boolean THEN now() END,
                   CASE WHEN EXISTS (SELECT 1 FROM articles b WHERE b.id = dup::bigint) THEN dup::bigint END
            FROM unnest(\(.nullableTextArray(cols[0]))::text[], \(.nullableTextArray(cols[1]))::text[], \(.nullableTextArray(cols[2]))::text[],
                        \(.nullableTextArray(cols[3]))::text[], \(.nullableTextArray(cols[4]))::text[], \(.nullableTextArray(cols[5]))::text[],
                        \(.nullableTextArray(cols[6]))::text[], \(.nullableTextArray(cols[7]))::text[], \(.nullableTextArray(cols[8]))::text[],
                        \(.nullableTextArray(cols[9]))::text[], \(.nullableTextArray(cols[10]))::text[], \(.nullableTextArray(cols[11]))::text[],
                        \(.nullableTextArray(cols[12]))::text[], \(.nullableTextArray(cols[13]))::text[], \(.nullableTextArray(cols[14]))::text[],
                        \(.nullableTextArray(cols[15]))::text[], \(.nullableTextArray(cols[16]))::text[], \(.nullableTextArray(cols[17]))::text[],
                        \(.nullableTextArray(cols[18]))::text[], \(.nullableTextArray(cols[19]))::text[],
                        \(.nullableTextArray(cols[20]))::text[])
                 AS t(title, body, pc, wc, hash, file, url, pub, author, source, lang, format, idx,
                      category, conf, scores, model, keywords, simhash, classified, dup)
            ON CONFLICT (content_hash) DO NOTHING
            RETURNING id, '\\x' || encode(content_hash, 'hex')
            """)
        for row in inserted.rows {
            if let id = row[0].flatMap({ Int64($0) }), let h = row[1] { newIDs[h] = id }
        }
        // Articles already stored (by an earlier batch, or earlier in this one).
        ids = newIDs
        let missing = Array(Set(hashes.filter { newIDs[$0] == nil }))
        for (h, id) in try storedIDs(missing, tx) { ids[h] = id }
        }
        var result: [StoredArticle] = []
        var claimed = Set<String>()
        var entityRows: (ids: [String], kinds: [String], names: [String], mentions: [String]) = ([], [], [], [])
        var entityCopy = CopyText(capacity: copying ? articles.count * 400 : 0)
        var fresh: [Fresh] = []
        for (k, item) in articles.enumerated() {
            guard let id = ids[hashes[k]] else {
                throw PostgresError(code: .unexpectedResult, message: "article conflicted on content_hash but no row has it")
            }
            // New only for the first of its hash in this batch, and only if this batch inserted it.
            let isNew = newIDs[hashes[k]] != nil && claimed.insert(hashes[k]).inserted
            result.append(StoredArticle(id: id, isNew: isNew))
            guard isNew, let e = item.article.enrichment else { continue }
            if copying {
                // The COPY path's articles are new rows with fresh ids, and an article's entities
                // have distinct names: nothing to conflict with. (A conflict would still fail the
                // COPY, and the batch would be written again the INSERT way.)
                let articleID = String(id)
                for entity in e.entities {
                    entityCopy.append(articleID)
                    entityCopy.append(entity.kind.rawValue)
                    entityCopy.append(entity.name)
                    entityCopy.append(String(entity.mentions))
                    entityCopy.endRow()
                }
            } else {
                for entity in e.entities {
                    entityRows.ids.append(String(id))
                    entityRows.kinds.append(entity.kind.rawValue)
                    entityRows.names.append(entity.name)
                    entityRows.mentions.append(String(entity.mentions))
                }
            }
            if item.row.wordCount >= NearDuplicateTracker.minimumWords { fresh.append(Fresh(id: id, simhash: e.simhash, stored: guesses[k], seen: seens[k])) }
        }
        if !entityCopy.bytes.isEmpty {
            try tx.copyIn(table: "article_entities", columns: ["article_id", "kind", "name", "mentions"], data: entityCopy.bytes)
        } else if !entityRows.ids.isEmpty {
            try tx.query(
                """
                INSERT INTO article_entities (article_id, kind, name, mentions)
                SELECT a::bigint, k, n, m::integer
                FROM unnest(\(entityRows.ids)::text[], \(entityRows.kinds)::text[], \(entityRows.names)::text[], \(entityRows.mentions)::text[]) AS e(a, k, n, m)
                ON CONFLICT DO NOTHING
                """)
        }
        return (result, fresh)
    }

    /// Ids of stored articles by content hash (`\x…` text).
    private static func storedIDs(_ hashes: [String], _ tx: PostgresConnection) throws -> [String: Int64] {
        guard !hashes.isEmpty else { return [:] }
        let found = try tx.query(
            "SELECT id, '\\x' || encode(content_hash, 'hex') FROM articles WHERE content_hash = ANY(ARRAY(SELECT decode(substr(h, 3), 'hex') FROM unnest(\(hashes)::text[]) AS h))"
        ).rows
        var ids: [String: Int64] = [:]
        for row in found { if let id = row[0].flatMap({ Int64($0) }), let h = row[1] { ids[h] = id } }
        return ids
    }

    /// COPYs the rows whose content is not stored yet (the first of each hash), with ids drawn
    /// from the sequence beforehand. Returns the ids of the rows it stored and of every hash.
    private static func copyArticles(
        _ rows: [Row], guesses: [Int64?], _ tx: PostgresConnection
    ) throws -> (new: [String: Int64], all: [String: Int64]) {
        var all = try storedIDs(Array(Set(rows.map(\.hash))), tx)
        var seen = Set<String>()
        let fresh = rows.indices.filter { all[rows[$0].hash] == nil && seen.insert(rows[$0].hash).inserted }
        guard !fresh.isEmpty else { return ([:], all) }
        let drawn = try tx.query(
            "SELECT nextval(pg_get_serial_sequence('articles', 'id')) FROM generate_series(1, \(fresh.count)::integer)"
        ).rows.compactMap { $0[0].flatMap { Int64($0) } }
        guard drawn.count == fresh.count else {
            throw PostgresError(code: .unexpectedResult, message: "drew \(drawn.count) article ids for \(fresh.count) rows")
        }
        // A near-duplicate target an operator deleted since start-up is left out.
        let targets = Set(fresh.compactMap { guesses[$0] })
        var alive = Set<Int64>()
        if !targets.isEmpty {
            let found = try tx.query("SELECT id FROM articles WHERE id = ANY(\(targets.map { String($0) })::bigint[])").rows
            alive = Set(found.compactMap { $0[0].flatMap { Int64($0) } })
        }
        let classifiedAt = timestampText(Date())
        var out = CopyText(capacity: fresh.reduce(0) { $0 + (rows[$1].values[1]?.utf8.count ?? 0) + 512 })
        var new: [String: Int64] = [:]
        for (j, k) in fresh.enumerated() {
            let target = guesses[k].flatMap { alive.contains($0) ? $0 : nil }
            rows[k].copy(to: &out, id: drawn[j], classifiedAt: classifiedAt, duplicateOf: target)
            new[rows[k].hash] = drawn[j]
            all[rows[k].hash] = drawn[j]
        }
        try tx.copyIn(table: "articles", columns: Row.copyColumns, data: out.bytes)
        return (new, all)
    }

    /// A new article long enough for near-duplicate matching, and the `duplicate_of` its row
    /// was inserted with.
    struct Fresh {
        var id: Int64
        var simhash: UInt64
        var stored: Int64?
        /// The nearest committed article when the row was prepared (`match` searches only what
        /// was committed since).
        var seen: NearDuplicateTracker.Committed?
    }

    /// Makes `duplicate_of` of the batch's new articles their nearest earlier near-duplicate
    /// (committed, or earlier in this batch). Most rows were inserted with the right value; only
    /// those whose nearest is in this batch, or committed since the INSERT, are updated. The
    /// caller holds the tracker.
    private static func linkNearDuplicates(
        _ fresh: [Fresh], _ duplicates: NearDuplicateTracker, _ tx: PostgresConnection
    ) throws {
        var links: (ids: [String], targets: [String]) = ([], [])
        for article in fresh {
            if let target = duplicates.match(article.simhash, seen: article.seen), target != article.stored {
                links.ids.append(String(article.id))
                links.targets.append(String(target))
            }
            duplicates.add(article.simhash, id: article.id)
        }
        if !links.ids.isEmpty {
            // A target deleted by an operator since start-up is left out rather than refused.
            try tx.query(
                """
                UPDATE articles a SET duplicate_of = l.target
                FROM (SELECT i::bigint AS id, t::bigint AS target FROM unnest(\(links.ids)::text[], \(links.targets)::text[]) AS u(i, t)) l
                WHERE a.id = l.id AND EXISTS (SELECT 1 FROM articles b WHERE b.id = l.target)
                """)
        }
    }

    /// The `ingest_log` columns `logAll` fills, in order.
    static let logColumns: [StaticString] = [
        "claim_key", "file_name", "size_bytes", "sha256", "outcome", "error_code", "error_message", "attempts",
        "first_seen", "article_id", "article_ids", "format", "record_errors",
    ]

    /// One ingest_log row per newly recorded file, in one statement: COPY (`copying`), or an
    /// INSERT of unnested arrays.
    private static func logAll(
        _ records: [IngestRecord], _ outcomes: [StoredOutcome], _ copying: Bool, _ tx: PostgresConnection
    ) throws {
        var out = CopyText(capacity: copying ? records.count * 256 : 0)
        var cols = [[String?]](repeating: [], count: 13)
        for (record, outcome) in zip(records, outcomes) {
            var kind = "failed"
            var ids: [Int64] = []
            var failure: IngestFailure? = nil
            switch outcome {
            case .stored(let articles):
                kind = articles.contains(where: \.isNew) ? "ingested" : "duplicate"
                ids = articles.map(\.id)
            case .failed(let f): failure = f
            case .alreadyRecorded: continue
            }
            var format: String? = nil
            var recordErrors: String? = nil
            if case .document(let f, _, let failures) = record.content {
                format = f.rawValue
                if !failures.isEmpty {
                    let list = failures.map { ["index": $0.index, "code": $0.failure.code.rawValue, "reason": $0.failure.reason] as [String: Any] }
                    recordErrors = String(decoding: try JSONSerialization.data(withJSONObject: list, options: [.sortedKeys]), as: UTF8.self)
                }
            }
            let values: [String?] = [
                record.claimKey, record.fileName, String(record.sizeBytes), record.sha256.map { "\\x" + hexString($0) }, kind,
                failure?.code.rawValue, failure?.reason, String(record.attempts),
                copying ? timestampText(record.firstSeen) : String(record.firstSeen.timeIntervalSince1970),
                ids.first.map { String($0) }, ids.isEmpty ? nil : "{" + ids.map(String.init).joined(separator: ",") + "}", format, recordErrors,
            ]
            if copying {
                for v in values { out.append(v) }
                out.endRow()
            } else {
                for (c, v) in values.enumerated() { cols[c].append(v) }
            }
        }
        if copying {
            if !out.bytes.isEmpty { try tx.copyIn(table: "ingest_log", columns: logColumns, data: out.bytes) }
            return
        }
        guard !cols[0].isEmpty else { return }
        try tx.query(
            """
            INSERT INTO ingest_log (claim_key, file_name, size_bytes, sha256, outcome, error_code,
                                    error_message, attempts, first_seen, article_id, article_ids, format, record_errors)
            SELECT claim, file, size::bigint, decode(substr(sha, 3), 'hex'), outcome, code, reason, attempts::integer,
                   to_timestamp(first::float8), article::bigint, articles::bigint[], format, errors::jsonb
            FROM unnest(\(.nullableTextArray(cols[0]))::text[], \(.nullableTextArray(cols[1]))::text[], \(.nullableTextArray(cols[2]))::text[],
                        \(.nullableTextArray(cols[3]))::text[], \(.nullableTextArray(cols[4]))::text[], \(.nullableTextArray(cols[5]))::text[],
                        \(.nullableTextArray(cols[6]))::text[], \(.nullableTextArray(cols[7]))::text[], \(.nullableTextArray(cols[8]))::text[],
                        \(.nullableTextArray(cols[9]))::text[], \(.nullableTextArray(cols[10]))::text[], \(.nullableTextArray(cols[11]))::text[],
                        \(.nullableTextArray(cols[12]))::text[])
                 AS t(claim, file, size, sha, outcome, code, reason, attempts, first, article, articles, format, errors)
            """)
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
        guard !keys.isEmpty else { return [:] }
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

}
