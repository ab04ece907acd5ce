import ArgumentParser
import Foundation
import NewsCore
import PostgresClient
import TestSupport

extension IngestBench {
    /// Where the time goes at the database: the same rows COPYed into fresh databases of
    /// newsd's schema, with parts of it taken away or added, in alternating rounds. Each
    /// variant's articles per second (median); the difference between two is what the part
    /// costs. Prints a table and returns (variant, articles/s) in order.
    func measureDatabaseCosts(_ bin: String, pg: TestPostgres, articles: [String], parser: DocumentParser, enricher: Enricher) throws
        -> [(String, Double)]
    {
        func esc(_ s: String) -> String {
            s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\t", with: "\\t")
                .replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\r", with: "\\r")
        }
        let base = NSTemporaryDirectory() + "ingest-bench-costs-\(getpid())"
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        try copyFile(articles, parser: parser, enricher: enricher, to: base + "/articles.tsv")
        // Entities and log rows as newsd writes them; COPY into a fresh table numbers the
        // articles 1, 2, … in file order, so the rows can name their article.
        var entities = ""
        var log = ""
        var id = 0
        for (i, text) in articles.enumerated() {
            guard let a = try parser.parse(bytes: Array(text.utf8)).articles.first else { continue }
            id += 1
            for e in enricher.enrich(a).entities {
                entities += "\(id)\t\(e.kind.rawValue)\t\(esc(e.name))\t\(e.mentions)\n"
            }
            log += "claim-\(i)\tbench-\(i).txt\t\(text.utf8.count)\t\\N\tingested\t\\N\t\\N\t1\t2026-12-01 00:00:00+00\t\(id)\n"
        }
        try entities.write(toFile: base + "/entities.tsv", atomically: true, encoding: .utf8)
        try log.write(toFile: base + "/log.tsv", atomically: true, encoding: .utf8)
        let copyArticles = "\\copy articles (title, body, paragraph_count, word_count, content_hash, source_file, language, category, confidence, keywords, simhash) FROM '\(base)/articles.tsv'"
        let copyEntities = "\\copy article_entities (article_id, kind, name, mentions) FROM '\(base)/entities.tsv'"
        let copyLog = "\\copy ingest_log (claim_key, file_name, size_bytes, sha256, outcome, error_code, error_message, attempts, first_seen, article_id) FROM '\(base)/log.tsv'"
        let variants: [(name: String, prepare: [String], copies: [String])] = [
            ("articles (the ceiling)", [], [copyArticles]),
            ("articles without the search vector (trigger off)", ["ALTER TABLE articles DISABLE TRIGGER articles_search"], [copyArticles]),
            ("articles without the search and keyword GIN indexes", ["DROP INDEX articles_search_idx", "DROP INDEX articles_keywords_idx"], [copyArticles]),
            ("articles without any secondary index", ["DO $$ DECLARE i text; BEGIN FOR i IN SELECT indexname FROM pg_indexes WHERE tablename = 'articles' AND indexname NOT IN ('articles_pkey', 'articles_content_hash_key') LOOP EXECUTE 'DROP INDEX ' || i; END LOOP; END $$"], [copyArticles]),
            ("articles + entities", [], [copyArticles, copyEntities]),
            ("articles + entities + ingest log", [], [copyArticles, copyEntities, copyLog]),
        ]
        var rates: [[Double]] = Array(repeating: [], count: variants.count)
        for round in 0..<max(1, rounds) {
            for (k, v) in variants.enumerated() {
                let url = try pg.createDatabase(prefix: "costs")
                try migrate(bin, url)
                for sql in v.prepare {
                    let r = try runCommand("/usr/bin/psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", url, "-c", sql])
                    guard r.status == 0 else { throw ValidationError("\(sql): \(r.output)") }
                }
                var args = ["-X", "-q", "-v", "ON_ERROR_STOP=1", url]
                for c in v.copies { args += ["-c", c] }
                let start = Date()
                let r = try runCommand("/usr/bin/psql", args)
                guard r.status == 0 else { throw ValidationError("COPY failed: \(r.output)") }
                rates[k].append(Double(id) / Date().timeIntervalSince(start))
                try drop(url, on: pg)
            }
            print("database costs round \(round + 1): " + variants.indices.map { String(format: "%.0f", rates[$0].last!) }.joined(separator: ", ") + " articles/s")
        }
        return variants.indices.map { (variants[$0].name, median(rates[$0])) }
    }
}
