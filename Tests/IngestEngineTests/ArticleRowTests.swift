import Foundation
import NewsCore
import PostgresClient
import Testing

@testable import IngestEngine

/// The `scores` column's JSON, written by hand as bytes.
@Suite struct ScoresJSONTests {
    /// The plain form: sorted keys, escaped as JSON strings, values as Swift prints them.
    static func plain(_ scores: [String: Double]) -> String {
        "{" + scores.keys.sorted().map { key in
            let value = scores[key]!
            return ArticleRow.jsonString(key) + ":" + (value.isFinite ? "\(value)" : "null")
        }.joined(separator: ",") + "}"
    }

    @Test func equalsThePlainFormForLabelsAndOddKeys() throws {
        var rng = SystemRandomNumberGenerator()
        let labels = ["business", "entertainment", "politics", "sport", "tech"]
        let odd = ["", "a\"b", "back\\slash", "tab\tand\nnewline", "\u{1}ctl", "café", "日本", "😀", "a/b", "\u{7F}"]
        for round in 0..<500 {
            var scores: [String: Double] = [:]
            for key in (round % 2 == 0 ? labels : odd).shuffled(using: &rng).prefix(Int.random(in: 0...5, using: &rng)) {
                scores[key] = [Double.random(in: 0...1, using: &rng), 1e-300, .leastNonzeroMagnitude, -0.0, 1.0, 123456789.125, .nan, .infinity]
                    .randomElement(using: &rng)!
            }
            let json = ArticleRow.json(scores)
            #expect(json == Self.plain(scores), "\(scores)")
            // And it is JSON with the same keys. (Values are Swift's shortest round-trip
            // digits; Foundation's parser on Linux reads some of them a bit off, PostgreSQL's
            // numeric exactly.)
            let parsed = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
            #expect(Set(parsed.keys) == Set(scores.keys))
        }
        #expect(ArticleRow.json(["tech": 0.25, "sport": 0.75]) == #"{"sport":0.75,"tech":0.25}"#)
        #expect(ArticleRow.json(["q\"": .nan]) == #"{"q\"":null}"#)
    }

    @Test func aRowHoldsEachValueUnderItsColumn() {
        var a = Article(title: "Ferry returns", paragraphs: ["The harbour ferry sails again from Monday.", "Tickets are on sale."])
        a.metadata.source = "Harbour News"
        let row = ArticleRow(a, format: .json, index: 3, file: "f.json")
        #expect(row.values.count == ArticleColumn.allCases.count - 1)  // all but duplicate_of
        func value(_ c: ArticleColumn) -> String? { row.values[c.rawValue] }
        #expect(value(.title) == "Ferry returns")
        #expect(value(.paragraphCount) == "2")
        #expect(value(.source) == "Harbour News")
        #expect(value(.format) == "json")
        #expect(value(.recordIndex) == "3")
        #expect(value(.sourceFile) == "f.json")
        #expect(value(.classifiedAt) == "f")
        // No language known: the vector is built with `simple`; nothing from an enricher.
        #expect(value(.searchConfig) == "simple")
        #expect(value(.languageReliable) == nil && value(.entityModelID) == nil)
        #expect(value(.contentHash) == row.hash && row.hash.hasPrefix("\\x") && row.hash.count == 66)
        var out = CopyText()
        row.copy(to: &out, id: 42, classifiedAt: "2026-12-01 00:00:00.000000+00", duplicateOf: 7)
        let fields = String(decoding: out.bytes, as: UTF8.self).dropLast().split(separator: "\t", omittingEmptySubsequences: false)
        #expect(fields.count == ArticleStore.copyColumns.count)
        #expect(fields.first == "42" && fields.last == "7" && fields[1] == "Ferry returns")
        #expect(fields[ArticleColumn.classifiedAt.rawValue + 1] == "\\N")  // no topic: not classified
    }

    @Test func theEnrichersLanguageChoosesTheSearchConfiguration() {
        var a = Article(title: "Wahl", paragraphs: ["Die Bürger haben gewählt."])
        a.metadata.language = "en"
        a.enrichment = Enricher(model: nil).enrich(a)
        a.enrichment?.language = "de"
        a.enrichment?.languageReliable = true
        a.enrichment?.entityModelID = "ner-1"
        let row = ArticleRow(a, format: .plainText, index: 0, file: "w.txt")
        func value(_ c: ArticleColumn) -> String? { row.values[c.rawValue] }
        #expect(value(.language) == "de")
        #expect(value(.searchConfig) == "german")
        #expect(value(.languageReliable) == "t")
        #expect(value(.entityModelID) == "ner-1")
        a.enrichment?.languageReliable = false
        a.enrichment?.language = nil
        let declared = ArticleRow(a, format: .plainText, index: 0, file: "w.txt")
        #expect(declared.values[ArticleColumn.language.rawValue] == "en")
        #expect(declared.values[ArticleColumn.searchConfig.rawValue] == "english")
        #expect(declared.values[ArticleColumn.languageReliable.rawValue] == "f")
    }
}
