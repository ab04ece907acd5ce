import ArgumentParser
import Foundation
import NewsCore

struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Parse one file as newsd would and show what it would store.",
        discussion: """
            Touches neither the database nor the inbox, and needs no running newsd. Uses the junk \
            rules of the config file (parser.junkPatterns) when it can read one. Exits 0 when the \
            file yields at least one article, 65 (EX_DATAERR) when newsd would move it to failed/, \
            66 (EX_NOINPUT) when it cannot be read.
            """)

    @Argument(help: "The file to explain.")
    var file: String

    @Option(help: "newsd's JSON config file, for its junk rules (default: /etc/newsd/newsd.json if readable).")
    var config: String?

    @Flag(help: "Print JSON for scripts instead of text.")
    var json = false

    func run() throws {
        guard let data = FileManager.default.contents(atPath: file) else {
            FileHandle.standardError.write(Data("newsctl explain: cannot read \(file)\n".utf8))
            throw ExitCode(66)
        }
        let parser = DocumentParser(junk: try junkRules())
        let bytes = Array(data)
        let doc: ParsedDocument
        do {
            doc = try parser.parse(bytes: bytes)
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

    private func junkRules() throws -> JunkRules {
        let path = config ?? "/etc/newsd/newsd.json"
        guard let data = FileManager.default.contents(atPath: path) else {
            if config != nil { throw ValidationError("cannot read config file \(path)") }
            return .default
        }
        let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        guard let patterns = (root?["parser"] as? [String: Any])?["junkPatterns"] as? [String] else { return .default }
        return try JunkRules(patterns: patterns)
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
                return Record(
                    index: i, title: a.title, paragraphs: a.paragraphs, wordCount: a.wordCount, contentHash: hexString(a.contentHash),
                    url: m.url, publishedAt: m.publishedAt, author: m.author, source: m.source, language: m.language)
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
