import Foundation
import NewsCore
import PostgresClient

/// The `articles` columns newsd writes, in the order of `ArticleRow.values`.
enum ArticleColumn: Int, CaseIterable {
    case title, body, paragraphCount, wordCount, contentHash, sourceFile, url, publishedAt, author, source, language
    case format, recordIndex, category, confidence, scores, modelID, keywords, simhash
    case languageReliable, entityModelID
    /// The text search configuration for `language` (`SearchConfiguration`); the `search` vector
    /// is built from it by a trigger (migration 7), on COPY and INSERT alike.
    case searchConfig
    /// Held as `t`/`f` in a row until the write stamps it (COPY) or the server does (INSERT).
    case classifiedAt
    /// Decided at the last moment by the writer (the nearest committed near-duplicate).
    case duplicateOf

    var column: ColumnTable.Column {
        switch self {
        case .title: .init("title")
        case .body: .init("body")
        case .paragraphCount: .init("paragraph_count", "$::integer")
        case .wordCount: .init("word_count", "$::integer")
        case .contentHash: .init("content_hash", "decode(substr($, 3), 'hex')")
        case .sourceFile: .init("source_file")
        case .url: .init("url")
        case .publishedAt: .init("published_at", "$::timestamptz")
        case .author: .init("author")
        case .source: .init("source")
        case .language: .init("language")
        case .format: .init("format")
        case .recordIndex: .init("record_index", "$::integer")
        case .category: .init("category")
        case .confidence: .init("confidence", "$::real")
        case .scores: .init("scores", "$::jsonb")
        case .modelID: .init("model_id")
        case .keywords: .init("keywords", "$::text[]")
        case .simhash: .init("simhash", "$::bigint")
        case .languageReliable: .init("language_reliable", "$::boolean")
        case .entityModelID: .init("entity_model_id")
        case .searchConfig: .init("search_config", "$::regconfig")
        case .classifiedAt: .init("classified_at", "CASE WHEN $::boolean THEN now() END")
        // A target an operator deleted since start-up is left out rather than refused.
        case .duplicateOf: .init("duplicate_of", "CASE WHEN EXISTS (SELECT 1 FROM articles b WHERE b.id = $::bigint) THEN $::bigint END")
        }
    }

    /// Every column, in order: what both COPY and INSERT write.
    static let table = ColumnTable(table: "articles", columns: allCases.map(\.column))
}

/// One article's values for its `articles` row, as text in `ArticleColumn` order: the form COPY
/// takes, which the INSERT path casts.
public struct ArticleRow: Sendable {
    /// `\x` and the content hash in hex.
    var hash: String
    var wordCount: Int
    /// Every column but `duplicateOf`.
    var values: [String?]

    init(_ article: Article, format: DocumentFormat, index: Int, file: String) {
        let m = article.metadata
        let e = article.enrichment
        let body = article.body  // joined once: hashed and stored
        hash = "\\x" + hexString(Article.contentHash(title: article.title, body: body))
        wordCount = article.wordCount
        var v = [String?](repeating: nil, count: ArticleColumn.duplicateOf.rawValue)
        func set(_ column: ArticleColumn, _ value: String?) { v[column.rawValue] = value }
        set(.title, article.title)
        set(.body, body)
        set(.paragraphCount, String(article.paragraphs.count))
        set(.wordCount, String(wordCount))
        set(.contentHash, hash)
        set(.sourceFile, file)
        set(.url, m.url)
        set(.publishedAt, m.publishedAt.map(Self.timestampText))
        set(.author, m.author)
        set(.source, m.source)
        let language = e?.language ?? m.language
        set(.language, language)
        set(.format, format.rawValue)
        set(.recordIndex, String(index))
        set(.category, e?.topic?.category)
        set(.confidence, e?.topic.map { String($0.confidence) })
        set(.scores, e?.topic.map { Self.json($0.scores) })
        set(.modelID, e?.topic?.modelID)
        set(.keywords, e.map { CopyText.arrayLiteral($0.keywords) })
        set(.simhash, e.map { String(Int64(bitPattern: $0.simhash)) })
        set(.languageReliable, e?.languageReliable.map { $0 ? "t" : "f" })
        set(.entityModelID, e?.entityModelID)
        set(.searchConfig, SearchConfiguration.forLanguage(language))
        set(.classifiedAt, e?.topic == nil ? "f" : "t")
        values = v
    }

    /// Appends this row to a COPY buffer, after its `id` (COPY writes ids drawn beforehand).
    func copy(to out: inout CopyText, id: Int64, classifiedAt: String, duplicateOf: Int64?) {
        out.append(String(id))
        for (c, v) in values.enumerated() {
            out.append(c == ArticleColumn.classifiedAt.rawValue ? (v == "t" ? classifiedAt : nil) : v)
        }
        out.append(duplicateOf.map { String($0) })
        out.endRow()
    }

    /// `date` as timestamptz input text (UTC, microseconds).
    static func timestampText(_ date: Date) -> String {
        var seconds = time_t(floor(date.timeIntervalSince1970))
        let micros = Int((date.timeIntervalSince1970 - Double(seconds)) * 1_000_000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ v: Int32, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        let m = String(micros)
        // PostgreSQL has no year 0: the year before 1 AD is 1 BC.
        let year = parts.tm_year + 1900
        return "\(pad(year > 0 ? year : 1 - year, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2)) "
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))."
            + String(repeating: "0", count: max(0, 6 - m.count)) + m + "+00" + (year > 0 ? "" : " BC")
    }

    /// Label probabilities as a JSON object, keys sorted.
    static func json(_ scores: [String: Double]) -> String {
        // Written by hand, as bytes: JSONSerialization's Any-based path cost more than the
        // rest of the row, and appending to a String re-checks its storage at every step.
        var out: [UInt8] = []
        out.reserveCapacity(2 + 32 * scores.count)
        out.append(UInt8(ascii: "{"))
        for (i, entry) in scores.sorted(by: { $0.key < $1.key }).enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            if entry.key.utf8.allSatisfy({ $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) {
                out.append(UInt8(ascii: "\""))
                out.append(contentsOf: entry.key.utf8)
                out.append(UInt8(ascii: "\""))
            } else {
                out.append(contentsOf: jsonString(entry.key).utf8)
            }
            out.append(UInt8(ascii: ":"))
            out.append(contentsOf: entry.value.isFinite ? entry.value.description.utf8 : "null".utf8)
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }

    /// `text` as a JSON string literal.
    static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
