import Foundation
import NewsCore
import PostgresClient
import Testing

@testable import IngestEngine

/// The one column list both write paths read (Store/ColumnTable.swift, Store/ArticleRow.swift).
struct ColumnTableTests {
    private func names(_ list: [StaticString]) -> [String] { list.map { "\($0)" } }

    @Test func copyAndInsertNameTheSameArticleColumnsInTheSameOrder() throws {
        let table = ArticleColumn.table
        #expect(names(ArticleStore.copyColumns) == ["id"] + names(table.names))
        #expect(names(table.names).prefix(5) == ["title", "body", "paragraph_count", "word_count", "content_hash"])
        #expect(names(table.names).suffix(2) == ["classified_at", "duplicate_of"])
        let query = table.insert([[String?]](repeating: ["x"], count: table.columns.count), suffix: "ON CONFLICT DO NOTHING")
        let insertList = try #require(query.sql.split(separator: "(", maxSplits: 1).last?.split(separator: ")").first)
        #expect(insertList.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } == names(table.names))
        #expect(query.binds.count == 24)
        #expect(query.sql.contains("unnest($1::text[], $2::text[]") && query.sql.contains("$24::text[]) AS t(v0, v1"))
        #expect(query.sql.contains("decode(substr(t.v4, 3), 'hex')"))
        #expect(query.sql.contains("t.v19::boolean, t.v20, t.v21::regconfig"))  // language_reliable, entity_model_id, search_config
        #expect(query.sql.contains("CASE WHEN EXISTS (SELECT 1 FROM articles b WHERE b.id = t.v23::bigint) THEN t.v23::bigint END"))
        #expect(query.sql.hasSuffix("ON CONFLICT DO NOTHING"))
    }

    @Test func theLogAndEntityTablesMatchTheirValues() throws {
        let record = IngestRecord(
            claimKey: "1:2:3", fileName: "a.txt", sizeBytes: 10, sha256: [0xAB], firstSeen: Date(timeIntervalSince1970: 0), attempts: 1,
            content: .failure(IngestFailure(.notText, "binary")))
        let values = try #require(try ArticleStore.logValues(record, .failed(IngestFailure(.notText, "binary"))))
        #expect(values.count == ArticleStore.logColumns.columns.count)
        #expect(values == ["1:2:3", "a.txt", "10", "\\xab", "failed", "not_text", "binary", "1", "1970-01-01 00:00:00.000000+00", nil, nil, nil, nil])
        #expect(try ArticleStore.logValues(record, .alreadyRecorded(outcome: "failed", articleID: nil, failure: nil)) == nil)
        let entity = NamedEntity(name: "Oslo", kind: .place, mentions: 2)
        var values2: [String] = []
        ArticleStore.entityValues(9, entity) { values2.append($0) }
        #expect(values2 == ["9", "place", "Oslo", "2"])
        #expect(values2.count == ArticleStore.entityColumns.columns.count)
        #expect(names(ArticleStore.entityColumns.names) == ["article_id", "kind", "name", "mentions"])
    }
}
