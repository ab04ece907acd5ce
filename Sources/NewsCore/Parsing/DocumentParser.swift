/// The formats newsd recognizes, detected from content rather than file names.
public enum DocumentFormat: String, Sendable, Codable, CaseIterable {
    case plainText = "text"
    case json
    case ndjson
    case html
    case rss
    case atom
}

/// A parsed file: its format and encoding, and one result per record (one for plain text).
public struct ParsedDocument: Sendable {
    /// The detected format.
    public var format: DocumentFormat
    /// The encoding the bytes were decoded from.
    public var encoding: String
    /// Each record's article or failure, in file order.
    public var records: [Result<Article, IngestFailure>]

    /// The articles, in order.
    public var articles: [Article] { records.compactMap { try? $0.get() } }

    /// The failed records: index and failure.
    public var recordFailures: [(index: Int, failure: IngestFailure)] {
        records.enumerated().compactMap { i, r in
            if case .failure(let f) = r { return (i, f) }
            return nil
        }
    }
}

/// Decodes a file, detects its format, and runs the matching parser.
public struct DocumentParser: Sendable {
    /// The plain-text parser (and its junk rules, which every format uses).
    public var plain: PlainTextParser

    /// Creates a parser with the given junk rules.
    public init(junk: JunkRules = .default) {
        plain = PlainTextParser(junk: junk)
    }

    /// Parses `bytes`. Throws when the file yields no article at all: its only record failed,
    /// or every record failed, or it is not text.
    public func parse(bytes: [UInt8], deadline: ParseDeadline? = nil) throws(IngestFailure) -> ParsedDocument {
        let decoded = try TextDecoder.decode(bytes)
        try deadline?.check()
        var format = Self.detect(decoded.text)
        let records: [Result<Article, IngestFailure>]
        switch format {
        case .plainText:
            records = [.success(try plain.parse(text: decoded.text))]
        case .json:
            // Sniffing commits to JSON only when the text is JSON: "[Updated] Storm hits coast"
            // is a plain-text article.
            switch try JSONArticleParser(plain: plain).parseIfJSON(text: decoded.text, deadline: deadline) {
            case .success(let parsed):
                records = parsed
            case .failure(let notJSON):
                do {
                    records = [.success(try plain.parse(text: decoded.text))]
                    format = .plainText
                } catch {
                    // Neither: say both, JSON first (a truncated export is the likelier cause).
                    throw IngestFailure(.badRecord, "\(notJSON.reason); read as plain text instead: \(error.reason)")
                }
            }
        case .ndjson:
            let parsed = try JSONArticleParser(plain: plain).parse(text: decoded.text, ndjson: true, deadline: deadline)
            let invalidLines = parsed.contains { if case .failure(let f) = $0 { f.reason.hasSuffix("is not valid JSON") } else { false } }
            if invalidLines, !parsed.contains(where: { (try? $0.get()) != nil }), let text = try? plain.parse(text: decoded.text) {
                // No line is an article and some are not JSON at all: prose whose first line
                // happens to be a JSON object.
                format = .plainText
                records = [.success(text)]
            } else {
                records = parsed
            }
        case .html:
            let (input, encoding) = Self.markupInput(bytes, decoded)
            records = [.success(try HTMLArticleExtractor(junk: plain.junk).extract(bytes: input, encoding: encoding))]
        case .rss, .atom:
            let (input, encoding) = Self.markupInput(bytes, decoded)
            let (detected, items) = try FeedParser(plain: plain).parse(bytes: input, encoding: encoding)
            format = detected
            records = items
        }
        try deadline?.check()
        let document = ParsedDocument(format: format, encoding: decoded.encoding, records: records)
        if document.articles.isEmpty {
            if records.isEmpty { throw IngestFailure(.empty, "the \(format.rawValue) file holds no records") }
            if records.count == 1, case .failure(let f) = records[0] { throw f }
            let first = document.recordFailures[0].failure.reason
            throw IngestFailure(.badRecord, "none of the \(records.count) records is an article; first problem: \(first)")
        }
        return document
    }

    /// A large NDJSON file, to be read a chunk of records at a time, or nil when `bytes` is
    /// not NDJSON or smaller than `minBytes`. newsd writes each chunk as it goes, so it holds
    /// one chunk's articles at a time, not a whole 10 MB file's 200,000.
    public func ndjsonChunks(bytes: [UInt8], minBytes: Int) throws(IngestFailure) -> NDJSONChunks? {
        guard bytes.count >= minBytes else { return nil }
        let decoded = try TextDecoder.decode(bytes)
        guard Self.detect(decoded.text) == .ndjson else { return nil }
        return NDJSONChunks(parser: JSONArticleParser(plain: plain), cursor: NDJSONCursor(bytes: Array(decoded.text.utf8)))
    }

    /// Detects the format from the first non-blank characters.
    public static func detect(_ text: String) -> DocumentFormat {
        guard let first = text.unicodeScalars.first(where: { !$0.properties.isWhitespace && $0 != "\u{FEFF}" }) else {
            return .plainText
        }
        if first == "<" {
            let head = String(text.unicodeScalars.prefix(4096)).lowercased()
            if head.contains("<rss") || head.contains("<rdf:rdf") { return .rss }
            if head.contains("<feed") && head.contains("2005/atom") { return .atom }
            if ["<html", "<!doctype html", "<head", "<body", "<meta", "<title", "<div", "<p>", "<article"].contains(where: head.contains) {
                return .html
            }
        }
        switch first {
        case "[":
            return .json
        case "{":
            // One object over the whole file, or one object per line: NDJSON when the first
            // line alone is a complete object and more lines follow.
            // Only the first line is read, and only as far as the next non-blank character after
            // it: splitting the whole text into lines cost a third of a 1 MB NDJSON file's parse.
            let utf8 = text.utf8
            guard let brace = utf8.firstIndex(of: 0x7B) else { return .json }
            let lineEnd = utf8[brace...].firstIndex { $0 == 0x0A || $0 == 0x0D } ?? utf8.endIndex
            let moreLines = utf8[lineEnd...].contains { $0 != 0x0A && $0 != 0x0D && $0 != 0x20 && $0 != 0x09 }
            if moreLines, (try? JSONSerialization.jsonObject(with: Data(utf8[brace..<lineEnd]))) as? [String: Any] != nil {
                return .ndjson
            }
            return .json
        default:
            return .plainText
        }
    }
}

import Foundation

extension DocumentParser {
    /// The bytes and charset to hand libxml2. Text that decoded as UTF-8 or UTF-16 is passed as
    /// UTF-8; otherwise the charset the document declares (meta charset, XML declaration) is
    /// trusted, falling back to Windows-1252.
    static func markupInput(_ bytes: [UInt8], _ decoded: TextDecoder.Decoded) -> ([UInt8], String) {
        if decoded.encoding != "windows-1252" { return (Array(decoded.text.utf8), "UTF-8") }
        let clean = bytes.filter { $0 != 0 }
        return (clean, declaredCharset(clean) ?? "windows-1252")
    }

    /// `charset=…` or `encoding="…"` in the first 4 KiB, if any.
    static func declaredCharset(_ bytes: [UInt8]) -> String? {
        let head = String(decoding: bytes.prefix(4096).map { $0 < 0x80 ? $0 : 0x20 }, as: UTF8.self).lowercased()
        for marker in ["charset=", "encoding="] {
            guard let r = head.range(of: marker) else { continue }
            let rest = head[r.upperBound...].drop { $0 == "\"" || $0 == "'" || $0 == " " }
            let name = rest.prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ":" }
            if !name.isEmpty, name != "utf-8", name != "utf8" { return String(name) }
            if !name.isEmpty { return nil }
        }
        return nil
    }
}

/// The records of a large NDJSON file, a chunk at a time (`DocumentParser.ndjsonChunks`).
public struct NDJSONChunks: Sendable {
    let parser: JSONArticleParser
    var cursor: NDJSONCursor
    /// Records (non-blank lines) returned so far: the index of the next one.
    public private(set) var recordsRead = 0

    /// The next at most `maxRecords` records, each an article or why not; nil at the end.
    public mutating func next(maxRecords: Int, deadline: ParseDeadline? = nil) throws(IngestFailure) -> [Result<Article, IngestFailure>]? {
        guard !cursor.atEnd else { return nil }
        let records = try parser.parseLines(&cursor, maxRecords: maxRecords, deadline: deadline)
        if records.isEmpty { return nil }
        recordsRead += records.count
        return records
    }
}
