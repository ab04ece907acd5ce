import PostgresClient

/// Telling listeners of new articles (`newsctl follow`, the operators' own consumers).
extension ArticleStore {
    /// The channel newsd NOTIFYs after each committed batch that stored new articles.
    public static let notifyChannel = "newsd_articles"

    /// `NOTIFY newsd_articles, '{"ids":[…],"instance":"…","boot":"…"}'` with the batch's new
    /// article ids, the writer session's `newsd.instance` and `newsd.boot` (each left out when
    /// the session has none), inside
    /// the transaction, so listeners hear of them only once they are committed (and never for a
    /// rolled-back batch). Payloads stay under PostgreSQL's 8,000-byte limit: large batches
    /// send several.
    static func notify(_ outcomes: [StoredOutcome], _ tx: PostgresConnection) throws {
        var ids: [Int64] = []
        for case .stored(let articles) in outcomes { ids += articles.filter(\.isNew).map(\.id) }
        var start = 0
        while start < ids.count {
            let chunk = ids[start..<min(ids.count, start + 300)]
            try tx.query(
                """
                SELECT pg_notify(\(notifyChannel), \("{\"ids\":[" + chunk.map(String.init).joined(separator: ",") + "]")
                    || coalesce(',"instance":' || nullif(to_json(current_setting('newsd.instance', true))::text, 'null'), '')
                    || coalesce(',"boot":' || nullif(to_json(current_setting('newsd.boot', true))::text, 'null'), '') || '}')
                """)
            start += 300
        }
    }
}
