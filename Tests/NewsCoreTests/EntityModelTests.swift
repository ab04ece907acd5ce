import Foundation
import Testing

@testable import NewsCore
import TestSupport

/// The entity model shipped in the repository (config/entities-gum.model).
private func shippedModel() throws -> EntityModel {
    try LoadedEntityModel(path: repositoryRoot.appendingPathComponent("config/entities-gum.model").path).model
}

@Suite struct EntityModelTests {
    /// The seed article of the issue, by the shipped model: the people, organizations and
    /// places the issue lists, with their kinds.
    @Test(.enabled(if: sharedExists("fixtures/seed-article.txt"), "../shared/fixtures/seed-article.txt is absent (a clone standing alone)"))
    func seedArticleByTheShippedModel() throws {
        let a = try DocumentParser().parse(bytes: Array(try Data(contentsOf: sharedRoot.appendingPathComponent("fixtures/seed-article.txt")))).articles[0]
        let model = try shippedModel()
        let entities = model.recognize(title: a.title, paragraphs: a.paragraphs)
        func kind(_ name: String) -> NamedEntity.Kind? { entities.first { $0.name == name }?.kind }
        #expect(kind("Vladimir Putin") == .person)
        #expect(kind("Donald Trump") == .person)
        #expect(kind("Kremlin") == .organization)
        #expect(kind("FSB") == .organization)
        // Sentence-initial "Tass news agency says …": the tagger leaves it outside; a listed
        // organization before "news agency" is one (`cuedOrganizations`).
        #expect(kind("Tass") == .organization)
        #expect(kind("St Petersburg") == .place)
        #expect(kind("Moscow") == .place)
        #expect(kind("Russia") == .place)
        #expect(kind("US") == .place)
    }
}

/// A small GUM-style document written for these tests: two paragraphs, a title before a name,
/// a description around one, two coordinated names, a hyphenated surname, a possessive, a
/// place inside an organization's name and a common-noun mention.
private let conllu = """
    # newdoc id = test_doc
    # newpar
    # sent_id = t-1
    1\tThe\tthe\tDET\tDT\t_\t3\tdet\t_\tEntity=(1-person-new-sssss-cf1-5-coref
    2\tharbour\tharbour\tNOUN\tNN\t_\t3\tcompound\t_\t_
    3\tmaster\tmaster\tNOUN\tNN\t_\t0\troot\t_\t_
    4\tAna\tAna\tPROPN\tNNP\t_\t3\tappos\t_\t_
    5\tRuiz\tRuiz\tPROPN\tNNP\t_\t4\tflat\t_\tEntity=1)
    6\tmet\tmeet\tVERB\tVBD\t_\t3\tacl\t_\t_
    7\tTom\tTom\tPROPN\tNNP\t_\t6\tobj\t_\tEntity=(2-person-new-sssss-cf2-1-coref
    8\tLee\tLee\tPROPN\tNNP\t_\t7\tflat\t_\t_
    9\tand\tand\tCCONJ\tCC\t_\t10\tcc\t_\t_
    10\tEva\tEva\tPROPN\tNNP\t_\t7\tconj\t_\t_
    11\tBailey\tBailey\tPROPN\tNNP\t_\t10\tflat\t_\tSpaceAfter=No
    12\t-\t-\tPUNCT\tHYPH\t_\t13\tpunct\t_\tSpaceAfter=No
    13\tRoss\tRoss\tPROPN\tNNP\t_\t10\tflat\t_\tEntity=2)|SpaceAfter=No
    14\t.\t.\tPUNCT\t.\t_\t3\tpunct\t_\t_

    # newpar
    # sent_id = t-2
    1\tKingsport\tKingsport\tPROPN\tNNP\t_\t3\tnmod:poss\t_\tEntity=(3-place-new-sssss-cf1-1-coref-Kingsport)|SpaceAfter=No
    2\t's\t's\tPART\tPOS\t_\t1\tcase\t_\t_
    3\tUniversity\tUniversity\tPROPN\tNNP\t_\t0\troot\t_\tEntity=(4-organization-new-sssss-cf2-1-coref-University_of_Kingsport
    4\tof\tof\tADP\tIN\t_\t5\tcase\t_\t_
    5\tKingsport\tKingsport\tPROPN\tNNP\t_\t3\tnmod\t_\tEntity=(3-place-giv-sssss-cf1-1-coref-Kingsport)4)
    6\thired\thire\tVERB\tVBD\t_\t3\tacl\t_\t_
    7\tthe\tthe\tDET\tDT\t_\t8\tdet\t_\tEntity=(5-organization-new-sssss-cf3-2-coref
    8\tcompany\tcompany\tNOUN\tNN\t_\t6\tobj\t_\tEntity=5)|SpaceAfter=No
    9\t.\t.\tPUNCT\t.\t_\t3\tpunct\t_\t_

    """

/// Names of other kinds: a work ("Stabat Mater", abstract) and an event around a place
/// ("Berlin Festival of Song").
private let otherKinds = """
    # newdoc id = other_doc
    # newpar
    # sent_id = o-1
    1\tAna\tAna\tPROPN\tNNP\t_\t3\tnsubj\t_\tEntity=(1-person-new-sssss-cf1-1-coref
    2\tRuiz\tRuiz\tPROPN\tNNP\t_\t1\tflat\t_\tEntity=1)
    3\tsang\tsing\tVERB\tVBD\t_\t0\troot\t_\t_
    4\tStabat\tStabat\tPROPN\tNNP\t_\t3\tobj\t_\tEntity=(2-abstract-new-sssss-cf2-1-coref
    5\tMater\tMater\tPROPN\tNNP\t_\t4\tflat\t_\tEntity=2)
    6\tat\tat\tADP\tIN\t_\t9\tcase\t_\t_
    7\tthe\tthe\tDET\tDT\t_\t9\tdet\t_\tEntity=(3-event-new-sssss-cf3-3-coref
    8\tBerlin\tBerlin\tPROPN\tNNP\t_\t9\tcompound\t_\tEntity=(4-place-new-sssss-cf4-1-coref)
    9\tFestival\tFestival\tPROPN\tNNP\t_\t3\tobl\t_\t_
    10\tof\tof\tADP\tIN\t_\t11\tcase\t_\t_
    11\tSong\tSong\tPROPN\tNNP\t_\t9\tnmod\t_\tEntity=3)|SpaceAfter=No
    12\t.\t.\tPUNCT\t.\t_\t3\tpunct\t_\t_

    """

/// A road's number written against its letters ("I-44 West", GUM's tokens "I", "-", "44",
/// "West") and a name whose speaker broke off ("Ro-" then "Roberts").
private let hyphenated = """
    # newdoc id = road_doc
    # newpar
    # sent_id = r-1
    1\tTake\ttake\tVERB\tVB\t_\t0\troot\t_\t_
    2\tI\tI\tPROPN\tNNP\t_\t1\tobj\t_\tEntity=(1-place-new-sssss-cf1-1,3,4-coref|SpaceAfter=No
    3\t-\t-\tPUNCT\tHYPH\t_\t4\tpunct\t_\tSpaceAfter=No
    4\t44\t44\tNUM\tCD\t_\t2\tnummod\t_\t_
    5\tWest\tWest\tPROPN\tNNP\t_\t2\tflat\t_\tEntity=1)
    6\tto\tto\tADP\tIN\t_\t7\tcase\t_\t_
    7\tNick\tNick\tPROPN\tNNP\t_\t1\tobl\t_\tEntity=(2-person-new-sssss-cf2-1-coref
    8\tRo\tRo\tPROPN\tNNP\t_\t7\tflat\t_\tSpaceAfter=No
    9\t-\t-\tPUNCT\tHYPH\t_\t7\tpunct\t_\tEntity=2)
    10\tRoberts\tRoberts\tPROPN\tNNP\t_\t7\tappos\t_\tEntity=(3-person-new-sssss-cf3-1-coref)|SpaceAfter=No
    11\t.\t.\tPUNCT\t.\t_\t1\tpunct\t_\t_

    """

@Suite struct AnnotatedCorpusTests {
    @Test func gumNamesAreTheNamesOfTheMentions() {
        let doc = GUMCorpus.parse(conllu, id: "test_doc")
        #expect(doc.paragraphs == [
            "The harbour master Ana Ruiz met Tom Lee and Eva Bailey-Ross.",
            "Kingsport's University of Kingsport hired the company.",
        ])
        let names = doc.names.map { "\($0.kind.rawValue):\($0.text)" }
        #expect(names == [
            "person:Ana Ruiz", "person:Tom Lee", "person:Eva Bailey-Ross", "place:Kingsport", "organization:University of Kingsport",
        ])
        // Byte ranges point at the names in the paragraphs joined by newlines.
        let joined = Array(doc.paragraphs.joined(separator: "\n").utf8)
        for name in doc.names {
            #expect(String(decoding: joined[name.start..<name.end], as: UTF8.self) == name.text)
        }
    }

    /// A number written against a hyphen is part of the name ("I-44 West" was cut to "I-"),
    /// and a name never ends with a hyphen ("Nick Ro-").
    @Test func hyphenatedNumbersAndFalseStarts() {
        let doc = GUMCorpus.parse(hyphenated, id: "road_doc")
        #expect(doc.paragraphs == ["Take I-44 West to Nick Ro- Roberts."])
        #expect(doc.names.map { "\($0.kind.rawValue):\($0.text)" } == ["place:I-44 West", "person:Nick Ro", "person:Roberts"])
    }

    /// A proper-noun mention of another kind is an other name, unless it overlaps a name of the
    /// three kinds (the festival holds "Berlin"); its tokens are tagged `other`.
    @Test func namesOfOtherKinds() {
        let doc = GUMCorpus.parse(otherKinds, id: "other_doc")
        #expect(doc.paragraphs == ["Ana Ruiz sang Stabat Mater at the Berlin Festival of Song."])
        #expect(doc.names.map { "\($0.kind.rawValue):\($0.text)" } == ["person:Ana Ruiz", "place:Berlin"])
        let joined = Array(doc.paragraphs.joined(separator: "\n").utf8)
        #expect(doc.others.map { String(decoding: joined[$0], as: UTF8.self) } == ["Stabat Mater"])
        let tokens = EntityTokens(paragraphs: doc.paragraphs)
        let tags = EntityTrainer.goldTags(tokens, doc.names, others: doc.others)
        let tagged = (0..<tokens.count).filter { tags[$0] != .outside }.map { "\(tokens.text($0)):\(tags[$0].rawValue)" }
        #expect(tagged == ["Ana:1", "Ruiz:2", "Stabat:7", "Mater:7", "Berlin:5"])
    }

    @Test func goldTagsFollowTheTokenizer() {
        let doc = GUMCorpus.parse(conllu, id: "test_doc")
        let tokens = EntityTokens(paragraphs: doc.paragraphs)
        let tags = EntityTrainer.goldTags(tokens, doc.names)
        let tagged = (0..<tokens.count).filter { tags[$0] != .outside }.map { "\(tokens.text($0)):\(tags[$0].rawValue)" }
        #expect(tagged == [
            "Ana:1", "Ruiz:2", "Tom:1", "Lee:2", "Eva:1", "Bailey-Ross:2", "Kingsport:5", "University:3", "of:4", "Kingsport:4",
        ])
    }
}

@Suite struct EntityTokensTests {
    @Test func punctuationPossessivesAndAbbreviations() {
        let doc = EntityTokens(paragraphs: ["Mr. Smith's “Big” plan (U.S.) ended. Then St. Petersburg's mayor said: «Non»!"])
        #expect((0..<doc.count).map { doc.text($0) } == [
            "Mr.", "Smith", "'s", "“", "Big", "”", "plan", "(", "U.S.", ")", "ended", ".", "Then", "St.", "Petersburg", "'s",
            "mayor", "said", ":", "«", "Non", "»", "!",
        ])
        let starts = (0..<doc.count).filter { doc.tokens[$0].flags.contains(.sentenceStart) }.map { doc.text($0) }
        #expect(starts == ["Mr.", "Then", "Non"])
        let capitalized = (0..<doc.count).filter { doc.tokens[$0].flags.contains(.capitalized) }.map { doc.text($0) }
        #expect(capitalized == ["Mr.", "Smith", "Big", "U.S.", "Then", "St.", "Petersburg", "Non"])
        #expect(doc.text(13, 15) == "St. Petersburg")
    }

    @Test func wordsSeenInLowercaseAndNonASCIICapitals() {
        let doc = EntityTokens(paragraphs: ["Share the news.", "Élodie will share it with Zoë and ÖBB staff."])
        func flags(_ word: String) -> EntityTokens.Flags? {
            (0..<doc.count).first { doc.text($0) == word }.map { doc.tokens[$0].flags }
        }
        #expect(flags("Share")?.contains(.seenLowercase) == true)
        #expect(flags("Élodie")?.contains(.capitalized) == true)
        #expect(flags("Élodie")?.contains(.seenLowercase) == false)
        #expect(flags("ÖBB")?.contains(.allCaps) == true)
        #expect(flags("Zoë")?.contains(.allCaps) == false)
        #expect(flags("Élodie")?.contains(.paragraphStart) == true)
    }

    /// A word of a name written against a lowercase particle is capitalized ("al-Assad",
    /// "d'Estaing", "d’Alembert", "dell'Utri"); a lowercase word after a particle is not
    /// ("l'eau"), nor a prefix that is no particle ("pre-Columbian", "non-Muslim", "x-Ray").
    @Test func particlesBeforeACapital() {
        let doc = EntityTokens(paragraphs: [
            "Bashar al-Assad met Valéry Giscard d'Estaing, Jean d’Alembert, Marcello dell'Utri and al-Ödön at Morne à l'eau "
                + "with pre-Columbian, non-Muslim and x-Ray objects, a d- and an al-."
        ])
        func capitalized(_ word: String) -> Bool? {
            (0..<doc.count).first { doc.text($0) == word }.map { doc.tokens[$0].flags.contains(.capitalized) }
        }
        for word in ["al-Assad", "d'Estaing", "d’Alembert", "dell'Utri", "al-Ödön"] { #expect(capitalized(word) == true, "\(word)") }
        for word in ["l'eau", "pre-Columbian", "non-Muslim", "x-Ray", "d-", "al-"] { #expect(capitalized(word) == false, "\(word)") }
    }

    /// Elided articles and prepositions before a capital: their bytes (with a straight or a
    /// curly apostrophe); none before a lowercase word, after a hyphen, or for a prefix that is
    /// no elision.
    @Test func elisionsBeforeACapital() {
        func width(_ word: String) -> Int? {
            var word = word
            return word.withUTF8 { EntityTokens.elisionWidth($0, 0, $0.count) }
        }
        #expect(width("l’Élysée") == 4)
        #expect(width("d'Emmanuel") == 2)
        #expect(width("d’Angela") == 4)
        #expect(width("dell'Inter") == 5)
        #expect(width("jusqu'Alger") == 6)
        for word in ["l'eau", "al-Assad", "x'Y", "D'Alema", "L'Oréal", "O'Brien", "d'", "l’", "quoiquoi'X"] { #expect(width(word) == nil, "\(word)") }
    }

    /// Citations: the capitalized words inside brackets that hold a year, and the names just
    /// before brackets that open with one; not the words of other brackets.
    @Test func citationsAreMarked() {
        let doc = EntityTokens(paragraphs: [
            "Games help attention (Boot, Kramer, Simons, Fabiani, & Gratton, 2008; Li et al., 2010a).",
            "As Gass and Mackey (1997) and Polio (2012, p. 4) found, Paris (France) is far (see Chapter 2).",
            "Work (1990) starts a paragraph. (Smith 2001",
            "2003) ends one.",
        ])
        func cited(_ word: String) -> [Bool] {
            (0..<doc.count).filter { doc.text($0) == word }.map { doc.tokens[$0].flags.contains(.cited) }
        }
        for word in ["Boot", "Kramer", "Simons", "Fabiani", "Gratton", "Li", "Gass", "Mackey", "Polio"] { #expect(cited(word) == [true], "\(word)") }
        for word in ["Games", "Paris", "France", "Chapter", "As", "et", "Smith"] { #expect(cited(word).allSatisfy { !$0 }, "\(word)") }
        // A paragraph's first word before a year in brackets is a citation ("Work (1990)").
        #expect(cited("Work") == [true])
    }
}

@Suite struct EntityNamesTests {
    @Test func kindsByMajoritySurnamesFoldedTitlesDropped() {
        let e = EntityNames.collect([
            .init(name: "President Vladimir Putin", kind: .person), .init(name: "Putin", kind: .person, count: 3),
            .init(name: "the Kremlin", kind: .organization), .init(name: "Kremlin", kind: .organization),
            .init(name: "Moscow", kind: .place), .init(name: "Moscow", kind: .organization), .init(name: "Moscow", kind: .place),
            .init(name: "ʒan mɔʁo", kind: .person), .init(name: "St. Petersburg", kind: .place),
        ])
        #expect(e == [
            NamedEntity(name: "Vladimir Putin", kind: .person, mentions: 4), NamedEntity(name: "Moscow", kind: .place, mentions: 3),
            NamedEntity(name: "Kremlin", kind: .organization, mentions: 2), NamedEntity(name: "St Petersburg", kind: .place, mentions: 1),
        ])
    }

    /// An elided article or preposition is not part of the name after it ("d'Angela Merkel",
    /// "l’Élysée", "dell'Inter", "d'Apple", and so "d'Estaing" alone); a "d'" inside a name
    /// stays ("Valéry Giscard d'Estaing"), and so does a capital one ("L'Oréal", "D'Alema").
    @Test func elisionsAreDroppedFromANamesStart() {
        let cases: [(String, NamedEntity.Kind, String?)] = [
            ("d'Angela Merkel", .person, "Angela Merkel"), ("l’Élysée", .place, "Élysée"), ("dell'Inter", .organization, "Inter"),
            ("l'Agence France-Presse", .organization, "Agence France-Presse"), ("d'Apple", .organization, "Apple"),
            ("d'Estaing", .person, "Estaing"), ("Valéry Giscard d'Estaing", .person, "Valéry Giscard d'Estaing"),
            ("L'Oréal", .organization, "L'Oréal"), ("D'Alema", .person, "D'Alema"), ("O'Brien", .person, "O'Brien"),
            ("Mr d'Artagnan", .person, "d'Artagnan"), ("al-Qaeda", .organization, "al-Qaeda"), ("l'eau", .place, nil),
        ]
        for (name, kind, stored) in cases { #expect(EntityNames.canonical(name, kind: kind) == stored, "\(name)") }
        // "d'Estaing" alone, stored as "Estaing", is still a mention of the full name.
        let e = EntityNames.collect([
            .init(name: "Valéry Giscard d'Estaing", kind: .person), .init(name: "d'Estaing", kind: .person, count: 2),
            .init(name: "Estaing", kind: .person),
        ])
        #expect(e == [NamedEntity(name: "Valéry Giscard d'Estaing", kind: .person, mentions: 4)])
    }

    @Test func scoresCountNamesAndMentions() {
        var s = EntityScores()
        s.add(
            found: [.init(name: "Putin", kind: .person, mentions: 3), .init(name: "Moscow", kind: .place, mentions: 1), .init(name: "Kremlin", kind: .place, mentions: 1)],
            annotated: [.init(name: "Putin", kind: .person, mentions: 2), .init(name: "Moscow", kind: .place, mentions: 1), .init(name: "Kremlin", kind: .organization, mentions: 2)])
        let documents = s.documents[EntityScores.all]!
        #expect((documents.truePositives, documents.falsePositives, documents.falseNegatives) == (2, 1, 1))
        let mentions = s.mentions[EntityScores.all]!
        #expect((mentions.truePositives, mentions.falsePositives, mentions.falseNegatives) == (3, 2, 2))
        #expect(s.documents["organization"]!.recall == 0)
        #expect(s.documents["person"]!.f1 == 1)
    }
}

@Suite struct EntityModelFileTests {
    /// A model trained on the test document alone.
    private func tinyModel() -> EntityModel {
        let doc = GUMCorpus.parse(conllu, id: "test_doc")
        return EntityTrainer(bits: 12, epochs: 8, lists: EntityTrainer.lists(adding: [:])).train([doc, doc, doc])
    }

    @Test func trainingFitsItsDocumentAndTheFileRoundTrips() throws {
        let model = tinyModel()
        let doc = GUMCorpus.parse(conllu, id: "test_doc")
        let found = model.recognize(title: "", paragraphs: doc.paragraphs)
        #expect(Set(found.map { "\($0.kind.rawValue):\($0.name)" }) == Set(doc.entities.map { "\($0.kind.rawValue):\($0.name)" }))
        let bytes = model.serialized(about: "test")
        let read = try EntityModel(serialized: bytes)
        #expect(read.weights == model.weights)
        #expect(read.recognize(title: "", paragraphs: doc.paragraphs) == found)
        #expect(EntityModel.about(serialized: bytes) == "test")
    }

    /// `runs` trains that many times, each run over its own shuffle, and averages the weights:
    /// exactly the mean of the single runs, so the model has one run's size and speed.
    @Test func runsAreAveraged() {
        let doc = GUMCorpus.parse(conllu, id: "test_doc")
        // Three documents that differ, so that their order changes what is learnt.
        let docs = [doc, GUMCorpus.parse(conllu.replacingOccurrences(of: "harbour", with: "river"), id: "second"),
                    GUMCorpus.parse(conllu.replacingOccurrences(of: "The\tthe", with: "A\ta"), id: "third")]
        func train(runs: Int, seed: UInt64) -> [SIMD8<Float>] {
            EntityTrainer(bits: 12, epochs: 3, seed: seed, runs: runs, lists: EntityTrainer.lists(adding: [:])).train(docs).weights
        }
        let single = (0..<3).map { train(runs: 1, seed: EntityTrainer.runSeed(7, $0)) }
        #expect(single[0].indices.contains { single[0][$0] != single[1][$0] })
        let averaged = train(runs: 3, seed: 7)
        #expect(averaged.indices.allSatisfy { averaged[$0] == (single[0][$0] + single[1][$0] + single[2][$0]) * (1 / Float(3)) })
        #expect(averaged.indices.contains { averaged[$0] != single[0][$0] })
        let one = train(runs: 1, seed: 7)
        #expect(one.indices.allSatisfy { one[$0] == single[0][$0] })
    }

    @Test func damagedFilesAreRefusedWithAReason() {
        let bytes = tinyModel().serialized(about: "test")
        func problem(_ b: [UInt8]) -> String? {
            do {
                _ = try EntityModel(serialized: b)
                return nil
            } catch {
                return error.message
            }
        }
        #expect(problem(Array(bytes.prefix(bytes.count - 3)))?.contains("truncated") == true)
        #expect(problem(Array("NWSDMODL".utf8) + bytes.dropFirst(8))?.contains("magic") == true)
        #expect(problem(bytes + [0])?.contains("after the weights") == true)
        // A version 4 file (seven tags: before names of other kinds) is refused, not misread.
        var old = bytes
        old[8] = 4
        #expect(problem(old) == "entity model version 4; this newsd reads version 5 (train it again: newsctl model train-entities)")
        var nan = bytes
        let last = nan.count - 4
        withUnsafeBytes(of: Float.nan.bitPattern.littleEndian) { for (k, b) in $0.enumerated() { nan[last + k] = b } }
        #expect(problem(nan)?.contains("not finite") == true)
        var bits = bytes
        bits[12] = 40
        #expect(problem(bits)?.contains("outside") == true)
        bits[12] = 21  // 64 MiB of weights: more than a model file may ask newsd to allocate
        #expect(problem(bits)?.contains("outside 8...20") == true)
    }
}

@Suite struct EntityModelPartsTests {
    private let lists = EntityTrainer.lists(adding: [:])

    /// The tagger's 16-bit weights: the largest weight is ±32,767, the rest in proportion,
    /// rounded; all-zero weights stay zero.
    @Test func weightsArePackedInProportionToTheLargest() {
        var w = SIMD8<Float>(repeating: 0)
        w[0] = 2
        w[1] = -4
        w[2] = 1
        w[3] = 0.0001
        let packed = EntityModel.pack([w, .zero])
        #expect(packed[0][0] == 16384)  // 32767 / 2, rounded to even
        #expect(packed[0][1] == -32767)
        #expect(packed[0][2] == 8192)
        #expect(packed[0][3] == 1)
        #expect(packed[1] == .zero)
        #expect(EntityModel.pack([.zero, .zero]) == [.zero, .zero])
    }

    /// The names `EntityModel.mentions` makes of `paragraphs` tagged as `tagged` says (each
    /// word's first occurrence; every other token outside), as "kind:name".
    private func names(_ paragraphs: [String], _ tagged: [(String, EntityModel.Tag)], gazetteer: EntityGazetteer? = nil) -> [String] {
        let doc = EntityTokens(paragraphs: paragraphs)
        var tags = [EntityModel.Tag](repeating: .outside, count: doc.count)
        for (word, tag) in tagged { tags[(0..<doc.count).first { doc.text($0) == word }!] = tag }
        let gazetteer = gazetteer ?? EntityGazetteer(entries: lists)
        return EntityModel.mentions(doc, tags, gazetteer.match(doc)).map { "\($0.kind.rawValue):\($0.name)" }
    }

    /// A name begun right after another, with no token between, goes on it and takes the last
    /// part's kind; not after a lowercase word or punctuation tagged inside the first, not a
    /// person after another kind, not across a paragraph.
    @Test func aNameBegunRightAfterAnotherGoesOnIt() {
        let found = names(
            ["Students of Bataan Peninsula State University met Ana Lee, Tom Ray", "Oslo today."],
            [("Bataan", .beginPlace), ("Peninsula", .insidePlace), ("State", .beginOrganization), ("University", .insideOrganization),
             ("Ana", .beginPerson), ("Lee", .insidePerson), (",", .insidePerson), ("Tom", .beginPerson), ("Ray", .insidePerson),
             ("Oslo", .beginPlace)])
        #expect(found == ["organization:Bataan Peninsula State University", "person:Ana Lee", "person:Tom Ray", "place:Oslo"])
        let more = names(
            ["Merkel and Macron met Microsoft CEO Satya Nadella."],
            [("Merkel", .beginPerson), ("and", .insidePerson), ("Macron", .beginPerson), ("Microsoft", .beginOrganization),
             ("CEO", .beginPerson), ("Satya", .insidePerson), ("Nadella", .insidePerson)])
        #expect(more == ["person:Merkel", "person:Macron", "organization:Microsoft", "person:CEO Satya Nadella"])
    }

    /// Names joined by the small words of other languages' names are one, of the first part's
    /// kind; not across English's "of" or "and", three such words, or a paragraph.
    @Test func namesAcrossOtherLanguagesConnectors() {
        let found = names(
            ["At the Universidade da Coruña, Ursula von der Leyen met Philip van Doren Stern and Tom de la de Vries.",
             "Battle of Chudnov, Paris and Lyon le", "Havre."],
            [("Universidade", .beginOrganization), ("Coruña", .beginPlace), ("Ursula", .beginPerson), ("Leyen", .beginPlace),
             ("Philip", .beginPerson), ("Doren", .beginPerson), ("Stern", .insidePerson), ("Tom", .beginPerson), ("Vries", .beginPerson),
             ("Battle", .beginPlace), ("Chudnov", .beginPlace), ("Paris", .beginPlace), ("Lyon", .beginPlace), ("Havre", .beginPlace)])
        #expect(found == [
            "organization:Universidade da Coruña", "person:Ursula von der Leyen", "person:Philip van Doren Stern", "person:Tom",
            "person:Vries", "place:Battle", "place:Chudnov", "place:Paris", "place:Lyon", "place:Havre",
        ])
        // Not Spanish "y" (and), not before "Mr", and no chain of names longer than seven tokens.
        let more = names(
            ["Drogba y Robben saw the Ford van Mr Jones hired, and Ana de Bea de Cid de Eva de Lu."],
            [("Drogba", .beginPerson), ("Robben", .beginPerson), ("Ford", .beginOrganization), ("Mr", .beginPerson), ("Jones", .insidePerson),
             ("Ana", .beginPerson), ("Bea", .beginPerson), ("Cid", .beginPerson), ("Eva", .beginPerson), ("Lu", .beginPerson)])
        #expect(more == ["person:Drogba", "person:Robben", "organization:Ford", "person:Mr Jones", "person:Ana de Bea de Cid de Eva", "person:Lu"])
    }

    /// A person's leading nationality is dropped, unless it is also a given name; a place's or
    /// organization's is its own.
    @Test func aPersonsLeadingNationalityIsDropped() {
        let found = names(
            ["Russian Svetlana Feofanova beat the American String Quartet and Christian Lindner."],
            [("Russian", .beginPerson), ("Svetlana", .insidePerson), ("Feofanova", .insidePerson),
             ("American", .beginOrganization), ("String", .insideOrganization), ("Quartet", .insideOrganization),
             ("Christian", .beginPerson), ("Lindner", .insidePerson)])
        #expect(found == ["person:Svetlana Feofanova", "organization:American String Quartet", "person:Christian Lindner"])
    }

    /// A person's name without a given name, holding a word news writes in lowercase that is
    /// neither a surname nor a title, is a work, not a person.
    @Test func aPersonsNameHoldsNoCommonWord() {
        // "gates" is mostly lowercase in news, and a surname; "Jobs" is no surname here.
        let gazetteer = EntityGazetteer(
            entries: EntityTrainer.lists(adding: ["common-words": ["Wonderful", "Life", "Gates", "Captain", "Jobs"], "surnames": ["Brown", "Gates", "Moore"]]))
        let doc = EntityTokens(paragraphs: ["Bill Gates"])
        #expect(gazetteer.match(doc)[1].single.isSuperset(of: [.commonWord, .surname]))
        let found = names(
            ["Wonderful Life starred Tom Brown, Bill Gates, Captain Moore and Steve Jobs."],
            [("Wonderful", .beginPerson), ("Life", .insidePerson), ("Tom", .beginPerson), ("Brown", .insidePerson),
             ("Bill", .beginPerson), ("Gates", .insidePerson), ("Captain", .beginPerson), ("Moore", .insidePerson),
             ("Steve", .beginPerson), ("Jobs", .insidePerson)],
            gazetteer: gazetteer)
        #expect(found == ["person:Tom Brown", "person:Bill Gates", "person:Captain Moore", "person:Steve Jobs"])
        // English words that are surnames or given names the lists lack: a title or "Mr" in or
        // before the name, or a surname at its end, keeps a person.
        let words = EntityGazetteer(
            entries: EntityTrainer.lists(adding: ["common-words": ["Flight", "Hawking", "Prime", "Sienna", "Wonderful", "Life"], "surnames": ["Miller"]]))
        let people = names(
            ["Mr Flight, Professor Hawking, Prime Minister Thatcher and Sienna Miller saw Wonderful Life."],
            [("Flight", .beginPerson), ("Hawking", .beginPerson), ("Prime", .beginPerson), ("Minister", .insidePerson), ("Thatcher", .insidePerson),
             ("Sienna", .beginPerson), ("Miller", .insidePerson), ("Wonderful", .beginPerson), ("Life", .insidePerson)],
            gazetteer: words)
        #expect(people == ["person:Flight", "person:Hawking", "person:Prime Minister Thatcher", "person:Sienna Miller"])
    }

    /// Names of other kinds are never reported, and a name tagged against one is part of it
    /// ("Jenna Julien" before "Podcast"); a lowercase word goes on an other name, never begins one.
    @Test func otherNamesAreNotReported() {
        let found = names(
            ["Jenna Julien Podcast guests met Anna Lee about Stabat Mater Oslo and Tom Ray."],
            [("Jenna", .beginPerson), ("Julien", .insidePerson), ("Podcast", .other), ("Anna", .beginPerson), ("Lee", .insidePerson),
             ("Stabat", .other), ("Mater", .other), ("Oslo", .beginPlace), ("Tom", .beginPerson), ("Ray", .insidePerson)])
        #expect(found == ["person:Anna Lee", "person:Tom Ray"])
        var scores = SIMD8<Float>(repeating: 0)
        scores[Int(EntityModel.Tag.other.rawValue)] = 1
        #expect(EntityModel.best(scores, prev: .outside, capitalized: false) == .outside)
        #expect(EntityModel.best(scores, prev: .other, capitalized: false) == .other)
        #expect(EntityModel.best(scores, prev: .beginPerson, capitalized: true) == .other)
    }

    /// A cited name tagged as a place is an author: the first or a listed name in brackets
    /// that hold a year, or a name before brackets that open with one; never a listed place
    /// (even one that is a surname too: "Santos", "London"), nor a place after a lowercase word
    /// in the brackets ("born in Nutley, 1700").
    @Test func aCitedPlaceIsAnAuthor() {
        let gazetteer = EntityGazetteer(entries: EntityTrainer.lists(adding: ["places": ["Santos", "Basel", "Lund"], "surnames": ["Santos"]]))
        let found = names(
            ["Memory grew (Thorell, Nutley, & Bohlin, 2009; Kemp, 2010) as Santos (1989) and Moreno and Dalby (2010) found in Lund (2011)."],
            [("Thorell", .beginPerson), ("Nutley", .beginPlace), ("Bohlin", .beginPlace), ("Kemp", .beginPlace), ("Santos", .beginPlace),
             ("Moreno", .beginPerson), ("Dalby", .beginPlace), ("Lund", .beginPlace)],
            gazetteer: gazetteer)
        #expect(found == [
            "person:Thorell", "person:Nutley", "person:Bohlin", "person:Kemp", "place:Santos", "person:Moreno", "person:Dalby", "place:Lund",
        ])
        let born = names(
            ["Euler (born in Nutley, 1707) left Basel (Switzerland, 1727) for Oslo."],
            [("Euler", .beginPerson), ("Nutley", .beginPlace), ("Basel", .beginPlace), ("Switzerland", .beginPlace), ("Oslo", .beginPlace)],
            gazetteer: gazetteer)
        #expect(born == ["person:Euler", "place:Nutley", "place:Basel", "place:Switzerland", "place:Oslo"])
    }

    /// A word news writes in lowercase before a given name is no part of a person's name;
    /// a given name, a surname or a title there stays ("Will Smith", "Young", "Captain").
    @Test func aCommonWordBeforeAGivenNameIsDropped() {
        let gazetteer = EntityGazetteer(entries: EntityTrainer.lists(adding: [
            "common-words": ["Executive", "Mother", "Will", "Young", "Time"], "given-names": ["Martin", "Will", "Teresa", "Ann", "Warner"], "surnames": ["Young"],
            "organizations": ["Time Warner"],
        ]))
        let found = names(
            ["Executive Martin Sorrell met Will Smith, Young Ann Lee, Mother Teresa and Time Warner in Oslo."],
            [("Executive", .beginPerson), ("Martin", .insidePerson), ("Sorrell", .insidePerson), ("Will", .beginPerson), ("Smith", .insidePerson),
             ("Young", .beginPerson), ("Ann", .insidePerson), ("Lee", .insidePerson), ("Mother", .beginPerson), ("Teresa", .insidePerson),
             ("Time", .beginPerson), ("Warner", .insidePerson), ("Oslo", .beginPlace)],
            gazetteer: gazetteer)
        #expect(found == [
            "person:Martin Sorrell", "person:Will Smith", "person:Young Ann Lee", "person:Mother Teresa", "organization:Time Warner", "place:Oslo",
        ])
    }

    /// Two names joined by "&", neither a place nor a person's by its look, are one
    /// organization; not places ("Priest & Washington" are two streets), not people (a given
    /// name, so "J Walter Thompson & Co" is left as the tagger had it), not in a paragraph that
    /// cites (authors), not in the title, not a list.
    @Test func namesJoinedByAnAmpersandAreAnOrganization() {
        func joined(_ paragraphs: [String], _ tagged: [(String, EntityModel.Tag)], title: String = "") -> [String] {
            let doc = EntityTokens(title: title, paragraphs: paragraphs)
            var tags = [EntityModel.Tag](repeating: .outside, count: doc.count)
            var from = 0
            for (word, tag) in tagged {  // each word's next occurrence
                let k = (from..<doc.count).first { doc.text($0) == word }!
                tags[k] = tag
                from = k + 1
            }
            // As in the census lists: "Young" and "Harry" are given names and surnames.
            let gazetteer = EntityGazetteer(entries: EntityTrainer.lists(adding: [
                "given-names": ["Young", "Harry", "Meghan", "Matt", "David", "Walter", "Donald"], "surnames": ["Young", "Harry", "Lucas"],
            ]))
            EntityModel.joinAmpersands(doc, gazetteer.match(doc), &tags, hasTitle: !title.isEmpty)
            return EntityModel.mentions(doc, tags, gazetteer.match(doc)).map { "\($0.kind.rawValue):\($0.name)" }
        }
        #expect(joined(
            ["Ogilvy & Mather, Young & Rubicam and J Walter Thompson & Co met at Priest & Washington."],
            [("Ogilvy", .beginPerson), ("Mather", .beginPerson), ("Young", .beginOrganization), ("Rubicam", .beginPerson), ("J", .beginPerson),
             ("Walter", .insidePerson), ("Thompson", .insidePerson), ("Co", .beginOrganization), ("Priest", .beginPlace), ("Washington", .beginPlace)])
            == ["organization:Ogilvy & Mather", "organization:Young & Rubicam", "person:J Walter Thompson", "organization:Co", "place:Priest",
                "place:Washington"])
        #expect(joined(
            ["Carrano & Biewener found it (Miller, 2010)."],
            [("Carrano", .beginPerson), ("Biewener", .beginPerson), ("Miller", .beginPerson)])
            == ["person:Carrano", "person:Biewener", "person:Miller"])
        // People by their look: a given name, a title, "Mr", a surname of a full name.
        #expect(joined(
            ["Donald Trump met Matt Lucas & David Walliams, Harry & Meghan, Mr Smith & Mr Jones, and Trump & Putin."],
            [("Donald", .beginPerson), ("Trump", .insidePerson), ("Matt", .beginPerson), ("Lucas", .insidePerson), ("David", .beginPerson),
             ("Walliams", .insidePerson), ("Harry", .beginPerson), ("Meghan", .beginPerson), ("Mr", .beginPerson), ("Smith", .insidePerson),
             ("Mr", .beginPerson), ("Jones", .insidePerson), ("Trump", .beginPerson), ("Putin", .beginPerson)])
            == ["person:Donald Trump", "person:Matt Lucas", "person:David Walliams", "person:Harry", "person:Meghan", "person:Mr Smith",
                "person:Mr Jones", "person:Trump", "person:Putin"])
        // Not in the title; a list is left alone; a name joined already is not joined again.
        #expect(joined(
            ["Facebook & Twitter & Sony sued Ogilvy & Mather."],
            [("Ogilvy", .beginOrganization), ("Mather", .beginPerson), ("Facebook", .beginOrganization), ("Twitter", .beginOrganization),
             ("Sony", .beginOrganization), ("Ogilvy", .beginPerson), ("Mather", .beginPerson)],
            title: "Ogilvy & Mather")
            == ["organization:Ogilvy", "person:Mather", "organization:Facebook", "organization:Twitter", "organization:Sony",
                "organization:Ogilvy & Mather"])
    }

    /// A date tagged as a place or an organization is no name ("March 1890", "Friday"); a
    /// person named after a month stays ("June Carter"), and so do "Sun" (a newspaper) and a
    /// road ("A59").
    @Test func aDateIsNoPlace() {
        let found = names(
            ["In March 1890 and on Friday June Carter read the Sun on the A59."],
            [("March", .beginPlace), ("1890", .insidePlace), ("Friday", .beginOrganization), ("June", .beginPerson), ("Carter", .insidePerson),
             ("Sun", .beginOrganization), ("A59", .beginPlace)])
        #expect(found == ["person:June Carter", "organization:Sun", "place:A59"])
        let more = names(
            ["On Jan. 6, 6 January, MAY 2019 and FRIDAY Ann met Bob."],
            [("Jan.", .beginPlace), ("6", .beginPlace), ("January", .insidePlace), ("MAY", .beginOrganization), ("2019", .insideOrganization),
             ("FRIDAY", .beginPlace), ("Ann", .beginPerson), ("Bob", .beginPerson)])
        #expect(more == ["person:Ann", "person:Bob"])
    }

    /// A listed organization the tagger left outside is one before a word for a firm or an
    /// agency, one word between at most; not a listed place, a given name, a common word, a
    /// word before a paragraph's end, or one after a name.
    @Test func aListedOrganizationBeforeItsCue() {
        let lists = EntityTrainer.lists(adding: ["organizations": ["Tass", "Gazprom", "Acme", "Madrid", "Lloyd"], "places": ["Madrid"], "given-names": ["Lloyd"]])
        let doc = EntityTokens(paragraphs: [
            "Tass news agency said Gazprom, the company, and the Acme company met Madrid club and Lloyd group staff.", "Bob Acme", "company.",
        ])
        var tags = [EntityModel.Tag](repeating: .outside, count: doc.count)
        let bob = (0..<doc.count).first { doc.text($0) == "Bob" }!
        tags[bob] = .beginPerson
        let matches = EntityGazetteer(entries: lists).match(doc)
        EntityModel.cuedOrganizations(doc, matches, &tags)
        let found = (0..<doc.count).filter { tags[$0] == .beginOrganization }.map { doc.text($0) }
        #expect(found == ["Tass", "Acme"])
    }

    /// A place's name and a plural is a team or a firm; not a place's own entry, a plural of
    /// land or water, of people or of an event, nor a person's name. An event is no place or
    /// organization.
    @Test func teamsAndEvents() {
        let gazetteer = EntityGazetteer(entries: EntityTrainer.lists(adding: ["places": ["Tampa Bay", "Yorkshire", "San", "Cayman", "Boston", "Antony", "New York"]]))
        let found = names(
            ["The Boston Red Sox beat the Tampa Bay Rays as the New York Times said; in the Cayman Islands, the Yorkshire Dales, "
                + "the United States and Antony Roberts, San Franciscans watched the Boston Marathon, the Athens Olympics and the Academy Awards, as Mr Games and the Oscars did."],
            [("Boston", .beginPlace), ("Red", .insidePlace), ("Sox", .insidePlace), ("Tampa", .beginPlace), ("Bay", .insidePlace), ("Rays", .insidePlace),
             ("New", .beginPlace), ("York", .insidePlace), ("Times", .insidePlace), ("Cayman", .beginPlace), ("Islands", .insidePlace),
             ("Yorkshire", .beginPlace), ("Dales", .insidePlace), ("United", .beginPlace), ("States", .insidePlace),
             ("Antony", .beginPerson), ("Roberts", .insidePerson), ("San", .beginPlace), ("Franciscans", .insidePlace),
             ("Marathon", .beginPlace), ("Athens", .beginPlace), ("Olympics", .insidePlace), ("Academy", .beginOrganization), ("Awards", .insideOrganization),
             ("Mr", .beginPerson), ("Games", .insidePerson), ("Oscars", .beginPerson)],
            gazetteer: gazetteer)
        #expect(found == [
            "organization:Boston Red Sox", "organization:Tampa Bay Rays", "organization:New York Times", "place:Cayman Islands", "place:Yorkshire Dales",
            "place:United States", "person:Antony Roberts", "place:San Franciscans", "place:Marathon", "person:Mr Games",
        ])
    }

    /// A name of two words or more that opens with "Mr", "Mrs" or "Ms" is a person's, whatever
    /// the tagger said (`EntityNames.collect` drops the title later); "Dr" and "King" decide
    /// nothing ("Dr Martens", "King's Lynn").
    @Test func anHonorificMakesAPerson() {
        let found = names(
            ["Mr Miliband and Mrs Ardern met Ms Lee at Dr Martens in King Lynn."],
            [("Mr", .beginPlace), ("Miliband", .insidePlace), ("Mrs", .beginOrganization), ("Ardern", .insideOrganization),
             ("Ms", .beginPerson), ("Lee", .insidePerson), ("Dr", .beginOrganization), ("Martens", .insideOrganization),
             ("King", .beginPlace), ("Lynn", .insidePlace)])
        #expect(found == ["person:Mr Miliband", "person:Mrs Ardern", "person:Ms Lee", "organization:Dr Martens", "place:King Lynn"])
    }

    /// An abbreviation in brackets right after an organization's or a place's name gets its
    /// kind (the one `mentions` gives it: "Goldman Sachs" is on the organization list), and so
    /// do its other mentions, when its capitals are the name's initials ("UN" giving two); not
    /// after a person, not one of other letters, not across a paragraph.
    @Test func anAbbreviationInBracketsTakesTheNamesKind() {
        let doc = EntityTokens(paragraphs: [
            "The European Space Agency (ESA), Tom Ray (TR), Oklahoma (OK), Goldman Sachs (GS) and the UN Security Council (UNSC) met in Atlanta",
            "(AJC) Later ESA said OK and the UNSC agreed.",
        ])
        var tags = [EntityModel.Tag](repeating: .outside, count: doc.count)
        func index(_ word: String) -> Int { (0..<doc.count).first { doc.text($0) == word }! }
        for (word, tag) in [
            ("European", EntityModel.Tag.beginOrganization), ("Space", .insideOrganization), ("Agency", .insideOrganization), ("Tom", .beginPerson),
            ("Ray", .insidePerson), ("Oklahoma", .beginPlace), ("Goldman", .beginPlace), ("Sachs", .insidePlace), ("UN", .beginOrganization), ("Security", .insideOrganization),
            ("Council", .insideOrganization), ("Atlanta", .beginPlace),
        ] { tags[index(word)] = tag }
        let gazetteer = EntityGazetteer(entries: lists)
        EntityModel.linkAbbreviations(doc, gazetteer.match(doc), &tags)
        let found = EntityModel.mentions(doc, tags, gazetteer.match(doc)).map { "\($0.kind.rawValue):\($0.name):\($0.count)" }
        #expect(found == [
            "organization:European Space Agency:1", "organization:ESA:2", "person:Tom Ray:1", "place:Oklahoma:1", "organization:Goldman Sachs:1",
            "organization:GS:1", "organization:UN Security Council:1",
            "organization:UNSC:2", "place:Atlanta:1",
        ])
    }

    /// A name tagged as a person or place that is exactly an organization-list entry (and on
    /// no place list) is an organization; a place-list entry keeps the tagger's kind; a part
    /// of a longer entry is no entry.
    @Test func anOrganizationListEntryIsAnOrganization() {
        let gazetteer = EntityGazetteer(entries: lists)
        let doc = EntityTokens(paragraphs: ["FSB officers met Moscow police and Sky News staff."])
        let matches = gazetteer.match(doc)
        func index(_ word: String) -> Int { (0..<doc.count).first { doc.text($0) == word }! }
        var tags = [EntityModel.Tag](repeating: .outside, count: doc.count)
        tags[index("FSB")] = .beginPlace
        tags[index("Moscow")] = .beginPerson
        tags[index("Sky")] = .beginPerson
        let mentions = EntityModel.mentions(doc, tags, matches)
        #expect(mentions.map { "\($0.kind.rawValue):\($0.name)" } == ["organization:FSB", "person:Moscow", "organization:Sky"])
        // "Sky" is an entry of its own; "Sky News" whole is one too, and "News" alone is not.
        #expect(EntityModel.exactEntry(matches, index("Sky"), index("News") + 1).contains(.organization))
        #expect(!EntityModel.exactEntry(matches, index("News"), index("News") + 1).contains(.organization))
    }

    /// Words that end place names are on the place-word list; a capitalized token gets the
    /// features of its capitalized run, a lowercase one does not.
    /// The document's hint (`EntityModel.documentPrior`): the share of places among the
    /// capitalized words on place or name lists in four steps (4: none), and how many words
    /// it cites.
    @Test func documentPrior() {
        let gazetteer = EntityGazetteer(entries: lists)
        func prior(_ text: String) -> UInt64 {
            let doc = EntityTokens(paragraphs: [text])
            return EntityModel.documentPrior(doc, gazetteer.match(doc))
        }
        #expect(prior("We flew from Paris to London, then to Rome and Madrid.") == 3 << 2)
        #expect(prior("Later Mary and John met Mr Brown in a café.") == 0 << 2)
        #expect(prior("Later Mary and John flew from Paris to London.") == 2 << 2)
        #expect(prior("nothing here is capitalized at all, Paris opens no sentence here") == 3 << 2)
        #expect(prior("nothing here is capitalized at all") == 4 << 2)
        // A sentence's first word counts for neither.
        #expect(prior("Paris is big.") == 4 << 2)
        #expect(prior("Games help attention (Rueda, Checa, & Cómbita, 2012).") == 4 << 2 | 1)
        #expect(prior("As shown (Aa, 2001; Bb, 2002; Cc, 2003; Dd, 2004; Ee, 2005).") == 4 << 2 | 2)
    }

    /// The kinds of the names a document has had so far (`History.mix`): nothing under three
    /// names begun, else the most frequent kind and its share.
    @Test func kindsOfTheNamesSoFar() {
        var h = EntityModel.History(capacity: 16)
        #expect(h.mix == 0)
        h.record(1, .beginPlace)
        h.record(2, .beginPlace)
        h.record(3, .insidePlace)
        h.record(10, .outside)
        #expect(h.mix == 0)
        h.record(4, .beginPerson)
        #expect(h.mix == 3 << 2 | 1)
        h.record(5, .beginPlace)
        h.record(6, .beginPlace)
        #expect(h.mix == 3 << 2 | 2)
        h.record(7, .beginOrganization)
        h.record(8, .beginPerson)
        h.record(9, .beginPerson)
        #expect(h.mix == 3 << 2 | 1)
        h.record(11, .beginPerson)
        h.record(12, .beginPerson)
        h.record(13, .beginOrganization)
        #expect(h.mix == 1 << 2 | 0)
    }

    @Test func placeWordsAndRunFeatures() {
        let gazetteer = EntityGazetteer(entries: lists)
        let doc = EntityTokens(paragraphs: ["They walked down Piotrkowska Street to the Chatham Islands ferry."])
        let matches = gazetteer.match(doc)
        func index(_ word: String) -> Int { (0..<doc.count).first { doc.text($0) == word }! }
        #expect(matches[index("Street")].single.contains(.placeWord))
        #expect(matches[index("Islands")].single.contains(.placeWord))
        #expect(!matches[index("Piotrkowska")].single.contains(.placeWord))
        var out = [UInt64](repeating: 0, count: EntityModel.staticFeatureCount)
        doc.bytes.withUnsafeBufferPointer { b in
            doc.tokens.withUnsafeBufferPointer { t in
                matches.withUnsafeBufferPointer { m in
                    out.withUnsafeMutableBufferPointer { o in
                        #expect(EntityModel.staticFeatures(b, t, m, index("Piotrkowska"), o.baseAddress!, prior: 0) == EntityModel.staticFeatureCount)
                        // The run's last word is the same feature for both of its words.
                        let first = Array(o)
                        _ = EntityModel.staticFeatures(b, t, m, index("Street"), o.baseAddress!, prior: 0)
                        #expect(first[29] == o[29])
                        #expect(first[30] == o[30])
                        #expect(first[31] != o[31])
                        #expect(EntityModel.staticFeatures(b, t, m, index("walked"), o.baseAddress!, prior: 0) == EntityModel.staticFeatureCount - 6)
                    }
                }
            }
        }
    }
}

@Suite struct EntityModelHardeningTests {
    /// Every pathological shape (Tests/TestSupport/Pathological.swift) through the shipped
    /// model ends. The capitalized-words shape is one paragraph of 110,000 capitalized words:
    /// the run features once followed a run to its ends from each word (quadratic, about 6e9
    /// steps); now at most `runReach` words either way. The time limit is a liveness bound;
    /// `ingest-bench --pathological --entity-model config/entities-gum.model` times each shape
    /// against a normal article.
    @Test(.timeLimit(.minutes(2))) func pathologicalTextsEnd() throws {
        let model = try shippedModel()
        let parser = DocumentParser()
        for input in Pathological.all(size: 1 << 20) {
            guard let doc = try? parser.parse(bytes: input.bytes) else { continue }
            for a in doc.articles {
                let found = model.recognize(title: a.title, paragraphs: a.paragraphs)
                if input.name == "text-capitalized-words.txt" { #expect(!found.isEmpty) }
            }
        }
    }

    /// A run of 500 capitalized words ending in "Bank" is no name, by the rules or the model:
    /// no entity over `NamedEntity.maxNameBytes` reaches the database (whose name index refuses
    /// entries over 2,704 bytes). The names around it are kept.
    @Test func overlongNamesAreLeftOut() throws {
        let long = String(repeating: "Grand ", count: 500) + "Bank"
        let article = Article(
            title: "Talks in Paris", paragraphs: ["Mr Blair met the \(long) in Paris on Monday, officials said.", "The \(long) said it was pleased."])
        for entityModel in [nil, LoadedEntityModel(model: try shippedModel(), id: "test")] {
            let enrichment = Enricher(model: nil, entityModel: entityModel).enrich(article)
            #expect(enrichment.entities.allSatisfy { $0.name.utf8.count <= NamedEntity.maxNameBytes })
            #expect(enrichment.entities.contains { $0.name == "Paris" })
            // Without the cap, the long word is found as a name.
            let found = entityModel?.model.recognize(title: article.title, paragraphs: article.paragraphs)
                ?? EntityExtractor.extract(title: article.title, paragraphs: article.paragraphs)
            #expect(found.contains { $0.name.utf8.count > NamedEntity.maxNameBytes })
        }
    }
}
