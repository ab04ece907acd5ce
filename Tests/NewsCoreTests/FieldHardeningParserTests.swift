import Foundation
import TestSupport
import Testing

@testable import NewsCore

/// Issue 18's parser items: each test is named after the item it covers.
@Suite struct FieldHardeningParserTests {
    let parser = DocumentParser()

    /// Item 2: every pathological shape (many `<`, many `&`, many attributes, one huge line,
    /// a million blank lines, deep nesting, …) of 1 MB ends with its outcome. Before, the many-`<`
    /// body scanned to the end for `>` after every `<` (hours at 1 MB) and the many-attribute
    /// `<p>` was quadratic inside libxml2. The time limit is a liveness bound: a normal 1 MB
    /// article takes about 40 ms (Benchmarks' `ingest-bench --pathological` prints each one's time).
    @Test(.timeLimit(.minutes(2))) func item02_pathologicalFilesEndWithTheirOutcome() throws {
        var outcomes: [String: String] = [:]
        for input in Pathological.all(size: 1 << 20) {
            do {
                let doc = try parser.parse(bytes: input.bytes)
                outcomes[input.name] = "\(doc.format.rawValue):\(doc.articles.count)"
            } catch {
                outcomes[input.name] = error.code.rawValue
            }
        }
        #expect(outcomes == [
            "text-many-lt.txt": "text:1",
            "json-many-lt.json": "json:1",
            "rss-many-escaped-lt.xml": "rss:1",
            "text-many-amp.txt": "text:1",
            "json-many-amp.json": "json:1",
            "html-many-attributes.html": "html:1",
            "html-many-bare-attributes.html": "html:1",
            "text-one-huge-line.txt": "text:1",
            "text-blank-lines.txt": "text:1",
            "text-crlf-blank-lines.txt": "text:1",
            "html-deep-nesting.html": "no_body",
            "json-deep-nesting.json": "bad_record",
            "json-deep-objects.json": "bad_record",
            "rss-deep-nesting.xml": "bad_record",
            "ndjson-broken-lines.ndjson": "ndjson:1",
            "ndjson-invalid-objects.ndjson": "ndjson:1",
            "text-junk-lines.txt": "text:1",
            "html-attributes-without-spaces.html": "html:1",
            "text-combining-marks.txt": "text:1",
            "text-junk-lines-in-one-block.txt": "text:1",
            "text-capitalized-words.txt": "text:1",
            "text-open-brackets.txt": "text:1",
            "text-citations.txt": "text:1",
            "text-ampersand-names.txt": "text:1",
            "text-long-word.txt": "text:1",
            "text-digits.txt": "text:1",
        ])
    }

    /// Item 2: the many-`<` body keeps its text (the `<` are text, not tags), and the element
    /// over the attribute cap keeps its first attributes and its content.
    @Test func item02_linearParsersKeepTheText() throws {
        #expect(HTMLText.plainText("<p>Some text. <<<< a<b") == "\n\nSome text. <<<< a<b")
        #expect(HTMLText.plainText("a<b>c</b>d<e") == "acd<e")
        let attrs = (0..<1000).map { "a\($0)=\"x>y\" " }.joined()
        let page = "<html><head><title>T</title></head><body><article><p \(attrs) class=\"z\">"
            + String(repeating: "The storm hit the coast overnight and closed the port. ", count: 4) + "</p></article></body></html>"
        let doc = try parser.parse(bytes: Array(page.utf8))
        #expect(doc.format == .html)
        #expect(doc.articles.first?.body.hasPrefix("The storm hit the coast overnight") == true)
    }

    /// Item 2: a file whose parsing runs past `parser.maxSeconds` fails with `parse_timeout`,
    /// in every format (the loops over lines and records check the deadline); within it, the
    /// same file parses.
    @Test func item02_parsePastTheDeadlineIsParseTimeout() throws {
        let ndjson = String(repeating: #"{"title": "T", "body": "Some text."}"# + "\n", count: 3000)
        let json = "[" + Array(repeating: #"{"title": "T", "body": "Some text."}"#, count: 3000).joined(separator: ",") + "]"
        let text = "Storm hits the coast\n\nSome text about the storm.\n"
        for input in [ndjson, json, text] {
            #expect(throws: IngestFailure.self) { try parser.parse(bytes: Array(input.utf8), deadline: .passed) }
            do {
                _ = try parser.parse(bytes: Array(input.utf8), deadline: .passed)
            } catch {
                #expect(error.code == .parseTimeout)
                #expect(error.reason.hasPrefix("parsing and enriching took longer than 0.0 s (parser.maxSeconds)"))
            }
            #expect(try parser.parse(bytes: Array(input.utf8), deadline: ParseDeadline(seconds: 600)).articles.isEmpty == false)
        }
    }

    /// Item 14: a plain-text article whose first line starts with `[` or `{` is text, not a
    /// JSON failure; real JSON is still JSON.
    @Test func item14_bracketFirstLineIsPlainText() throws {
        let text = "[Updated] Storm hits coast\n\nThe storm reached the coast on Tuesday night.\n\nPorts closed.\n"
        let doc = try parser.parse(bytes: Array(text.utf8))
        #expect(doc.format == .plainText)
        #expect(doc.articles.map(\.title) == ["[Updated] Storm hits coast"])
        let brace = "{Live} Storm hits coast\n\nThe storm reached the coast on Tuesday night.\n"
        #expect(try parser.parse(bytes: Array(brace.utf8)).articles.map(\.title) == ["{Live} Storm hits coast"])
        let objectLine = "{\"note\": 1}\nStorm hits coast\n\nThe storm reached the coast on Tuesday night.\n"
        #expect(try parser.parse(bytes: Array(objectLine.utf8)).format == .plainText)
        let json = #"[{"title": "Storm hits coast", "body": "The storm reached the coast."}]"#
        #expect(try parser.parse(bytes: Array(json.utf8)).format == .json)
        // JSON that parses but holds no article still fails as JSON.
        #expect(throws: IngestFailure.self) { try parser.parse(bytes: Array(#"[{"title": 42}]"#.utf8)) }
    }

    /// Item 15: bidirectional controls are stripped from titles and text like zero-width ones.
    @Test func item15_bidiControlsAreStripped() throws {
        let text = "Storm \u{202E}tsaoc\u{202C} hits \u{2067}x\u{2069}\u{200F}\n\nThe storm reached the \u{202D}coast.\n"
        let a = try #require(try parser.parse(bytes: Array(text.utf8)).articles.first)
        #expect(a.title == "Storm tsaoc hits x")
        #expect(a.body == "The storm reached the coast.")
    }

    /// Item 15: every HTML5 named reference is decoded; unknown names and non-characters stay.
    @Test func item15_allHTML5NamedReferences() {
        #expect(HTMLText.decodeEntities("&frac12; &hearts; &NotSquareSupersetEqual; &Aring; &zwnj;|") == "½ ♥ ⋣ Å \u{200C}|")
        #expect(HTMLText.decodeEntities("&amp;lt; &nosuch; &#0; &#xD800; &#x110000; &") == "&lt; &nosuch; &#0; &#xD800; &#x110000; &")
        #expect(HTMLEntities.table.count == 2125)
        #expect(HTMLEntities.table["CounterClockwiseContourIntegral"] == "∳")
        #expect(HTMLEntities.table["fjlig"] == "fj")
    }

    /// Item 15: dates are right or absent, never wrong: 40 forms seen on news sites, each
    /// either the exact instant or nil (a zone abbreviation that names several offsets).
    @Test func item15_datesAreRightOrAbsent() {
        let utc1015 = Date(timeIntervalSince1970: 1_795_515_300)  // 2026-11-24T10:15:00Z
        func at(_ hoursEast: Double) -> Date { utc1015.addingTimeInterval(-hoursEast * 3600) }
        let cases: [(String, Date?)] = [
            ("2026-11-24T10:15:00Z", utc1015),
            ("2026-11-24T10:15:00+00:00", utc1015),
            ("2026-11-24T19:15:00+09:00", utc1015),
            ("2026-11-24T05:15:00-0500", utc1015),
            ("2026-11-24 10:15:00", utc1015),
            ("2026-11-24T10:15:00.000Z", utc1015),
            ("2026-11-24T10:15Z", utc1015),
            ("Tue, 24 Nov 2026 10:15:00 GMT", utc1015),
            ("Tue, 24 Nov 2026 10:15:00 +0000", utc1015),
            ("Tue, 24 Nov 2026 11:15:00 +0100", utc1015),
            ("Tue, 24 Nov 2026 05:15:00 EST", utc1015),
            ("Tue, 24 Nov 2026 02:15:00 PST", utc1015),
            ("24 Nov 2026 10:15 UTC", utc1015),
            ("24 Nov 2026 10:15 JST", at(9)),
            ("24 Nov 2026 10:15 KST", at(9)),
            ("24 Nov 2026 10:15 AEDT", at(11)),
            ("24 Nov 2026 10:15 AEST", at(10)),
            ("24 Nov 2026 10:15 NZDT", at(13)),
            ("24 Nov 2026 10:15 HKT", at(8)),
            ("24 Nov 2026 10:15 SGT", at(8)),
            ("24 Nov 2026 10:15 MSK", at(3)),
            ("24 Nov 2026 10:15 CET", at(1)),
            ("24 Nov 2026 10:15 CEST", at(2)),
            ("24 Nov 2026 10:15 EET", at(2)),
            ("24 Nov 2026 10:15 BST", at(1)),
            ("24 Nov 2026 10:15 SAST", at(2)),
            ("24 Nov 2026 10:15 BRT", at(-3)),
            ("November 24, 2026 10:15 am EST", at(-5)),
            ("24 Nov 2026 10:15 IST", nil),
            ("24 Nov 2026 10:15 AST", nil),
            ("24 Nov 2026 10:15 ET", nil),
            ("24 Nov 2026 10:15 PT", nil),
            ("24 Nov 2026 10:15 XYZT", nil),
            ("TUE, 24 NOV 2026 10:15 GMT", utc1015),
            ("Published 24 November 2026, 10:15 GMT", utc1015),
            ("Nov 24, 2026 10:15 GMT", utc1015),
            ("24 November 2026", Date(timeIntervalSince1970: 1_795_478_400)),
            ("2026-02-30", nil),
            ("31 Feb 2026 10:15 GMT", nil),
            ("yesterday at noon", nil),
        ]
        #expect(cases.count == 40)
        for (text, expected) in cases {
            #expect(DateParser.parse(text) == expected, "\(text)")
        }
    }

    /// Item 2: the linear JSON syntax check that spares Foundation's error path agrees with
    /// JSONSerialization (fragments allowed) on hand-picked lines and on 20,000 random mutations
    /// of valid ones.
    @Test func item02_jsonSyntaxCheckAgreesWithFoundation() {
        func foundation(_ text: [UInt8]) -> Bool {
            (try? JSONSerialization.jsonObject(with: Data(text), options: [.fragmentsAllowed])) != nil
        }
        let samples = [
            #"{"title": "T", "body": "B", "n": -1.5e+3, "a": [1, true, false, null, {"x": "\u00e9\n"}]}"#,
            #"[]"#, #"{}"#, #"  {"a":1}  "#, #""s""#, #"0"#, #"-0.0E-2"#, #"{"a":}"#, #"{"a"}"#, #"{"a":1,}"#, #"[1,]"#,
            #"{"a":01}"#, #"{"a":1.}"#, #"{"a":.5}"#, #"{"a":"\x"}"#, #"{"a":"\u12"}"#, #"{"a":tru}"#, #"{"a":1}}"#,
            #"{"a":[1,2]"#, #"{'a':1}"#, "{\"a\":\"x\u{01}y\"}", #"nul"#, #"{"a":1} x"#, #"[[[[[]]]]]"#,
        ]
        for text in samples {
            let bytes = Array(text.utf8)
            #expect(JSONSyntax.isValid(bytes[...]) == foundation(bytes), "\(text)")
        }
        var random = SystemRandomNumberGenerator()
        let alphabet = Array(#"{}[]",:0123456789.-+eE\ untrlfasx"#.utf8)
        for _ in 0..<20_000 {
            var bytes = Array(samples[0].utf8)
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                let i = Int.random(in: 0..<bytes.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0: bytes.remove(at: i)
                case 1: bytes.insert(alphabet.randomElement(using: &random)!, at: i)
                default: bytes[i] = alphabet.randomElement(using: &random)!
                }
                if bytes.isEmpty { bytes = [0x30] }
            }
            // What matters: no line Foundation reads is refused. (Syntax alone cannot see a
            // number out of range, such as 1.5e473, which Foundation then refuses itself.)
            #expect(!foundation(bytes) || JSONSyntax.isValid(bytes[...]), "\(String(decoding: bytes, as: UTF8.self))")
        }
    }
}
