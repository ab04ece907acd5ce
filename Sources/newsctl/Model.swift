import ArgumentParser
import Foundation
import NewsCore

struct Model: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a topic classifier on a labeled folder (<label>/<file>).",
        subcommands: [Evaluate.self])
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

extension Model {
    struct Evaluate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "k-fold cross-validation: accuracy, macro-F1, confusion matrix, articles per second.")

        @Option(help: "Labeled folder: one subfolder per label.")
        var corpus: String

        @Option(help: "Number of folds.")
        var folds: Int = 5

        @Option(help: "Shuffle seed (fixed for reproducible folds).")
        var seed: UInt64 = 42

        @Option(help: "Training passes over the data.")
        var epochs: Int = 12

        @Option(help: "L2 regularization strength.")
        var lambda: Float = 2e-5

        @Flag(help: "Print JSON.")
        var json = false

        func run() throws {
            let data = try LabeledCorpus(directory: corpus)
            let cv = CrossValidation.run(
                texts: data.texts, labels: data.labels, folds: folds, seed: seed, epochs: epochs, lambda: lambda)
            if json {
                let body: [String: Any] = [
                    "articles": data.texts.count, "folds": folds, "seed": seed, "accuracy": cv.accuracy, "macro_f1": cv.macroF1,
                    "labels": cv.labels, "confusion": cv.confusion, "articles_per_second": cv.articlesPerSecond,
                ]
                print(String(decoding: try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys]), as: UTF8.self))
                return
            }
            print("\(data.texts.count) articles, \(cv.labels.count) labels, \(folds)-fold cross-validation (seed \(seed))")
            print(String(format: "accuracy %.4f  macro-F1 %.4f  %.0f articles/s classified (one core)", cv.accuracy, cv.macroF1, cv.articlesPerSecond))
            let width = max(8, (cv.labels.map(\.count).max() ?? 8) + 1)
            func pad(_ s: String) -> String { s.padding(toLength: width, withPad: " ", startingAt: 0) }
            print(pad("actual\\predicted") + cv.labels.map { pad(String($0.prefix(width - 1))) }.joined())
            for (i, row) in cv.confusion.enumerated() {
                print(pad(cv.labels[i]) + row.map { pad(String($0)) }.joined())
            }
            if !data.skipped.isEmpty { print("skipped \(data.skipped.count) files that are not articles") }
        }
    }
}
