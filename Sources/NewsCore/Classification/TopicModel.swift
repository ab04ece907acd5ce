import Foundation
import LanguageID

/// A linear topic classifier over TF-IDF weighted hashed word and bigram features, trained as a
/// one-vs-rest linear SVM by stochastic gradient descent (Pegasos). Scores are turned into
/// per-class probabilities with a softmax; the top class's probability is the confidence.
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

    /// A prediction: the best label, its probability, and every label's probability.
    public struct Prediction: Sendable, Equatable {
        public var label: String
        public var confidence: Double
        public var scores: [String: Double]
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
        predict(vector: vector(text))
    }

    /// Classifies an already tokenized text.
    public func predict(_ tokens: WordTokens) -> Prediction {
        predict(vector: vector(tokens))
    }

    func predict(vector x: SparseVector) -> Prediction {
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
        // Softmax with a temperature that spreads SVM margins (about -1…1) into probabilities.
        let scaled = raw.map { Double($0) * 4 }
        let maxScore = scaled.max() ?? 0
        let exps = scaled.map { exp($0 - maxScore) }
        let total = exps.reduce(0, +)
        var best = 0
        for c in 1..<max(1, labels.count) where raw[c] > raw[best] { best = c }
        var scores: [String: Double] = [:]
        for (c, l) in labels.enumerated() { scores[l] = exps[c] / total }
        return Prediction(label: labels[best], confidence: exps[best] / total, scores: scores)
    }

    /// Trains on labeled texts.
    public static func train(
        texts: [String], labels: [String], hasher: FeatureHasher = FeatureHasher(), epochs: Int = 12,
        lambda: Float = 1e-5, seed: UInt64 = 42
    ) -> TopicModel {
        let classes = Array(Set(labels)).sorted()
        let classIndex = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        let counts = texts.map(hasher.sortedCounts)
        var df = [Float](repeating: 0, count: hasher.dimension)
        for c in counts { for k in c.indices { df[Int(k)] += 1 } }
        let n = Float(texts.count)
        let idf = df.map { log((1 + n) / (1 + $0)) + 1 }
        let xs = counts.map { vector($0, idf: idf) }
        let ys = labels.map { classIndex[$0]! }

        let dim = hasher.dimension
        var w = [Float](repeating: 0, count: dim * classes.count)
        var b = [Float](repeating: 0, count: classes.count)
        var rng = SplitMix64(seed: seed)
        var order = Array(0..<xs.count)
        var t: Float = 1
        // Pegasos keeps w as scale * v so each step's shrink is O(1).
        var scale = [Float](repeating: 1, count: classes.count)
        // The returned weights average the snapshots after each epoch of the second half
        // (averaged SGD): steadier than the last iterate, and better on unseen text.
        var avgW = [Float](repeating: 0, count: w.count)
        var avgB = [Float](repeating: 0, count: classes.count)
        var snapshots: Float = 0
        for epoch in 0..<epochs {
            order.shuffle(using: &rng)
            for i in order {
                let x = xs[i]
                let eta = 1 / (lambda * (t + 1000))
                t += 1
                w.withUnsafeMutableBufferPointer { wp in
                    let stride = classes.count
                    for c in 0..<classes.count {
                        let y: Float = ys[i] == c ? 1 : -1
                        var dot: Float = 0
                        for k in 0..<x.indices.count { dot += wp[Int(x.indices[k]) * stride + c] * x.values[k] }
                        let margin = y * (dot * scale[c] + b[c])
                        scale[c] *= (1 - eta * lambda)
                        if margin < 1 {
                            let step = eta * y / scale[c]
                            for k in 0..<x.indices.count { wp[Int(x.indices[k]) * stride + c] += step * x.values[k] }
                            b[c] += eta * y * 0.01
                        }
                        if scale[c] < 1e-6 {
                            for j in 0..<dim { wp[j * stride + c] *= scale[c] }
                            scale[c] = 1
                        }
                    }
                }
            }
            if epoch >= epochs / 2 {
                let L = classes.count
                for j in 0..<dim { for c in 0..<L { avgW[j * L + c] += w[j * L + c] * scale[c] } }
                for c in 0..<L { avgB[c] += b[c] }
                snapshots += 1
            }
        }
        for k in 0..<w.count { w[k] = avgW[k] / snapshots }
        for c in 0..<b.count { b[c] = avgB[c] / snapshots }
        var languageCounts: [String: Int] = [:]
        for text in texts {
            let detected = LanguageIdentifier.detect(text)
            if detected.reliable, let l = detected.language { languageCounts[l, default: 0] += 1 }
        }
        let languages = languageCounts.filter { $0.value * 20 >= texts.count }.keys.sorted()
        return TopicModel(
            labels: classes, hasher: hasher, idf: idf, documentCount: texts.count, weights: w, bias: b, languages: languages)
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

    /// Runs stratification-free k-fold cross-validation with a fixed shuffle seed.
    public static func run(
        texts: [String], labels: [String], folds: Int = 5, seed: UInt64 = 42, epochs: Int = 12, lambda: Float = 1e-5,
        hasher: FeatureHasher = FeatureHasher()
    ) -> CrossValidation {
        let classes = Array(Set(labels)).sorted()
        let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        var order = Array(0..<texts.count)
        var rng = SplitMix64(seed: seed)
        order.shuffle(using: &rng)
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: classes.count), count: classes.count)
        var predictSeconds = 0.0
        var predicted = 0
        for f in 0..<folds {
            let test = order.enumerated().filter { $0.offset % folds == f }.map(\.element)
            let testSet = Set(test)
            let train = order.filter { !testSet.contains($0) }
            let model = TopicModel.train(
                texts: train.map { texts[$0] }, labels: train.map { labels[$0] }, hasher: hasher, epochs: epochs,
                lambda: lambda, seed: seed)
            let start = Date()
            for i in test {
                let p = model.predict(texts[i])
                confusion[index[labels[i]]!][index[p.label]!] += 1
            }
            predictSeconds += Date().timeIntervalSince(start)
            predicted += test.count
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
            confusion: confusion, labels: classes, articlesPerSecond: Double(predicted) / max(predictSeconds, 1e-9))
    }
}
