import Foundation
import NewsCore
import PostgresClient

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
    /// connection string already gives it more, and names the newsd instance whose rows the
    /// session writes (`newsd.instance`, the default of `ingest_log.instance`) and its run
    /// (`newsd.boot`; both are sent with each NOTIFY). Returns the session's `work_mem`.
    @discardableResult
    public static func prepareWriterSession(_ conn: PostgresConnection, instance: String? = nil, boot: String? = nil) throws -> String {
        if let instance { try conn.query("SELECT set_config('newsd.instance', \(instance), false)") }
        if let boot { try conn.query("SELECT set_config('newsd.boot', \(boot), false)") }
        try conn.query(
            """
            SELECT set_config('work_mem', \(writerWorkMem), false)
            WHERE pg_size_bytes(current_setting('work_mem')) < pg_size_bytes(\(writerWorkMem))
            """)
        // A writer waiting on a lock someone holds (LOCK TABLE, a long ALTER) gives up after
        // 10 s: the batch is retried with backoff, and status says why instead of "connected".
        // An operator's own lock_timeout (connection string, role, server) is kept.
        try conn.query("SELECT set_config('lock_timeout', '10s', false) WHERE current_setting('lock_timeout') = '0'")
        // A commit is acknowledged (and its files archived) only once it is as durable as the
        // cluster promises: with a synchronous standby, once the standby has it, so that an
        // acknowledged article survives a failover. A weaker synchronous_commit (off, local,
        // remote_write) from the role or database is raised to on; remote_apply is kept. No
        // statement time-out: one that fires while a commit waits for the standby makes
        // PostgreSQL report the commit done with only a warning, standby or not.
        try conn.query(
            """
            SELECT set_config('synchronous_commit', 'on', false)
            WHERE current_setting('synchronous_commit') IN ('off', 'local', 'remote_write')
            """)
        try conn.query("SELECT set_config('statement_timeout', '0', false)")
        return try conn.query("SELECT current_setting('work_mem')").scalar ?? ""
    }

    /// Writes `records` in one transaction and returns their outcomes in order.
    /// With a tracker, new articles get `duplicate_of` their nearest earlier near-duplicate.
    public static func write(
        _ records: [IngestRecord], on conn: PostgresConnection, duplicates: NearDuplicateTracker? = nil,
        method: Method = .copy
    ) throws -> [StoredOutcome] {
        do {
            return try write(records, on: conn, duplicates: duplicates, method: method, everyClaim: false)
        } catch let error where [uniqueViolation, foreignKeyViolation].contains(error.postgresError?.sqlState) {
            // Another writer stored the same content (or an operator deleted a near-duplicate
            // target) since this batch looked, or a claim not looked up was recorded already:
            // INSERT … ON CONFLICT with every claim looked up sorts that out.
            return try write(records, on: conn, duplicates: duplicates, method: .insert, everyClaim: true)
        }
    }

    static let uniqueViolation = "23505"
    static let foreignKeyViolation = "23503"

    private static func write(
        _ records: [IngestRecord], on conn: PostgresConnection, duplicates: NearDuplicateTracker?, method: Method, everyClaim: Bool
    ) throws -> [StoredOutcome] {
        // The tracker is held from the near-duplicate matching until COMMIT or ROLLBACK returns.
        var acquired = false
        do {
            let outcomes = try conn.withTransaction { tx in
                try write(records, tx, duplicates, method, everyClaim, &acquired)
            }
            if acquired { duplicates?.commit() }
            return outcomes
        } catch {
            if acquired { duplicates?.rollback() }
            throw error
        }
    }

    /// Inside the transaction: the claims recorded already, the articles, the ingest log, the
    /// near-duplicate links and the notification.
    private static func write(
        _ records: [IngestRecord], _ tx: PostgresConnection, _ duplicates: NearDuplicateTracker?, _ method: Method,
        _ everyClaim: Bool, _ acquired: inout Bool
    ) throws -> [StoredOutcome] {
        let recorded = try recordedClaims(records.filter { everyClaim || $0.mayBeRecorded }.map(\.claimKey), tx)
        // Every article of the batch's new files, in file order: one statement for all of them.
        var articles: [PendingArticle] = []
        for (r, record) in records.enumerated() where recorded[record.claimKey] == nil {
            if case .document(let format, let list, _) = record.content {
                for (i, a) in list.enumerated() {
                    articles.append(PendingArticle(record: r, article: a, row: record.rows?[i] ?? ArticleRow(a, format: format, index: i, file: record.fileName)))
                }
            }
        }
        let (stored, fresh) = try storeArticles(&articles, duplicates, method, tx)
        var perRecord = [[StoredArticle]](repeating: [], count: records.count)
        for (k, a) in articles.enumerated() { perRecord[a.record].append(stored[k]) }
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
        try log(records, outcomes, method, tx)
        if let duplicates, !fresh.isEmpty {
            duplicates.acquire()
            acquired = true
            try linkNearDuplicates(fresh, duplicates, tx)
        }
        try notify(outcomes, tx)
        return outcomes
    }

    /// An article to store, its row, and the near-duplicate guess made before the write.
    struct PendingArticle {
        var record: Int
        var article: Article
        var row: ArticleRow
        /// The nearest committed near-duplicate, stored with the row: a later UPDATE would
        /// rewrite the row and every index entry, search index included.
        var guess: Int64? = nil
        var seen: NearDuplicateTracker.Committed? = nil
    }

    /// Stores the articles (COPY or INSERT), then their entities. Returns, per article in order,
    /// its row and whether this batch created it, and the new articles long enough for
    /// near-duplicate matching.
    private static func storeArticles(
        _ articles: inout [PendingArticle], _ duplicates: NearDuplicateTracker?, _ method: Method, _ tx: PostgresConnection
    ) throws -> (stored: [StoredArticle], fresh: [Fresh]) {
        guard !articles.isEmpty else { return ([], []) }
        if let duplicates {
            for k in articles.indices {
                guard let e = articles[k].article.enrichment, articles[k].row.wordCount >= NearDuplicateTracker.minimumWords else { continue }
                articles[k].seen = duplicates.nearestCommitted(e.simhash)
                articles[k].guess = articles[k].seen?.nearest?.id
            }
        }
        let (newIDs, ids) = method == .copy ? try copyArticles(articles, tx) : try insertArticles(articles, tx)
        var result: [StoredArticle] = []
        var claimed = Set<String>()
        var entities: [(articleID: Int64, entity: NamedEntity)] = []
        var fresh: [Fresh] = []
        for item in articles {
            guard let id = ids[item.row.hash] else {
                throw PostgresError(code: .unexpectedResult, message: "article conflicted on content_hash but no row has it")
            }
            // New only for the first of its hash in this batch, and only if this batch inserted it.
            let isNew = newIDs[item.row.hash] != nil && claimed.insert(item.row.hash).inserted
            result.append(StoredArticle(id: id, isNew: isNew))
            guard isNew, let e = item.article.enrichment else { continue }
            for entity in e.entities { entities.append((id, entity)) }
            if item.row.wordCount >= NearDuplicateTracker.minimumWords {
                fresh.append(Fresh(id: id, simhash: e.simhash, stored: item.guess, seen: item.seen))
            }
        }
        if method == .copy { try copyEntities(entities, tx) } else { try insertEntities(entities, tx) }
        return (result, fresh)
    }

    /// Ids of stored articles by content hash (`\x…` text).
    static func storedIDs(_ hashes: [String], _ tx: PostgresConnection) throws -> [String: Int64] {
        guard !hashes.isEmpty else { return [:] }
        let found = try tx.query(
            "SELECT id, '\\x' || encode(content_hash, 'hex') FROM articles WHERE content_hash = ANY(ARRAY(SELECT decode(substr(h, 3), 'hex') FROM unnest(\(hashes)::text[]) AS h))"
        ).rows
        var ids: [String: Int64] = [:]
        for row in found { if let id = row[0].flatMap({ Int64($0) }), let h = row[1] { ids[h] = id } }
        return ids
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
            let nearest = duplicates.nearest(article.simhash, seen: article.seen)
            if let target = nearest?.id, target != article.stored {
                links.ids.append(String(article.id))
                links.targets.append(String(target))
            }
            duplicates.add(article.simhash, id: article.id, link: nearest)
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
}
