import Foundation
import Testing
import TestSupport

@testable import NewsCore

@Suite struct DocumentParserTests {
    let parser = DocumentParser()

    func parse(_ text: String) throws(IngestFailure) -> ParsedDocument { try parser.parse(bytes: Array(text.utf8)) }

    @Test func detectsFormatsByContent() {
        #expect(DocumentParser.detect("Title\n\nBody") == .plainText)
        #expect(DocumentParser.detect("  \n[{\"title\": 1}]") == .json)
        #expect(DocumentParser.detect("{\n  \"title\": \"x\",\n  \"body\": \"y\"\n}") == .json)
        #expect(DocumentParser.detect("{\"title\": \"a\"}\n{\"title\": \"b\"}\n") == .ndjson)
        #expect(DocumentParser.detect("{\"title\": \"a\"}\n{\"title\": \n") == .ndjson)
    }

    @Test func jsonArrayWithABrokenSecondRecordKeepsTheOthers() throws {
        let doc = try parse("""
            [
              {"headline": "First story", "articleBody": "Para one.\\n\\nPara two.", "url": "https://example.com/1",
               "datePublished": "2026-11-24T10:15:00+01:00", "author": {"name": "Ann Writer"}, "publisher": {"name": "Example News"}, "inLanguage": "en"},
              {"headline": "Broken", "articleBody": 42},
              {"title": "Third story", "body": ["Only paragraph."], "byline": ["A", "B"]}
            ]
            """)
        #expect(doc.format == .json)
        #expect(doc.records.count == 3)
        #expect(doc.articles.map(\.title) == ["First story", "Third story"])
        #expect(doc.articles[0].paragraphs == ["Para one.", "Para two."])
        let m = doc.articles[0].metadata
        #expect(m.url == "https://example.com/1")
        #expect(m.publishedAt == Date(timeIntervalSince1970: 1_795_511_700))
        #expect(m.author == "Ann Writer")
        #expect(m.source == "Example News")
        #expect(m.language == "en")
        #expect(doc.articles[1].metadata.author == "A, B")
        #expect(doc.recordFailures.count == 1)
        #expect(doc.recordFailures[0].index == 1)
        #expect(doc.recordFailures[0].failure == IngestFailure(.badRecord, "record 1: \"articleBody\" is a number, not text"))
    }

    @Test func ndjsonReportsTheBadLineByNumber() throws {
        let doc = try parse("{\"title\": \"A\", \"text\": \"Alpha body.\"}\n{\"title\": oops}\n\n{\"title\": \"C\", \"content\": \"<p>Gamma &amp; co.</p><p>Second.</p>\"}\n")
        #expect(doc.format == .ndjson)
        #expect(doc.articles.map(\.title) == ["A", "C"])
        #expect(doc.articles[1].paragraphs == ["Gamma & co.", "Second."])
        #expect(doc.recordFailures.map(\.failure.reason) == ["line 2 is not valid JSON"])
    }

    @Test func aFileWhoseRecordsAllFailIsABadRecordFailure() {
        do {
            _ = try parse("[{\"title\": \"no body\"}, 7]")
            Issue.record("parsed")
        } catch {
            #expect(error.code == .badRecord)
            #expect(error.reason.hasPrefix("none of the 2 records is an article"))
        }
        do {
            _ = try parse("{\"title\": ")
            Issue.record("parsed")
        } catch {
            #expect(error.code == .badRecord)
        }
        do {
            _ = try parse("[]")
            Issue.record("parsed")
        } catch {
            #expect(error.code == .empty)
        }
    }

    @Test func plainTextHeaderBlockAndMarkdownTitle() throws {
        let doc = try parse("Title: Header title\nURL: https://ex.com/a\nDate: Tue, 24 Nov 2026 10:15:00 GMT\nAuthor: Jo Bloggs\nSource: Ex\n\n# Header title\n\nBody text.\n")
        let a = doc.articles[0]
        #expect(a.title == "Header title")
        #expect(a.paragraphs == ["Body text."])
        #expect(a.metadata == ArticleMetadata(
            url: "https://ex.com/a", publishedAt: Date(timeIntervalSince1970: 1_795_515_300), author: "Jo Bloggs", source: "Ex"))
        let md = try parse("# Markdown title\n\n## A subheading\n\nText.")
        #expect(md.articles[0].title == "Markdown title")
        #expect(md.articles[0].paragraphs == ["A subheading", "Text."])
    }
}

@Suite struct DateParserTests {
    @Test(arguments: [
        ("2026-11-24", 1_795_478_400.0),
        ("2026-11-24T10:15:00Z", 1_795_515_300),
        ("2026-11-24T10:15:00.5Z", 1_795_515_300.5),
        ("2026-11-24 11:15:00+01:00", 1_795_515_300),
        ("2026-11-24T05:15:00-0500", 1_795_515_300),
        ("Tue, 24 Nov 2026 10:15:00 GMT", 1_795_515_300),
        ("Tue, 24 Nov 2026 11:15:00 +0100", 1_795_515_300),
        ("24 November 2026", 1_795_478_400),
        ("Nov 24, 2026", 1_795_478_400),
        ("November 24th, 2026 10:15 am", 1_795_515_300),
        ("Published 24 Nov 2026, 10:15 pm UTC", 1_795_558_500),
    ])
    func knownForms(_ text: String, _ epoch: Double) {
        #expect(DateParser.parse(text) == Date(timeIntervalSince1970: epoch), "\(text)")
    }

    @Test(arguments: ["", "yesterday", "2026-13-01", "2026-02-30", "31 Foo 2026", "12345"])
    func rejects(_ text: String) {
        #expect(DateParser.parse(text) == nil, "\(text)")
    }
}

@Suite struct BBCCorpusTests {
    /// Every article of the BBC training corpus parses to its first line as title and its
    /// blank-line-separated blocks as paragraphs: the junk rules eat no real paragraph.
    @Test(.enabled(if: sharedExists("corpus/bbc-train"), "../shared/corpus/bbc-train is absent (a clone standing alone)"))
    func everyFileKeepsItsTitleAndParagraphCount() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let corpus = root.deletingLastPathComponent().appendingPathComponent("shared/corpus/bbc-train").path
        let fm = FileManager.default
        var checked = 0
        var mismatches: [String] = []
        let parser = DocumentParser()
        for label in try fm.contentsOfDirectory(atPath: corpus).sorted() {
            for file in try fm.contentsOfDirectory(atPath: corpus + "/" + label).sorted() where file.hasSuffix(".txt") {
                let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: "\(corpus)/\(label)/\(file)")))
                let text = try TextDecoder.decode(bytes).text
                let lines = text.components(separatedBy: "\n")
                let title = lines[0].trimmingCharacters(in: .whitespaces)
                let blocks = lines.dropFirst().split { $0.trimmingCharacters(in: .whitespaces).isEmpty }
                let doc = try parser.parse(bytes: bytes)
                let a = doc.articles[0]
                if a.title != Whitespace.normalizeLine(title) || a.paragraphs.count != blocks.count {
                    mismatches.append("\(label)/\(file): title \(a.title == Whitespace.normalizeLine(title)), paragraphs \(a.paragraphs.count) vs \(blocks.count)")
                }
                checked += 1
            }
        }
        #expect(checked == 1701)
        #expect(mismatches == [])
    }
}
