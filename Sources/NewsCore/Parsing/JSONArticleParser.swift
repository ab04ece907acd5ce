import Foundation

/// Parses scraper JSON: one object, an array of objects, or NDJSON (one object per line).
/// Understands the usual keys: title/headline; body/text/content/articleBody (a string, HTML
/// or not, or an array of paragraphs); url/link; published/date/datePublished/pubDate;
/// author/byline (a string, `{"name": …}` or a list); source/site/publisher; language/lang.
public struct JSONArticleParser: Sendable {
    /// Shapes the body text like the plain-text parser (junk removal included).
    public var plain: PlainTextParser

    /// Creates a parser.
    public init(plain: PlainTextParser) {
        self.plain = plain
    }

    /// Each record's article or failure, in order; throws if the text is not JSON at all.
    public func parse(text: String, ndjson: Bool, deadline: ParseDeadline? = nil) throws(IngestFailure) -> [Result<Article, IngestFailure>] {
        if ndjson {
            var cursor = NDJSONCursor(bytes: Array(text.utf8))
            return try parseLines(&cursor, maxRecords: .max, deadline: deadline)
        }
        return try parseIfJSON(text: text, deadline: deadline).get()
    }

    /// The records of the next NDJSON lines at `cursor`: at most `maxRecords` non-blank lines.
    /// Lines are split and trimmed on the UTF-8 bytes: a file of a million short broken lines
    /// costs one pass, not a String and a Foundation trim per line. Empty at the end.
    public func parseLines(
        _ cursor: inout NDJSONCursor, maxRecords: Int, deadline: ParseDeadline? = nil
    ) throws(IngestFailure) -> [Result<Article, IngestFailure>] {
        var results: [Result<Article, IngestFailure>] = []
        let bytes = cursor.bytes
        while cursor.offset <= bytes.count, results.count < maxRecords {
            let start = cursor.offset
            var end = start
            while end < bytes.count, bytes[end] != 0x0A, bytes[end] != 0x0D { end += 1 }
            cursor.offset = end < bytes.count && bytes[end] == 0x0D && end + 1 < bytes.count && bytes[end + 1] == 0x0A ? end + 2 : end + 1
            cursor.line += 1
            if cursor.line & 1023 == 0 { try deadline?.check() }
            var a = start
            var b = end
            while a < b, bytes[a] == 0x20 || bytes[a] == 0x09 { a += 1 }
            while b > a, bytes[b - 1] == 0x20 || bytes[b - 1] == 0x09 { b -= 1 }
            if a == b { continue }
            // An object cut short is not JSON: say so without the cost of a parse error.
            let cutShort = bytes[a] == 0x7B && bytes[b - 1] != 0x7D
            guard !cutShort, JSONSyntax.isValid(bytes[a..<b]),
                let object = try? JSONSerialization.jsonObject(with: Data(bytes[a..<b]), options: [.fragmentsAllowed])
            else {
                results.append(.failure(IngestFailure(.badRecord, "line \(cursor.line) is not valid JSON")))
                continue
            }
            results.append(record(object, label: "line \(cursor.line)"))
        }
        return results
    }

    /// The records of a whole-file JSON document, or, as the failure, why the text is not JSON
    /// at all (a plain-text article may start with `[` or `{`).
    public func parseIfJSON(
        text: String, deadline: ParseDeadline? = nil
    ) throws(IngestFailure) -> Result<[Result<Article, IngestFailure>], IngestFailure> {
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [])
        } catch {
            return .failure(IngestFailure(.badRecord, "the file is not valid JSON: \(Self.describe(error))"))
        }
        return .success(try records(root, deadline: deadline))
    }

    private func records(_ root: Any, deadline: ParseDeadline?) throws(IngestFailure) -> [Result<Article, IngestFailure>] {
        try deadline?.check()
        if let array = root as? [Any] { return try records(array, deadline: deadline) }
        // {"articles": [...]} and similar wrappers.
        if let dict = root as? [String: Any], Self.string(dict, ["title", "headline"]) == nil,
            let list = ["articles", "items", "data", "results", "entries"].lazy.compactMap({ dict[$0] as? [Any] }).first
        {
            return try records(list, deadline: deadline)
        }
        return [record(root, label: "the object")]
    }

    private func records(_ list: [Any], deadline: ParseDeadline?) throws(IngestFailure) -> [Result<Article, IngestFailure>] {
        var out: [Result<Article, IngestFailure>] = []
        out.reserveCapacity(list.count)
        for (i, value) in list.enumerated() {
            if i & 255 == 255 { try deadline?.check() }
            out.append(record(value, label: "record \(i)"))
        }
        return out
    }

    private func record(_ value: Any, label: String) -> Result<Article, IngestFailure> {
        guard let dict = value as? [String: Any] else {
            return .failure(IngestFailure(.badRecord, "\(label) is not a JSON object"))
        }
        guard let rawTitle = Self.string(dict, ["title", "headline", "name"]) else {
            return .failure(IngestFailure(.badRecord, "\(label) has no title (title or headline, a string)"))
        }
        let title = Whitespace.normalizeLine(HTMLText.decodeEntities(rawTitle))
        guard !title.isEmpty else { return .failure(IngestFailure(.badRecord, "\(label) has an empty title")) }
        var paragraphs: [String] = []
        for key in ["body", "text", "content", "articleBody", "article_body", "full_text", "description"] {
            guard let value = dict[key] else { continue }
            var pieces: [String] = []
            if let s = value as? String {
                pieces = [s]
            } else if let list = value as? [Any] {
                pieces = list.compactMap { $0 as? String }
            } else {
                return .failure(IngestFailure(.badRecord, "\(label): \"\(key)\" is \(Self.typeName(value)), not text"))
            }
            let text = pieces.map { HTMLText.looksLikeHTML($0) ? HTMLText.plainText($0) : $0 }.joined(separator: "\n\n")
            let blocks = PlainTextParser.blocks(text)
            // A body with no blank lines but several lines uses one newline per paragraph.
            paragraphs = plain.paragraphs(from: blocks, linesAreParagraphs: blocks.count == 1 || pieces.count > 1)
            if let first = paragraphs.first, first.lowercased() == title.lowercased() { paragraphs.removeFirst() }
            if !paragraphs.isEmpty { break }
        }
        guard !paragraphs.isEmpty else {
            return .failure(IngestFailure(.badRecord, "\(label) (\"\(title.prefix(60))\") has no body text"))
        }
        let metadata = ArticleMetadata(
            url: Self.string(dict, ["url", "link", "canonical_url", "canonicalUrl", "permalink"]),
            publishedAt: Self.string(dict, ["published", "date", "datePublished", "pubDate", "published_at", "publishedAt", "time"])
                .flatMap(DateParser.parse),
            author: Self.person(dict, ["author", "byline", "authors", "creator"]),
            source: Self.person(dict, ["source", "site", "site_name", "siteName", "publisher"]),
            language: Self.string(dict, ["language", "lang", "inLanguage"]))
        return .success(Article(title: title, paragraphs: paragraphs, metadata: metadata))
    }

    static func string(_ dict: [String: Any], _ keys: [String]) -> String? {
        for k in keys {
            if let s = dict[k] as? String, !s.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                return s.trimmingCharacters(in: .whitespacesAndNewlines)
            }
        }
        return nil
    }

    /// A name from a string, `{"name": …}`, or a list of either (joined with ", ").
    static func person(_ dict: [String: Any], _ keys: [String]) -> String? {
        func name(_ v: Any) -> String? {
            if let s = v as? String { return s.isEmpty ? nil : s }
            if let d = v as? [String: Any] { return string(d, ["name", "title"]) }
            return nil
        }
        for k in keys {
            guard let v = dict[k] else { continue }
            if let list = v as? [Any] {
                let names = list.compactMap(name)
                if !names.isEmpty { return names.joined(separator: ", ") }
            } else if let n = name(v) {
                return n
            }
        }
        return nil
    }

    static func typeName(_ v: Any) -> String {
        switch v {
        case is NSNull: return "null"
        case is [String: Any]: return "an object"
        case is [Any]: return "an array"
        case is NSNumber: return "a number"
        default: return "not a string"
        }
    }

    static func describe(_ error: any Error) -> String {
        let ns = error as NSError
        return (ns.userInfo[NSDebugDescriptionErrorKey] as? String) ?? ns.localizedDescription
    }
}

/// A position in NDJSON text: the byte offset of the next line and the number of lines read.
public struct NDJSONCursor: Sendable {
    public let bytes: [UInt8]
    public internal(set) var offset = 0
    public internal(set) var line = 0

    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Whether every line has been read.
    public var atEnd: Bool { offset > bytes.count }
}
