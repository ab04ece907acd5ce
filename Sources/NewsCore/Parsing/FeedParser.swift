import Foundation
import XMLSupport

/// Parses RSS 2.0 (and RSS 1.0/RDF) and Atom feeds: one article per item or entry, with the
/// item's link, date and author, and the feed's title as the source.
public struct FeedParser: Sendable {
    /// Shapes body text like the other parsers (junk removal included).
    public var plain: PlainTextParser

    /// Creates a parser.
    public init(plain: PlainTextParser) {
        self.plain = plain
    }

    /// Each item's article or failure, in feed order.
    public func parse(bytes: [UInt8], encoding: String) throws(IngestFailure) -> (DocumentFormat, [Result<Article, IngestFailure>]) {
        guard let root = Markup.parseXML(bytes, encoding: encoding) else {
            throw IngestFailure(.badRecord, "the feed is not well-formed XML")
        }
        switch root.name {
        case "rss":
            let channel = root.children(named: "channel").first ?? root
            return (.rss, items(channel.children(named: "item"), feed: channel))
        case "RDF":
            let channel = root.children(named: "channel").first
            return (.rss, items(root.children(named: "item"), feed: channel ?? root))
        case "feed":
            return (.atom, entries(root))
        default:
            throw IngestFailure(.badRecord, "the XML document is not an RSS or Atom feed (root element <\(root.name)>)")
        }
    }

    private func text(_ n: Node?, _ name: String, prefix: String? = nil) -> String? {
        guard let n else { return nil }
        let match = n.elements.first { $0.name == name && (prefix == nil || $0.prefix == prefix) }
        let t = match.map { Whitespace.normalizeLine($0.textContent) }
        return t?.isEmpty == false ? t : nil
    }

    private func items(_ items: [Node], feed: Node) -> [Result<Article, IngestFailure>] {
        let source = text(feed, "title")
        let language = text(feed, "language")
        return items.enumerated().map { i, item in
            let body = item.elements.first { $0.name == "encoded" && $0.prefix == "content" }?.textContent
                ?? text(item, "description").map { _ in item.children(named: "description")[0].textContent }
            let metadata = ArticleMetadata(
                url: text(item, "link") ?? text(item, "guid"),
                publishedAt: (text(item, "pubDate") ?? text(item, "date", prefix: "dc")).flatMap(DateParser.parse),
                author: text(item, "creator", prefix: "dc") ?? text(item, "author"),
                source: source, language: language)
            return article(index: i, title: text(item, "title"), body: body, metadata: metadata)
        }
    }

    private func entries(_ feed: Node) -> [Result<Article, IngestFailure>] {
        let source = text(feed, "title")
        let language = feed["xml:lang"] ?? feed["lang"]
        return feed.children(named: "entry").enumerated().map { i, entry in
            let links = entry.children(named: "link")
            let link = (links.first { ($0["rel"] ?? "alternate") == "alternate" } ?? links.first)?["href"]
            let contentNode = entry.children(named: "content").first ?? entry.children(named: "summary").first
            var body: String? = nil
            if let c = contentNode {
                // type="xhtml" content is markup in the tree; html and text content is text.
                body = c["type"] == "xhtml" ? HTMLArticleExtractor.blocks(c).map(\.text).joined(separator: "\n\n") : c.textContent
            }
            let author = entry.children(named: "author").first.flatMap { text($0, "name") }
            let metadata = ArticleMetadata(
                url: link,
                publishedAt: (text(entry, "published") ?? text(entry, "updated")).flatMap(DateParser.parse),
                author: author, source: source, language: language)
            return article(index: i, title: text(entry, "title"), body: body, metadata: metadata)
        }
    }

    private func article(index: Int, title: String?, body: String?, metadata: ArticleMetadata) -> Result<Article, IngestFailure> {
        guard let title = title.map({ Whitespace.normalizeLine(HTMLText.decodeEntities($0)) }), !title.isEmpty else {
            return .failure(IngestFailure(.badRecord, "item \(index) has no title"))
        }
        let raw = body ?? ""
        let text = HTMLText.looksLikeHTML(raw) ? HTMLText.plainText(raw) : HTMLText.decodeEntities(raw)
        var paragraphs = plain.paragraphs(from: PlainTextParser.blocks(text), linesAreParagraphs: false)
        if let first = paragraphs.first, first.lowercased() == title.lowercased() { paragraphs.removeFirst() }
        guard !paragraphs.isEmpty else {
            return .failure(IngestFailure(.badRecord, "item \(index) (\"\(title.prefix(60))\") has no text"))
        }
        return .success(Article(title: title, paragraphs: paragraphs, metadata: metadata))
    }
}
