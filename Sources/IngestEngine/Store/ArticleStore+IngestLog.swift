import Foundation
import NewsCore
import PostgresClient

/// The ingest log: one row per claim recorded, the outcome it had. It is what makes a replay
/// after a crash write nothing twice: a claim found there is finished as recorded.
extension ArticleStore {
    /// The `ingest_log` columns newsd writes, both paths.
    static let logColumns = ColumnTable(
        table: "ingest_log",
        columns: [
            .init("claim_key"), .init("file_name"), .init("size_bytes", "$::bigint"), .init("sha256", "decode(substr($, 3), 'hex')"),
            .init("outcome"), .init("error_code"), .init("error_message"), .init("attempts", "$::integer"),
            .init("first_seen", "$::timestamptz"), .init("article_id", "$::bigint"), .init("article_ids", "$::bigint[]"),
            .init("format"), .init("record_errors", "$::jsonb"),
        ])

    /// One record's `ingest_log` values in `logColumns` order, or nil when its claim was
    /// recorded already.
    static func logValues(_ record: IngestRecord, _ outcome: StoredOutcome) throws -> [String?]? {
        var kind = "failed"
        var ids: [Int64] = []
        var failure: IngestFailure? = nil
        switch outcome {
        case .stored(let articles):
            kind = articles.contains(where: \.isNew) ? "ingested" : "duplicate"
            ids = articles.map(\.id)
        case .failed(let f): failure = f
        case .alreadyRecorded: return nil
        }
        var format: String? = nil
        var recordErrors: String? = nil
        if case .document(let f, _, let failures) = record.content {
            format = f.rawValue
            if !failures.isEmpty {
                let list = failures.map { ["index": $0.index, "code": $0.failure.code.rawValue, "reason": $0.failure.reason] as [String: Any] }
                recordErrors = String(decoding: try JSONSerialization.data(withJSONObject: list, options: [.sortedKeys]), as: UTF8.self)
            }
        }
        return [
            record.claimKey, record.fileName, String(record.sizeBytes), record.sha256.map { "\\x" + hexString($0) }, kind,
            failure?.code.rawValue, failure?.reason, String(record.attempts), ArticleRow.timestampText(record.firstSeen),
            ids.first.map { String($0) }, ids.isEmpty ? nil : "{" + ids.map(String.init).joined(separator: ",") + "}", format, recordErrors,
        ]
    }

    /// One ingest_log row per newly recorded file, in one statement.
    static func log(_ records: [IngestRecord], _ outcomes: [StoredOutcome], _ method: Method, _ tx: PostgresConnection) throws {
        let rows = try zip(records, outcomes).compactMap { try logValues($0, $1) }
        guard !rows.isEmpty else { return }
        switch method {
        case .copy:
            var out = CopyText(capacity: rows.count * 256)
            for row in rows {
                for v in row { out.append(v) }
                out.endRow()
            }
            try tx.copyIn(table: logColumns.table, columns: logColumns.names, data: out.bytes)
        case .insert:
            var columns = [[String?]](repeating: [], count: logColumns.columns.count)
            for row in rows { for (c, v) in row.enumerated() { columns[c].append(v) } }
            try tx.query(logColumns.insert(columns))
        }
    }

    /// The outcomes already recorded for these claims.
    static func recordedClaims(_ keys: [String], _ tx: PostgresConnection) throws -> [String: StoredOutcome] {
        guard !keys.isEmpty else { return [:] }
        let rows = try tx.query(
            """
            SELECT claim_key, outcome, article_id, error_code, error_message
            FROM ingest_log WHERE claim_key = ANY(\(keys)::text[])
            """)
        var result: [String: StoredOutcome] = [:]
        for row in rows.rows {
            guard let key = row[0], let outcome = row[1] else { continue }
            let failure = row[3].flatMap { FailureCode(rawValue: $0) }.map { IngestFailure($0, row[4] ?? "") }
            result[key] = .alreadyRecorded(outcome: outcome, articleID: row[2].flatMap { Int64($0) }, failure: failure)
        }
        return result
    }
}
