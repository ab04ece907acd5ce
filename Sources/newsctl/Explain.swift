import ArgumentParser
import Foundation
import IngestEngine
import NewsCore
import NewsProtocol
import NewsSystem

struct Explain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Parse one file as newsd would and show what it would store.",
        discussion: """
            Touches neither the database nor the inbox. Judges the file with newsd's own code \
            (how it is read, its size limit, symlinks and special files refused, parsing within \
            parser.maxSeconds, junk rules, topic model) and the running newsd's settings when one \
            answers on the control socket; otherwise, or with --config, the configuration file \
            and NEWSD_* environment variables, as newsd reads them. Shows the language, topic, \
            keywords, entities and SimHash newsd would store. Exits 0 when the file yields at \
            least one article, 65 (EX_DATAERR) when newsd would move it to failed/, 66 \
            (EX_NOINPUT) when it cannot be read, 78 when the configuration is invalid.
            """)

    @Argument(help: "The file to explain.")
    var file: String

    @Option(help: "newsd's JSON config file to judge by, instead of asking the running newsd (default when none answers: /etc/newsd/newsd.json if present).")
    var config: String?

    @Option(help: "Topic model file (default: the one newsd uses).")
    var model: String?

    @OptionGroup var client: ClientOptions

    var json: Bool { client.json }

    func run() async throws {
        var (settings, source) = try await self.settings()
        if let model { settings.classifierModel = model }
        let processor: FileProcessor
        do {
            processor = try FileProcessor(config: settings)
        } catch let error as ModelFileError {
            FileHandle.standardError.write(Data("newsctl explain: \(error)\n".utf8))
            throw ExitCode(66)
        } catch {
            FileHandle.standardError.write(Data("newsctl explain: \(error)\n".utf8))
            throw ExitCode(78)
        }
        // Read as newsd reads a claimed file: relative to its folder, never following a link.
        let url = URL(fileURLWithPath: file)
        let read: ReadFile?
        do {
            let folder = try Directory(path: url.deletingLastPathComponent().path, create: false)
            read = FileIntake.read(Array(url.lastPathComponent.utf8), in: folder, maxBytes: settings.maxFileBytes)
        } catch {
            read = nil
        }
        guard let read, read.transientError == nil else {
            FileHandle.standardError.write(Data("newsctl explain: cannot read \(file)\(read?.transientError.map { ": \($0)" } ?? "")\n".utf8))
            throw ExitCode(66)
        }
        let outcome = read.content.flatMap(processor.process)
        switch outcome {
        case .failure(let error):
            if json {
                try printJSON(ExplainReport(file: file, sizeBytes: read.size, settingsFrom: source, failure: error))
            } else {
                print("\(file): would move to failed/\n  code:   \(error.code.rawValue)\n  reason: \(error.reason)\n  judged by \(source)")
            }
            throw ExitCode(65)
        case .success(let doc):
            if json {
                try printJSON(ExplainReport(file: file, sizeBytes: read.size, settingsFrom: source, document: doc))
            } else {
                print(render(doc, size: read.size) + "\n  judged by \(source)")
            }
        }
    }

    /// The running newsd's settings if one answers (and no --config was given), else the
    /// configuration newsd would load here; and where they came from.
    private func settings() async throws -> (NewsdConfig, String) {
        if config == nil,
            let answer = try? ControlClient(socketPath: client.socket, timeoutSeconds: min(client.timeout, 3)).send(ControlRequest(command: .status)),
            let intake = answer.status?.intake
        {
            return (NewsdConfig.defaults().applying(intake), "the settings of the newsd answering on \(client.socket) (pid \(answer.status?.pid ?? 0))")
        }
        let file = config ?? (FileManager.default.fileExists(atPath: "/etc/newsd/newsd.json") ? "/etc/newsd/newsd.json" : nil)
        do {
            let c = try await NewsdConfig.load(file: file)
            return (c, file.map { "\($0) and the NEWSD_* environment (no newsd answered)" } ?? "the defaults and the NEWSD_* environment (no newsd answered, no config file)")
        } catch {
            FileHandle.standardError.write(Data("newsctl explain: \(error)\n".utf8))
            throw ExitCode(78)
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
                    // What newsd stores as the language, and where it comes from.
                    switch (e.language, e.languageReliable) {
                    case (let l?, true?): out.append("    detected   \(l) (CLD2, reliable)")
                    case (let l?, _): out.append("    detected   not reliably; \(l) as the file declares")
                    default: out.append("    detected   unknown language")
                    }
                    if let t = e.topic {
                        let scores = t.scores.sorted { $0.value > $1.value }.map { "\($0.key) \(String(format: "%.3f", $0.value))" }
                        out.append("    topic      \(t.category) (\(String(format: "%.3f", t.confidence)); \(scores.joined(separator: ", ")))")
                    } else {
                        out.append("    topic      none (no model, or a language the model was not trained on)")
                    }
                    if !e.keywords.isEmpty { out.append("    keywords   \(e.keywords.joined(separator: ", "))") }
                    for kind in NamedEntity.Kind.allCases {
                        let list = e.entities.filter { $0.kind == kind }.map { "\($0.name) ×\($0.mentions)" }
                        let label = kind == .organization ? "org" : kind.rawValue  // fits the 10-column labels
                        if !list.isEmpty { out.append("    \(label.padding(toLength: 10, withPad: " ", startingAt: 0)) \(list.joined(separator: ", "))") }
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
        /// Whether CLD2 called `detectedLanguage` reliable; absent when it is the declared one.
        var languageReliable: Bool?
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
    /// Whose settings judged the file: the running newsd's, or a configuration file's.
    var settingsFrom: String
    var format: String?
    var encoding: String?
    var wouldStore: Bool
    var code: String?
    var reason: String?
    var records: [Record]

    init(file: String, sizeBytes: Int, settingsFrom: String, document: ParsedDocument) {
        self.file = file
        self.sizeBytes = sizeBytes
        self.settingsFrom = settingsFrom
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
                    detectedLanguage: e?.language, languageReliable: e?.languageReliable, category: e?.topic?.category, confidence: e?.topic?.confidence,
                    scores: e?.topic?.scores, keywords: e?.keywords, entities: e?.entities, simhash: e.map { String($0.simhash, radix: 16) })
            case .failure(let f):
                return Record(index: i, code: f.code.rawValue, reason: f.reason)
            }
        }
    }

    init(file: String, sizeBytes: Int, settingsFrom: String, failure: IngestFailure) {
        self.file = file
        self.sizeBytes = sizeBytes
        self.settingsFrom = settingsFrom
        wouldStore = false
        code = failure.code.rawValue
        reason = failure.reason
        records = []
    }
}
