/// From tagged tokens to an article's entities: names cleaned, a name's kind decided by its
/// mentions, and a surname alone ("Putin", "Mr Putin") counted as the person whose full name
/// ends with it ("Vladimir Putin"). The evaluation applies the same steps to the annotated names,
/// so a recognizer is not marked wrong for a normalization both sides share.
public enum EntityNames {
    /// One mention: a name as written and its kind.
    public struct Mention: Sendable, Equatable {
        public var name: String
        public var kind: NamedEntity.Kind
        public init(name: String, kind: NamedEntity.Kind) {
            self.name = name
            self.kind = kind
        }
    }

    /// Words dropped from a name's start: articles, and titles before a person's name.
    static let leadingArticles: Set<String> = ["the", "The", "THE"]
    static let titles: Set<String> = Gazetteer.personTitles.union(EntityExtractor.strictTitles).union([
        "Mr.", "Mrs.", "Ms.", "Dr.", "Prof.", "Gen.", "Sen.", "Rep.", "Gov.", "Capt.", "Col.", "Lt.", "Sgt.", "St.",
        "Judge", "Justice", "King", "Queen", "Prince", "Princess", "Pope",
    ]).subtracting(["St", "St."])

    /// A name as stored: white space single, a leading article dropped, a person's leading
    /// titles dropped ("President Vladimir Putin" → "Vladimir Putin"), a trailing full stop
    /// dropped unless the name is an abbreviation ("U.S."), "St." written "St". Nil when
    /// nothing that could be a name is left.
    public static func canonical(_ name: String, kind: NamedEntity.Kind) -> String? {
        var words = name.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\u{A0}" }).map(String.init)
        while words.count > 1, leadingArticles.contains(words[0]) { words.removeFirst() }
        if kind == .person {
            while words.count > 1, titles.contains(words[0]) { words.removeFirst() }
        }
        for i in words.indices where words[i] == "St." { words[i] = "St" }
        guard var last = words.last else { return nil }
        // "Smith." at a sentence's end, but not "U.S." or "Inc.".
        if last.hasSuffix("."), last.dropLast().firstIndex(of: ".") == nil, last.count > 2,
            !EntityTokens.abbreviations.contains(String(last.dropLast()))
        {
            last.removeLast()
            words[words.count - 1] = last
        }
        // A name has a capital letter somewhere (not a transcription such as "ʒan mɔʁo").
        guard words.contains(where: { $0.contains(where: { $0.isUppercase }) }) else { return nil }
        return words.joined(separator: " ")
    }

    /// The entities of a document's mentions, most mentioned first, then by name.
    public static func collect(_ mentions: [Mention]) -> [NamedEntity] {
        // Per name: mentions by kind, and the order kinds were first seen in.
        var counts: [String: [NamedEntity.Kind: Int]] = [:]
        var order: [String] = []
        var firstKind: [String: NamedEntity.Kind] = [:]
        for m in mentions {
            guard let name = canonical(m.name, kind: m.kind) else { continue }
            if counts[name] == nil {
                order.append(name)
                firstKind[name] = m.kind
            }
            counts[name, default: [:]][m.kind, default: 0] += 1
        }
        var entities: [String: NamedEntity] = [:]
        for name in order {
            let byKind = counts[name]!
            let first = firstKind[name]!
            var kind = first
            for (k, n) in byKind where n > byKind[kind]! { kind = k }
            entities[name] = NamedEntity(name: name, kind: kind, mentions: byKind.values.reduce(0, +))
        }
        // A one-word person is the first full name (in name order) that ends with it.
        var bySurname: [String: String] = [:]
        for full in entities.values.filter({ $0.kind == .person && $0.name.contains(" ") }).map(\.name).sorted() {
            let last = String(full[full.index(after: full.lastIndex(of: " ")!)...])
            if bySurname[last] == nil { bySurname[last] = full }
        }
        for (name, entity) in entities where entity.kind == .person && !name.contains(" ") {
            if let full = bySurname[name] {
                entities[full]!.mentions += entity.mentions
                entities[name] = nil
            }
        }
        return entities.values.sorted { ($1.mentions, $0.name) < ($0.mentions, $1.name) }
    }
}

extension EntityModel {
    /// The mentions tagged in a document.
    static func mentions(_ doc: EntityTokens, _ tags: [Tag]) -> [EntityNames.Mention] {
        var out: [EntityNames.Mention] = []
        var i = 0
        let n = tags.count
        while i < n {
            guard let kind = tags[i].kind else {
                i += 1
                continue
            }
            var j = i + 1
            while j < n, tags[j] == Tag.inside(kind) { j += 1 }
            // Trailing punctuation and lowercase words ("in", "of") are no part of a name.
            var end = j
            while end > i + 1, !doc.tokens[end - 1].flags.contains(.capitalized), !doc.tokens[end - 1].flags.contains(.digit) { end -= 1 }
            out.append(EntityNames.Mention(name: doc.text(i, end), kind: kind))
            i = j
        }
        return out
    }

    /// The people, organizations and places of an article, most mentioned first.
    public func recognize(title: String, paragraphs: [String]) -> [NamedEntity] {
        let doc = EntityTokens(paragraphs: title.isEmpty ? paragraphs : [title] + paragraphs)
        let c = context(doc)
        return EntityNames.collect(Self.mentions(doc, tag(c)))
    }
}
