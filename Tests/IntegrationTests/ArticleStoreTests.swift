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

    @Test func writesAreIdempotentByContentAndByClaim() throws {
        let article = Article(title: "T", paragraphs: ["One two.", "Three."])
        let first = try ArticleStore.write([record("k1", .article(article))], on: conn)
        guard case .stored(let a) = first[0], let id = a.first?.id, a == [StoredArticle(id: id, isNew: true)] else {
            Issue.record("not ingested: \(first)")
            return
        }
        // The same article under another file: no new row, the existing id.
        let again = try ArticleStore.write([record("k2", .article(article), name: "b.txt")], on: conn)
        #expect(again == [.duplicate(articleID: id)])
        // The same claim replayed after a crash between commit and archive: nothing written.
        let replay = try ArticleStore.write([record("k1", .article(article))], on: conn)
        #expect(replay == [.alreadyRecorded(outcome: "ingested", articleID: id, failure: nil)])

        let rows = try conn.query("SELECT title, body, paragraph_count, word_count, source_file FROM articles")
        #expect(rows.rows.count == 1)
        #expect(rows.rows[0] == ["T", "One two.\n\nThree.", "2", "3", "a.txt"])
        let log = try conn.query("SELECT claim_key, outcome, article_id FROM ingest_log ORDER BY id")
        #expect(log.rows == [["k1", "ingested", "\(id)"], ["k2", "duplicate", "\(id)"]])
    }

    @Test func duplicatesInsideOneBatchAndFailuresAreRecorded() throws {
        let a = Article(title: "Same", paragraphs: ["Body."])
        let failure = IngestFailure(.notText, "the file is binary data (PNG image), not text")
        let outcomes = try ArticleStore.write(
            [record("x1", .article(a)), record("x2", .article(a)), record("x3", .failure(failure), name: "p.png")], on: conn)
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

    @Test func theSearchVectorFindsTheSample() throws {
        let article = Article(title: "Putin thanks Trump", paragraphs: ["A plot to attack St Petersburg was foiled."])
        _ = try ArticleStore.write([record("s1", .article(article))], on: conn)
        let hits = try conn.query("SELECT title FROM articles WHERE search @@ websearch_to_tsquery('english', \("St Petersburg"))")
        #expect(hits.rows == [["Putin thanks Trump"]])
    }
}
