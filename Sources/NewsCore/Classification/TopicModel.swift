import Foundation
import LanguageID

/// A linear topic classifier over TF-IDF weighted hashed word and bigram features, trained as a
/// one-vs-rest linear SVM by stochastic gradient descent (Pegasos). Scores are turned into
/// per-class probabilities with a calibrated softmax (`Calibration`) that also weighs how much
/// topical evidence the text holds; the top class's probability is the confidence.
public struct TopicModel: Sendable, Equatable {
    /// Class labels, in weight-row order.
    public var labels: [String]
    /// The feature hasher.
    public var hasher: FeatureHasher
    /// Inverse document frequency per bucket.
    public var idf: [Float]
    /// Document frequency per bucket (kept for keyword extraction); count of training documents.
    public var documentCount: Int
    /// Weights, bucket-major: `weights[bucket * labels.count + label]`, so one feature's
    /// weights for every label share a cache line.
    public var weights: [Float]
    /// Bias per label.
    public var bias: [Float]
    /// Languages of the training texts (each at least 5% of them): the model gives no topic
    /// to text in another language. Empty means unknown (a version 1 file): any language.
    public var languages: [String] = []
    /// How margins become probabilities; `.uncalibrated` for a file of version 1 or 2.
    public var calibration: Calibration = .uncalibrated
    /// Per bucket, what a training document holding a word of the bucket tells about its
    /// label, in nats: the divergence of those documents' label distribution (smoothed towards
    /// the label prior) from the prior. Words only, not pairs or title features, so that a word
    /// never seen in training mostly meets an empty bucket. A text's evidence is the sum over
    /// its words. Empty for a file of version 1 or 2.
    public var information: [Float] = []

    /// A prediction: the best label, its probability, and every label's probability.
    public struct Prediction: Sendable, Equatable {
        public var label: String
        public var confidence: Double
        public var scores: [String: Double]
        /// The text's evidence (`evidence(_:)`); nil when the model has no word information.
        public var evidence: Double? = nil
    }

    /// The TF-IDF vector of `text`, L2-normalized.
    public func vector(_ text: String) -> SparseVector {
        Self.vector(hasher.sortedCounts(text), idf: idf)
    }

    /// The TF-IDF vector of an already tokenized text.
    public func vector(_ tokens: WordTokens) -> SparseVector {
        Self.vector(hasher.sortedCounts(tokens), idf: idf)
    }

    /// `1 + ln(c)` for the small counts most features have (the same values `log` gives).
    static let logTermFrequency: [Float] = (0..<256).map { 1 + log(Float(max($0, 1))) }

    static func vector(_ counts: (indices: [Int32], counts: [Float]), idf: [Float]) -> SparseVector {
        var values = [Float](repeating: 0, count: counts.indices.count)
        var norm: Float = 0
        let table = logTermFrequency
        for k in 0..<values.count {
            let c = counts.counts[k]
            let tf = c < 256 ? table[Int(c)] : 1 + log(c)
            let v = tf * idf[Int(counts.indices[k])]
            values[k] = v
            norm += v * v
        }
        if norm > 0 {
            let inv = 1 / norm.squareRoot()
            for k in 0..<values.count { values[k] *= inv }
        }
        return SparseVector(indices: counts.indices, values: values)
    }

    /// Classifies `text`.
    public func predict(_ text: String) -> Prediction {
        predict(WordTokens(text))
    }

    /// Classifies an already tokenized text.
    public func predict(_ tokens: WordTokens) -> Prediction {
        let e = evidence(tokens)
        return predict(margins: margins(vector(tokens)), evidence: e)
    }

    /// The information the words of `tokens` carry about the label, in nats: the sum of
    /// `information` over the buckets of its words (each occurrence counts; pairs and title
    /// features do not). Nil when the model has no word information (format version 1 or 2).
    public func evidence(_ tokens: WordTokens) -> Double? {
        guard information.count == hasher.dimension else { return nil }
        var sum: Float = 0
        information.withUnsafeBufferPointer { info in
            for i in 0..<tokens.count { sum += info[hasher.wordBucket(tokens, i)] }
        }
        return Double(sum)
    }

    /// The SVM margin of every label for a feature vector.
    func margins(_ x: SparseVector) -> [Float] {
        let classes = labels.count
        var raw = bias
        weights.withUnsafeBufferPointer { w in
            raw.withUnsafeMutableBufferPointer { r in
                if classes <= 8 {
                    // Up to eight labels: one feature's weights are one unaligned vector load
                    // (the lanes past the last label read the next bucket and are dropped), and
                    // the sums stay in a register. Each lane does what the scalar loop does
                    // (multiply, then add, in feature order), so the scores are bit-identical.
                    var sums = SIMD8<Float>(repeating: 0)
                    for c in 0..<classes { sums[c] = r[c] }
                    let end = w.count - 8
                    for k in 0..<x.indices.count {
                        let base = Int(x.indices[k]) * classes
                        let v = x.values[k]
                        if base <= end {
                            let row = UnsafeRawPointer(w.baseAddress! + base).loadUnaligned(as: SIMD8<Float>.self)
                            sums += row * v
                        } else {
                            for c in 0..<classes { sums[c] += w[base + c] * v }
                        }
                    }
                    for c in 0..<classes { r[c] = sums[c] }
                } else {
                    for k in 0..<x.indices.count {
                        let base = Int(x.indices[k]) * classes
                        let v = x.values[k]
                        for c in 0..<classes { r[c] += w[base + c] * v }
                    }
                }
            }
        }
        return raw
    }

    /// Probabilities from margins: a softmax of the margins times the calibration's scale.
    func predict(margins raw: [Float], evidence: Double?, calibration: Calibration? = nil) -> Prediction {
        let scale = (calibration ?? self.calibration).scale(evidence: evidence)
        let scaled = raw.map { Double($0) * scale }
        let maxScore = scaled.max() ?? 0
        let exps = scaled.map { exp($0 - maxScore) }
        let total = exps.reduce(0, +)
        var best = 0
        for c in 1..<max(1, labels.count) where raw[c] > raw[best] { best = c }
        var scores: [String: Double] = [:]
        for (c, l) in labels.enumerated() { scores[l] = exps[c] / total }
        return Prediction(label: labels[best], confidence: exps[best] / total, scores: scores, evidence: evidence)
    }

    /// Trains on labeled texts, then calibrates the probabilities on held-out predictions of
    /// `calibrationFolds`-fold cross-validation of the same training (`Calibration`). With 0,
    /// or fewer than two documents per label and fold, the model stays uncalibrated.
    public static func train(
        texts: [String], labels: [String], hasher: FeatureHasher = FeatureHasher(), epochs: Int = 12,
        lambda: Float = 1e-5, seed: UInt64 = 42, calibrationFolds: Int = 5
    ) -> TopicModel {
        let documents = texts.map { TrainingDocument($0, hasher: hasher) }
        return train(
            documents, labels: labels, classes: Array(Set(labels)).sorted(), hasher: hasher, epochs: epochs, lambda: lambda,
            seed: seed, calibrationFolds: calibrationFolds)
    }

    /// `train` on texts already turned into features (cross-validation makes them once).
    static func train(
        _ documents: [TrainingDocument], labels: [String], classes: [String], hasher: FeatureHasher, epochs: Int, lambda: Float,
        seed: UInt64, calibrationFolds: Int
    ) -> TopicModel {
        var model = fit(documents, labels: labels, classes: classes, hasher: hasher, epochs: epochs, lambda: lambda, seed: seed)
        if let sample = heldOut(
            documents, labels: labels, classes: classes, hasher: hasher, epochs: epochs, lambda: lambda, seed: seed,
            folds: calibrationFolds)
        {
            model.calibration = Calibration.fit(sample)
        }
        return model
    }

    /// A training text as the trainer reads it: its feature counts, the buckets of its words
    /// (each occurrence), its detected language, and the same for its excerpts
    /// (`Calibration.excerpts`), which calibration scores.
    struct TrainingDocument: Sendable {
        struct Features: Sendable {
            var counts: (indices: [Int32], counts: [Float])
            var words: [Int32]
            init(_ text: String, hasher: FeatureHasher) {
                let tokens = WordTokens(text)
                counts = hasher.sortedCounts(tokens)
                words = (0..<tokens.count).map { Int32(truncatingIfNeeded: hasher.wordBucket(tokens, $0)) }
            }
        }
        var whole: Features
        var language: String?
        var excerpts: [Features]

        init(_ text: String, hasher: FeatureHasher) {
            whole = Features(text, hasher: hasher)
            let detected = LanguageIdentifier.detect(text)
            language = detected.reliable ? detected.language : nil
            excerpts = Calibration.excerpts(of: text).map { Features($0, hasher: hasher) }
        }
    }

    /// The margins and evidence of a featurized text (what `predict` computes from text).
    func scores(_ f: TrainingDocument.Features) -> (margins: [Float], evidence: Double) {
        var e: Float = 0
        if information.count == hasher.dimension { for b in f.words { e += information[Int(b)] } }
        return (margins(Self.vector(f.counts, idf: idf)), Double(e))
    }

    /// Held-out predictions for calibration: each document, and its excerpts, scored by a
    /// model trained without its fold. Nil when there are fewer than two folds or a label has
    /// fewer than two documents per fold.
    static func heldOut(
        _ documents: [TrainingDocument], labels: [String], classes: [String], hasher: FeatureHasher, epochs: Int, lambda: Float,
        seed: UInt64, folds: Int
    ) -> Calibration.Sample? {
        guard folds >= 2 else { return nil }
        var perLabel: [String: Int] = [:]
        for l in labels { perLabel[l, default: 0] += 1 }
        guard perLabel.values.allSatisfy({ $0 >= 2 * folds }) else { return nil }
        let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        var sample = Calibration.Sample(labels: classes.count)
        for (test, train) in CrossValidation.folds(documents.count, folds: folds, seed: seed) {
            let model = fit(
                train.map { documents[$0] }, labels: train.map { labels[$0] }, classes: classes, hasher: hasher, epochs: epochs,
                lambda: lambda, seed: seed, languages: false)
            for i in test {
                for f in [documents[i].whole] + documents[i].excerpts {
                    let s = model.scores(f)
                    sample.append(margins: s.margins, evidence: s.evidence, truth: index[labels[i]]!)
                }
            }
        }
        return sample
    }

    /// Pseudo-documents, spread as the labels are, added to each bucket's label counts before
    /// its information is measured: a word seen in a few documents says little.
    static let informationPrior: Float = 10

    /// `information` from each document's word buckets and label index (a document counts
    /// once per bucket).
    static func information(words: [[Int32]], labels ys: [Int], classes: Int, dimension: Int) -> [Float] {
        var perLabel = [Float](repeating: 0, count: dimension * classes)
        var documents = [Float](repeating: 0, count: classes)
        var seen = [Int](repeating: -1, count: dimension)
        for (d, (buckets, y)) in zip(words, ys).enumerated() {
            documents[y] += 1
            for b in buckets where seen[Int(b)] != d {
                seen[Int(b)] = d
                perLabel[Int(b) * classes + y] += 1
            }
        }
        // The label prior, with one document added to each label so that none is zero.
        let total = documents.reduce(0, +) + Float(classes)
        let prior = documents.map { ($0 + 1) / total }
        let alpha = informationPrior
        var out = [Float](repeating: 0, count: dimension)
        for b in 0..<dimension {
            var df: Float = 0
            for c in 0..<classes { df += perLabel[b * classes + c] }
            var kl: Float = 0
            for c in 0..<classes {
                let p = (perLabel[b * classes + c] + alpha * prior[c]) / (df + alpha)
                kl += p * log(p / prior[c])
            }
            out[b] = max(0, kl)
        }
        return out
    }

    /// Trains the SVM and measures the word information; no calibration. `languages: false`
    /// skips the language list (a fold's model, scored and dropped).
    static func fit(
        _ documents: [TrainingDocument], labels: [String], classes: [String], hasher: FeatureHasher, epochs: Int, lambda: Float,
        seed: UInt64, languages keepLanguages: Bool = true
    ) -> TopicModel {
        let classIndex = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        var df = [Float](repeating: 0, count: hasher.dimension)
        for d in documents { for k in d.whole.counts.indices { df[Int(k)] += 1 } }
        let n = Float(documents.count)
        let idf = df.map { log((1 + n) / (1 + $0)) + 1 }
        let xs = documents.map { vector($0.whole.counts, idf: idf) }
        let ys = labels.map { classIndex[$0]! }
        let information = information(
            words: documents.map(\.whole.words), labels: ys, classes: classes.count, dimension: hasher.dimension)

        let dim = hasher.dimension
        let L = classes.count
        var w = [Float](repeating: 0, count: dim * L)
        var b = [Float](repeating: 0, count: L)
        var rng = SplitMix64(seed: seed)
        var order = Array(0..<xs.count)
        var t: Float = 1
        // Pegasos keeps w as scale * v so each step's shrink is O(1).
        var scale = [Float](repeating: 1, count: L)
        // The returned weights average the snapshots after each epoch of the second half
        // (averaged SGD): steadier than the last iterate, and better on unseen text.
        var avgW = [Float](repeating: 0, count: w.count)
        var avgB = [Float](repeating: 0, count: L)
        var snapshots: Float = 0
        for epoch in 0..<epochs {
            order.shuffle(using: &rng)
            w.withUnsafeMutableBufferPointer { wp in
                for i in order {
                    let eta = 1 / (lambda * (t + 1000))
                    t += 1
                    let y0 = ys[i]
                    xs[i].indices.withUnsafeBufferPointer { xi in
                        xs[i].values.withUnsafeBufferPointer { xv in
                            for c in 0..<L {
                                let y: Float = y0 == c ? 1 : -1
                                var dot: Float = 0
                                for k in 0..<xi.count { dot += wp[Int(xi[k]) * L + c] * xv[k] }
                                let margin = y * (dot * scale[c] + b[c])
                                scale[c] *= (1 - eta * lambda)
                                if margin < 1 {
                                    let step = eta * y / scale[c]
                                    for k in 0..<xi.count { wp[Int(xi[k]) * L + c] += step * xv[k] }
                                    b[c] += eta * y * 0.01
                                }
                                if scale[c] < 1e-6 {
                                    for j in 0..<dim { wp[j * L + c] *= scale[c] }
                                    scale[c] = 1
                                }
                            }
                        }
                    }
                }
            }
            if epoch >= epochs / 2 {
                for j in 0..<dim { for c in 0..<L { avgW[j * L + c] += w[j * L + c] * scale[c] } }
                for c in 0..<L { avgB[c] += b[c] }
                snapshots += 1
            }
        }
        for k in 0..<w.count { w[k] = avgW[k] / snapshots }
        for c in 0..<b.count { b[c] = avgB[c] / snapshots }
        var languages: [String] = []
        if keepLanguages {
            var languageCounts: [String: Int] = [:]
            for d in documents { if let l = d.language { languageCounts[l, default: 0] += 1 } }
            languages = languageCounts.filter { $0.value * 20 >= documents.count }.keys.sorted()
        }
        return TopicModel(
            labels: classes, hasher: hasher, idf: idf, documentCount: documents.count, weights: w, bias: b, languages: languages,
            information: information)
    }
}

/// A small, fast, seedable generator so training is reproducible.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    /// Creates a generator from a seed.
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

/// k-fold cross-validation results.
public struct CrossValidation: Sendable {
    public var accuracy: Double
    public var macroF1: Double
    /// confusion[actual][predicted]
    public var confusion: [[Int]]
    public var labels: [String]
    public var articlesPerSecond: Double
    /// Held-out articles' confidences without calibration (the softmax of format version 2)
    /// and with the calibration each fold's training fitted on its own inner folds.
    public var uncalibrated: Reliability
    public var calibrated: Reliability
    /// The same for the articles' excerpts (`Calibration.excerpts`: titles and first words).
    public var excerptsUncalibrated: Reliability
    public var excerptsCalibrated: Reliability
    /// The calibration each fold's model fitted.
    public var calibrations: [Calibration]

    /// Runs stratification-free k-fold cross-validation with a fixed shuffle seed. Each fold's
    /// model is trained as `TopicModel.train` trains, calibration included (its own
    /// `folds`-fold cross-validation inside the fold's training texts), so the calibrated
    /// figures are measured on text the calibration never saw.
    public static func run(
        texts: [String], labels: [String], folds: Int = 5, seed: UInt64 = 42, epochs: Int = 12, lambda: Float = 1e-5,
        hasher: FeatureHasher = FeatureHasher(), bins: Int = 10
    ) -> CrossValidation {
        let classes = Array(Set(labels)).sorted()
        let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        let documents = texts.map { TopicModel.TrainingDocument($0, hasher: hasher) }
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: classes.count), count: classes.count)
        var predictSeconds = 0.0
        var predicted = 0
        var before: (confidence: [Double], correct: [Bool]) = ([], [])
        var after: (confidence: [Double], correct: [Bool]) = ([], [])
        var excerptsBefore: (confidence: [Double], correct: [Bool]) = ([], [])
        var excerptsAfter: (confidence: [Double], correct: [Bool]) = ([], [])
        var calibrations: [Calibration] = []
        for (test, train) in Self.folds(texts.count, folds: folds, seed: seed) {
            let model = TopicModel.train(
                train.map { documents[$0] }, labels: train.map { labels[$0] }, classes: classes, hasher: hasher, epochs: epochs,
                lambda: lambda, seed: seed, calibrationFolds: folds)
            calibrations.append(model.calibration)
            // Classifying from the text, as newsd does, for the rate.
            let start = Date()
            for i in test {
                let p = model.predict(texts[i])
                confusion[index[labels[i]]!][index[p.label]!] += 1
            }
            predictSeconds += Date().timeIntervalSince(start)
            predicted += test.count
            for i in test {
                for (k, f) in ([documents[i].whole] + documents[i].excerpts).enumerated() {
                    let s = model.scores(f)
                    let p = model.predict(margins: s.margins, evidence: s.evidence)
                    let q = model.predict(margins: s.margins, evidence: s.evidence, calibration: .uncalibrated)
                    if k == 0 {
                        after.confidence.append(p.confidence)
                        after.correct.append(p.label == labels[i])
                        before.confidence.append(q.confidence)
                        before.correct.append(q.label == labels[i])
                    } else {
                        excerptsAfter.confidence.append(p.confidence)
                        excerptsAfter.correct.append(p.label == labels[i])
                        excerptsBefore.confidence.append(q.confidence)
                        excerptsBefore.correct.append(q.label == labels[i])
                    }
                }
            }
        }
        let total = confusion.joined().reduce(0, +)
        let correct = (0..<classes.count).reduce(0) { $0 + confusion[$1][$1] }
        var f1s: [Double] = []
        for c in 0..<classes.count {
            let tp = Double(confusion[c][c])
            let fp = Double((0..<classes.count).reduce(0) { $0 + confusion[$1][c] }) - tp
            let fn = Double(confusion[c].reduce(0, +)) - tp
            let p = tp / max(1, tp + fp)
            let r = tp / max(1, tp + fn)
            f1s.append(p + r > 0 ? 2 * p * r / (p + r) : 0)
        }
        return CrossValidation(
            accuracy: Double(correct) / Double(max(1, total)), macroF1: f1s.reduce(0, +) / Double(max(1, f1s.count)),
            confusion: confusion, labels: classes, articlesPerSecond: Double(predicted) / max(predictSeconds, 1e-9),
            uncalibrated: Reliability(confidences: before.confidence, correct: before.correct, bins: bins),
            calibrated: Reliability(confidences: after.confidence, correct: after.correct, bins: bins),
            excerptsUncalibrated: Reliability(
                confidences: excerptsBefore.confidence, correct: excerptsBefore.correct, bins: bins),
            excerptsCalibrated: Reliability(confidences: excerptsAfter.confidence, correct: excerptsAfter.correct, bins: bins),
            calibrations: calibrations)
    }

    /// The folds of `count` items: shuffled with `seed`, item k of the shuffle in fold k mod
    /// `folds`; each fold's held-out items and the rest, in shuffled order.
    static func folds(_ count: Int, folds: Int, seed: UInt64) -> [(test: [Int], train: [Int])] {
        var order = Array(0..<count)
        var rng = SplitMix64(seed: seed)
        order.shuffle(using: &rng)
        return (0..<folds).map { f in
            let test = order.enumerated().filter { $0.offset % folds == f }.map(\.element)
            let testSet = Set(test)
            return (test, order.filter { !testSet.contains($0) })
        }
    }
}
