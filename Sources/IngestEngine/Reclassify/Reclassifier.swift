@preconcurrency import Dispatch
import Foundation
import Logging
import NewsCore
import NewsProtocol
import PostgresClient
import Synchronization

/// `newsctl reclassify`: re-scores stored articles with the loaded model, in batches of
/// `batchSize` on a connection of its own, each batch a short transaction that touches only
/// old rows, so ingestion (which inserts new rows) never waits for it. One job at a time.
public final class Reclassifier: Sendable {
    /// Articles per batch.
    public static let batchSize = 200

    private let progress = Mutex<ReclassifyProgress?>(nil)
    /// Set at shutdown: a running job stops before its next batch.
    private let stopping = Atomic<Bool>(false)
    private let queue = DispatchQueue(label: "newsd.reclassify", qos: .utility)
    private let conninfo: String
    private let connectTimeout: Int
    private let logger: Logger

    init(conninfo: String, connectTimeoutSeconds: Int, logger: Logger) {
        self.conninfo = conninfo
        self.connectTimeout = connectTimeoutSeconds
        self.logger = logger
    }

    /// Stops a running job before its next batch (each batch is a transaction of its own, so
    /// what it updated stays); `newsctl reclassify` again takes up the rest.
    func stop() { stopping.store(true, ordering: .relaxed) }

    /// The current or last job.
    public var snapshot: ReclassifyProgress? { progress.withLock { $0 } }

    /// Starts a job with `enricher`'s model over articles ingested since `since` (all when nil);
    /// `all` re-scores articles the model already scored too.
    func start(enricher: Enricher, since: Date?, all: Bool) -> Result<ReclassifyProgress, ControlErrorBody> {
        guard let model = enricher.model else {
            return .failure(ControlErrorBody(code: .noModel, message: "no topic model is loaded (set classifier.model and reload)"))
        }
        let sinceText = since.map { $0.formatted(.iso8601) }
        let started: ReclassifyProgress? = progress.withLock { p in
            if p?.state == .running { return nil }
            p = ReclassifyProgress(
                state: .running, modelID: model.id, since: sinceText, all: all, startedAt: Date().timeIntervalSince1970)
            return p
        }
        guard let started else {
            return .failure(ControlErrorBody(code: .busy, message: "a reclassify job is already running"))
        }
        logger.notice("reclassify started", metadata: ["model_id": "\(model.id)", "since": "\(sinceText ?? "all")", "all": "\(all)"])
        queue.async { self.run(enricher: enricher, since: since, all: all) }
        return .success(started)
    }

    private func run(enricher: Enricher, since: Date?, all: Bool) {
        let model = enricher.model!
        do {
            let conn = try PostgresConnection(conninfo: conninfo, connectTimeoutSeconds: connectTimeout)
            // Its UPDATEs change indexed columns, so every row gets new search-index entries too.
            try ArticleStore.prepareWriterSession(conn)
            let sinceSeconds = since.map { String($0.timeIntervalSince1970) }
            var lastID = 0
            while true {
                if stopping.load(ordering: .relaxed) {
                    throw ReclassifyStopped()
                }
                let rows = try conn.query(
                    """
                    SELECT id, title, body, language FROM articles
                    WHERE id > \(lastID)
                      AND (\(sinceSeconds)::float8 IS NULL OR ingested_at >= to_timestamp(\(sinceSeconds)::float8))
                      AND (\(all) OR model_id IS DISTINCT FROM \(model.id))
                    ORDER BY id LIMIT \(Self.batchSize)
                    """).rows
                guard !rows.isEmpty else { break }
                var ids: [String] = [], categories: [String] = [], confidences: [String] = []
                var scores: [String] = [], keywords: [String] = []
                for row in rows {
                    guard let idText = row[0], let id = Int(idText) else { continue }
                    lastID = max(lastID, id)
                    let text = (row[1] ?? "") + "\n" + (row[2] ?? "")
                    ids.append(idText)
                    // The stored language, as the writer stored keywords: grouped by stem where Snowball has it.
                    keywords.append(
                        model.model.keywords(text, count: enricher.keywordCount, language: row[3]).joined(separator: "\u{1F}"))
                    if model.model.covers(language: row[3]) {
                        let p = model.model.predict(text)
                        categories.append(p.confidence >= enricher.minConfidence ? p.label : Enricher.uncategorized)
                        confidences.append(String(p.confidence))
                        scores.append(
                            String(decoding: try JSONSerialization.data(withJSONObject: p.scores, options: [.sortedKeys]), as: UTF8.self))
                    } else {
                        categories.append("")
                        confidences.append("")
                        scores.append("")
                    }
                }
                let updated = try conn.withTransaction { tx in
                    try tx.query(
                        """
                        UPDATE articles a SET
                            category = NULLIF(u.category, ''), confidence = NULLIF(u.confidence, '')::real,
                            scores = NULLIF(u.scores, '')::jsonb, model_id = \(model.id), classified_at = now(),
                            keywords = string_to_array(u.keywords, chr(31))
                        FROM unnest(\(ids)::bigint[], \(categories)::text[], \(confidences)::text[], \(scores)::text[],
                                    \(keywords)::text[]) AS u(id, category, confidence, scores, keywords)
                        WHERE a.id = u.id
                        """).affected
                }
                progress.withLock {
                    $0?.scanned += rows.count
                    $0?.updated += updated
                }
            }
            let done = progress.withLock { p -> ReclassifyProgress? in
                p?.state = .done
                p?.finishedAt = Date().timeIntervalSince1970
                return p
            }
            logger.notice("reclassify finished", metadata: ["updated": "\(done?.updated ?? 0)", "model_id": "\(model.id)"])
        } catch {
            progress.withLock {
                $0?.state = .failed
                $0?.error = "\(error)"
                $0?.finishedAt = Date().timeIntervalSince1970
            }
            logger.error("reclassify failed", metadata: ["error": "\(error)"])
        }
    }
}

/// A job stopped by shutdown.
struct ReclassifyStopped: Error, CustomStringConvertible {
    var description: String { "stopped: newsd shut down; run newsctl reclassify again for the rest" }
}
