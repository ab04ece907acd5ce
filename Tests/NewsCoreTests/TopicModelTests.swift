import Foundation
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
        #expect(model.calibration == .uncalibrated)  // two texts a label are too few to calibrate on
        #expect(model.information.count == 1024)
        let languageBytes = 4 + 2  // "en"
        let header = 8 + 16 + (4 + 8) + (4 + 5) + 12 + languageBytes
        #expect(bytes.count == header + 8 + 1024 * 4 + 2 * 4 + 1024 * 2 * 4 + 1024 * 4)
        #expect(try TopicModel(serialized: bytes) == model)
        #expect(throws: ModelFileError.self) { try TopicModel(serialized: Array(bytes.dropLast())) }
        #expect(throws: ModelFileError.self) { try TopicModel(serialized: [0] + Array(bytes.dropFirst())) }
        var future = bytes
        future[8] = 4
        do {
            _ = try TopicModel(serialized: future)
            Issue.record("read a version 4 file")
        } catch {
            #expect(error.message == "format version 4; this newsd reads versions 1 to 3")
        }
        var frozen = bytes
        frozen.replaceSubrange(header..<header + 4, with: [0, 0, 0, 0])  // temperature 0
        #expect(throws: ModelFileError.self) { try TopicModel(serialized: frozen) }

        // A calibrated model keeps its calibration.
        var calibrated = model
        calibrated.calibration = Calibration(temperature: 1.5, evidenceHalf: 0.75)
        #expect(try TopicModel(serialized: calibrated.serialized()) == calibrated)

        // Version 2: no calibration and no word information; read as the plain softmax (×4).
        var v2 = calibrated.serialized()
        v2[8] = 2
        v2.removeLast(1024 * 4)
        v2.removeSubrange(header..<header + 8)
        let older = try TopicModel(serialized: v2)
        var plain = model
        plain.information = []
        #expect(older == plain)
        let p = older.predict("a goal for the team")
        #expect(p.evidence == nil)
        let margins = older.margins(older.vector("a goal for the team")).map { Double($0) * 4 }
        let top = margins.max()!
        let expected = exp(top - top) / margins.map { exp($0 - top) }.reduce(0, +)
        #expect(abs(p.confidence - expected) < 1e-12)

        // Version 1: the version 2 layout without the name, title and language fields.
        var v1 = v2
        v1[8] = 1
        v1.removeSubrange(header - 12 - languageBytes..<header)
        let old = try TopicModel(serialized: v1)
        #expect(old.weights == model.weights && old.idf == model.idf && old.labels == model.labels)
        #expect(old.hasher == FeatureHasher(bits: 10, names: .keep, titleFeatures: false))  // what version 1 meant
        #expect(old.calibration == .uncalibrated && old.information.isEmpty)
        var english = model
        english.languages = ["en"]
        let reread = try TopicModel(serialized: english.serialized())
        #expect(reread.languages == ["en"])
        #expect(reread.covers(language: "en") && !reread.covers(language: "de") && reread.covers(language: nil))
    }
}

@Suite struct CalibrationTests {
    @Test func excerptsAreTheTitleAndTheBodysFirstWords() {
        let body = (1...30).map { "w\($0)" }.joined(separator: " ")
        let e = Calibration.excerpts(of: "A title\n\n" + body)
        #expect(
            e == [
                "A title", "\n" + (1...5).map { "w\($0)" }.joined(separator: " "),
                "\n" + (1...10).map { "w\($0)" }.joined(separator: " "), "\n" + (1...20).map { "w\($0)" }.joined(separator: " "),
            ])
        #expect(Calibration.excerpts(of: "no newline at all") == [])
    }

    @Test func reliabilityBinsAndExpectedCalibrationError() {
        // Bin 0.9–1.0: 0.95 and 0.95, one right; bin 0.5–0.6: 0.5, right.
        let r = Reliability(confidences: [0.95, 0.95, 0.5], correct: [true, false, true], bins: 10)
        #expect(r.bins.count == 10 && r.count == 3)
        #expect(r.bins[9].count == 2 && abs(r.bins[9].confidence - 0.95) < 1e-12 && r.bins[9].accuracy == 0.5)
        #expect(r.bins[5].count == 1 && r.bins[5].accuracy == 1)
        #expect(abs(r.expectedCalibrationError - (2 * 0.45 + 1 * 0.5) / 3) < 1e-12)
        #expect(Reliability(confidences: [1], correct: [true]).bins[9].count == 1)
    }

    @Test func fitFindsTheTemperatureThatMatchesAccuracy() {
        // Two labels, margins ±1: right 3 times in 4, so the best probability is 0.75, which
        // a softmax of the margins times ln 3 / 2 gives (temperature 8 / ln 3).
        var sample = Calibration.Sample(labels: 2)
        for k in 0..<400 { sample.append(margins: [1, -1], evidence: 5, truth: k % 4 == 0 ? 1 : 0) }
        let c = Calibration.fit(sample, useEvidence: false)
        #expect(abs(c.temperature - 8 / log(3)) < 1e-4)
        #expect(c.evidenceHalf == 0)
        #expect(abs(c.scale(evidence: nil) - log(3) / 2) < 1e-4)
        #expect(Calibration.uncalibrated.scale(evidence: 3) == 4)
    }

    @Test func fitFindsHowConfidenceGrowsWithEvidence() {
        // The same margins, right 60% of the time with 1 nat of evidence and 90% with 9: the
        // fitted probabilities are those shares (a half-point of about 11 nats fits exactly).
        var sample = Calibration.Sample(labels: 2)
        for k in 0..<1000 {
            sample.append(margins: [1, -1], evidence: 1, truth: k % 10 < 6 ? 0 : 1)
            sample.append(margins: [1, -1], evidence: 9, truth: k % 10 < 9 ? 0 : 1)
        }
        let c = Calibration.fit(sample)
        func right(_ e: Double) -> Double { 1 / (1 + exp(-2 * c.scale(evidence: e))) }
        #expect(abs(right(1) - 0.6) < 1e-3 && abs(right(9) - 0.9) < 1e-3)
        #expect(abs(c.evidenceHalf - 11.1) < 0.1)
        #expect(right(0) == 0.5)
    }
}
