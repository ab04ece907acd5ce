import Foundation
import IngestEngine
import Logging
import NewsCore
import PostgresClient
import TestSupport
import Testing

@Suite struct MigrationTests {
    @Test func migrationsApplyOnceEvenWhenRacing() async throws {
        let url = try TestPostgres.start().createDatabase()
        let logger = Logger(label: "test")
        let applied = try await withThrowingTaskGroup(of: [Int].self) { group in
            for _ in 0..<4 {
                group.addTask {
                    let c = try PostgresConnection(conninfo: url)
                    return try Migrations.migrate(c, logger: logger)
                }
            }
            var all: [Int] = []
            for try await a in group { all += a }
            return all
        }
        #expect(applied.sorted() == Migrations.all.map(\.version))
        let conn = try PostgresConnection(conninfo: url)
        #expect(try Migrations.migrate(conn, logger: logger) == [])
        #expect(try conn.query("SELECT count(*) FROM schema_migrations").scalar == "\(Migrations.all.count)")
    }

    @Test func theSearchIndexMergesItsPendingEntriesInLargeBatches() throws {
        let url = try TestPostgres.start().createDatabase()
        let conn = try PostgresConnection(conninfo: url)
        try Migrations.migrate(conn, logger: Logger(label: "test"))
        let options = try conn.query("SELECT reloptions::text FROM pg_class WHERE relname = 'articles_search_idx'")
        #expect(options.rows == [["{gin_pending_list_limit=16384}"]])
        // A writer's session gets the work_mem to merge that list in one pass...
        #expect(try conn.query("SHOW work_mem").scalar == "4MB")
        #expect(try ArticleStore.prepareWriterSession(conn) == "64MB")
        #expect(try conn.query("SHOW work_mem").scalar == "64MB")
        // ...but never less than the operator gave it.
        let generous = try PostgresConnection(conninfo: url + " options='-c work_mem=256MB'")
        #expect(try ArticleStore.prepareWriterSession(generous) == "256MB")
    }

    /// A writer's commit is acknowledged only once it is as durable as the cluster promises:
    /// a role's or database's `synchronous_commit = off` (or local, remote_write) is raised to
    /// `on` (which waits for a synchronous standby when there is one), a stronger setting is
    /// kept, and the session has no statement time-out (one that fired while a commit waits for
    /// the standby would report the commit done though the standby may not have it).
    @Test func writerCommitsWaitForWhatTheClusterPromises() throws {
        let url = try TestPostgres.start().createDatabase()
        let owner = try PostgresConnection(conninfo: url)
        try Migrations.migrate(owner, logger: Logger(label: "test"))
        for (given, expected) in [("off", "on"), ("local", "on"), ("remote_write", "on"), ("on", "on"), ("remote_apply", "remote_apply")] {
            let conn = try PostgresConnection(conninfo: url + " options='-c synchronous_commit=\(given) -c statement_timeout=5s'")
            _ = try ArticleStore.prepareWriterSession(conn)
            #expect(try conn.query("SHOW synchronous_commit").scalar == expected, "given \(given)")
            #expect(try conn.query("SHOW statement_timeout").scalar == "0")
        }
    }
}

@Suite struct ArticleStoreTests {
    let conn: PostgresConnection

    init() throws {
        conn = try PostgresConnection(conninfo: try TestPostgres.start().createDatabase())
        try Migrations.migrate(conn, logger: Logger(label: "test"))
    }

    func record(_ key: String, _ content: IngestRecord.Content, name: String = "a.txt") -> IngestRecord {
        IngestRecord(
            claimKey: key, fileName: name, sizeBytes: 123, sha256: Array(repeating: 7, count: 32),
            firstSeen: Date(timeIntervalSince1970: 1_700_000_000), attempts: 1, content: content)
    }

    @Test(arguments: [ArticleStore.Method.copy, .insert])
    func writesAreIdempotentByContentAndByClaim(method: ArticleStore.Method) throws {
        let article = Article(title: "T", paragraphs: ["One two.", "Three."])
        let first = try ArticleStore.write([record("k1", .article(article))], on: conn, method: method)
        guard case .stored(let a) = first[0], let id = a.first?.id, a == [StoredArticle(id: id, isNew: true)] else {
            Issue.record("not ingested: \(first)")
            return
        }
        // The same article under another file: no new row, the existing id.
        let again = try ArticleStore.write([record("k2", .article(article), name: "b.txt")], on: conn, method: method)
        #expect(again == [.duplicate(articleID: id)])
        // The same claim replayed after a crash between commit and archive: nothing written.
        let replay = try ArticleStore.write([record("k1", .article(article))], on: conn, method: method)
        #expect(replay == [.alreadyRecorded(outcome: "ingested", articleID: id, failure: nil)])

        let rows = try conn.query("SELECT title, body, paragraph_count, word_count, source_file FROM articles")
        #expect(rows.rows.count == 1)
        #expect(rows.rows[0] == ["T", "One two.\n\nThree.", "2", "3", "a.txt"])
        let log = try conn.query("SELECT claim_key, outcome, article_id FROM ingest_log ORDER BY id")
        #expect(log.rows == [["k1", "ingested", "\(id)"], ["k2", "duplicate", "\(id)"]])
    }

    @Test(arguments: [ArticleStore.Method.copy, .insert])
    func duplicatesInsideOneBatchAndFailuresAreRecorded(method: ArticleStore.Method) throws {
        let a = Article(title: "Same", paragraphs: ["Body."])
        let failure = IngestFailure(.notText, "the file is binary data (PNG image), not text")
        let outcomes = try ArticleStore.write(
            [record("x1", .article(a)), record("x2", .article(a)), record("x3", .failure(failure), name: "p.png")], on: conn,
            method: method)
        guard case .stored(let s) = outcomes[0], let id = s.first?.id, s.first?.isNew == true else {
            Issue.record("first not ingested")
            return
        }
        #expect(outcomes[1] == .duplicate(articleID: id))
        #expect(outcomes[2] == .failed(failure))
        let failed = try conn.query("SELECT file_name, outcome, error_code, error_message, size_bytes FROM ingest_log WHERE claim_key = \("x3")")
        #expect(failed.rows == [["p.png", "failed", "not_text", failure.reason, "123"]])
        let replay = try ArticleStore.write([record("x3", .failure(failure))], on: conn)
        #expect(replay == [.alreadyRecorded(outcome: "failed", articleID: nil, failure: failure)])
    }

    /// An article with its enrichment, as a parse worker hands it over.
    func enriched(_ title: String, _ paragraphs: [String]) -> Article {
        var a = Article(title: title, paragraphs: paragraphs)
        a.enrichment = Enricher(model: nil).enrich(a)
        return a
    }

    @Test func preparedRowsStoreWhatTheWriterWouldHaveComputed() throws {
        let text = ["Vladimir Putin thanked Donald Trump on Sunday for a tip from the CIA.", "Officials in St Petersburg said so."]
        var prepared = record("p1", .article(enriched("Putin thanks Trump", text)), name: "p.txt")
        prepared.makeRows()
        let plain = record("p2", .article(enriched("Putin thanks Trump again", text)), name: "p.txt")
        _ = try ArticleStore.write([prepared, plain], on: conn)
        let rows = try conn.query(
            """
            SELECT paragraph_count, word_count, language, keywords, simhash, format, record_index, source_file
            FROM articles ORDER BY id
            """).rows
        #expect(rows.count == 2)
        let simhash = String(Int64(bitPattern: SimHash.fingerprint("Putin thanks Trump\n" + text.joined(separator: "\n\n"))))
        #expect(rows[0] == ["2", "19", "en", "{}", simhash, "text", "0", "p.txt"])
        #expect(rows[0][..<4] == rows[1][..<4])
    }

    /// COPY (text format, escapes, ids drawn first) and INSERT store the same values.
    @Test func copyAndInsertStoreTheSameColumns() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let model = try LoadedModel(path: root.appendingPathComponent("config/topics-bbc.model").path)
        func article(_ title: String) -> Article {
            var a = Article(
                title: title,
                paragraphs: ["Tab\there, a \\ backslash, \"quotes\", a line\nbreak and ünïcode — in the budget debate.",
                             "Gordon Brown told MPs the economy grew by 3% in 2004."],
                metadata: ArticleMetadata(
                    url: "https://example.com/a?b=1&c=2", publishedAt: Date(timeIntervalSince1970: 1_100_000_000.25),
                    author: "A. Writer", source: "Example", language: "en"))
            a.enrichment = Enricher(model: model).enrich(a)
            // Entity names COPY must escape, beside the ones the rules found.
            a.enrichment!.entities.append(NamedEntity(name: "Tab\tand \\ back\nslash Ltd", kind: .organization, mentions: 2))
            return a
        }
        let copied = article("Copied")
        let inserted = article("Inserted")
        _ = try ArticleStore.write([record("c1", .article(copied), name: "c.txt")], on: conn, method: .copy)
        _ = try ArticleStore.write([record("c2", .article(inserted), name: "c.txt")], on: conn, method: .insert)
        let rows = try conn.query(
            """
            SELECT body, paragraph_count, word_count, source_file, url, published_at, author, source, language, format,
                   record_index, model_id, classified_at IS NOT NULL, duplicate_of, length(content_hash),
                   category, confidence, keywords, jsonb_typeof(scores)
            FROM articles ORDER BY title
            """).rows
        #expect(rows.count == 2)
        // The same values where the two articles agree ...
        #expect(rows[0][..<15] == rows[1][..<15])
        #expect(rows[0][0]?.contains("Tab\there, a \\ backslash, \"quotes\"") == true)
        #expect(rows[0][5] == "2004-11-09 11:33:20.25+00")
        #expect(rows[0][11] == model.id && rows[0][12] == "t" && rows[0][14] == "32")
        // ... and each article's own topic and keywords where they differ (titles differ).
        for (row, a) in zip(rows, [copied, inserted]) {
            let e = a.enrichment!
            #expect(row[15] == e.topic?.category)
            #expect(row[16].flatMap(Float.init) == e.topic.map { Float($0.confidence) })
            #expect(row[17] == "{" + e.keywords.joined(separator: ",") + "}")
            #expect(row[18] == "object")
        }
        // Entities: COPY for the one, INSERT for the other, the same rows.
        for (title, a) in [("Copied", copied), ("Inserted", inserted)] {
            let stored = try conn.query(
                """
                SELECT e.kind, e.name, e.mentions FROM article_entities e JOIN articles a ON a.id = e.article_id
                WHERE a.title = \(title) ORDER BY e.kind, e.name
                """).rows.map { [$0[0]!, $0[1]!, $0[2]!] }
            let expected = a.enrichment!.entities.map { [$0.kind.rawValue, $0.name, String($0.mentions)] }
                .sorted { ($0[0], $0[1]) < ($1[0], $1[1]) }
            #expect(stored == expected)
            #expect(stored.contains(["organization", "Tab\tand \\ back\nslash Ltd", "2"]))
        }
    }

    /// The ingest log rows COPY writes are the rows the INSERT path writes: a stored file with
    /// a record failure, a duplicate, a failed file with a reason COPY must escape.
    @Test func copyAndInsertLogTheSameRows() throws {
        func batch(_ tag: String) -> [IngestRecord] {
            let a = Article(title: "Logged " + tag, paragraphs: ["Body of \(tag)."])
            let failure = IngestFailure(.notText, "binary\tdata \\ with\na line break (\(tag))")
            var records = [
                record(tag + "-1", .document(
                    format: .ndjson, articles: [a],
                    recordFailures: [.init(index: 1, failure: IngestFailure(.noBody, "record 2 has no body"))]),
                    name: "feed \(tag).jsonl"),
                record(tag + "-2", .article(a), name: "again.txt"),
                record(tag + "-3", .failure(failure), name: "p\t\(tag).png"),
            ]
            records[2].sha256 = nil
            records[1].firstSeen = Date(timeIntervalSince1970: 1_700_000_000.123456)
            records[1].attempts = 3
            return records
        }
        _ = try ArticleStore.write(batch("TAGC"), on: conn, method: .copy)
        _ = try ArticleStore.write(batch("TAGI"), on: conn, method: .insert)
        func logged(_ tag: String) throws -> [[String?]] {
            try conn.query(
                """
                SELECT replace(claim_key, \(tag), '*'), replace(file_name, \(tag), '*'), size_bytes, encode(sha256, 'hex'),
                       outcome, error_code, replace(error_message, \(tag), '*'), attempts, first_seen,
                       article_id = article_ids[1], cardinality(article_ids), format, record_errors
                FROM ingest_log WHERE claim_key LIKE \(tag + "-%") ORDER BY claim_key
                """).rows
        }
        let copied = try logged("TAGC")
        let inserted = try logged("TAGI")
        #expect(copied == inserted, "COPY: \(copied)\nINSERT: \(inserted)")
        #expect(copied.count == 3)
        #expect(copied[0] == [
            "*-1", "feed *.jsonl", "123", String(repeating: "07", count: 32), "ingested", nil, nil, "1",
            "2023-11-14 22:13:20+00", "t", "1", "ndjson", #"[{"code": "no_body", "index": 1, "reason": "record 2 has no body"}]"#,
        ])
        #expect(copied[1][4] == "duplicate" && copied[1][7] == "3" && copied[1][8] == "2023-11-14 22:13:20.123456+00")
        #expect(copied[2][3] == nil && copied[2][5] == "not_text" && copied[2][6] == "binary\tdata \\ with\na line break (*)")
    }

    /// A claim this process made is not looked up in the ingest log; if it was recorded anyway
    /// (a COMMIT whose answer was lost), writing it again fails on the claim key and the batch
    /// is written again with every claim looked up: nothing doubled, the recorded outcome.
    @Test(arguments: [ArticleStore.Method.copy, .insert])
    func anUncheckedClaimRecordedAlreadyIsFoundOnTheSecondTry(method: ArticleStore.Method) throws {
        let article = enriched("Recorded once", ["Gordon Brown said the budget would pass."])
        var first = record("u1", .article(article))
        first.mayBeRecorded = false
        guard case .stored(let s) = try ArticleStore.write([first], on: conn, method: method)[0], let id = s.first?.id else {
            Issue.record("not stored")
            return
        }
        let other = Article(title: "Other", paragraphs: ["Another story entirely."])
        var again = record("u2", .article(other), name: "b.txt")
        again.mayBeRecorded = false
        let replay = try ArticleStore.write([first, again], on: conn, method: method)
        #expect(replay[0] == .alreadyRecorded(outcome: "ingested", articleID: id, failure: nil))
        guard case .stored(let t) = replay[1], t.count == 1, t[0].isNew else {
            Issue.record("second file not stored: \(replay[1])")
            return
        }
        #expect(try conn.query("SELECT count(*) FROM articles").scalar == "2")
        #expect(try conn.query("SELECT count(*) FROM ingest_log").scalar == "2")
        #expect(try conn.query("SELECT count(*) FROM article_entities WHERE article_id = \(id)").scalar
            == String(article.enrichment!.entities.count))
    }

    /// Publication dates COPY writes as text read back as the INSERT path's epoch seconds do,
    /// year 0 (1 BC to PostgreSQL) and far-off years included.
    /// (Epoch seconds: 0000-01-01, 0001-01-01 05:06:07, just before 1970, 2026, 9999-12-31.)
    @Test(arguments: [-62_167_219_200, -62_135_578_433, -0.5, 1_795_000_000, 253_402_300_799] as [Double])
    func publicationDatesSurviveCopy(_ epoch: Double) throws {
        let date = Date(timeIntervalSince1970: epoch)
        let text = "\(epoch)"
        for (i, method) in [ArticleStore.Method.copy, .insert].enumerated() {
            let a = Article(title: "Dated \(i)", paragraphs: ["Body \(text)."], metadata: ArticleMetadata(publishedAt: date))
            let outcome = try ArticleStore.write([record("d\(i)", .article(a))], on: conn, method: method)
            #expect(outcome.count == 1)
        }
        let epochs = try conn.query("SELECT extract(epoch FROM published_at)::float8 FROM articles ORDER BY title").rows
        #expect(epochs.count == 2)
        #expect(epochs[0] == epochs[1])
        #expect(epochs[0][0].flatMap(Double.init).map { abs($0 - date.timeIntervalSince1970) < 0.001 } == true)
    }

    /// Two writers storing the same content at once: the COPY that loses falls back to INSERT
    /// … ON CONFLICT, and the content is stored once, new for exactly one of them.
    @Test func concurrentCopiesOfTheSameContentStoreItOnce() throws {
        let url = try TestPostgres.start().createDatabase()
        let connections = try (0..<2).map { _ in try PostgresConnection(conninfo: url) }
        try Migrations.migrate(connections[0], logger: Logger(label: "test"))
        nonisolated(unsafe) let perThread = connections
        for round in 0..<20 {
            let a = Article(title: "Same \(round)", paragraphs: ["Body of round \(round)."])
            let records = (0..<2).map { i in record("s\(round)-\(i)", .article(a), name: "\(i).txt") }
            nonisolated(unsafe) var outcomes: [[StoredOutcome]] = [[], []]
            nonisolated(unsafe) var failures: [any Error] = []
            let lock = NSLock()
            DispatchQueue.concurrentPerform(iterations: 2) { i in
                do {
                    let o = try ArticleStore.write([records[i]], on: perThread[i], method: .copy)
                    lock.withLock { outcomes[i] = o }
                } catch {
                    lock.withLock { failures.append(error) }
                }
            }
            #expect(failures.isEmpty)
            let new = outcomes.flatMap { $0 }.filter { if case .stored(let s) = $0 { return s.first?.isNew == true }; return false }
            #expect(new.count == 1, "round \(round)")
        }
        #expect(try connections[0].query("SELECT count(*), count(DISTINCT content_hash) FROM articles").rows == [["20", "20"]])
    }

    @Test func deletingAnArticleDeletesItsEntities() throws {
        let a = enriched("Putin thanks Trump", ["Vladimir Putin thanked Donald Trump for a tip from the CIA on Sunday."])
        let b = enriched("Other news", ["Gordon Brown spoke to the BBC in London about the budget on Monday."])
        #expect(a.enrichment?.entities.isEmpty == false)
        _ = try ArticleStore.write([record("e1", .article(a)), record("e2", .article(b))], on: conn)
        let before = try conn.query("SELECT count(*) FROM article_entities").scalar.flatMap { Int($0) } ?? 0
        let ofA = try conn.query(
            "SELECT count(*) FROM article_entities e JOIN articles a ON a.id = e.article_id WHERE a.title = 'Putin thanks Trump'"
        ).scalar.flatMap { Int($0) } ?? 0
        #expect(ofA == a.enrichment!.entities.count)
        try conn.query("DELETE FROM articles WHERE title = 'Putin thanks Trump'")
        #expect(try conn.query("SELECT count(*) FROM article_entities").scalar == "\(before - ofA)")
        #expect(try conn.query("SELECT count(*) FROM article_entities e LEFT JOIN articles a ON a.id = e.article_id WHERE a.id IS NULL").scalar == "0")
        // TRUNCATE fires no DELETE trigger; its own trigger empties the entities too.
        #expect(try conn.query("SELECT count(*) FROM article_entities").scalar != "0")
        try conn.query("TRUNCATE articles CASCADE")
        #expect(try conn.query("SELECT count(*) FROM article_entities").scalar == "0")
    }

    /// A near-duplicate of a committed article gets its id with the INSERT; one of an article in
    /// the same batch, by an UPDATE after it. Either way, the nearest earlier article.
    @Test func nearDuplicatesOfCommittedAndSameBatchArticles() throws {
        let tracker = NearDuplicateTracker(maxDistance: NearDuplicateIndex.defaultMaxDistance)
        try tracker.loadIfNeeded(conn)
        let sample = String(decoding: try sampleArticleBytes(), as: UTF8.self)
        let original = try PlainTextParser().parse(text: sample)
        let copy = try PlainTextParser().parse(text: rewriteSample(sample))
        func variant(_ a: Article, _ tag: String) -> Article { enriched(a.title + " " + tag, a.paragraphs) }
        _ = try ArticleStore.write([record("n1", .article(variant(original, "A")))], on: conn, duplicates: tracker)
        _ = try ArticleStore.write(
            [record("n2", .article(variant(copy, "B"))), record("n3", .article(variant(copy, "C")))], on: conn, duplicates: tracker)
        let rows = try conn.query("SELECT id, duplicate_of FROM articles ORDER BY id").rows
        #expect(rows.count == 3)
        // B is the rewrite of A: linked at INSERT. C differs from B by one title word, nearer
        // than A's rewritten sentences: linked to B, found within the batch.
        #expect(rows[1][1] == rows[0][0])
        #expect(rows[2][1] == rows[1][0])
    }

    /// The stored fingerprints load a page at a time from their own index (an index-only scan,
    /// not the table's pages), only those of the window's days; an article written before the
    /// load is done gets its link when the load is merged in.
    @Test func fingerprintsLoadWithinTheWindowAndLinkLate() throws {
        let sample = String(decoding: try sampleArticleBytes(), as: UTF8.self)
        let original = try PlainTextParser().parse(text: sample)
        let copy = try PlainTextParser().parse(text: rewriteSample(sample))
        func variant(_ a: Article, _ tag: String) -> Article { enriched(a.title + " " + tag, a.paragraphs) }
        _ = try ArticleStore.write([record("o1", .article(variant(original, "old")))], on: conn)
        _ = try ArticleStore.write([record("o2", .article(variant(original, "recent")))], on: conn)
        try conn.query("UPDATE articles SET ingested_at = now() - interval '200 days' WHERE title LIKE '% old'")
        try conn.query("UPDATE articles SET ingested_at = now() - interval '10 days' WHERE title LIKE '% recent'")
        let recent = try conn.query("SELECT id FROM articles WHERE title LIKE '% recent'").scalar
        #expect(try NearDuplicateTracker.read(conn, windowDays: 90, maxDistance: 8).index.count == 1)
        #expect(try NearDuplicateTracker.read(conn, windowDays: 0, maxDistance: 8).index.count == 2)
        #expect(try NearDuplicateTracker.read(conn, windowDays: 300, maxDistance: 8).index.count == 2)

        try conn.query("SET enable_seqscan = off")
        try conn.query("SET enable_bitmapscan = off")
        let plan = try conn.query(
            "EXPLAIN SELECT id, simhash FROM articles WHERE id > 0 AND id <= 10 AND simhash IS NOT NULL AND word_count >= 20 ORDER BY id LIMIT 50000"
        ).rows.compactMap { $0[0] }.joined(separator: "\n")
        #expect(plan.contains("Index Only Scan using articles_fingerprint_idx"), "\(plan)")
        try conn.query("RESET enable_seqscan")
        try conn.query("RESET enable_bitmapscan")

        let tracker = NearDuplicateTracker(maxDistance: 8)
        _ = try ArticleStore.write([record("r1", .article(variant(copy, "recent")))], on: conn, duplicates: tracker)
        let rewrite = PostgresQuery(unsafeSQL: "SELECT duplicate_of FROM articles WHERE title LIKE '% recent' AND id > \(recent ?? "0")")
        #expect(try conn.query(rewrite).rows == [[nil]])
        #expect(try tracker.loadIfNeeded(conn, windowDays: 90))
        #expect(try conn.query(rewrite).rows == [[recent]])
        #expect(tracker.count == 2)
    }

    /// Two writer connections sharing one tracker: whichever batch commits second links to the
    /// other, every time (a batch is matched against every batch committed before it).
    @Test func concurrentWritersLinkNearDuplicatesExactlyOnce() throws {
        let sample = String(decoding: try sampleArticleBytes(), as: UTF8.self)
        let original = try PlainTextParser().parse(text: sample)
        let copy = try PlainTextParser().parse(text: rewriteSample(sample))
        for round in 0..<10 {
            // A fresh database each round: the pair must find each other, not an earlier round.
            let url = try TestPostgres.start().createDatabase()
            let connections = try (0..<2).map { _ in try PostgresConnection(conninfo: url) }
            try Migrations.migrate(connections[0], logger: Logger(label: "test"))
            let tracker = NearDuplicateTracker(maxDistance: NearDuplicateIndex.defaultMaxDistance)
            try tracker.loadIfNeeded(connections[0])
            let pair = [original, copy].enumerated().map { i, a in
                enriched(a.title + " \(round)", a.paragraphs.map { $0 + " Round \(round)." })
            }
            let records = (0..<2).map { i in record("r\(round)-\(i)", .article(pair[i]), name: "\(i).txt") }
            // Each connection is used by one thread only.
            nonisolated(unsafe) let perThread = connections
            nonisolated(unsafe) var failures: [any Error] = []
            let lock = NSLock()
            DispatchQueue.concurrentPerform(iterations: 2) { i in
                do {
                    _ = try ArticleStore.write([records[i]], on: perThread[i], duplicates: tracker)
                } catch {
                    lock.withLock { failures.append(error) }
                }
            }
            #expect(failures.isEmpty)
            let links = try connections[0].query(
                "SELECT count(*) FROM articles WHERE duplicate_of IS NOT NULL").scalar
            #expect(links == "1", "round \(round)")
        }
    }

    @Test func theSearchVectorFindsTheSample() throws {
        let article = Article(title: "Putin thanks Trump", paragraphs: ["A plot to attack St Petersburg was foiled."])
        _ = try ArticleStore.write([record("s1", .article(article))], on: conn)
        let hits = try conn.query("SELECT title FROM articles WHERE search @@ websearch_to_tsquery('english', \("St Petersburg"))")
        #expect(hits.rows == [["Putin thanks Trump"]])
    }
}
