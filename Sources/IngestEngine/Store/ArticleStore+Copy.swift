import Foundation
import NewsCore
import PostgresClient

/// The fast path: COPY, with article ids drawn from the sequence first.
extension ArticleStore {
    /// The `articles` columns COPY fills: the id drawn beforehand, then every `ArticleColumn`.
    static let copyColumns: [StaticString] = ["id"] + ArticleColumn.table.names

    /// COPYs the rows whose content is not stored yet (the first of each hash). Returns the ids
    /// of the rows it stored and of every hash.
    static func copyArticles(
        _ articles: [PendingArticle], _ tx: PostgresConnection
    ) throws -> (new: [String: Int64], all: [String: Int64]) {
        var all = try storedIDs(Array(Set(articles.map(\.row.hash))), tx)
        var seen = Set<String>()
        let fresh = articles.indices.filter { all[articles[$0].row.hash] == nil && seen.insert(articles[$0].row.hash).inserted }
        guard !fresh.isEmpty else { return ([:], all) }
        let drawn = try tx.query(
            "SELECT nextval(pg_get_serial_sequence('articles', 'id')) FROM generate_series(1, \(fresh.count)::integer)"
        ).rows.compactMap { $0[0].flatMap { Int64($0) } }
        guard drawn.count == fresh.count else {
            throw PostgresError(code: .unexpectedResult, message: "drew \(drawn.count) article ids for \(fresh.count) rows")
        }
        // A near-duplicate target an operator deleted since start-up is left out.
        let targets = Set(fresh.compactMap { articles[$0].guess })
        var alive = Set<Int64>()
        if !targets.isEmpty {
            let found = try tx.query("SELECT id FROM articles WHERE id = ANY(\(targets.map { String($0) })::bigint[])").rows
            alive = Set(found.compactMap { $0[0].flatMap { Int64($0) } })
        }
        let classifiedAt = ArticleRow.timestampText(Date())
        var out = CopyText(capacity: fresh.reduce(0) { $0 + (articles[$1].row.values[ArticleColumn.body.rawValue]?.utf8.count ?? 0) + 512 })
        var new: [String: Int64] = [:]
        for (j, k) in fresh.enumerated() {
            let row = articles[k].row
            let target = articles[k].guess.flatMap { alive.contains($0) ? $0 : nil }
            row.copy(to: &out, id: drawn[j], classifiedAt: classifiedAt, duplicateOf: target)
            new[row.hash] = drawn[j]
            all[row.hash] = drawn[j]
        }
        try tx.copyIn(table: ArticleColumn.table.table, columns: copyColumns, data: out.bytes)
        return (new, all)
    }

    /// The new articles' entities. They are new rows with fresh ids, and an article's entities
    /// have distinct names: nothing to conflict with. (A conflict would still fail the COPY,
    /// and the batch would be written again the INSERT way.)
    static func copyEntities(_ entities: [(articleID: Int64, entity: NamedEntity)], _ tx: PostgresConnection) throws {
        guard !entities.isEmpty else { return }
        var out = CopyText(capacity: entities.count * 48)
        for (id, entity) in entities {
            entityValues(id, entity) { out.append($0) }
            out.endRow()
        }
        try tx.copyIn(table: entityColumns.table, columns: entityColumns.names, data: out.bytes)
    }

    /// The `article_entities` columns, both paths.
    static let entityColumns = ColumnTable(
        table: "article_entities", columns: [.init("article_id", "$::bigint"), .init("kind"), .init("name"), .init("mentions", "$::integer")])

    /// One entity's values in `entityColumns` order, each handed to `each` (no array per entity).
    @inline(__always)
    static func entityValues(_ articleID: Int64, _ entity: NamedEntity, _ each: (String) -> Void) {
        each(String(articleID))
        each(entity.kind.rawValue)
        each(entity.name)
        each(String(entity.mentions))
    }
}
