import NewsCore
import PostgresClient

/// The careful path: INSERT … ON CONFLICT of unnested text arrays, for a batch that COPY could
/// not write (another writer stored the same content meanwhile) and for `Method.insert`.
extension ArticleStore {
    /// Inserts every row (ON CONFLICT on the content hash). Returns the ids of the rows it
    /// stored and of every hash.
    static func insertArticles(
        _ articles: [PendingArticle], _ tx: PostgresConnection
    ) throws -> (new: [String: Int64], all: [String: Int64]) {
        var columns = [[String?]](repeating: [], count: ArticleColumn.allCases.count)
        for item in articles {
            for (c, v) in item.row.values.enumerated() { columns[c].append(v) }
            columns[ArticleColumn.duplicateOf.rawValue].append(item.guess.map { String($0) })
        }
        let inserted = try tx.query(
            ArticleColumn.table.insert(columns, suffix: "ON CONFLICT (content_hash) DO NOTHING RETURNING id, '\\x' || encode(content_hash, 'hex')"))
        var new: [String: Int64] = [:]
        for row in inserted.rows {
            if let id = row[0].flatMap({ Int64($0) }), let h = row[1] { new[h] = id }
        }
        // Articles already stored (by an earlier batch, or earlier in this one).
        var all = new
        let missing = Array(Set(articles.map(\.row.hash).filter { new[$0] == nil }))
        for (h, id) in try storedIDs(missing, tx) { all[h] = id }
        return (new, all)
    }

    /// The new articles' entities, skipping any already stored.
    static func insertEntities(_ entities: [(articleID: Int64, entity: NamedEntity)], _ tx: PostgresConnection) throws {
        guard !entities.isEmpty else { return }
        var columns = [[String?]](repeating: [], count: entityColumns.columns.count)
        for (id, entity) in entities {
            var c = 0
            entityValues(id, entity) { v in
                columns[c].append(v)
                c += 1
            }
        }
        try tx.query(entityColumns.insert(columns, suffix: "ON CONFLICT DO NOTHING"))
    }
}
