import Testing

@testable import NewsCore

@Suite struct TopicModelTests {
    let sport = ["the striker scored a late goal in the match", "the team won the league title after the final whistle",
                 "a hat trick from the forward sealed the cup tie", "the coach praised the defence after the derby win"]
    let money = ["shares fell as the bank reported lower profits", "the central bank raised interest rates again",
                 "investors sold bonds after the inflation figures", "the company profits beat market forecasts this quarter"]

    @Test func separatesTwoTopicsAndIsReproducible() {
        let texts = sport + money
        let labels = Array(repeating: "sport", count: 4) + Array(repeating: "business", count: 4)
        let model = TopicModel.train(texts: texts, labels: labels, hasher: FeatureHasher(bits: 12), epochs: 30)
        #expect(model.labels == ["business", "sport"])
        let p = model.predict("a late goal won the match for the team")
        #expect(p.label == "sport")
        #expect(p.confidence > 0.5)
        #expect(abs(p.scores.values.reduce(0, +) - 1) < 1e-9)
        #expect(model.predict("the bank said profits and interest rates rose").label == "business")
        let again = TopicModel.train(texts: texts, labels: labels, hasher: FeatureHasher(bits: 12), epochs: 30)
        #expect(again == model)
    }

    @Test func hashedFeaturesCountWordsAndBigrams() {
        let counts = FeatureHasher(bits: 16, titleFeatures: false).counts("Goal goal, GOAL! a")
        // "goal" three times, "goal goal" twice; one-letter "a" dropped.
        #expect(counts.values.sorted() == [2, 3])
        // With title features the first line's words count again, as features of their own.
        let titled = FeatureHasher(bits: 16).counts("Goal goal, GOAL! a\nbody goal")
        // goal ×4, body, "goal goal" ×2, "goal body", "body goal", title goal ×3.
        #expect(titled.values.sorted() == [1, 1, 1, 2, 3, 4])
    }

    @Test func placesAndNationalitiesAreMaskedOtherNamesKept() {
        let hasher = FeatureHasher(bits: 20, titleFeatures: false)
        // Mid-sentence "Russia" and "Russian" become one shared token; "Putin" stays itself.
        let a = hasher.counts("The talks in Russia went on. Putin spoke")
        let b = hasher.counts("The talks in Ukraine went on. Putin spoke")
        #expect(a == b)
        let c = hasher.counts("The talks in Ukraine went on. Blair spoke")
        #expect(a != c)
        // Sentence-initial capitals are ordinary words.
        #expect(hasher.counts("Russia talks") != hasher.counts("Ukraine talks"))
    }
}

@Suite struct RadixSortTests {
    @Test func sortsLikeTheStandardLibrary() {
        var rng = SplitMix64(seed: 7)
        for n in [0, 5, 33, 1000] {
            var keys = (0..<n).map { _ in Int32(truncatingIfNeeded: rng.next() & 0x3FFFF) }
            let expected = keys.sorted()
            FeatureHasher.radixSort(&keys, bits: 18)
            #expect(keys == expected)
        }
    }
}

@Suite struct ModelFileTests {
    @Test func roundTripsAndRejectsDamage() throws {
        let model = TopicModel.train(
            texts: ["goal match team win", "bank profit shares rate", "striker goal derby", "inflation bank bonds"],
            labels: ["sport", "business", "sport", "business"], hasher: FeatureHasher(bits: 10), epochs: 5)
        let bytes = model.serialized()
        #expect(model.languages == ["en"])  // CLD2 calls each of the four English reliably
        #expect(bytes.count == 8 + 16 + (4 + 8) + (4 + 5) + 8 + (4 + 4 + 2) + 1024 * 4 + 2 * 4 + 1024 * 2 * 4)
        #expect(try TopicModel(serialized: bytes) == model)
        #expect(throws: ModelFileError.self) { try TopicModel(serialized: Array(bytes.dropLast())) }
        #expect(throws: ModelFileError.self) { try TopicModel(serialized: [0] + Array(bytes.dropFirst())) }
        var future = bytes
        future[8] = 3
        do {
            _ = try TopicModel(serialized: future)
            Issue.record("read a version 3 file")
        } catch {
            #expect(error.message == "format version 3; this newsd reads versions 1 and 2")
        }
        // Version 1: the same without the hasher's flags and the language list ("en"), read as
        // "any language".
        var v1 = bytes
        v1[8] = 1
        let languageCountOffset = 8 + 16 + (4 + 8) + (4 + 5)
        v1.removeSubrange(languageCountOffset..<languageCountOffset + 8 + (4 + 4 + 2))
        let old = try TopicModel(serialized: v1)
        #expect(old.weights == model.weights && old.idf == model.idf && old.labels == model.labels)
        #expect(old.hasher == FeatureHasher(bits: 10, names: .keep, titleFeatures: false))  // what version 1 meant
        let reread = try TopicModel(serialized: model.serialized())
        #expect(reread.languages == ["en"])
        #expect(reread.covers(language: "en") && !reread.covers(language: "de") && reread.covers(language: nil))
    }
}
