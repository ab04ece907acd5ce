import ArgumentParser
import Foundation
import NewsCore
import PostgresClient
import TestSupport

/// The server of the growth phase: where its empty tables are made and dropped.
struct GrowthServer {
    /// Any database of the server, keyword form (`host=… port=… user=… dbname=…`).
    let url: String
    /// The benchmark's own server, when there is no --growth-url.
    let pg: TestPostgres?

    func withDatabase(_ name: String) -> String {
        url.split(separator: " ").map { $0.hasPrefix("dbname=") ? "dbname=\(name)" : String($0) }.joined(separator: " ")
            + (url.contains("dbname=") ? "" : " dbname=\(name)")
    }

    private static let counter = Counter()
    final class Counter: @unchecked Sendable {
        private var n = 0
        private let lock = NSLock()
        func next() -> Int { lock.withLock { n += 1; return n } }
    }

    /// A new empty database on the server.
    func create() throws -> String {
        if let pg { return try pg.createDatabase(prefix: "growth_empty") }
        let name = "growth_empty_\(getpid())_\(Self.counter.next())"
        try PostgresConnection(conninfo: withDatabase("postgres")).query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"))
        return withDatabase(name)
    }

    func drop(_ database: String) throws {
        guard let name = database.split(separator: " ").first(where: { $0.hasPrefix("dbname=") })?.dropFirst("dbname=".count) else { return }
        try PostgresConnection(conninfo: withDatabase("postgres")).query(PostgresQuery(unsafeSQL: "DROP DATABASE \(name)"))
    }
}

extension IngestBench {
    /// Distinct articles made by the parser and enricher; the rest are copies of their rows
    /// made by the server (a new content hash, fingerprint, file name and time for each).
    static let growthSeedRows = 20_000

    /// Preloads `url`'s empty `articles` with `rows` articles of real size, their `ingested_at`
    /// spread over the last `days` days: `growthSeedRows` generated articles by COPY (their
    /// search vectors built by the table's trigger), then server-side copies of them, each with
    /// its own content hash, file name, time and SimHash (random 64 bits: unrelated to one
    /// another, as distinct stories are). The GIN indexes are dropped for the copies and built
    /// again after (much faster than row by row), then the table is vacuumed and analyzed, as
    /// autovacuum would have left a table filled over a year. A database that holds `rows` or
    /// more already is used as it is.
    func preloadGrowth(_ url: String, rows: Int, days: Int, parser: DocumentParser, enricher: Enricher) throws {
        let db = try PostgresConnection(conninfo: url)
        let have = Int(try db.query("SELECT count(*) FROM articles").scalar ?? "0") ?? 0
        if have >= rows {
            print("growth: the database holds \(have) articles already; no preload")
            return
        }
        guard have == 0 else { throw ValidationError("the growth database holds \(have) articles, fewer than --growth \(rows): start from an empty one") }
        let started = Date()
        let seeds = min(rows, Self.growthSeedRows)
        let tsv = NSTemporaryDirectory() + "ingest-bench-growth-\(getpid()).tsv"
        defer { unlink(tsv) }
        try copyFile(try generate(seeds).map { "Preloaded " + $0 }, parser: parser, enricher: enricher, to: tsv)
        let loaded = try runCommand(
            "/usr/bin/psql",
            ["-X", "-q", "-v", "ON_ERROR_STOP=1", url, "-c",
             "\\copy articles (title, body, paragraph_count, word_count, content_hash, source_file, language, category, confidence, keywords, simhash) FROM '\(tsv)'"])
        guard loaded.status == 0 else { throw ValidationError("preload failed: \(loaded.output)") }
        // As newsd stores them: the search vector in English, built by the trigger again.
        try db.query(PostgresQuery(unsafeSQL: "UPDATE articles SET search_config = 'english', ingested_at = now() - make_interval(days => \(days))"))
        if rows > seeds {
            let first = Int64(try db.query("SELECT min(id) FROM articles").scalar ?? "1") ?? 1
            let gin = try db.query("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'articles' AND indexdef LIKE '% USING gin %'").rows
            for index in gin { try db.query(PostgresQuery(unsafeSQL: "DROP INDEX \(index[0]!)")) }
            try db.query("ALTER TABLE articles DISABLE TRIGGER articles_search")
            let fixed = ["id", "content_hash", "simhash", "source_file", "ingested_at", "duplicate_of"]
            let columns = try db.query(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'articles' AND is_generated = 'NEVER' ORDER BY ordinal_position"
            ).rows.compactMap { $0[0] }.filter { !fixed.contains($0) }
            let list = columns.map { "\"\($0)\"" }.joined(separator: ", ")
            let from = columns.map { "a.\"\($0)\"" }.joined(separator: ", ")
            var next = seeds
            let chunk = 500_000
            while next < rows {
                let lower = next
                let upper = min(rows, next + chunk)
                let t0 = Date()
                try db.query(PostgresQuery(unsafeSQL: """
                    INSERT INTO articles (\(list), content_hash, simhash, source_file, ingested_at)
                    SELECT \(from), sha256(convert_to('preload ' || g, 'UTF8')),
                           ('x' || substr(md5(g::text), 1, 16))::bit(64)::bigint,
                           'preload-' || g || '.txt',
                           now() - make_interval(secs => (\(rows) - g)::double precision * \(days) * 86400 / \(rows))
                    FROM generate_series(\(next + 1), \(upper)) g JOIN articles a ON a.id = \(first) + (g % \(seeds))
                    """))
                next = upper
                print(String(format: "growth preload: %d of %d articles (%.0f/s)", next, rows, Double(upper - lower) / max(Date().timeIntervalSince(t0), 0.001)))
            }
            try db.query("ALTER TABLE articles ENABLE TRIGGER articles_search")
            try db.query("SET maintenance_work_mem = '1GB'")
            for index in gin {
                let t0 = Date()
                try db.query(PostgresQuery(unsafeSQL: index[1]!))
                print(String(format: "growth preload: %@ built again in %.0f s", index[0]!, Date().timeIntervalSince(t0)))
            }
        }
        try db.query("VACUUM ANALYZE articles")
        print(String(format: "growth preload: %d articles in %.0f s", rows, Date().timeIntervalSince(started)))
    }
}
