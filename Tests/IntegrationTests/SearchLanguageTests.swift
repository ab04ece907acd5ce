import Foundation
import Logging
import NewsCore
import NewsProtocol
import PostgresClient
import Synchronization
import TestSupport
import Testing

@testable import IngestEngine

// Search in each article's language (migration 7, SearchConfiguration, SearchRebuilder and
// ArticleQueries.search) against a real PostgreSQL 15.

/// German and English articles written for these tests.
enum Written {
    static let germanTitle = "Neuer Bürgermeister in Kleinstadt gewählt"
    static let german = [
        "Die Bürger der Stadt haben am Sonntag einen neuen Bürgermeister gewählt. Nach der Wahl dankte er den Wählern "
            + "und sagte, dass er die Schulen sanieren will.",
        "Die Beteiligung war höher als vor vier Jahren, und der Stadtrat wird sich im Dezember neu bilden.",
    ]
    static let englishTitle = "Harbour minister resigned after ferry vote"
    static let english = [
        "The harbour minister resigned on Tuesday after the council voted against his plan for the ferry, "
            + "and said that he would stay on as a councillor.",
        "His deputy will run the harbour until the new minister is chosen in the spring.",
    ]

    static func article(_ title: String, _ paragraphs: [String], model: LoadedModel? = nil) -> Article {
        var a = Article(title: title, paragraphs: paragraphs)
        a.enrichment = Enricher(model: model).enrich(a)
        return a
    }
}

private func record(_ key: String, _ article: Article) -> IngestRecord {
    IngestRecord(
        claimKey: key, fileName: key + ".txt", sizeBytes: 100, sha256: nil, firstSeen: Date(timeIntervalSince1970: 1_800_000_000),
        attempts: 1, content: .article(article))
}

/// Inserts `count` rows as a newsd before migration 7 did (its vector English, computed by
/// the generated column), in languages taken in turn from `languages`; returns their ids.
@discardableResult
private func insertOldRows(_ conn: PostgresConnection, count: Int, languages: [String?], tag: String = "old") throws -> [Int64] {
    var titles: [String] = [], bodies: [String] = [], langs: [String?] = []
    for i in 0..<count {
        let language = languages[i % languages.count]
        titles.append(language == "de" ? "\(Written.germanTitle) \(tag) \(i)" : "\(Written.englishTitle) \(tag) \(i)")
        bodies.append((language == "de" ? Written.german : Written.english).joined(separator: "\n\n"))
        langs.append(language)
    }
    return try conn.query(
        """
        INSERT INTO articles (title, body, paragraph_count, word_count, content_hash, source_file, language)
        SELECT t, b, 2, 40, sha256(convert_to(t, 'UTF8')), 'old.txt', l
        FROM unnest(\(titles)::text[], \(bodies)::text[], \(.nullableTextArray(langs))::text[]) AS u(t, b, l)
        RETURNING id
        """
    ).rows.compactMap { $0[0].flatMap { Int64($0) } }
}

/// Rows whose stored vector is not the one their configuration builds now (0 when every row
/// was built with `coalesce(search_config, english)`).
private func staleVectors(_ conn: PostgresConnection) throws -> Int {
    Int(
        try conn.query(
            """
            SELECT count(*) FROM articles WHERE search IS DISTINCT FROM
                setweight(to_tsvector(coalesce(search_config, 'english'), title), 'A') ||
                setweight(to_tsvector(coalesce(search_config, 'english'), body), 'B')
            """
        ).scalar ?? "") ?? -1
}

@Suite struct SearchConfigurationDatabaseTests {
    /// Every configuration newsd may store is one PostgreSQL ships, and every one it ships has
    /// a language mapped to it.
    @Test func theTableNamesExactlyTheBuiltInConfigurations() throws {
        let conn = try PostgresConnection(conninfo: try TestPostgres.start().createDatabase())
        let builtIn = try conn.query(
            "SELECT cfgname FROM pg_ts_config WHERE cfgnamespace = 'pg_catalog'::regnamespace ORDER BY cfgname"
        ).rows.compactMap { $0[0] }
        #expect(builtIn == SearchConfiguration.all)
        // And each reads as a regconfig (what the writer's COPY casts to).
        let read = try conn.query("SELECT count(*) FROM unnest(\(SearchConfiguration.all)::regconfig[])").scalar
        #expect(read == "29")
    }
}

@Suite struct SearchMigrationTests {
    /// Migration 7 keeps the table and its vectors as they were (no rewrite), and the trigger
    /// builds a row's vector in its configuration, English when it names none.
    @Test func migration7RewritesNothingAndTheTriggerBuildsVectors() throws {
        let conn = try PostgresConnection(conninfo: try TestPostgres.start().createDatabase())
        let logger = Logger(label: "test")
        try Migrations.migrate(conn, through: 6, logger: logger)
        let ids = try insertOldRows(conn, count: 4, languages: ["de", "en"])
        let before = try conn.query("SELECT pg_relation_filenode('articles'), pg_relation_filenode('articles_search_idx')").rows
        let vectors = try conn.query("SELECT id, search::text FROM articles ORDER BY id").rows
        #expect(try Migrations.migrate(conn, through: 7, logger: logger) == [7])
        #expect(
            try conn.query("SELECT pg_relation_filenode('articles'), pg_relation_filenode('articles_search_idx')").rows == before)
        #expect(try conn.query("SELECT id, search::text FROM articles ORDER BY id").rows == vectors)
        #expect(
            try conn.query("SELECT attgenerated FROM pg_attribute WHERE attrelid = 'articles'::regclass AND attname = 'search'")
                .scalar == "")
        #expect(try conn.query("SELECT count(*) FROM articles WHERE search_config IS NULL").scalar == "4")
        #expect(try staleVectors(conn) == 0)

        // A row another tool inserts without a configuration is built in English, as before.
        try conn.query(
            "INSERT INTO articles (title, body, paragraph_count, word_count, content_hash, source_file) VALUES ('Wahl', 'gewählt', 1, 1, '\\x01', 'x')"
        )
        #expect(
            try conn.query("SELECT search::text, search_config FROM articles WHERE title = 'Wahl'").rows == [
                ["'gewählt':2B 'wahl':1A", nil]
            ])
        // Naming one rebuilds the vector in it; so does changing the text.
        try conn.query("UPDATE articles SET search_config = 'german' WHERE id = \(ids[0])")
        try conn.query("UPDATE articles SET title = 'Wahlen' WHERE title = 'Wahl'")
        #expect(try conn.query("SELECT search::text FROM articles WHERE title = 'Wahlen'").scalar == "'gewählt':2B 'wahlen':1A")
        #expect(try staleVectors(conn) == 0)
        #expect(
            try conn.query("SELECT search @@ to_tsquery('german', 'Wahlen') FROM articles WHERE id = \(ids[0])").scalar == "t")
    }

    /// COPY and INSERT store the enricher's reliability and entity model, and the configuration
    /// of the article's language, from which the trigger builds its vector.
    @Test(arguments: [ArticleStore.Method.copy, .insert])
    func bothWritePathsStoreTheNewColumns(method: ArticleStore.Method) throws {
        let conn = try PostgresConnection(conninfo: try TestPostgres.start().createDatabase())
        try Migrations.migrate(conn, logger: Logger(label: "test"))
        var german = Written.article(Written.germanTitle, Written.german)
        german.enrichment?.languageReliable = true
        german.enrichment?.entityModelID = "ner-test-1"
        var english = Written.article(Written.englishTitle, Written.english)
        english.enrichment?.languageReliable = false
        let unknown = Article(title: "Zzz", paragraphs: ["Qqq xxx."])
        _ = try ArticleStore.write([record("g", german), record("e", english), record("u", unknown)], on: conn, method: method)
        let rows = try conn.query(
            "SELECT source_file, language, language_reliable, entity_model_id, search_config FROM articles ORDER BY source_file"
        ).rows
        #expect(
            rows == [
                ["e.txt", "en", "f", nil, "english"],
                ["g.txt", "de", "t", "ner-test-1", "german"],
                ["u.txt", nil, nil, nil, "simple"],
            ])
        #expect(try staleVectors(conn) == 0)
        let found = try conn.query("SELECT source_file FROM articles WHERE search @@ websearch_to_tsquery('german', 'Wahlen')")
            .rows
        #expect(found == [["g.txt"]])
    }
}

@Suite struct SearchRebuildTests {
    let logger = Logger(label: "test")

    func waitUntil(_ seconds: Double = 60, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            usleep(20_000)
        }
        return try condition()
    }

    /// A database an older newsd filled: `count` rows in German, English and no language, all
    /// with English vectors; then migration 7.
    func oldDatabase(count: Int) throws -> (url: String, conn: PostgresConnection) {
        let url = try TestPostgres.start().createDatabase()
        let conn = try PostgresConnection(conninfo: url)
        try Migrations.migrate(conn, through: 6, logger: logger)
        try insertOldRows(conn, count: count, languages: ["de", "en", nil])
        try Migrations.migrate(conn, logger: logger)
        return (url, conn)
    }

    /// Rows stored before migration 7 get their language's vector in the background while
    /// articles keep being written; nothing is left stale and the new rows are untouched.
    @Test func oldRowsAreRebuiltInTheirLanguageWhileArticlesAreIngested() throws {
        let (url, conn) = try oldDatabase(count: 300)
        // English vectors keep "gewählt" as it is written; German ones fold it to `gewahlt`.
        let germanStem = "SELECT count(*) FROM articles WHERE search @@ to_tsquery('german', 'gewählt')"
        #expect(try conn.query(PostgresQuery(unsafeSQL: germanStem)).scalar == "0")

        let rebuilder = SearchRebuilder(conninfo: url, batchSize: 7, idleInterval: .milliseconds(50), logger: logger)
        rebuilder.start()
        // A writer stores new articles meanwhile, a batch at a time.
        let writer = try PostgresConnection(conninfo: url)
        var written = 0
        for round in 0..<30 {
            let batch = (0..<5).map { i in
                record("n\(round)-\(i)", Written.article("\(Written.germanTitle) new \(round) \(i)", Written.german))
            }
            for outcome in try ArticleStore.write(batch, on: writer, method: round % 2 == 0 ? .copy : .insert) {
                if case .stored(let s) = outcome, s.first?.isNew == true { written += 1 }
            }
        }
        #expect(written == 150)
        #expect(waitUntil { rebuilder.snapshot?.state == .done })
        rebuilder.stop()
        #expect(waitUntil { rebuilder.isFinished })

        #expect(rebuilder.snapshot == SearchRebuildProgress(state: .done, rowsLeft: 0, rebuilt: 300, batchSize: 7))
        let configs = try conn.query(
            "SELECT language, search_config, count(*) FROM articles GROUP BY 1, 2 ORDER BY 1 NULLS LAST, 2"
        ).rows
        #expect(configs == [["de", "german", "250"], ["en", "english", "100"], [nil, "simple", "100"]])
        #expect(try staleVectors(conn) == 0)
        // The old German rows are found by the German stem now, as the new ones are.
        #expect(try conn.query(PostgresQuery(unsafeSQL: germanStem)).scalar == "250")
    }

    /// Two newsd sharing a database rebuild each row once between them, neither waiting on the
    /// other's rows; one stopped halfway leaves the rest to the next start.
    @Test func twoRebuildersShareTheWorkAndAStoppedOneResumes() throws {
        let (url, conn) = try oldDatabase(count: 400)
        let first = SearchRebuilder(conninfo: url, batchSize: 10, idleInterval: .milliseconds(50), logger: logger)
        let second = SearchRebuilder(conninfo: url, batchSize: 10, idleInterval: .milliseconds(50), logger: logger)
        first.start()
        second.start()
        #expect(waitUntil { first.snapshot?.state == .done && second.snapshot?.state == .done })
        first.stop()
        second.stop()
        #expect(waitUntil { first.isFinished && second.isFinished })
        #expect((first.snapshot?.rebuilt ?? 0) + (second.snapshot?.rebuilt ?? 0) == 400)
        #expect(try conn.query("SELECT count(*) FROM articles WHERE search_config IS NULL").scalar == "0")
        #expect(try staleVectors(conn) == 0)

        // Stopped with rows left, a rebuilder keeps what it committed; the next one does the rest.
        try conn.query("UPDATE articles SET search_config = NULL")
        let stopped = SearchRebuilder(conninfo: url, batchSize: 10, logger: logger)
        stopped.start()
        #expect(waitUntil { (stopped.snapshot?.rebuilt ?? 0) >= 50 })
        stopped.stop()
        #expect(waitUntil { stopped.isFinished })
        let done = stopped.snapshot?.rebuilt ?? 0
        #expect(done < 400 && stopped.snapshot?.state == .running)
        #expect(try conn.query("SELECT count(*) FROM articles WHERE search_config IS NULL").scalar == "\(400 - done)")
        let next = SearchRebuilder(conninfo: url, batchSize: 1000, idleInterval: .milliseconds(50), logger: logger)
        next.start()
        #expect(waitUntil { next.snapshot?.state == .done })
        next.stop()
        #expect(next.snapshot?.rebuilt == 400 - done)
        #expect(try staleVectors(conn) == 0)
    }

    /// An unreachable database is a pause, not an end: the rebuild says so and goes on.
    @Test func anUnreachableDatabaseIsRetried() throws {
        let rebuilder = SearchRebuilder(
            conninfo: "host=/nonexistent-socket-dir dbname=none", connectTimeoutSeconds: 1, retryInterval: .milliseconds(50),
            logger: logger)
        rebuilder.start()
        #expect(waitUntil { rebuilder.snapshot?.state == .failed })
        #expect(rebuilder.snapshot?.error?.isEmpty == false)
        rebuilder.stop()
        #expect(waitUntil { rebuilder.isFinished })
    }
}

@Suite struct SearchQueryTests {
    /// German, English and not-yet-rebuilt rows, searched as `newsctl search` does.
    @Test func eachArticleIsMatchedInItsOwnLanguage() throws {
        let url = try TestPostgres.start().createDatabase()
        let conn = try PostgresConnection(conninfo: url)
        try Migrations.migrate(conn, through: 6, logger: Logger(label: "test"))
        // An English row from before migration 7, not rebuilt yet.
        let old = try insertOldRows(conn, count: 1, languages: ["en"], tag: "legacy")
        try Migrations.migrate(conn, logger: Logger(label: "test"))
        _ = try ArticleStore.write(
            [
                record("de", Written.article(Written.germanTitle, Written.german)),
                record("en", Written.article(Written.englishTitle, Written.english)),
            ],
            on: conn)
        let queries = ArticleQueries(conninfo: url, connectTimeoutSeconds: 5)
        func found(_ text: String, language: String? = nil) throws -> [String] {
            try queries.search(text, language: language, category: nil, since: nil, until: nil, source: nil, limit: 10).map(
                \.sourceFile)
        }
        #expect(try found("Wahlen") == ["de.txt"])
        #expect(try found("resigning").sorted() == ["en.txt", "old.txt"])
        #expect(try found("Wahlen", language: "de") == ["de.txt"])
        #expect(try found("resigning", language: "de") == [])
        #expect(try found("resigning", language: "EN").sorted() == ["en.txt", "old.txt"])
        #expect(try found("the") == [])  // only stop words: nothing, and no error
        // The snippet is highlighted with the row's own configuration.
        let hit = try #require(
            try queries.search("Wahlen", language: nil, category: nil, since: nil, until: nil, source: nil, limit: 1).first)
        #expect(hit.language == "de")
        #expect(hit.snippet?.contains("[Wahl]") == true)
        #expect(old.count == 1)
    }

    /// The candidates come from one scan of the search index, whatever the number of
    /// configurations the query is stemmed in.
    @Test func theSearchUsesTheIndex() throws {
        let url = try TestPostgres.start().createDatabase()
        let conn = try PostgresConnection(conninfo: url)
        try Migrations.migrate(conn, logger: Logger(label: "test"))
        let batch = (0..<200).map { i in record("r\(i)", Written.article("\(Written.englishTitle) \(i)", Written.english)) }
        _ = try ArticleStore.write(batch, on: conn)
        try conn.query("ANALYZE articles")
        // The statement ArticleQueries.search sends, as EXPLAIN sees it, with sequential scans
        // off: a plan that could not use the index would show one anyway.
        try conn.query("SET enable_seqscan = off")
        for language in [nil, "de"] as [String?] {
            let search = ArticleQueries.searchQuery(
                "resigning", language: language, category: nil, since: nil, until: nil, source: nil, limit: 10)
            let plan = try conn.query(PostgresQuery(unsafeSQL: "EXPLAIN " + search.sql, binds: search.binds)).rows
                .compactMap { $0[0] }.joined(separator: "\n")
            // With a language, an index on the language may find fewer candidates still.
            #expect(plan.contains("Bitmap Index Scan on articles_search_idx") || language != nil, "\(plan)")
            #expect(plan.contains("Index") && !plan.contains("Seq Scan on articles"), "\(plan)")
        }
    }
}
