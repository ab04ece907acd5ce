import Foundation
import XMLSupport

/// Extracts an article from a whole web page: title, body paragraphs and metadata, without
/// navigation, scripts, comments, share widgets, cookie banners and other page furniture.
///
/// Method: metadata from Open Graph / `meta` tags, JSON-LD and `<time>`; the body from the
/// page's text blocks (paragraphs, headings, list items, quotes, and divisions holding text of
/// their own) after dropping boilerplate elements by tag, role, class and id. Blocks are scored
/// into their containers (readability's idea: text length and commas, shared with the
/// grandparent); the best container, its good siblings and every other container holding a
/// couple of real paragraphs are kept, less link-heavy blocks and junk lines.
public struct HTMLArticleExtractor: Sendable {
    /// Junk lines to drop (the same rules as plain text).
    public var junk: JunkRules

    /// Creates an extractor.
    public init(junk: JunkRules = .default) {
        self.junk = junk
    }

    /// Parses the page's bytes (in `encoding`, an IANA name) and extracts the article.
    public func extract(bytes: [UInt8], encoding: String?) throws(IngestFailure) -> Article {
        guard let root = Markup.parseHTML(bytes, encoding: encoding) else {
            throw IngestFailure(.noBody, "the HTML page could not be parsed")
        }
        return try extract(root: root)
    }

    /// Extracts the article from a parsed page.
    public func extract(root: Node) throws(IngestFailure) -> Article {
        let meta = PageMetadata(root: root)
        let blocks = Self.blocks(root)
        var paragraphs = select(blocks)
        var title = meta.title ?? paragraphs.first.map { $0.text } ?? ""
        title = Whitespace.normalizeLine(title)
        guard !title.isEmpty else { throw IngestFailure(.noBody, "the HTML page has no title and no text") }
        if let first = paragraphs.first, first.text.lowercased() == title.lowercased() { paragraphs.removeFirst() }
        var texts = paragraphs.map(\.text)
        while let last = texts.last, junk.matches(last) { texts.removeLast() }
        if texts.isEmpty, let body = meta.jsonLDBody {
            texts = PlainTextParser.blocks(body).map { $0.joined(separator: " ") }
        }
        // Pages whose text is mostly elsewhere (video pages, teasers): the description leads.
        if let description = meta.description, texts.reduce(0, { $0 + $1.count }) < 400,
            !texts.contains(where: { $0.contains(description.prefix(60)) })
        {
            texts.insert(description, at: 0)
        }
        guard !texts.isEmpty else {
            throw IngestFailure(.noBody, "the HTML page (\"\(title.prefix(60))\") has no article text")
        }
        return Article(title: title, paragraphs: texts, metadata: meta.metadata)
    }

    // MARK: - Blocks

    struct Block {
        var text: String
        var linkChars: Int
        var heading: Bool
        var element: Node
        var linkDensity: Double { text.isEmpty ? 1 : Double(linkChars) / Double(text.count) }
    }

    static let skipTags: Set<String> = [
        "script", "style", "noscript", "button", "iframe", "svg", "select",
        "template", "menu", "dialog", "object", "embed", "canvas", "head", "input", "textarea", "label", "figcaption",
    ]
    /// Furniture by tag, unless broken markup left the article inside it (see `holdsArticle`).
    static let furnitureTags: Set<String> = ["nav", "footer", "aside", "form"]
    static let blockTags: Set<String> = [
        "p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "dd", "dt", "td", "th",
        "div", "section", "article", "main", "ul", "ol", "dl", "table", "tr", "tbody", "figure", "header", "body", "center",
    ]
    static let strongNegative = try! NSRegularExpression(
        pattern: "\\bshar(e|ing)\\b|shariff|social|cookie|consent|gdpr|related|newsletter|subscri|advert|sponsor|promo|popup|modal|breadcrumb|pagination|paywall|outbrain|taboola|recommend|teaser|trending|most-?read|signup|login|print-?only|sr-only|visually-?hidden|skip-?link",
        options: [.caseInsensitive])
    static let commentNames = try! NSRegularExpression(
        pattern: "\\bcomments?\\b|comment-|commentlist|disqus|respond", options: [.caseInsensitive])
    static let weakNegative = try! NSRegularExpression(
        pattern: "nav|menu|sidebar|widget|footer|header|masthead|banner|tags?\\b|meta|byline|author|caption|credit|toolbar|ad-|ads\\b|^ad$|hidden|overlay|tooltip",
        options: [.caseInsensitive])
    static let positive = try! NSRegularExpression(
        pattern: "article|content|entry|main|body|post|story|text|blog", options: [.caseInsensitive])

    static func matches(_ re: NSRegularExpression, _ s: String) -> Bool {
        re.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil
    }

    static func isBoilerplate(_ n: Node) -> Bool {
        if skipTags.contains(n.name) { return true }
        if n.attributes["hidden"] != nil || n.attributes["aria-hidden"] == "true" { return true }
        if let style = n.attributes["style"]?.lowercased().replacingOccurrences(of: " ", with: ""),
            style.contains("display:none") || style.contains("visibility:hidden")
        {
            return true
        }
        if n.name == "body" || n.name == "html" || n.name == "article" || n.name == "main" { return false }
        let names = [n.attributes["class"], n.attributes["id"]].compactMap { $0 }.joined(separator: " ")
        if !names.isEmpty && matches(commentNames, names) { return true }
        var furniture = furnitureTags.contains(n.name)
        if let role = n.attributes["role"], ["navigation", "banner", "contentinfo", "complementary", "search", "dialog", "alert"].contains(role) {
            furniture = true
        }
        if !furniture && !names.isEmpty {
            furniture = matches(strongNegative, names) || (matches(weakNegative, names) && !matches(positive, names))
        }
        return furniture && !holdsArticle(n)
    }

    /// Whether an element that looks like furniture (a "widget" or "social-…" wrapper, or a
    /// header or footer that broken markup never closed) holds several real paragraphs: then
    /// it is layout, not furniture. Comment sections are removed before this is asked.
    static func holdsArticle(_ n: Node) -> Bool {
        n.descendants { $0.name == "p" && $0.textContent.count > 80 }.count >= 3
    }

    /// The page's text blocks in document order, boilerplate skipped.
    static func blocks(_ root: Node) -> [Block] {
        var out: [Block] = []
        func walk(_ n: Node) {
            guard n.kind == .element, !isBoilerplate(n) else { return }
            var inline = ""
            var links = 0
            func flush() {
                let text = Whitespace.normalizeLine(inline)
                if !text.isEmpty {
                    out.append(Block(text: text, linkChars: min(links, text.count), heading: n.name.first == "h" && n.name.count == 2, element: n))
                }
                inline = ""
                links = 0
            }
            for c in n.children {
                if c.kind == .text {
                    inline += c.text
                } else if blockTags.contains(c.name) {
                    flush()
                    walk(c)
                } else if c.name == "br" {
                    inline += n.name == "p" ? " " : "\n"
                    if n.name != "p" { flush() }
                } else if !isBoilerplate(c) {
                    let (t, l) = inlineText(c)
                    inline += t
                    links += l
                }
            }
            flush()
        }
        walk(root)
        return out
    }

    /// Text of an inline element and how much of it is link text; nested blocks are flattened.
    static func inlineText(_ n: Node) -> (String, Int) {
        var text = ""
        var links = 0
        for c in n.children {
            if c.kind == .text {
                text += c.text
            } else if !isBoilerplate(c) {
                let (t, l) = inlineText(c)
                text += t
                links += c.name == "a" ? t.count : l
            }
        }
        if n.name == "a" { links = text.count }
        return (text, links)
    }

    // MARK: - Selection

    func select(_ blocks: [Block]) -> [Block] {
        guard !blocks.isEmpty else { return [] }
        // Score containers by the text blocks they hold.
        var scores: [ObjectIdentifier: (node: Node, score: Double, order: Int)] = [:]
        for b in blocks where b.text.count >= 25 && b.linkDensity < 0.5 && !b.heading {
            let value = 1 + Double(b.text.filter { $0 == "," || $0 == "，" || $0 == "、" }.count) + min(Double(b.text.count) / 100, 3)
            var node: Node? = b.element.kind == .element && ["p", "li", "blockquote", "pre", "td", "dd"].contains(b.element.name) ? b.element.parent : b.element
            var share = 1.0
            var level = 0
            while let n = node, level < 3 {
                let id = ObjectIdentifier(n)
                let order = scores.count
                scores[id, default: (n, 0, order)].score += value * share
                share *= 0.5
                level += 1
                node = n.parent
            }
        }
        // Ranked by score, ties in document order: the same page always gives the same text.
        let byScore = scores.values.sorted { $0.score != $1.score ? $0.score > $1.score : $0.order < $1.order }
        guard let top = byScore.first else {
            return blocks.filter { $0.linkDensity < 0.5 }
        }
        // The best container, plus its siblings that score at least a fifth as well: articles
        // are often split across several sibling containers (lead, body, after an ad slot).
        var containers: [Node] = [top.node]
        if let parent = top.node.parent {
            for sibling in parent.elements where sibling !== top.node {
                if let s = scores[ObjectIdentifier(sibling)], s.score >= max(3, top.score * 0.2) { containers.append(sibling) }
            }
        }
        // Other containers elsewhere on the page holding at least a couple of real paragraphs
        // (score 4, and a tenth of the best): leads, text after gallery or ad slots, split
        // templates. Thresholds chosen on html-dev with Benchmarks/extract-bench (README).
        for candidate in byScore where candidate.score >= max(4, top.score * 0.1) {
            let n = candidate.node
            if containers.contains(where: { isDescendant(n, of: $0) || isDescendant($0, of: n) }) { continue }
            containers.append(n)
        }
        // Keep those containers' blocks; headings and short lines stay if not link-heavy.
        let kept = blocks.filter { b in
            guard containers.contains(where: { isDescendant(b.element, of: $0) }) else { return false }
            if b.linkDensity > 0.5 { return false }
            if junk.matches(b.text) { return false }
            return true
        }
        return kept
    }

    func isDescendant(_ n: Node, of ancestor: Node) -> Bool {
        var cur: Node? = n
        while let c = cur {
            if c === ancestor { return true }
            cur = c.parent
        }
        return false
    }
}

/// Metadata read from a page's head, JSON-LD and body.
struct PageMetadata {
    var title: String?
    var metadata = ArticleMetadata()
    var jsonLDBody: String?
    var description: String?

    init(root: Node) {
        var metas: [String: String] = [:]
        for m in root.descendants(where: { $0.name == "meta" }) {
            guard let content = m["content"]?.trimmingCharacters(in: .whitespacesAndNewlines), !content.isEmpty else { continue }
            for key in [m["property"], m["name"], m["itemprop"]].compactMap({ $0?.lowercased() }) where metas[key] == nil {
                metas[key] = content
            }
        }
        var ld: [String: Any] = [:]
        for s in root.descendants(where: { $0.name == "script" && ($0["type"] ?? "").contains("ld+json") }) {
            if let obj = try? JSONSerialization.jsonObject(with: Data(s.textContent.utf8)), let article = Self.findArticle(obj) {
                ld = article
                break
            }
        }
        let titleTag = root.first("title").map { Whitespace.normalizeLine($0.textContent) }
        let h1 = root.descendants(where: { $0.name == "h1" }).map { Whitespace.normalizeLine($0.textContent) }.first { !$0.isEmpty }
        title = [metas["og:title"], ld["headline"] as? String, metas["twitter:title"], h1, titleTag]
            .compactMap { $0.map { HTMLText.decodeEntities(Whitespace.normalizeLine($0)) } }
            .first { !$0.isEmpty }
        let canonical = root.descendants(where: { $0.name == "link" && ($0["rel"] ?? "").lowercased() == "canonical" }).first?["href"]
        metadata.url = canonical ?? metas["og:url"] ?? (ld["url"] as? String)
        let time = root.descendants(where: { $0.name == "time" && $0["datetime"] != nil }).first?["datetime"]
        metadata.publishedAt = [
            metas["article:published_time"], ld["datePublished"] as? String, metas["date"], metas["pubdate"],
            metas["dc.date"], metas["dcterms.date"], metas["publishdate"], metas["datepublished"], time,
        ].compactMap { $0.flatMap(DateParser.parse) }.first
        metadata.author = [metas["author"], metas["article:author"], JSONArticleParser.person(ld, ["author"]), metas["dc.creator"]]
            .compactMap { $0 }.first { !$0.isEmpty && !$0.hasPrefix("http") }
        metadata.source = metas["og:site_name"] ?? JSONArticleParser.person(ld, ["publisher"])
        if let lang = root["lang"] ?? metas["og:locale"] ?? metas["language"] ?? (ld["inLanguage"] as? String) {
            let code = lang.prefix { $0.isLetter }.lowercased()
            metadata.language = code.isEmpty ? nil : String(code.prefix(3))
        }
        jsonLDBody = ld["articleBody"] as? String
        description = [metas["og:description"], metas["description"], ld["description"] as? String, metas["twitter:description"]]
            .compactMap { $0.map { Whitespace.normalizeLine(HTMLText.decodeEntities($0)) } }
            .first { $0.count >= 40 }
    }

    static func findArticle(_ value: Any) -> [String: Any]? {
        if let list = value as? [Any] {
            for item in list { if let a = findArticle(item) { return a } }
            return nil
        }
        guard let dict = value as? [String: Any] else { return nil }
        let type = (dict["@type"] as? String).map { [$0] } ?? (dict["@type"] as? [String]) ?? []
        if type.contains(where: { $0.hasSuffix("Article") || $0 == "BlogPosting" || $0 == "Report" }) { return dict }
        if let graph = dict["@graph"] { return findArticle(graph) }
        return nil
    }
}
