import Foundation

/// A document with its names marked by people: what the entity model trains and is judged on.
public struct AnnotatedDocument: Sendable {
    /// One name: its byte range in the document (paragraphs joined by newlines, as
    /// `EntityTokens` joins them), its text and kind.
    public struct Name: Sendable, Equatable {
        public var start: Int
        public var end: Int
        public var text: String
        public var kind: NamedEntity.Kind
    }

    public var id: String
    public var paragraphs: [String]
    public var names: [Name]
    /// Names of other kinds (works, events, awards, languages …: a mention of another kind
    /// whose head is a proper noun) that overlap none of `names`, outer ones only: byte ranges.
    /// The model learns them so as not to take them for names of the three kinds.
    public var others: [Range<Int>]

    public init(id: String, paragraphs: [String], names: [Name], others: [Range<Int>] = []) {
        self.id = id
        self.paragraphs = paragraphs
        self.names = names
        self.others = others
    }
}

/// Why an annotated corpus cannot be read.
public struct CorpusError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// Reads GUM's CoNLL-U files with entity annotation (../shared/corpus/gum-train/README.md).
///
/// A mention is a name when its kind is person, organization or place and one of its head
/// tokens (the annotation's `minspan`) is a proper noun. The name is the mention's tokens cut
/// to what a name is in running text: up to its first comma, semicolon or bracket; leading
/// determiners and lowercase words dropped ("the", "his", "contemporary"); trailing
/// possessives, punctuation and lowercase words dropped ("Google maps" → "Google"). Names inside
/// another name ("Chicago" in "University of Chicago") are left out: a tagger marks the outer
/// one.
public enum GUMCorpus {
    /// Reads every `*.conllu` under `directory` (or its `dep/` folder), in name order.
    public static func read(directory: String) throws -> [AnnotatedDocument] {
        let fm = FileManager.default
        var dir = directory
        if fm.fileExists(atPath: directory + "/dep") { dir = directory + "/dep" }
        guard let files = try? fm.contentsOfDirectory(atPath: dir) else {
            throw CorpusError(message: "cannot read corpus folder \(directory)")
        }
        var docs: [AnnotatedDocument] = []
        for file in files.sorted() where file.hasSuffix(".conllu") {
            guard let data = fm.contents(atPath: dir + "/" + file) else {
                throw CorpusError(message: "cannot read \(dir)/\(file)")
            }
            docs.append(parse(String(decoding: data, as: UTF8.self), id: String(file.dropLast(".conllu".count))))
        }
        guard !docs.isEmpty else { throw CorpusError(message: "no .conllu files in \(dir)") }
        return docs
    }

    struct Token {
        var form: String
        var upos: String
        var spaceAfter: Bool
        var paragraph: Int
        /// The first token of its sentence.
        var sentenceStart: Bool
        /// Byte range in the document.
        var start = 0
        var end = 0
    }

    struct Mention {
        var first: Int
        var last: Int
        var kind: String
        var heads: [Int]
    }

    /// Parses one CoNLL-U document.
    static func parse(_ text: String, id: String) -> AnnotatedDocument {
        var tokens: [Token] = []
        var mentions: [Mention] = []
        var open: [String: [(Int, [Substring])]] = [:]
        var paragraph = -1
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("#") {
                if line == "# newpar" || line.hasPrefix("# newpar ") { paragraph += 1 }
                continue
            }
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard columns.count >= 10, !columns[0].contains("-"), !columns[0].contains(".") else { continue }
            if paragraph < 0 { paragraph = 0 }
            let misc = columns[9]
            let index = tokens.count
            tokens.append(
                Token(
                    form: String(columns[1]), upos: String(columns[3]), spaceAfter: !misc.contains("SpaceAfter=No"), paragraph: paragraph,
                    sentenceStart: columns[0] == "1"))
            guard let entity = misc.split(separator: "|").first(where: { $0.hasPrefix("Entity=") })?.dropFirst("Entity=".count) else {
                continue
            }
            // "(ID-fields…" opens, "ID)" closes, "(ID-fields…)" is one token.
            var rest = entity[...]
            while !rest.isEmpty {
                if rest.first == "(" {
                    rest = rest.dropFirst()
                    let end = rest.firstIndex(where: { $0 == "(" || $0 == ")" }) ?? rest.endIndex
                    let fields = rest[..<end].split(separator: "-", maxSplits: 7, omittingEmptySubsequences: false)
                    if end < rest.endIndex, rest[end] == ")" {
                        mentions.append(mention(fields, index, index))
                        rest = rest[rest.index(after: end)...]
                    } else {
                        if let key = fields.first { open[String(key), default: []].append((index, fields)) }
                        rest = rest[end...]
                    }
                } else {
                    let end = rest.firstIndex(of: ")") ?? rest.endIndex
                    let key = String(rest[..<end])
                    if let (first, fields) = open[key]?.popLast() {
                        mentions.append(mention(fields, first, index))
                    }
                    rest = end < rest.endIndex ? rest[rest.index(after: end)...] : rest[end...]
                }
            }
        }
        // The text: tokens with their spacing, paragraphs on lines of their own.
        var paragraphs: [String] = []
        var current = ""
        var offset = 0
        var currentParagraph = 0
        for i in tokens.indices {
            if tokens[i].paragraph != currentParagraph {
                while current.last == " " { current.removeLast() }
                paragraphs.append(current)
                offset += current.utf8.count + 1
                current = ""
                currentParagraph = tokens[i].paragraph
            }
            tokens[i].start = offset + current.utf8.count
            current += tokens[i].form
            tokens[i].end = offset + current.utf8.count
            if tokens[i].spaceAfter { current += " " }
        }
        while current.last == " " { current.removeLast() }
        if !tokens.isEmpty { paragraphs.append(current) }
        let joined = Array(paragraphs.joined(separator: "\n").utf8)

        var spans: [(first: Int, last: Int, kind: NamedEntity.Kind)] = []
        var otherSpans: [(first: Int, last: Int)] = []
        for m in mentions {
            guard let head = m.heads.first(where: { $0 >= m.first && $0 <= m.last && tokens[$0].upos == "PROPN" }) else { continue }
            let runs = nameRuns(tokens, m.first, m.last, head: head)
            if let kind = NamedEntity.Kind(rawValue: m.kind) {
                for (first, last) in runs { spans.append((first, last, kind)) }
            } else {
                for (first, last) in runs { otherSpans.append((first, last)) }
            }
        }
        // Outer names only, each once.
        spans.sort { ($0.first, $1.last) < ($1.first, $0.last) }
        var names: [AnnotatedDocument.Name] = []
        var coveredTo = -1
        for s in spans where s.first > coveredTo {
            let start = tokens[s.first].start
            let end = tokens[s.last].end
            names.append(
                AnnotatedDocument.Name(start: start, end: end, text: String(decoding: joined[start..<end], as: UTF8.self), kind: s.kind))
            coveredTo = s.last
        }
        // Other names where they overlap no name of the three kinds ("Berlin" stays a place in
        // "the Berlin Film Festival"): of nested ones, the outermost that overlaps none.
        otherSpans.sort { ($0.first, $1.last) < ($1.first, $0.last) }
        var others: [Range<Int>] = []
        var otherTo = -1
        for o in otherSpans where o.first > otherTo && !spans.contains(where: { $0.first <= o.last && o.first <= $0.last }) {
            others.append(tokens[o.first].start..<tokens[o.last].end)
            otherTo = o.last
        }
        return AnnotatedDocument(id: id, paragraphs: paragraphs, names: names, others: others)
    }

    static func mention(_ fields: [Substring], _ first: Int, _ last: Int) -> Mention {
        let kind = fields.count > 1 ? String(fields[1]) : ""
        let heads = fields.count > 5 ? fields[5].split(separator: ",").compactMap { Int($0).map { first + $0 - 1 } } : []
        return Mention(first: first, last: last, kind: kind, heads: heads)
    }

    /// Small words that may join two parts of a name: "Gulf of Mexico", "Manoel de Oliveira".
    static let connectors: Set<String> = ["of", "de", "du", "des", "del", "della", "di", "da", "do", "la", "le", "van", "von", "der", "den", "y", "al", "bin", "&"]

    /// Whether token `i` may be part of a name: a proper noun; a capitalized word that does
    /// not open its sentence ("United Kingdom", "Electrical Engineering"); a number after a
    /// proper noun ("Apollo 11").
    static func nameLike(_ tokens: [Token], _ i: Int) -> Bool {
        let t = tokens[i]
        if t.upos == "PROPN" { return true }
        if t.upos == "NUM", i > 0, tokens[i - 1].upos == "PROPN", !t.sentenceStart { return true }
        guard let c = t.form.unicodeScalars.first, c.properties.isUppercase, !t.sentenceStart else { return false }
        return ["ADJ", "NOUN", "VERB", "X", "NUM"].contains(t.upos)
    }

    /// Whether a token written against a name's word belongs to it: a hyphen or a word ("Bailey
    /// - Ross"), not a possessive or punctuation.
    static func attached(_ t: Token) -> Bool {
        if t.form == "-" || t.form == "–" { return true }
        guard let c = t.form.unicodeScalars.first else { return false }
        return (c.properties.isAlphabetic || c.properties.numericType != nil) && t.upos != "PART"
    }

    /// The names of a mention: the run of name-like tokens around its head (with connectors
    /// between name-like tokens), and the runs coordinated with it ("Janis Cole and Holly
    /// Dale", "North, Coase and Ostrom" are names each). Descriptions around the name are
    /// left out: "the Berlin music critic Louis Ehlert" is "Louis Ehlert".
    static func nameRuns(_ tokens: [Token], _ first: Int, _ last: Int, head: Int) -> [(Int, Int)] {
        func run(around i: Int) -> (Int, Int) {
            var from = i
            var to = i
            while from > first {
                if !tokens[from - 1].spaceAfter, attached(tokens[from - 1]) {
                    from -= 1  // "Bailey-Ross", "Bourg-la-Reine": one word in running text
                } else if nameLike(tokens, from - 1) {
                    from -= 1
                } else if from - 2 >= first, connectors.contains(tokens[from - 1].form), nameLike(tokens, from - 2) {
                    from -= 2
                } else {
                    break
                }
            }
            while to < last {
                if !tokens[to].spaceAfter, attached(tokens[to + 1]) {
                    to += 1
                } else if nameLike(tokens, to + 1) {
                    to += 1
                } else if to + 2 <= last, connectors.contains(tokens[to + 1].form), nameLike(tokens, to + 2) {
                    to += 2
                } else if to + 3 <= last, tokens[to + 1].form == "of", tokens[to + 2].form == "the", nameLike(tokens, to + 3) {
                    to += 3
                } else {
                    break
                }
            }
            // A hyphen never ends or starts a name ("Nick Ro- Roberts": a false start).
            while to > from, tokens[to].form == "-" || tokens[to].form == "–" { to -= 1 }
            while from < to, tokens[from].form == "-" || tokens[from].form == "–" { from += 1 }
            return (from, to)
        }
        var runs = [run(around: head)]
        // Coordinated names after and before the head's run.
        let coordinators: Set<String> = [",", "and", "&", "or"]
        var (_, to) = runs[0]
        while to + 1 < last, coordinators.contains(tokens[to + 1].form) {
            var next = to + 1
            while next <= last, coordinators.contains(tokens[next].form) { next += 1 }
            guard next <= last, tokens[next].upos == "PROPN" else { break }
            let r = run(around: next)
            runs.append(r)
            to = r.1
        }
        var (from, _) = runs[0]
        while from - 1 > first, coordinators.contains(tokens[from - 1].form) {
            var previous = from - 1
            while previous >= first, coordinators.contains(tokens[previous].form) { previous -= 1 }
            guard previous >= first, tokens[previous].upos == "PROPN" else { break }
            let r = run(around: previous)
            runs.append(r)
            from = r.0
        }
        return runs
    }
}
