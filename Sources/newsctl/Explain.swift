import ArgumentParser
import Foundation
import NewsCore

struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Parse one file as newsd would and show what it would store.",
        discussion: """
            Touches neither the database nor the inbox, and needs no running newsd. Uses the junk \
            rules and the topic model of the config file (parser.junkPatterns, classifier.model) \
            when it can read one, and shows the language, topic, keywords, entities and SimHash \
            newsd would store. Exits 0 when the \
            file yields at least one article, 65 (EX_DATAERR) when newsd would move it to failed/, \
            66 (EX_NOINPUT) when it cannot be read.
            """)

    @Argument(help: "The file to explain.")
    var file: String

    @Option(help: "newsd's JSON config file, for its junk rules (default: /etc/newsd/newsd.json if readable).")
    var config: String?

    @Option(help: "Topic model file (default: classifier.model of the config file).")
    var model: String?

    @Flag(help: "Print JSON for scripts instead of text.")
    var json = false

    func run() throws {
        guard let data = FileManager.default.contents(atPath: file) else {
            FileHandle.standardError.write(Data("newsctl explain: cannot read \(file)\n".utf8))
            throw ExitCode(66)
        }
        let settings = configRoot()
        let parser = DocumentParser(junk: try junkRules(settings))
        let enricher = try makeEnricher(settings)
        let bytes = Array(data)
        var doc: ParsedDocument
        do {
            doc = try parser.parse(bytes: bytes)
            doc.records = doc.records.map { r in
                r.map { article in
                    var a = article
                    a.enrichment = enricher.enrich(article)
                    return a
                }
            }
        } catch {
            if json {
                try printJSON(ExplainReport(file: file, sizeBytes: bytes.count, failure: error))
            } else {
                print("\(file): would move to failed/\n  code:   \(error.code.rawValue)\n  reason: \(error.reason)")
            }
            throw ExitCode(65)
        }
        if json {
            try printJSON(ExplainReport(file: file, sizeBytes: bytes.count, document: doc))
        } else {
            print(render(doc, size: bytes.count))
        }
    }

    /// The config file as JSON, if there is one to read.
    private func configRoot() -> [String: Any]? {
        let path = config ?? "/etc/newsd/newsd.json"
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    }

    private func junkRules(_ root: [String: Any]?) throws -> JunkRules {
        if let config, FileManager.default.contents(atPath: config) == nil { throw ValidationError("cannot read config file \(config)") }
        guard let patterns = (root?["parser"] as? [String: Any])?["junkPatterns"] as? [String] else { return .default }
        return try JunkRules(patterns: patterns)
    }

    private func makeEnricher(_ root: [String: Any]?) throws -> Enricher {
        let classifier = root?["classifier"] as? [String: Any]
        let path = model ?? (classifier?["model"] as? String).flatMap { $0.isEmpty ? nil : $0 }
        do {
            return Enricher(
                model: try path.map { try LoadedModel(path: $0) },
                minConfidence: classifier?["minConfidence"] as? Double ?? 0.5,
                keywordCount: classifier?["keywords"] as? Int ?? 10)
        } catch {
            FileHandle.standardError.write(Data("newsctl explain: \(error)\n".utf8))
            throw ExitCode(66)
        }
    }

    private func render(_ doc: ParsedDocument, size: Int) -> String {
        var out = ["\(file): \(doc.format.rawValue), \(doc.encoding), \(size) bytes, \(doc.articles.count) article(s)"]
        for (i, record) in doc.records.enumerated() {
            switch record {
            case .success(let a):
                out.append("[\(i)] \(a.title)")
                out.append("    paragraphs \(a.paragraphs.count), words \(a.wordCount), hash \(hexString(a.contentHash).prefix(16))")
                let m = a.metadata
                if let url = m.url { out.append("    url        \(url)") }
                if let d = m.publishedAt { out.append("    published  \(d.formatted(.iso8601))") }
                if let au = m.author { out.append("    author     \(au)") }
                if let s = m.source { out.append("    source     \(s)") }
                if let l = m.language { out.append("    language   \(l)") }
                if let first = a.paragraphs.first { out.append("    first      \(first.prefix(100))") }
                if let last = a.paragraphs.last { out.append("    last       \(last.suffix(100))") }
                if let e = a.enrichment {
                    out.append("    detected   \(e.language ?? "unknown language")")
                    if let t = e.topic {
                        let scores = t.scores.sorted { $0.value > $1.value }.map { "\($0.key) \(String(format: "%.3f", $0.value))" }
                        out.append("    topic      \(t.category) (\(String(format: "%.3f", t.confidence)); \(scores.joined(separator: ", ")))")
                    } else {
                        out.append("    topic      none (no model, or a language the model was not trained on)")
                    }
                    if !e.keywords.isEmpty { out.append("    keywords   \(e.keywords.joined(separator: ", "))") }
                    for kind in NamedEntity.Kind.allCases {
                        let list = e.entities.filter { $0.kind == kind }.map { "\($0.name) ×\($0.mentions)" }
                        if !list.isEmpty { out.append("    \(kind.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)) \(list.joined(separator: ", "))") }
                    }
                    out.append("    simhash    \(String(e.simhash, radix: 16))")
                }
            case .failure(let f):
                out.append("[\(i)] skipped: \(f.code.rawValue): \(f.reason)")
            }
        }
        return out.joined(separator: "\n")
    }

    private func printJSON<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}

/// `newsctl explain --json` output.
struct ExplainReport: Encodable {
    struct Record: Encodable {
        var index: Int
        var title: String?
        var paragraphs: [String]?
        var wordCount: Int?
        var contentHash: String?
        var url: String?
        var publishedAt: Date?
        var author: String?
        var source: String?
        var language: String?
        var detectedLanguage: String?
        var category: String?
        var confidence: Double?
        var scores: [String: Double]?
        var keywords: [String]?
        var entities: [NamedEntity]?
        var simhash: String?
        var code: String?
        var reason: String?
    }

    var file: String
    var sizeBytes: Int
    var format: String?
    var encoding: String?
    var wouldStore: Bool
    var code: String?
    var reason: String?
    var records: [Record]

    init(file: String, sizeBytes: Int, document: ParsedDocument) {
        self.file = file
        self.sizeBytes = sizeBytes
        format = document.format.rawValue
        encoding = document.encoding
        wouldStore = true
        records = document.records.enumerated().map { i, r in
            switch r {
            case .success(let a):
                let m = a.metadata
                let e = a.enrichment
                return Record(
                    index: i, title: a.title, paragraphs: a.paragraphs, wordCount: a.wordCount, contentHash: hexString(a.contentHash),
                    url: m.url, publishedAt: m.publishedAt, author: m.author, source: m.source, language: m.language,
                    detectedLanguage: e?.language, category: e?.topic?.category, confidence: e?.topic?.confidence,
                    scores: e?.topic?.scores, keywords: e?.keywords, entities: e?.entities, simhash: e.map { String($0.simhash, radix: 16) })
            case .failure(let f):
                return Record(index: i, code: f.code.rawValue, reason: f.reason)
            }
        }
    }

    init(file: String, sizeBytes: Int, failure: IngestFailure) {
        self.file = file
        self.sizeBytes = sizeBytes
        wouldStore = false
        code = failure.code.rawValue
        reason = failure.reason
        records = []
    }
}
