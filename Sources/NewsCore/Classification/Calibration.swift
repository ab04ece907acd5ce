import Foundation

/// How a topic model's margins become probabilities (docs/MODEL.md, "Calibration").
///
/// The margins are multiplied by `4 / temperature · e / (e + evidenceHalf)` and put through a
/// softmax, where `e` is the text's evidence: the information its words carry about the label
/// (`TopicModel.evidence`). The temperature makes a long article's confidence match how often
/// the model is right; the evidence factor pulls a text with few topical words towards the
/// uniform distribution, so a headline or an out-of-domain paragraph is not called confidently.
/// Both are fitted by `fit` on out-of-fold predictions.
public struct Calibration: Sendable, Equatable {
    /// Divides the margins (×4) before the softmax; 1 is the softmax of format versions 1 and 2.
    public var temperature: Double
    /// The evidence, in nats, at which the margins count half; 0 leaves evidence out.
    public var evidenceHalf: Double

    /// The uncalibrated softmax: what a model file of version 1 or 2 means.
    public static let uncalibrated = Calibration(temperature: 1, evidenceHalf: 0)

    /// Creates a calibration.
    public init(temperature: Double, evidenceHalf: Double) {
        self.temperature = temperature
        self.evidenceHalf = evidenceHalf
    }

    /// The factor the margins are multiplied by before the softmax. Without word information
    /// (`evidence` nil) the evidence factor is left out.
    func scale(evidence: Double?) -> Double {
        let base = 4 / temperature
        guard evidenceHalf > 0, let evidence else { return base }
        return base * evidence / (evidence + evidenceHalf)
    }

    /// The word counts of the body excerpts that calibration also learns from.
    static let excerptWords = [5, 10, 20, 40, 80, 160]

    /// Short texts cut from a labeled article (`title\nbody`): its title alone, and the first 5,
    /// 10, 20, 40, 80 and 160 words of its body (those shorter than the body) without a title.
    /// They are what newsd also meets, headlines and snippets, and they show the fit how
    /// accuracy falls with evidence, which whole articles alone cannot.
    public static func excerpts(of text: String) -> [String] {
        guard let newline = text.firstIndex(of: "\n") else { return [] }
        let title = text[..<newline]
        let words = text[text.index(after: newline)...].split(whereSeparator: \.isWhitespace)
        var out: [String] = []
        if !words.isEmpty && title.contains(where: { $0.isLetter || $0.isNumber }) { out.append(String(title)) }
        for k in excerptWords where k < words.count {
            // A leading newline leaves the first line empty: the words are body, not title.
            out.append("\n" + words.prefix(k).joined(separator: " "))
        }
        return out
    }

    /// Held-out predictions to fit on: each item's margins, its evidence, and its true label.
    public struct Sample: Sendable {
        /// Number of labels.
        public let labels: Int
        /// Margins less the item's largest, item-major (so every exponent is at most 0).
        private var shifted: [Double] = []
        /// The true label's entry of `shifted`, per item.
        private var truthShifted: [Double] = []
        /// Evidence per item.
        private var evidence: [Double] = []

        /// An empty sample over `labels` labels.
        public init(labels: Int) { self.labels = labels }

        /// Number of items.
        public var count: Int { evidence.count }

        /// Adds a held-out prediction: the margins of every label, the text's evidence, and the
        /// index of its true label.
        public mutating func append(margins m: [Float], evidence e: Double, truth y: Int) {
            precondition(m.count == labels && (0..<labels).contains(y))
            let top = Double(m.max()!)
            shifted.append(contentsOf: m.map { Double($0) - top })
            truthShifted.append(Double(m[y]) - top)
            evidence.append(e)
        }

        /// Mean negative log-likelihood of the true labels with the margins scaled by
        /// `a · e / (e + half)` (`half` 0: by `a`), and its first and second derivative in `a`.
        func negativeLogLikelihood(a: Double, half: Double) -> (value: Double, first: Double, second: Double) {
            var value = 0.0, first = 0.0, second = 0.0
            let L = labels
            shifted.withUnsafeBufferPointer { z in
                for i in 0..<count {
                    let g = half > 0 ? evidence[i] / (evidence[i] + half) : 1
                    let ag = a * g
                    var total = 0.0, mean = 0.0, square = 0.0
                    for c in 0..<L {
                        let m = z[i * L + c]
                        let w = exp(ag * m)
                        total += w
                        mean += w * m
                        square += w * m * m
                    }
                    mean /= total
                    square /= total
                    let y = truthShifted[i]
                    value += log(total) - ag * y
                    first += g * (mean - y)
                    second += g * g * max(0, square - mean * mean)
                }
            }
            let n = Double(max(1, count))
            return (value / n, first / n, second / n)
        }

        /// The best scale for a fixed `half` (the likelihood is convex in it): Newton's method
        /// from `start`, kept within 0.01…400.
        func bestScale(half: Double, from start: Double = 2) -> (a: Double, value: Double) {
            var a = start
            for _ in 0..<50 {
                let (_, d1, d2) = negativeLogLikelihood(a: a, half: half)
                let step = d2 > 1e-12 ? d1 / d2 : (d1 > 0 ? a / 2 : -a)
                let next = min(400, max(0.01, a - step))
                let done = abs(next - a) < 1e-7 * a
                a = next
                if done { break }
            }
            return (a, negativeLogLikelihood(a: a, half: half).value)
        }
    }

    /// The calibration that maximizes the likelihood of `sample`'s true labels: the best scale
    /// without the evidence factor and for each evidence half-point on a log grid from 0.01 to
    /// 100 nats (5 a decade), then a golden-section search around the best grid point.
    public static func fit(_ sample: Sample, useEvidence: Bool = true) -> Calibration {
        guard sample.count > 0 else { return .uncalibrated }
        var best = (half: 0.0, a: 2.0, value: Double.infinity)
        var last = 2.0
        func consider(_ half: Double) -> Double {
            // Neighbouring half-points have nearby best scales: start from the last one.
            let (a, value) = sample.bestScale(half: half, from: last)
            last = a
            if value < best.value { best = (half, a, value) }
            return value
        }
        _ = consider(0)
        if useEvidence {
            let step = 0.2
            for h in stride(from: -2.0, through: 2.0, by: step).map({ pow(10, $0) }) { _ = consider(h) }
            if best.half > 0 {
                // Golden-section search in log10(half) within one grid step of the best point.
                var lo = log10(best.half) - step, hi = log10(best.half) + step
                let ratio = (5.0.squareRoot() - 1) / 2
                var x1 = hi - ratio * (hi - lo), x2 = lo + ratio * (hi - lo)
                var f1 = consider(pow(10, x1)), f2 = consider(pow(10, x2))
                for _ in 0..<25 {
                    if f1 < f2 {
                        hi = x2
                        x2 = x1
                        f2 = f1
                        x1 = hi - ratio * (hi - lo)
                        f1 = consider(pow(10, x1))
                    } else {
                        lo = x1
                        x1 = x2
                        f1 = f2
                        x2 = lo + ratio * (hi - lo)
                        f2 = consider(pow(10, x2))
                    }
                }
            }
        }
        // Rounded to single precision, as the model file stores them.
        return Calibration(temperature: Double(Float(4 / best.a)), evidenceHalf: Double(Float(best.half)))
    }
}

/// A reliability diagram: held-out predictions binned by their top-label confidence into equal
/// bins, each with its count, mean confidence and accuracy, and the expected calibration error
/// (the count-weighted mean gap between confidence and accuracy).
public struct Reliability: Sendable, Equatable {
    /// One bin, `lower ..< upper` (the last includes 1).
    public struct Bin: Sendable, Equatable {
        public var lower: Double
        public var upper: Double
        public var count: Int
        /// Mean confidence of the predictions in the bin (0 when empty).
        public var confidence: Double
        /// Share of them that were right (0 when empty).
        public var accuracy: Double
    }

    public var bins: [Bin]
    /// Expected calibration error.
    public var expectedCalibrationError: Double
    /// Number of predictions.
    public var count: Int

    /// Bins `confidences` (top-label probabilities) and whether each prediction was right.
    public init(confidences: [Double], correct: [Bool], bins binCount: Int = 10) {
        precondition(confidences.count == correct.count && binCount > 0)
        var counts = [Int](repeating: 0, count: binCount)
        var sums = [Double](repeating: 0, count: binCount)
        var hits = [Int](repeating: 0, count: binCount)
        for (c, ok) in zip(confidences, correct) {
            let b = min(binCount - 1, max(0, Int(c * Double(binCount))))
            counts[b] += 1
            sums[b] += c
            if ok { hits[b] += 1 }
        }
        let n = confidences.count
        var error = 0.0
        bins = (0..<binCount).map { b in
            let k = counts[b]
            let confidence = k > 0 ? sums[b] / Double(k) : 0
            let accuracy = k > 0 ? Double(hits[b]) / Double(k) : 0
            error += Double(k) * abs(confidence - accuracy)
            return Bin(
                lower: Double(b) / Double(binCount), upper: Double(b + 1) / Double(binCount), count: k, confidence: confidence,
                accuracy: accuracy)
        }
        expectedCalibrationError = n > 0 ? error / Double(n) : 0
        count = n
    }
}
