import ArgumentParser
import Foundation
import NewsCore

struct Model: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train and evaluate the topic classifier (labeled folders) and the entity recognizer (annotated CoNLL-U).",
        subcommands: [Train.self, Evaluate.self, TrainEntities.self, EvaluateEntities.self])
}

/// A labeled folder: every file under `<label>/` parsed with the daemon's parser.
struct LabeledCorpus {
    var texts: [String] = []
    var labels: [String] = []
    var skipped: [String] = []

    init(directory: String) throws {
        let fm = FileManager.default
        guard let labels = try? fm.contentsOfDirectory(atPath: directory) else {
            throw ValidationError("cannot read corpus folder \(directory)")
        }
        let parser = DocumentParser()
        for label in labels.sorted() where !label.hasPrefix(".") {
            let dir = directory + "/" + label
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else { continue }
            for file in (try fm.contentsOfDirectory(atPath: dir)).sorted() where !file.hasPrefix(".") {
                guard let data = fm.contents(atPath: dir + "/" + file) else { continue }
                do {
                    for a in try parser.parse(bytes: Array(data)).articles {
                        texts.append(a.title + "\n\n" + a.body)
                        self.labels.append(label)
                    }
                } catch {
                    skipped.append("\(label)/\(file): \(error)")
                }
            }
        }
        guard Set(self.labels).count >= 2 else { throw ValidationError("a corpus needs at least two labels with articles") }
    }
}

/// `--names`.
enum NameOption: String, ExpressibleByArgument, CaseIterable {
    case keep, mask, places
    var value: FeatureHasher.NameFeatures {
        switch self {
        case .places: .places
        case .keep: .keep
        case .mask: .mask
        }
    }
}

extension Model {
    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train a topic model on a labeled folder and write it to a file (docs/MODEL.md).")

        @Option(help: "Labeled folder: one subfolder per label; files in any format newsd reads.")
        var corpus: String

        @Option(help: "Where to write the model.")
        var out: String

        @Option(help: "Training passes over the data.")
        var epochs: Int = 12

        @Option(help: "L2 regularization strength.")
        var lambda: Float = 1e-5

        @Option(help: "Feature hash size as a power of two (8...24).")
        var bits: Int = 16

        @Option(help: "Shuffle seed.")
        var seed: UInt64 = 42

        @Option(help: "Capitalized words inside sentences: keep them, mask them all as one token, or mask only places and nationalities.")
        var names: NameOption = .places

        @Flag(inversion: .prefixedNo, help: "Count the first line's words again as title features.")
        var titleFeatures = true

        @Option(help: "Cross-validation folds whose held-out predictions calibrate the probabilities (0: none).")
        var calibrationFolds: Int = 5

        func validate() throws {
            guard (8...24).contains(bits) else { throw ValidationError("--bits must be within 8...24") }
            guard calibrationFolds == 0 || (2...50).contains(calibrationFolds) else {
                throw ValidationError("--calibration-folds must be 0 or within 2...50")
            }
        }

        func run() throws {
            let data = try LabeledCorpus(directory: corpus)
            let model = TopicModel.train(
                texts: data.texts, labels: data.labels, hasher: FeatureHasher(bits: bits, names: names.value, titleFeatures: titleFeatures), epochs: epochs,
                lambda: lambda, seed: seed, calibrationFolds: calibrationFolds)
            let bytes = model.serialized()
            // Write beside the target and rename, so a reader never sees half a model.
            let tmp = out + ".tmp"
            guard FileManager.default.createFile(atPath: tmp, contents: Data(bytes)), rename(tmp, out) == 0 else {
                throw ValidationError("cannot write \(out)")
            }
            print("trained on \(data.texts.count) articles, labels \(model.labels.joined(separator: ", ")); wrote \(out) (\(bytes.count) bytes)")
            let c = model.calibration
            if c == .uncalibrated {
                let few = "a label has fewer than \(2 * calibrationFolds) articles"
                print("not calibrated: \(calibrationFolds == 0 ? "--calibration-folds 0" : few)")
            } else {
                let format = "calibrated on %d-fold held-out predictions: temperature %.4f, evidence half-point %.4f nats"
                print(String(format: format, calibrationFolds, c.temperature, c.evidenceHalf))
            }
        }
    }

    struct Evaluate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "k-fold cross-validation: accuracy, macro-F1, confusion matrix, calibration, articles per second.")

        @Option(help: "Labeled folder: one subfolder per label.")
        var corpus: String

        @Option(help: "Number of folds.")
        var folds: Int = 5

        @Option(help: "Shuffle seed (fixed for reproducible folds).")
        var seed: UInt64 = 42

        @Option(help: "Training passes over the data.")
        var epochs: Int = 12

        @Option(help: "L2 regularization strength.")
        var lambda: Float = 1e-5

        @Option(help: "Feature hash size as a power of two (8...24).")
        var bits: Int = 16

        @Option(help: "Capitalized words inside sentences: keep them, mask them all as one token, or mask only places and nationalities.")
        var names: NameOption = .places

        @Flag(inversion: .prefixedNo, help: "Count the first line's words again as title features.")
        var titleFeatures = true

        @Option(help: "Equal-width confidence bins of the reliability tables.")
        var bins: Int = 10

        @Flag(help: "Print JSON.")
        var json = false

        func validate() throws {
            guard (2...50).contains(folds) else { throw ValidationError("--folds must be within 2...50") }
            guard (2...100).contains(bins) else { throw ValidationError("--bins must be within 2...100") }
        }

        func run() throws {
            let data = try LabeledCorpus(directory: corpus)
            let cv = CrossValidation.run(
                texts: data.texts, labels: data.labels, folds: folds, seed: seed, epochs: epochs, lambda: lambda,
                hasher: FeatureHasher(bits: bits, names: names.value, titleFeatures: titleFeatures), bins: bins)
            if json {
                func table(_ r: Reliability) -> [String: Any] {
                    let bins = r.bins.map { b -> [String: Any] in
                        [
                            "lower": b.lower, "upper": b.upper, "count": b.count, "confidence": b.confidence,
                            "accuracy": b.accuracy,
                        ]
                    }
                    return ["ece": r.expectedCalibrationError, "count": r.count, "bins": bins]
                }
                let calibration: [String: Any] = [
                    "uncalibrated": table(cv.uncalibrated), "calibrated": table(cv.calibrated),
                    "excerpts_uncalibrated": table(cv.excerptsUncalibrated), "excerpts_calibrated": table(cv.excerptsCalibrated),
                    "folds": cv.calibrations.map { ["temperature": $0.temperature, "evidence_half": $0.evidenceHalf] },
                ]
                let body: [String: Any] = [
                    "articles": data.texts.count, "folds": folds, "seed": seed, "accuracy": cv.accuracy, "macro_f1": cv.macroF1,
                    "labels": cv.labels, "confusion": cv.confusion, "articles_per_second": cv.articlesPerSecond,
                    "calibration": calibration,
                ]
                print(String(decoding: try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys]), as: UTF8.self))
                return
            }
            print("\(data.texts.count) articles, \(cv.labels.count) labels, \(folds)-fold cross-validation (seed \(seed))")
            print(String(format: "accuracy %.4f  macro-F1 %.4f  %.0f articles/s classified (one core)", cv.accuracy, cv.macroF1, cv.articlesPerSecond))
            let articles = String(
                format: "articles %.4f uncalibrated, %.4f calibrated", cv.uncalibrated.expectedCalibrationError,
                cv.calibrated.expectedCalibrationError)
            let excerpts = String(
                format: "excerpts (%d) %.4f, %.4f", cv.excerptsCalibrated.count, cv.excerptsUncalibrated.expectedCalibrationError,
                cv.excerptsCalibrated.expectedCalibrationError)
            print("expected calibration error (\(bins) bins, top label): \(articles); \(excerpts)")
            let fitted = cv.calibrations.map { String(format: "%.2f/%.2f", $0.temperature, $0.evidenceHalf) }
            print("calibration per fold (temperature/evidence half-point): \(fitted.joined(separator: " "))")
            func cell(_ b: Reliability.Bin, _ value: Double) -> String { b.count == 0 ? "-" : String(format: "%.3f", value) }
            func table(_ what: String, _ before: Reliability, _ after: Reliability) {
                print("reliability of held-out \(what): uncalibrated | calibrated")
                print("bin          count  confidence  accuracy | count  confidence  accuracy")
                for (u, c) in zip(before.bins, after.bins) {
                    let bin = String(format: "%.2f-%.2f", u.lower, u.upper).padding(toLength: 11, withPad: " ", startingAt: 0)
                    func columns(_ b: Reliability.Bin) -> String {
                        String(format: "%6d", b.count) + cell(b, b.confidence).leftPadded(12) + cell(b, b.accuracy).leftPadded(10)
                    }
                    print(bin + columns(u) + " |" + columns(c))
                }
            }
            table("articles", cv.uncalibrated, cv.calibrated)
            table("excerpts (titles, first words)", cv.excerptsUncalibrated, cv.excerptsCalibrated)
            let width = max(8, (cv.labels.map(\.count).max() ?? 8) + 1)
            let first = max(width, "actual \\ predicted ".count)
            func pad(_ s: String, _ w: Int) -> String { s.padding(toLength: w, withPad: " ", startingAt: 0) }
            print(pad("actual \\ predicted", first) + cv.labels.map { pad(String($0.prefix(width - 1)), width) }.joined())
            for (i, row) in cv.confusion.enumerated() {
                print(pad(cv.labels[i], first) + row.map { pad(String($0), width) }.joined())
            }
            if !data.skipped.isEmpty { print("skipped \(data.skipped.count) files that are not articles") }
        }
    }
}

extension String {
    /// Right-aligned in `width` columns.
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
