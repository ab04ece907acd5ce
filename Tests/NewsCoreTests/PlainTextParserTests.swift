import Foundation
import Testing
import TestSupport

@testable import NewsCore

/// The shared fixtures live beside the checkout, in ../shared.
func sharedFixture(_ name: String) throws -> [UInt8] {
    Array(try Data(contentsOf: sharedRoot.appendingPathComponent("fixtures/\(name)")))
}

@Suite struct PlainTextParserTests {
    let parser = PlainTextParser()

    /// The project's sample, in the seed's shape: the repeated title dropped, sixteen
    /// paragraphs, the trailing page junk gone.
    @Test func parsesTheSampleArticleExactly() throws {
        let article = try parser.parse(bytes: try sampleArticleBytes())
        #expect(article.title == "Harbour ferry service to resume after council vote")
        #expect(article.paragraphs.count == 16)
        #expect(article.paragraphs.first?.hasPrefix("The ferry between Kingsport and the island of Marrow will run again from March") == true)
        #expect(article.paragraphs.last == "The council will hold a public meeting at Marrow Village Hall on 14 February to explain the new timetable.")
        #expect(article.paragraphs[4] == "\"Islanders have been cut off from their jobs, their schools and their hospital appointments for five months,\" she told the chamber.")
        #expect(!article.body.contains("Share:"))
        #expect(!article.body.contains("Content is protected"))
        #expect(!article.paragraphs.contains(article.title))
        #expect(article.wordCount == 367)
        #expect(article.body.components(separatedBy: "\n\n").count == 16)
    }

    @Test(.enabled(if: sharedExists("fixtures/seed-article.txt"), "../shared/fixtures/seed-article.txt is absent (a clone standing alone)"))
    func parsesTheSeedArticleExactly() throws {
        let article = try parser.parse(bytes: try sharedFixture("seed-article.txt"))
        #expect(article.title == "Putin thanks Trump for foiling new year attacks")
        #expect(article.paragraphs.count == 16)
        #expect(article.paragraphs.first?.hasPrefix("Russia’s President Vladimir Putin has thanked US counterpart Donald Trump") == true)
        #expect(article.paragraphs.last == "It is unknown whether those recently arrested in Russia have any links to a wider group.")
        #expect(!article.body.contains("Share:"))
        #expect(!article.body.contains("Content is protected"))
        // The one paragraph with a no-break space after "when" has an ordinary space instead.
        #expect(!article.body.unicodeScalars.contains("\u{00A0}"))
        #expect(article.paragraphs[10] == "Ties were further strained when US intelligence agencies concluded that the Kremlin had interfered in the 2016 presidential election.")
        #expect(!article.paragraphs.contains(article.title))
        #expect(article.wordCount == 325)
        #expect(article.body.components(separatedBy: "\n\n").count == 16)
    }

    @Test func contentHashIgnoresLayoutButNotText() throws {
        let a = try parser.parse(text: "Title\n\nFirst para.\n\nSecond para.\n")
        let b = try parser.parse(text: "Title\r\n\r\nTitle\r\n\r\nFirst   para.\r\n\r\n\r\nSecond\u{00A0}para.\r\nShare:\r\n")
        let c = try parser.parse(text: "Title\n\nFirst para.\n\nSecond para!\n")
        #expect(a == b)
        #expect(a.contentHash == b.contentHash)
        #expect(a.contentHash != c.contentHash)
        #expect(a.contentHash.count == 32)
    }

    /// The body's length and the title-and-body text, made without joining the body, are
    /// what joining gives; the hash is SHA-256 of title, a blank line and body.
    @Test func bodyLengthTextAndHashMatchTheJoinedBody() throws {
        for paragraphs in [[], ["One."], ["Ünïcode first.", "", "Third\tpara."], ["a", "b", "c", "d"]] {
            let a = Article(title: "Tïtle", paragraphs: paragraphs)
            #expect(a.bodyUTF8Count == a.body.utf8.count)
            #expect(a.titleAndBody == a.title + "\n" + a.body)
        }
        // SHA-256 of "Tïtle\n\nÜnïcode first.\n\n\n\nThird\tpara." (Python's hashlib).
        let a = Article(title: "Tïtle", paragraphs: ["Ünïcode first.", "", "Third\tpara."])
        #expect(hexString(a.contentHash) == "2f49ed9e1572a93fc492ac97997281633ab64c1ae392611c7e5db7f7b0064ed7")
    }

    @Test func crlfAndLoneCRAreLineEnds() throws {
        let article = try parser.parse(text: "T\r\rline one\rline two\r\rnext")
        #expect(article.title == "T")
        #expect(article.paragraphs == ["line one line two", "next"])
    }

    @Test func titleGluedToTheFirstParagraph() throws {
        let article = try parser.parse(text: "Headline\nBody starts right here.\n\nMore.")
        #expect(article.title == "Headline")
        #expect(article.paragraphs == ["Body starts right here.", "More."])
    }

    @Test func repeatedTitleIsDroppedOnlyOnce() throws {
        let article = try parser.parse(text: "Same\n\nsame\n\nSame\n")
        #expect(article.title == "Same")
        #expect(article.paragraphs == ["Same"])
    }

    @Test func trailingJunkGoesButTheSameWordsInsideTheTextStay() throws {
        let text = "T\n\nShare: this is not junk, it is a sentence.\n\nLast real paragraph.\n\nShare:\nerror: Content is protected !!\n\nAdvertisement"
        let article = try parser.parse(text: text)
        #expect(article.paragraphs == ["Share: this is not junk, it is a sentence.", "Last real paragraph."])
    }

    @Test func aLineLongerThanTheJunkLimitIsNeverJunk() throws {
        let notice = "We use cookies to improve your experience."
        let long = notice + " " + String(repeating: "Real words of the article go here. ", count: 12)
        #expect(long.utf8.count > JunkRules.maxLineBytes)
        #expect(try PlainTextParser().parse(text: "T\n\nBody.\n\n" + notice).paragraphs == ["Body."])
        #expect(try PlainTextParser().parse(text: "T\n\nBody.\n\n" + long).paragraphs.count == 2)
    }

    @Test func wordCountCountsTokensHoldingALetterOrDigit() {
        let a = Article(title: "T", paragraphs: ["Élan — 42 % of “café” …", "naïve ¿qué? —— 日本"])
        #expect(a.wordCount == 7)  // Élan 42 of “café” naïve ¿qué? 日本
    }

    /// The byte-table count against the rule read plainly: split on spaces, count the tokens
    /// with an alphabetic or numeric scalar. Random paragraphs mix ASCII letters, digits and
    /// punctuation, non-ASCII letters and digits, non-ASCII punctuation and runs of spaces.
    @Test func wordCountAgreesWithThePlainRuleOnRandomText() {
        let pieces = ["a", "Z", "7", ".", "-", "é", "日", "٣", "—", "“", "…", " ", " ", "  ", "\u{00A0}", "\u{301}", "!?"]
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let paragraphs = (0..<Int.random(in: 1...3, using: &rng)).map { _ in
                (0..<Int.random(in: 0...40, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
            }
            let plain = paragraphs.reduce(0) { total, p in
                total + p.unicodeScalars.split(separator: " ").filter { token in
                    token.contains { $0.properties.isAlphabetic || $0.properties.numericType != nil }
                }.count
            }
            #expect(Article(title: "T", paragraphs: paragraphs).wordCount == plain, "\(paragraphs)")
        }
    }

    @Test func configurableJunkRules() throws {
        let custom = PlainTextParser(junk: try JunkRules(patterns: ["— the editors"]))
        let article = try custom.parse(text: "T\n\nBody.\n\n— The Editors")
        #expect(article.paragraphs == ["Body."])
        #expect(throws: JunkRuleError.self) { try JunkRules(patterns: ["(unclosed"]) }
    }

    @Test func emptyWhitespaceAndTitleOnlyAreNamedFailures() throws {
        #expect(throws: IngestFailure.self) { try parser.parse(text: "") }
        do {
            _ = try parser.parse(text: " \n\t\n\u{00A0}\n")
            Issue.record("whitespace parsed")
        } catch {
            #expect(error.code == .empty)
        }
        do {
            _ = try parser.parse(text: "Only a title\n\nShare:\n")
            Issue.record("title only parsed")
        } catch {
            #expect(error.code == .noBody)
        }
    }
}

@Suite struct TextDecoderTests {
    @Test func invalidUTF8FallsBackToWindows1252() throws {
        // "£5 – “quoted”" in Windows-1252.
        let bytes: [UInt8] = [0xA3, 0x35, 0x20, 0x96, 0x20, 0x93, 0x71, 0x94]
        let decoded = try TextDecoder.decode(bytes)
        #expect(decoded.encoding == "windows-1252")
        #expect(decoded.text == "£5 – “q”")
    }

    @Test func validUTF8WithBOMIsKept() throws {
        let decoded = try TextDecoder.decode([0xEF, 0xBB, 0xBF] + Array("Grüße".utf8))
        #expect(decoded == .init(text: "Grüße", encoding: "utf-8"))
    }

    @Test func utf16WithAndWithoutBOM() throws {
        let le: [UInt8] = [0xFF, 0xFE] + Array("Hi é".utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        #expect(try TextDecoder.decode(le) == .init(text: "Hi é", encoding: "utf-16le"))
        let be: [UInt8] = Array("Headline\n\nBody".utf16).flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        #expect(try TextDecoder.decode(be) == .init(text: "Headline\n\nBody", encoding: "utf-16be"))
    }

    /// The word-at-a-time census against plain byte loops: random lengths (word edges and
    /// remainders), bytes drawn around the boundaries (NUL, tab, line feed, 0x1F, 0x20, 0x7F,
    /// 0x80, 0xFF) and UTF-16-looking halves, so every branch is taken.
    @Test func byteCensusAgreesWithPlainLoops() {
        let pool: [UInt8] = [0, 0, 0x01, 0x09, 0x0A, 0x0C, 0x0D, 0x1B, 0x1F, 0x20, 0x41, 0x7F, 0x80, 0xA0, 0xDF, 0xE0, 0xFF]
        var rng = SystemRandomNumberGenerator()
        for round in 0..<20_000 {
            let n = Int.random(in: 0...80, using: &rng)
            var bytes: [UInt8]
            switch round % 3 {
            case 0: bytes = (0..<n).map { _ in pool.randomElement(using: &rng)! }
            case 1: bytes = (0..<n).map { _ in UInt8.random(in: 0x20...0x7E, using: &rng) }  // plain text
            default: bytes = (0..<n).map { i in i % 2 == round % 2 ? 0 : UInt8.random(in: 0...0xFF, using: &rng) }  // UTF-16-like
            }
            if round % 7 == 0, n > 0 { bytes[Int.random(in: 0..<n, using: &rng)] = pool.randomElement(using: &rng)! }
            var even = 0, odd = 0, controls = 0
            for (i, b) in bytes.enumerated() {
                if b == 0 {
                    if i % 2 == 0 { even += 1 } else { odd += 1 }
                } else if b < 0x20 && ![0x09, 0x0A, 0x0D, 0x0C].contains(b) {
                    controls += 1
                }
            }
            let census = TextDecoder.Census(bytes)
            #expect(census.evenZero == even && census.oddZero == odd && census.controls == controls, "\(bytes)")
        }
    }

    @Test func strayNULsAreRemoved() throws {
        let bytes = Array("Title\n\nBo".utf8) + [0] + Array("dy text that is long enough to be text.".utf8)
        let decoded = try TextDecoder.decode(bytes)
        #expect(decoded.text == "Title\n\nBody text that is long enough to be text.")
    }

    @Test func binaryIsRejectedWithTheReason() {
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D]
        do {
            _ = try TextDecoder.decode(png)
            Issue.record("PNG decoded")
        } catch {
            #expect(error.code == .notText)
            #expect(error.reason.contains("PNG image"))
        }
        let noise = (0..<400).map { UInt8(truncatingIfNeeded: $0 &* 37) }
        #expect(throws: IngestFailure.self) { try TextDecoder.decode(noise) }
    }
}

@Suite struct NormalizationTests {
    /// The rule normalizeLine implements, written plainly over scalars.
    static func referenceNormalize(_ line: Substring) -> String {
        var out = String.UnicodeScalarView()
        var pendingSpace = false
        for s in line.unicodeScalars {
            if [0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD].contains(s.value) { continue }
            if s.properties.isWhitespace {
                pendingSpace = true
                continue
            }
            if s.properties.generalCategory == .control { continue }
            if pendingSpace && !out.isEmpty { out.append(" ") }
            pendingSpace = false
            out.append(s)
        }
        return String(out).precomposedStringWithCanonicalMapping
    }

    /// Random lines over the cases the eight-byte fast path must hand to the byte loop: single
    /// and double spaces at every offset, tabs, DEL and other controls, no-break and wide
    /// spaces, zero-width characters, combining accents, line ends.
    static func randomText(_ rng: inout SplitMix64, pieces: [String]) -> String {
        var s = ""
        for _ in 0..<Int.random(in: 0...40, using: &rng) { s += pieces.randomElement(using: &rng)! }
        return s
    }

    static let pieces = [
        "a", "b", "Word", "x1", "long-word.", " ", " ", " ", "  ", "\t", "\u{0B}", "\u{0C}", "\u{7F}", "\u{01}", "\u{A0}",
        "\u{2003}", "\u{200B}", "\u{AD}", "é", "e\u{301}", "中文", "«Москва»", "~", "!",
    ]

    @Test func normalizeLineAgreesWithTheScalarRule() {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<20_000 {
            let line = Self.randomText(&rng, pieces: Self.pieces)
            let fast = Whitespace.normalizeLine(line)
            #expect(Array(fast.utf8) == Array(Self.referenceNormalize(line[...]).utf8), "\(line.debugDescription)")
        }
        // Exact cases around the fast path's chunk edges.
        #expect(Whitespace.normalizeLine("  abcdefgh  ijklmnop ") == "abcdefgh ijklmnop")
        #expect(Whitespace.normalizeLine("abcdefg abcdefg\tabcdefgh") == "abcdefg abcdefg abcdefgh")
        #expect(Whitespace.normalizeLine("abcdefg\u{7F}hijklmn") == "abcdefghijklmn")
    }

    @Test func blocksSplitAtEveryLineEndAndNormalizeEachLine() {
        var rng = SplitMix64(seed: 11)
        for _ in 0..<5_000 {
            let text = Self.randomText(&rng, pieces: Self.pieces + ["\n", "\r", "\r\n", "\n\n", "\r\r"])
            var expected: [[String]] = []
            var current: [String] = []
            for raw in Whitespace.lines(text) {
                let line = Self.referenceNormalize(raw)
                if line.isEmpty {
                    if !current.isEmpty { expected.append(current) }
                    current = []
                } else {
                    current.append(line)
                }
            }
            if !current.isEmpty { expected.append(current) }
            #expect(PlainTextParser.blocks(text) == expected, "\(text.debugDescription)")
        }
    }

    @Test func decomposedTextIsStoredComposed() throws {
        let decomposed = "Cafe\u{0301} au lait"
        let line = Whitespace.normalizeLine(decomposed)
        #expect(Array(line.unicodeScalars) == Array("Caf\u{00E9} au lait".unicodeScalars))
        let a = try PlainTextParser().parse(text: "T\n\n\(decomposed)")
        let b = try PlainTextParser().parse(text: "T\n\nCaf\u{00E9} au lait")
        #expect(a.contentHash == b.contentHash)
    }
}

@Suite struct JunkRulesSplitTests {
    /// What `matches` answered before the split: every pattern anchored in one alternation.
    func reference(_ patterns: [String], _ line: String) -> Bool {
        guard line.utf8.count <= JunkRules.maxLineBytes else { return false }
        let re = try! NSRegularExpression(
            pattern: "^(?:" + patterns.map { "(?:\($0))" }.joined(separator: "|") + ")$", options: [.caseInsensitive])
        return re.firstMatch(in: line, options: [], range: NSRange(line.startIndex..., in: line)) != nil
    }

    func randomLines(_ pieces: [String], count: Int) -> [String] {
        var rng = SystemRandomNumberGenerator()
        return (0..<count).map { _ in
            (0..<Int.random(in: 0...8, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }
                .joined(separator: Bool.random(using: &rng) ? " " : "")
        }
    }

    @Test func theDefaultRulesAnswerAsTheAnchoredAlternationDid() throws {
        let rules = JunkRules.default
        let pieces = [
            "we use cookies", "We Use COOKIES", "this site uses cookies", "this website uses cookies", "accept cookies",
            "accept all cookies", "weuse cookies", "we usecookies", "xwe use cookies", "we use cookiesx", "Share:",
            "share this article", "©2024 BBC", "(c) 2023", "All rights reserved.", "read more", "Getty Images", "Reuters",
            "the", "budget", "said", ".", ",", "—", "é", "2004", "\u{2028}", "\u{85}", "\n", "\r", "\u{0B}", "\u{0C}", "\u{2029}",
        ]
        var matched = 0
        for line in randomLines(pieces, count: 6_000) {
            let expected = reference(JunkRules.defaultPatterns, line)
            #expect(rules.matches(line) == expected, "\(line.debugDescription)")
            if expected { matched += 1 }
        }
        #expect(matched > 300)  // the lines exercise both answers
    }

    @Test func customPatternsWithTrickySyntaxAnswerAsBefore() throws {
        let sets: [[String]] = [
            [#".*\bfoo\b.*|bar"#, "[|].*"], [".*a|b.*", "(x|.*y.*)"], [#".*[.*]z.*"#, #".*q\\.*"#], [#"a\|b"#, "[]|]x", ".*x.*"],
            [#".*a\.*"#, ".*?b.*", "x"], [#".*\Qa|b\E.*"#, "z"], ["[[a]|b].*", ".*c.*"],
        ]
        let pieces = ["foo", "bar", "|", "a", "b", "x", "y", "z", ".", "*", "\\", "q", "]", "[", "c", "ab", "a|b", "\u{2028}"]
        for patterns in sets {
            let rules = try JunkRules(patterns: patterns)
            for line in randomLines(pieces, count: 1_500) {
                #expect(rules.matches(line) == reference(patterns, line), "\(patterns) \(line.debugDescription)")
            }
        }
    }

    @Test func alternativesAreCutOnlyAtTheTopLevel() {
        #expect(JunkRules.topLevelAlternatives(#"a|[|]|(b|c)|\||[]|]|[^]|]"#) == ["a", "[|]", "(b|c)", #"\|"#, "[]|]", "[^]|]"])
        #expect(JunkRules.topLevelAlternatives("[[a]|b]") == nil)
        #expect(JunkRules.surroundedByDotStar(".*cookies.*") == "cookies")
        #expect(JunkRules.surroundedByDotStar(#".*a\.*"#) == nil)
        #expect(JunkRules.surroundedByDotStar(#".*a\\.*"#) == #"a\\"#)
        #expect(JunkRules.surroundedByDotStar(".*?a.*") == nil)
    }
}
