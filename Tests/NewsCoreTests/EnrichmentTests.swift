import Foundation
import Testing

@testable import NewsCore
import Stemming
import TestSupport

private let repoRoot = repositoryRoot

/// The project's sample article (examples/harbour-ferry.txt), parsed.
private func sampleArticle() throws -> Article {
    try DocumentParser().parse(bytes: try sampleArticleBytes()).articles[0]
}

@Suite struct EntityTests {
    /// The project's sample: every person, organisation and place it names, with the
    /// canonical name ("Margaret Okafor" for "Ms Okafor" too).
    @Test func theSamplesEntitiesExactly() throws {
        let a = try sampleArticle()
        let entities = EntityExtractor.extract(title: a.title, paragraphs: a.paragraphs)
        func names(_ kind: NamedEntity.Kind) -> Set<String> { Set(entities.filter { $0.kind == kind }.map(\.name)) }
        #expect(names(.person) == ["Margaret Okafor", "David Brennan", "Sarah Lind", "Tom Achebe"])
        #expect(names(.organization) == ["Kingsport City Council", "Northern Isles Authority", "Department for Transport"])
        #expect(names(.place) == ["Belfast", "Norway", "Edinburgh"])
        #expect(entities.first { $0.name == "Margaret Okafor" }?.mentions == 2)
        #expect(entities.first { $0.name == "David Brennan" }?.mentions == 2)
    }

    /// The seed article of the issue (../shared/fixtures/seed-article.txt).
    @Test(.enabled(if: sharedExists("fixtures/seed-article.txt"), "../shared/fixtures/seed-article.txt is absent (a clone standing alone)"))
    func seedEntitiesMatchTheIssue() throws {
        let a = try DocumentParser().parse(bytes: Array(try Data(contentsOf: sharedRoot.appendingPathComponent("fixtures/seed-article.txt")))).articles[0]
        let entities = EntityExtractor.extract(title: a.title, paragraphs: a.paragraphs)
        func names(_ kind: NamedEntity.Kind) -> Set<String> { Set(entities.filter { $0.kind == kind }.map(\.name)) }
        #expect(names(.person) == ["Vladimir Putin", "Donald Trump"])
        #expect(names(.place).isSuperset(of: ["Russia", "St Petersburg", "Moscow", "Ukraine", "Egypt", "Syria", "North Korea"]))
        #expect(names(.place).subtracting(["Russia", "St Petersburg", "Moscow", "Ukraine", "Egypt", "Syria", "North Korea"]) == ["US", "United States", "Washington"])
        #expect(names(.organization) == ["Kremlin", "FSB", "Tass", "White House", "Islamic State"])
        // Title, "Vladimir Putin", four "Mr Putin" and one "President Putin".
        #expect(entities.first { $0.name == "Vladimir Putin" }?.mentions == 7)
        #expect(entities.first { $0.name == "Kremlin" }?.mentions == 4)
    }

    @Test func titlesConnectorsAndPossessives() {
        let e = EntityExtractor.extract(
            title: "Prime Minister Tony Blair visits the Bank of England",
            paragraphs: ["Mr Blair met Home Office staff in London's West End on Monday and Mr Brown later."])
        let pairs = Set(e.map { "\($0.kind.rawValue):\($0.name)" })
        #expect(pairs == ["person:Tony Blair", "organization:Bank of England", "organization:Home Office", "place:London", "person:Brown"])
        #expect(e.first { $0.name == "Tony Blair" }?.mentions == 2)
    }

    /// The rules peel an elided article or preposition off the name after it, and end the
    /// name before it, as they do at an opening quote: "Berlin d'Angela Merkel" is two names
    /// (it had been Berlin alone), a title waiting still counts ("Mr d'Artagnan").
    @Test func elisionsBeforeNames() {
        func pairs(_ paragraph: String) -> Set<String> {
            Set(EntityExtractor.extract(title: "", paragraphs: [paragraph]).map { "\($0.kind.rawValue):\($0.name)" })
        }
        #expect(pairs("La visite d'Emmanuel Macron a été saluée.") == ["person:Emmanuel Macron"])
        #expect(pairs("Le porte-parole d’Angela Merkel a parlé à Paris.") == ["person:Angela Merkel", "place:Paris"])
        #expect(pairs("La visite à Berlin d'Angela Merkel a été reportée.") == ["place:Berlin", "person:Angela Merkel"])
        #expect(pairs("Former President Valéry Giscard d'Estaing met Mr Jones.") == ["person:Valéry Giscard", "person:Jones"])
        #expect(pairs("Mr d'Artagnan met Mr Jones in London.") == ["person:Artagnan", "person:Jones", "place:London"])
    }

    /// Precision and recall of the rules on the hand-annotated set
    /// (Tests/Fixtures/entities-gold.json); the figures are in docs/ENRICHMENT.md. Fails if
    /// either falls below what was measured.
    @Test(.enabled(if: sharedExists("corpus/bbc-train"), "../shared/corpus/bbc-train is absent (a clone standing alone)"))
    func annotatedSetPrecisionAndRecall() throws {
        let (precision, recall) = try annotatedSetScores { EntityExtractor.extract(title: $0.title, paragraphs: $0.paragraphs) }
        #expect(precision >= 0.88)
        #expect(recall >= 0.68)
    }

    /// The same for the shipped entity model (config/entities-gum.model), trained on GUM only:
    /// these ten news articles are text it has never seen.
    @Test(.enabled(if: sharedExists("corpus/bbc-train"), "../shared/corpus/bbc-train is absent (a clone standing alone)"))
    func annotatedSetByTheShippedModel() throws {
        let model = try LoadedEntityModel(path: repoRoot.appendingPathComponent("config/entities-gum.model").path).model
        let (precision, recall) = try annotatedSetScores { model.recognize(title: $0.title, paragraphs: $0.paragraphs) }
        #expect(precision >= modelPrecisionFloor)
        #expect(recall >= modelRecallFloor)
    }
}

/// What the shipped model measured on the annotated set, rounded down (docs/ENRICHMENT.md).
/// Models trained with other shuffle seeds, or after a small change to the training data,
/// score between 0.517 and 0.634 precision and 0.542 and 0.627 recall here (seed 1's model
/// 0.634 and 0.627 where the shipped seed 7's scored 0.614 and 0.614 before a review's fixes
/// kept more people, 0.607 and 0.614 after): 83 names move by a few names from one training
/// to the next.
private let modelPrecisionFloor = 0.60
private let modelRecallFloor = 0.61

/// Precision and recall of `recognize` over the articles of Tests/Fixtures/entities-gold.json,
/// exact name and kind per article; prints each article's misses and extras.
private func annotatedSetScores(_ recognize: (Article) -> [NamedEntity]) throws -> (precision: Double, recall: Double) {
    struct Gold: Decodable {
        struct Item: Decodable {
            var file: String
            var person: [String]
            var organization: [String]
            var place: [String]
        }
        var articles: [Item]
    }
    let gold = try JSONDecoder().decode(Gold.self, from: Data(contentsOf: repoRoot.appendingPathComponent("Tests/Fixtures/entities-gold.json")))
    var tp = 0, fp = 0, fn = 0
    for item in gold.articles {
        let bytes = Array(try Data(contentsOf: sharedRoot.appendingPathComponent("corpus/bbc-train/\(item.file)")))
        let a = try DocumentParser().parse(bytes: bytes).articles[0]
        let found = Set(recognize(a).map { "\($0.kind.rawValue):\($0.name)" })
        let expected = Set(item.person.map { "person:\($0)" } + item.organization.map { "organization:\($0)" } + item.place.map { "place:\($0)" })
        tp += found.intersection(expected).count
        fp += found.subtracting(expected).count
        fn += expected.subtracting(found).count
        print("entities \(item.file): missed \(expected.subtracting(found).sorted()) extra \(found.subtracting(expected).sorted())")
    }
    let precision = Double(tp) / Double(tp + fp), recall = Double(tp) / Double(tp + fn)
    print("entities: precision \(String(format: "%.3f", precision)) recall \(String(format: "%.3f", recall)) (tp \(tp), fp \(fp), fn \(fn))")
    return (precision, recall)
}

@Suite struct WordMapTests {
    @Test func answersAsADictionaryOfStringsWould() {
        let words: [String: Int] = ["Bank": 1, "St Petersburg": 2, "Québec": 3, "\u{212A}": 4, "of": 5, "": 6]
        let map = WordMap(words.map { ($0.key, $0.value) }, combine: +)
        let probes = [
            "Bank", "Ban", "Banks", "bank", "St Petersburg", "St  Petersburg", "Québec", "Que\u{301}bec", "Quebec",
            "K", "\u{212A}", "of", "", "off", "O",
        ]
        for probe in probes { #expect(map.value(probe) == words[probe], "\(probe.debugDescription)") }
        // Canonical equivalence, as String equality has it: a decomposed é, and the Kelvin sign
        // whose normal form is the letter K.
        #expect(map.value("Que\u{301}bec") == 3)
        #expect(map.value("K") == 4)
        #expect(map.value("Ban") == nil)
        // A word given twice gets the combined value.
        #expect(WordMap([("of", 1), ("to", 2), ("of", 4)], combine: +).value("of") == 5)
    }

    /// The entity rules look each word up once, in the lexicon, for every list at once: it must
    /// say of every word exactly which lists hold it.
    @Test func theLexiconAgreesWithEveryList() {
        typealias E = EntityExtractor
        let lists = E.lists
        #expect(lists.count == 17)
        // Every word of every list, each with a letter more or less, and other casings.
        var probes = Set<String>(["", "X", "said,", "Mr."])
        for (list, _) in lists {
            for word in list {
                probes.formUnion([word, word + "s", String(word.dropLast()), word.lowercased(), word.uppercased()])
            }
        }
        for probe in probes {
            let expected = lists.reduce(into: E.Roles()) { roles, list in if list.0.contains(probe) { roles.formUnion(list.1) } }
            #expect(E.roles(probe) == expected, "\(probe.debugDescription)")
        }
        #expect(probes.count > 4000)
        // Spot checks of words on several lists (a list given the wrong role fails these).
        #expect(E.roles("Bank") == [.organizationSuffix, .organizationWord])
        #expect(E.roles("said") == [.saying, .reportingVerb])
        #expect(E.roles("Mr") == [.nonEntity, .personTitle, .strictTitle, .abbreviation])
        #expect(E.roles("New York") == [.place])
        #expect(E.roles("of") == [.connector])
        #expect(E.roles("Tony") == [.givenName])
        #expect(E.roles("Prime") == [.titleModifier])
        #expect(E.roles("Russian") == [.leadingNonName])
        #expect(E.roles("sculptor") == [.personCue])
        #expect(E.roles("company") == [.organizationCue])
        #expect(E.roles("father") == [.personCue, .familyCue])
        #expect(E.roles("Kremlin") == [.organization])
        #expect(E.roles("Ministry") == [.organizationSuffix, .organizationWord])
        #expect(E.roles("Duchy") == [.organizationWord])
    }
}

@Suite struct WordTokenTests {
    @Test func tokensNamesTitleWordsAndDigits() {
        let t = WordTokens("Putin thanks Trump\nMr Putin met ÉLYSÉE staff in 2017. Then a B-52 and «Москва» went by: Ok")
        #expect((0..<t.count).map(t.string) == [
            "putin", "thanks", "trump", "mr", "putin", "met", "élysée", "staff", "in", "2017", "then", "52", "and", "Москва",
            "went", "by", "ok",
        ])
        // Names: capitalized, not opening the text, a line or a sentence ("Then", "Ok" after ":").
        #expect((0..<t.count).filter(t.isName).map(t.string) == ["trump", "putin", "élysée"])
        #expect((0..<t.count).filter(t.inTitle).map(t.string) == ["putin", "thanks", "trump"])
        #expect((0..<t.count).filter(t.isNumeric).map(t.string) == ["2017", "52"])
        // Cyrillic is not folded: only ASCII and Latin-1 capitals are lowercased.
        #expect((0..<t.count).allSatisfy { t.hashes[$0] == WordTokens.hash(t.string($0)) })
        #expect(t.length(6) == 6)
    }
}

@Suite struct SimHashTests {
    @Test func rewrittenSampleIsNearAndOtherArticlesAreFar() throws {
        let a = try sampleArticle()
        let text = a.title + "\n" + a.body
        let rewritten = rewriteSample(text)
        #expect(rewritten != text)
        let d = SimHash.distance(SimHash.fingerprint(text), SimHash.fingerprint(rewritten))
        #expect(d <= NearDuplicateIndex.defaultMaxDistance)
        // An unrelated article of the same section is far away.
        let o = try DocumentParser().parse(bytes: try exampleBytes("rail-strike.html")).articles[0]
        #expect(SimHash.distance(SimHash.fingerprint(text), SimHash.fingerprint(o.title + "\n" + o.body)) > 16)
    }

    @Test func identicalTextsHaveEqualFingerprints() {
        #expect(SimHash.fingerprint("one two three four") == SimHash.fingerprint("One, two; THREE four."))
        #expect(SimHash.fingerprint("") == 0)
    }

    @Test func indexFindsEveryNeighbourWithinTheRadius() {
        var rng = SplitMix64(seed: 7)
        var index = NearDuplicateIndex(maxDistance: 8)
        var stored: [(UInt64, Int64)] = []
        for id in 1...20_000 {
            let f = rng.next()
            index.insert(f, id: Int64(id))
            stored.append((f, Int64(id)))
        }
        for probe in 0..<500 {
            let (base, id) = stored[probe * 37]
            // Flip `probe % 12` random bits: within 8 must be found, beyond must not be this one.
            var f = base
            var flipped = Set<Int>()
            while flipped.count < probe % 12 { flipped.insert(Int(rng.next() % 64)) }
            for b in flipped { f ^= 1 << UInt64(b) }
            let brute = stored.filter { SimHash.distance($0.0, f) <= 8 }.map(\.1)
            let match = index.nearest(to: f)
            if flipped.count <= 8 {
                #expect(match != nil)
            }
            #expect(match.map { brute.contains($0.id) } ?? brute.isEmpty)
            if let m = match { #expect(SimHash.distance(stored[Int(m.id) - 1].0, f) == m.distance) }
            _ = id
        }
    }
}

@Suite struct NearDuplicateIndexEdgeTests {
    @Test func emptyExactAndWidestRadiusAgreeWithAScan() {
        #expect(NearDuplicateIndex().nearest(to: 42) == nil)
        var rng = SplitMix64(seed: 11)
        for radius in [0, 3, 11] {
            var index = NearDuplicateIndex(maxDistance: radius)
            for id in 1...5_000 { index.insert(rng.next() & 0xFFFF_0000_FFFF_FFFF, id: Int64(id)) }  // clustered bits
            for _ in 0..<300 {
                let q = rng.next() & 0xFFFF_0000_FFFF_FFFF ^ (1 << (rng.next() % 64))
                let a = index.nearest(to: q), b = index.nearestByScan(to: q)
                #expect(a?.id == b?.id && a?.distance == b?.distance)
            }
        }
        // A tie goes to the lowest id; clamped radius.
        var tie = NearDuplicateIndex(maxDistance: 40)
        #expect(tie.maxDistance == 11)
        tie.insert(0b11, id: 9)
        tie.insert(0b11, id: 4)
        #expect(tie.nearest(to: 0b01)! == (id: 4, distance: 1))
    }
}

@Suite struct EnricherTests {
    private func model() -> LoadedModel {
        let texts = [
            "the match ended with a late goal and the striker celebrated the win",
            "the bank raised interest rates and shares fell on the stock market",
            "the goalkeeper saved a penalty and the team won the league match",
            "profits at the bank rose as the market for shares recovered strongly",
        ]
        return LoadedModel(
            model: TopicModel.train(texts: texts, labels: ["sport", "business", "sport", "business"], hasher: FeatureHasher(bits: 12), lambda: 0.05),
            id: "test")
    }

    @Test func belowTheThresholdTheCategoryIsUncategorizedAndTheScoresAreKept() {
        let article = Article(title: "A match", paragraphs: ["The striker and the goalkeeper won the match for the team."])
        let confident = Enricher(model: model(), minConfidence: 0).enrich(article)
        #expect(confident.topic?.category == "sport")
        let strict = Enricher(model: model(), minConfidence: 1).enrich(article)
        #expect(strict.topic!.confidence < 1 && strict.topic!.confidence > 0.5)
        #expect(strict.topic?.category == Enricher.uncategorized)
        #expect(strict.topic?.scores == confident.topic?.scores)
        #expect(strict.topic?.modelID == "test")
        #expect(Set(strict.topic!.scores.keys) == ["sport", "business"])
    }

    @Test func withoutAModelThereIsNoTopicAndNoKeywordsButTheRest() {
        let article = Article(title: "Talks in Berlin", paragraphs: ["Mr Blair met the German chancellor in Berlin on Monday, officials said."])
        let e = Enricher(model: nil).enrich(article)
        #expect(e.topic == nil && e.keywords.isEmpty)
        #expect(e.language == "en")
        #expect(e.entities.contains(NamedEntity(name: "Berlin", kind: .place, mentions: 2)))
        #expect(e.simhash == SimHash.fingerprint(article.title + "\n" + article.body))
    }

    @Test func aLanguageTheModelWasNotTrainedOnGetsNoTopic() {
        var m = model()
        m.model.languages = ["en"]
        let german = Article(title: "Das Spiel", paragraphs: ["Die Mannschaft hat das Spiel am Montag gewonnen, und der Trainer ist sehr zufrieden mit der Leistung."])
        #expect(Enricher(model: m).enrich(german).language == "de")
        #expect(Enricher(model: m).enrich(german).topic == nil)
        let declared = Article(title: "x", paragraphs: ["12 34"], metadata: ArticleMetadata(language: "FR-ca"))
        #expect(Enricher(model: m).enrich(declared).language == "fr")  // too little text: the declared one
    }
}

@Suite struct KeywordTests {
    /// `keywords` keeps only the best few terms as it goes; it must give exactly the head of the
    /// full ranking: every term scored, sorted by score, the earlier term first on a tie. Without
    /// a language every term stands alone; in English, terms sharing a Snowball stem are one,
    /// counted together and shown and scored as their most frequent form.
    /// On every article of examples/, and on 60 BBC tech articles when ../shared is there.
    @Test(arguments: [nil, "en"] as [String?])
    func keywordsAreTheHeadOfTheFullRanking(_ language: String?) throws {
        let model = try LoadedModel(path: repoRoot.appendingPathComponent("config/topics-bbc.model").path).model
        var articles: [Article] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: repoRoot.appendingPathComponent("examples").path).sorted() where name != "README.md" {
            articles += try DocumentParser().parse(bytes: try exampleBytes(name)).articles
        }
        #expect(articles.count == 10)
        let tech = sharedRoot.appendingPathComponent("corpus/bbc-train/tech")
        if let files = try? FileManager.default.contentsOfDirectory(atPath: tech.path) {
            for file in files.sorted().prefix(60) {
                articles += try DocumentParser().parse(bytes: Array(try Data(contentsOf: tech.appendingPathComponent(file)))).articles
            }
        } else {
            print("keywords: ../shared/corpus/bbc-train is absent; compared on examples/ alone")
        }
        let stemmer = language.flatMap { Stemmer(language: $0) }
        let smallCache = StemCache(maxSlots: 1024)
        var compared = 0, merged = 0
        for article in articles {
            let tokens = WordTokens(article.title + "\n" + article.body)
            // The plain ranking: terms by their text, counted, grouped by stem, scored, fully sorted.
            var terms: [String: (count: Int, first: Int, numeric: Bool)] = [:]
            var position = 0
            for i in 0..<tokens.count where tokens.length(i) >= 3 {
                position += 1
                let text = tokens.string(i)
                if let t = terms[text] {
                    terms[text] = (t.count + 1, t.first, t.numeric)
                } else {
                    terms[text] = (1, position, tokens.isNumeric(i))
                }
            }
            var groups: [String: (shown: String, shownCount: Int, shownFirst: Int, count: Int, first: Int)] = [:]
            for (text, t) in terms where !t.numeric && !StopWords.contains(text) {
                let key = stemmer?.stem(text) ?? text
                guard var g = groups[key] else {
                    groups[key] = (text, t.count, t.first, t.count, t.first)
                    continue
                }
                if t.count > g.shownCount || (t.count == g.shownCount && t.first < g.shownFirst) {
                    (g.shown, g.shownCount, g.shownFirst) = (text, t.count, t.first)
                }
                g.count += t.count
                g.first = min(g.first, t.first)
                groups[key] = g
                merged += 1
            }
            let ranked = groups.values
                .map { g in
                    let bucket = Int(WordTokens.hash(g.shown) & UInt64(model.hasher.dimension - 1))
                    return (text: g.shown, score: (1 + log(Float(g.count))) * model.idf[bucket], first: g.first)
                }
                .sorted { ($0.score, -$0.first) > ($1.score, -$1.first) }
            for count in [0, 1, 3, 10, 25, 10_000] {
                let expected = ranked.prefix(count).map(\.text)
                #expect(model.keywords(tokens, count: count, language: language) == expected, "\(article.title), \(count)")
                // A small stem cache, emptied again and again as it fills: the same answers.
                #expect(
                    model.keywords(tokens, count: count, language: language, stemCache: smallCache) == expected,
                    "\(article.title), \(count), small cache")
                compared += 1
            }
        }
        #expect(compared == 6 * articles.count)
        #expect((merged > 0) == (language != nil))
        if language != nil {
            #expect(smallCache.count(algorithm: "english") > 0 && smallCache.count(algorithm: "english") <= 512)
        }
    }

    private func bbcModel() throws -> TopicModel {
        try LoadedModel(path: repoRoot.appendingPathComponent("config/topics-bbc.model").path).model
    }

    @Test func formsOfOneStemAreOneKeywordShownAsTheMostFrequent() throws {
        let text = """
            Minister resigns over housing row
            The housing minister resigned on Friday. Her resignation follows weeks of pressure over \
            the housing plan. Colleagues said the resignation was expected, and the prime minister \
            accepted the resignation within hours.
            """
        let grouped = try bbcModel().keywords(text, count: 10, language: "en")
        let forms = grouped.filter { $0.hasPrefix("resign") }
        #expect(forms == ["resignation"])  // three times, against resigns and resigned once each
        let alone = try bbcModel().keywords(text, count: 20, language: nil)
        #expect(Set(alone.filter { $0.hasPrefix("resign") }) == ["resignation", "resigns", "resigned"])
        // Polish has no Snowball stemmer: no grouping.
        #expect(try bbcModel().keywords(text, count: 20, language: "pl") == alone)
    }

    @Test func germanFormsOfOneStemAreOneKeyword() throws {
        let text = """
            Nach den Wahlen
            Die Wahlen in Bayern haben die Regierung geschwächt. Nach der Wahl sprach der \
            Ministerpräsident von einem klaren Auftrag, doch die Wahlen zeigen einen Wandel.
            """
        let grouped = try bbcModel().keywords(text, count: 10, language: "de")
        #expect(grouped.filter { $0.hasPrefix("wahl") } == ["wahlen"])
        let alone = try bbcModel().keywords(text, count: 20, language: nil)
        #expect(Set(alone.filter { $0.hasPrefix("wahl") }) == ["wahlen", "wahl"])
    }

    /// The Enricher passes the article's language on.
    @Test func theEnricherGroupsInTheArticlesLanguage() throws {
        let model = LoadedModel(model: try bbcModel(), id: "bbc")
        let article = Article(
            title: "Minister resigns over housing row",
            paragraphs: [
                "The housing minister resigned on Friday. Her resignation follows weeks of pressure over the housing plan.",
                "Colleagues said the resignation was expected, and the prime minister accepted the resignation within hours.",
            ])
        let e = Enricher(model: model).enrich(article)
        #expect(e.language == "en")
        #expect(e.keywords.filter { $0.hasPrefix("resign") } == ["resignation"])
        #expect(e.keywords == model.model.keywords(article.title + "\n" + article.body, count: 10, language: "en"))
    }
}

@Suite struct StoredLanguageTests {
    @Test func aReliableDetectionIsStoredAndMarkedReliable() {
        let article = Article(
            title: "Festival opens", paragraphs: ["A film festival opened with a premiere of a new drama."],
            metadata: ArticleMetadata(language: "de"))
        let e = Enricher(model: nil).enrich(article)
        #expect(e.language == "en")  // CLD2 is sure, so the declaration loses
        #expect(e.languageReliable == true)
    }

    @Test func anUnreliableDetectionFallsBackToTheDeclaredLanguage() {
        let declared = Article(title: "Kremlin", paragraphs: ["FSB Tass"], metadata: ArticleMetadata(language: "DE-at"))
        let e = Enricher(model: nil).enrich(declared)
        #expect(e.language == "de")
        #expect(e.languageReliable == nil)
        #expect(Enricher.language(of: "Kremlin\nFSB Tass", declared: "de") == ("de", nil))
    }

    @Test func neitherMeansNoLanguage() {
        let e = Enricher(model: nil).enrich(Article(title: "Kremlin", paragraphs: ["FSB Tass"]))
        #expect(e.language == nil)
        #expect(e.languageReliable == nil)
        #expect(Enricher.language(of: "Kremlin\nFSB Tass", declared: "") == (nil, nil))
    }

    /// Every bbc-train article, parsed as newsd parses it, is English and reliably so.
    @Test(.enabled(if: sharedExists("corpus/bbc-train"), "../shared/corpus/bbc-train is absent (a clone standing alone)"))
    func everyBBCArticleIsReliablyEnglish() throws {
        let root = sharedRoot.appendingPathComponent("corpus/bbc-train")
        var count = 0
        for section in try FileManager.default.contentsOfDirectory(atPath: root.path).sorted() {
            let folder = root.appendingPathComponent(section)
            for file in try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() {
                let bytes = Array(try Data(contentsOf: folder.appendingPathComponent(file)))
                for a in try DocumentParser().parse(bytes: bytes).articles {
                    let (language, reliable) = Enricher.language(of: a.title + "\n" + a.body, declared: a.metadata.language)
                    #expect(language == "en" && reliable == true, "\(section)/\(file)")
                    count += 1
                }
            }
        }
        #expect(count == 1701)
    }
}
