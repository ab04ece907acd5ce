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
        // Blocks of consecutive non-blank lines; each line already normalized.
        var blocks: [[String]] = []
        var current: [String] = []
        for raw in Whitespace.lines(text) {
            let line = Whitespace.normalizeLine(raw)
            if line.isEmpty {
                if !current.isEmpty { blocks.append(current) }
                current = []
            } else {
                current.append(line)
            }
        }
        if !current.isEmpty { blocks.append(current) }

        guard !blocks.isEmpty else {
            throw IngestFailure(.empty, "the file holds no text")
        }
        let title = blocks[0].removeFirst()
        if blocks[0].isEmpty { blocks.removeFirst() }

        // Scrapers often save the headline twice (page title and article heading).
        if let first = blocks.first, first[0].caseInsensitiveEquals(title) {
            blocks[0].removeFirst()
            if blocks[0].isEmpty { blocks.removeFirst() }
        }

        // Junk trails the text, line by line, sometimes with no blank line between junk lines.
        while let last = blocks.last, let line = last.last, junk.matches(line) {
            blocks[blocks.count - 1].removeLast()
            if blocks[blocks.count - 1].isEmpty { blocks.removeLast() }
        }

        let paragraphs = blocks.map { $0.joined(separator: " ") }
        guard !paragraphs.isEmpty else {
            throw IngestFailure(.noBody, "the file has a title (\"\(title.prefix(80))\") but no body text")
        }
        return Article(title: title, paragraphs: paragraphs)
    }
}

extension String {
    fileprivate func caseInsensitiveEquals(_ other: String) -> Bool {
        self.count == other.count && self.lowercased() == other.lowercased()
    }
}
