import Foundation
import NewsCore
import NewsProtocol
import PostgresClient

/// The read-only queries behind `newsctl show`, `search`, `stats` and `follow`, on a connection
/// of their own (never the writer's), opened on first use and reopened after an error.
/// Queries run one at a time.
final class ArticleQueries: @unchecked Sendable {
    // @unchecked: `connection` is only touched under `lock`.
    private let lock = NSLock()
    private var connection: PostgresConnection?
    private let conninfo: String
    private let connectTimeout: Int
    private let statementTimeout: String
    private let lockTimeout: String?

    /// `statementTimeout` and `lockTimeout` apply unless the server or the connection string
    /// set their own.
    init(conninfo: String, connectTimeoutSeconds: Int, statementTimeout: String = "8s", lockTimeout: String? = nil) {
        self.conninfo = conninfo
        self.connectTimeout = connectTimeoutSeconds
        self.statementTimeout = statementTimeout
        self.lockTimeout = lockTimeout
    }

    private func withConnection<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        if connection?.isConnected != true {
            let conn = try PostgresConnection(conninfo: conninfo, connectTimeoutSeconds: connectTimeout)
            // A query stuck behind a lock or over a huge table answers within newsctl's 10 s
            // with an error, rather than leaving the client to time out.
            try conn.query("SELECT set_config('statement_timeout', \(statementTimeout), false) WHERE current_setting('statement_timeout') = '0'")
            if let lockTimeout {
                try conn.query("SELECT set_config('lock_timeout', \(lockTimeout), false) WHERE current_setting('lock_timeout') = '0'")
            }
            connection = conn
        }
        do {
            return try body(connection!)
        } catch {
            if error.isTransientDatabaseError { connection = nil }
            throw error
        }
    }

    private static let columns = """
        id, title, category, confidence, language, source, url,
        to_char(published_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
        to_char(ingested_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), source_file
        """

    private static func summary(_ row: [String?]) -> ArticleSummary {
        var a = ArticleSummary(id: Int64(row[0] ?? "") ?? 0, title: row[1] ?? "", ingestedAt: row[8] ?? "", sourceFile: row[9] ?? "")
        a.category = row[2]
        a.confidence = row[3].flatMap(Double.init)
        a.language = row[4]
        a.source = row[5]
        a.url = row[6]
        a.publishedAt = row[7]
        return a
    }

    /// One article with its body, keywords, scores and entities.
    func show(_ id: Int64) throws -> ArticleSummary? {
        try withConnection { conn in
            let rows = try conn.query(
                """
                SELECT \(unescaped: Self.columns), body, array_to_string(keywords, chr(31)), duplicate_of, scores::text
                FROM articles WHERE id = \(id)
                """
            ).rows
            guard let row = rows.first else { return nil }
            var a = Self.summary(row)
            a.body = row[10]
            a.keywords = row[11].map { $0.isEmpty ? [] : $0.split(separator: "\u{1F}").map(String.init) }
            a.duplicateOf = row[12].flatMap { Int64($0) }
            a.scores = row[13].flatMap { try? JSONDecoder().decode([String: Double].self, from: Data($0.utf8)) }
            a.entities = try conn.query(
                "SELECT kind, name, mentions FROM article_entities WHERE article_id = \(id) ORDER BY mentions DESC, name"
            ).rows.map { EntityCount(kind: $0[0] ?? "", name: $0[1] ?? "", mentions: Int($0[2] ?? "") ?? 0) }
            return a
        }
    }

    /// Full-text search (web-search syntax), best first. Each row is matched, ranked and
    /// highlighted with the query stemmed in the configuration its vector was built with
    /// (`search_config`; NULL: English, not rebuilt yet). Without `language`, the query is
    /// stemmed in every configuration newsd stores (`SearchConfiguration.all`); with it, in
    /// that language's alone, and only articles in that language (or one sharing its
    /// configuration: `no` and `nb`) are searched.
    ///
    /// One GIN index scan finds the candidates: the vector matches the OR of every stemmed
    /// query. Each candidate is then checked against its own configuration's query, so an
    /// English article does not match a word only the German stemmer made of the query.
    /// (`search @@ websearch_to_tsquery(search_config, q)` alone would be correct, but a query
    /// that depends on the row cannot use the index: it reads the whole table.)
    func search(
        _ text: String, language: String?, category: String?, since: String?, until: String?, source: String?, limit: Int
    ) throws -> [ArticleSummary] {
        let query = Self.searchQuery(
            text, language: language, category: category, since: since, until: until, source: source, limit: limit)
        return try withConnection { conn in
            try conn.query(query).rows.map { row in
                var a = Self.summary(row)
                a.rank = row[10].flatMap(Double.init)
                a.snippet = row[11]
                return a
            }
        }
    }

    /// The statement `search` sends (a test EXPLAINs it).
    static func searchQuery(
        _ text: String, language: String?, category: String?, since: String?, until: String?, source: String?, limit: Int
    ) -> PostgresQuery {
        let codes = language.map { code in
            PostgresBind.textArray(SearchConfiguration.languageCodes(sharingConfigurationWith: code) ?? [code])
        } ?? .null
        let configs = language.map { [SearchConfiguration.forLanguage($0)] } ?? SearchConfiguration.all
        // The legacy configuration joins only while rows are left that were built with it.
        return """
            WITH configs AS (
                SELECT c.config, websearch_to_tsquery(c.config, \(text)) AS q
                FROM (SELECT DISTINCT unnest(\(configs)::regconfig[] || CASE
                          WHEN EXISTS (SELECT 1 FROM articles WHERE search_config IS NULL)
                          THEN \(SearchConfiguration.legacy)::regconfig END)) AS c(config)
                WHERE c.config IS NOT NULL
            )
            SELECT \(unescaped: Self.columns), ts_rank_cd(a.search, c.q) AS rank,
                   ts_headline(c.config, a.body, c.q, 'StartSel=[, StopSel=], MaxWords=30, MinWords=10, MaxFragments=1')
            FROM articles a
            JOIN configs c ON c.config = coalesce(a.search_config, \(SearchConfiguration.legacy)::regconfig)
            WHERE a.search @@ (SELECT string_agg(DISTINCT '(' || q::text || ')', ' | ')::tsquery FROM configs WHERE numnode(q) > 0)
              AND a.search @@ c.q
              AND (\(codes)::text[] IS NULL OR a.language = ANY(\(codes)::text[]))
              AND (\(category)::text IS NULL OR category = \(category))
              AND (\(since)::timestamptz IS NULL OR coalesce(published_at, ingested_at) >= \(since)::timestamptz)
              AND (\(until)::timestamptz IS NULL OR coalesce(published_at, ingested_at) < \(until)::timestamptz)
              AND (\(source)::text IS NULL OR source = \(source))
            ORDER BY rank DESC, id
            LIMIT \(limit)
            """
    }

    /// Counts by category, by day of ingestion (the last `days`), and by source (top 20).
    func stats(days: Int) throws -> ArticleStats {
        try withConnection { conn in
            func counts(_ rows: PostgresRows) -> [ArticleStats.Count] {
                rows.rows.map { ArticleStats.Count(key: $0[0] ?? "", count: Int($0[1] ?? "") ?? 0) }
            }
            let total = Int(try conn.query("SELECT count(*) FROM articles").scalar ?? "") ?? 0
            let byCategory = counts(
                try conn.query("SELECT coalesce(category, '(none)'), count(*) FROM articles GROUP BY 1 ORDER BY 2 DESC, 1"))
            let byDay = counts(
                try conn.query(
                    """
                    SELECT to_char(date_trunc('day', ingested_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD'), count(*) FROM articles
                    WHERE ingested_at >= now() - make_interval(days => \(days)) GROUP BY 1 ORDER BY 1 DESC
                    """))
            let bySource = counts(
                try conn.query("SELECT coalesce(source, '(none)'), count(*) FROM articles GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 20"))
            return ArticleStats(total: total, byCategory: byCategory, byDay: byDay, bySource: bySource)
        }
    }

    /// Articles stored after `id`, oldest first.
    func after(_ id: Int64, limit: Int) throws -> [ArticleSummary] {
        try withConnection { conn in
            try conn.query("SELECT \(unescaped: Self.columns) FROM articles WHERE id > \(id) ORDER BY id LIMIT \(limit)").rows.map(Self.summary)
        }
    }

    /// Reports an instance in `newsd_instances` (one upsert, the database's clock). Returns the
    /// pid of another newsd that reported under the same name within `staleSeconds` (a second
    /// host given the same `instance.name`), if any.
    func heartbeat(name: String, boot: String, state: String, uptimeSeconds: Double, totals: StatusReport.Totals, rateOneMinute: Double) throws -> Int32? {
        try withConnection { conn in
            let other = try conn.query(
                """
                WITH other AS (
                    SELECT pid FROM newsd_instances
                    WHERE name = \(name) AND boot <> \(boot) AND state <> 'stopped'
                      AND last_seen > now() - make_interval(secs => \(Int(InstanceSummary.staleSeconds))))
                INSERT INTO newsd_instances AS i (name, boot, pid, version, state, started_at, last_seen, ingested, duplicates, failed, rate_one_minute)
                VALUES (\(name), \(boot), \(Int(ProcessInfo.processInfo.processIdentifier)), \(NewsdVersion.current), \(state),
                        now() - make_interval(secs => \(String(uptimeSeconds))::double precision), now(), \(totals.ingested), \(totals.duplicates),
                        \(totals.failed), \(String(rateOneMinute))::double precision)
                ON CONFLICT (name) DO UPDATE SET
                    boot = EXCLUDED.boot, pid = EXCLUDED.pid, version = EXCLUDED.version, state = EXCLUDED.state,
                    started_at = EXCLUDED.started_at, last_seen = EXCLUDED.last_seen, ingested = EXCLUDED.ingested,
                    duplicates = EXCLUDED.duplicates, failed = EXCLUDED.failed, rate_one_minute = EXCLUDED.rate_one_minute
                RETURNING (SELECT pid FROM other LIMIT 1)
                """
            ).scalar
            return other.flatMap { Int32($0) }
        }
    }

    /// Every instance that reported in the last day, by name (at most `maxInstances`). Before
    /// newsd has created the table (its writer has not connected yet): none. The table is
    /// anyone's with write access to it, so what is read is bounded: names, versions and
    /// states cut to their lengths, infinite or future times and non-finite rates left out.
    func instances(current: String) throws -> [InstanceSummary] {
        do {
            return try withConnection { conn in
                try conn.query(
                    """
                    SELECT left(name, \(NewsdConfig.maxInstanceNameBytes)), left(version, 64), pid, left(state, 16),
                           to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                           greatest(extract(epoch FROM now() - last_seen), 0), ingested, duplicates, failed,
                           CASE WHEN rate_one_minute IN ('NaN', 'Infinity', '-Infinity') THEN 0 ELSE rate_one_minute END
                    FROM newsd_instances
                    WHERE isfinite(last_seen) AND isfinite(started_at)
                      AND last_seen > now() - interval '1 day' AND last_seen <= now() + interval '1 minute'
                    ORDER BY name LIMIT \(Self.maxInstances)
                    """
                ).rows.map { row in
                    InstanceSummary(
                        name: row[0] ?? "", version: row[1] ?? "", pid: Int32(row[2] ?? "") ?? 0, state: row[3] ?? "", startedAt: row[4] ?? "",
                        lastSeenSecondsAgo: Double(row[5] ?? "") ?? 0, ingested: Int(row[6] ?? "") ?? 0, duplicates: Int(row[7] ?? "") ?? 0,
                        failed: Int(row[8] ?? "") ?? 0, rateOneMinute: Double(row[9] ?? "") ?? 0, current: row[0] == current)
                }
            }
        } catch let error where error.postgresError?.sqlState == "42P01" {
            return []
        }
    }

    /// The most instances `cluster` lists.
    static let maxInstances = 1_000

    /// The newest article id (0 when there is none).
    func latestID() throws -> Int64 {
        try withConnection { conn in Int64(try conn.query("SELECT coalesce(max(id), 0) FROM articles").scalar ?? "") ?? 0 }
    }
}
