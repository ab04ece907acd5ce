import Foundation

/// Parses the plain-text shape scrapers drop: a title line (often repeated), paragraphs
/// separated by blank lines, and site junk trailing the text.
public struct PlainTextParser: Sendable {
    /// The junk rules applied to the trailing lines.
    public var junk: JunkRules

    /// Creates a parser with the given junk rules.
    public init(junk: JunkRules = .default) {
        self.junk = junk
    }

    /// Decodes and parses a file's bytes.
    public func parse(bytes: [UInt8]) throws(IngestFailure) -> Article {
        try parse(text: TextDecoder.decode(bytes).text)
    }

    /// Parses decoded text.
    public func parse(text: String) throws(IngestFailure) -> Article {
        var blocks = Self.blocks(text)
        guard !blocks.isEmpty else {
            throw IngestFailure(.empty, "the file holds no text")
        }
        let header = Self.takeHeader(&blocks)
        var title: String
        if let t = header.title {
            title = t
        } else {
            guard !blocks.isEmpty else { throw IngestFailure(.empty, "the file holds only a header block") }
            title = Self.stripHeading(blocks[0].removeFirst())
            if blocks[0].isEmpty { blocks.removeFirst() }
        }
        title = Self.stripHeading(title)

        // Scrapers often save the headline twice (page title and article heading).
        if let first = blocks.first, Self.stripHeading(first[0]).caseInsensitiveEquals(title) {
            blocks[0].removeFirst()
            if blocks[0].isEmpty { blocks.removeFirst() }
        }

        let paragraphs = paragraphs(from: blocks, linesAreParagraphs: false)
        guard !paragraphs.isEmpty else {
            throw IngestFailure(.noBody, "the file has a title (\"\(title.prefix(80))\") but no body text")
        }
        return Article(title: title, paragraphs: paragraphs, metadata: header.metadata)
    }

    /// Body paragraphs from blocks: trailing junk lines removed, heading marks stripped. With
    /// `linesAreParagraphs`, every line is its own paragraph (JSON bodies often use one newline).
    public func paragraphs(from input: [[String]], linesAreParagraphs: Bool) -> [String] {
        var blocks = input
        // Junk trails the text, line by line, sometimes with no blank line between junk lines.
        // By index: binding `blocks.last` would keep a second reference to the last block, and
        // each removeLast would then copy it (40,000 junk lines took 16 s).
        while !blocks.isEmpty, let line = blocks[blocks.count - 1].last, junk.matches(line) {
            blocks[blocks.count - 1].removeLast()
            if blocks[blocks.count - 1].isEmpty { blocks.removeLast() }
        }
        if linesAreParagraphs {
            return blocks.flatMap { $0 }.map(Self.stripHeading)
        }
        // A one-line block (most paragraphs) is its line: joining would copy it.
        return blocks.map { Self.stripHeading($0.count == 1 ? $0[0] : $0.joined(separator: " ")) }
    }

    /// Blocks of consecutive non-blank lines, each line normalized.
    public static func blocks(_ text: String) -> [[String]] {
        var blocks: [[String]] = []
        var current: [String] = []
        Whitespace.forEachNormalizedLine(text) { line in
            if line.isEmpty {
                if !current.isEmpty { blocks.append(current) }
                current = []
            } else {
                current.append(line)
            }
        }
        if !current.isEmpty { blocks.append(current) }
        return blocks
    }

    /// "# Title" → "Title" (Markdown ATX headings).
    static func stripHeading(_ line: String) -> String {
        guard line.hasPrefix("#") else { return line }
        let rest = line.drop { $0 == "#" }
        guard line.count - rest.count <= 6, rest.hasPrefix(" ") else { return line }
        return String(rest.dropFirst())
    }

    /// A leading block of `Key: value` lines with known keys (Title, URL, Date, Author, Source,
    /// Language), removed from `blocks` when every line of the first block is such a header.
    static func takeHeader(_ blocks: inout [[String]]) -> (title: String?, metadata: ArticleMetadata) {
        guard let first = blocks.first else { return (nil, ArticleMetadata()) }
        var fields: [String: String] = [:]
        for line in first {
            guard let colon = line.firstIndex(of: ":") else { return (nil, ArticleMetadata()) }
            let key = line[..<colon].lowercased().trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            let known = ["title", "headline", "url", "link", "date", "published", "author", "by", "byline", "source", "site", "language", "lang"]
            guard known.contains(key), !value.isEmpty else { return (nil, ArticleMetadata()) }
            fields[key] = value
        }
        blocks.removeFirst()
        let metadata = ArticleMetadata(
            url: fields["url"] ?? fields["link"],
            publishedAt: (fields["date"] ?? fields["published"]).flatMap(DateParser.parse),
            author: fields["author"] ?? fields["by"] ?? fields["byline"],
            source: fields["source"] ?? fields["site"],
            language: fields["language"] ?? fields["lang"])
        return (fields["title"] ?? fields["headline"], metadata)
    }
}

extension String {
    fileprivate func caseInsensitiveEquals(_ other: String) -> Bool {
        self.count == other.count && self.lowercased() == other.lowercased()
    }
}
