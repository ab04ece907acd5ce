import ArgumentParser
import Foundation
import NewsCore

/// Options shared by `train-entities` and `evaluate-entities`.
struct EntityTrainingOptions: ParsableArguments {
    @Option(help: "Annotated corpus: a folder of GUM CoNLL-U files (or one with a dep/ folder of them).")
    var corpus: String

    @Option(
        help: ArgumentHelp(
            "Folder of name lists (places.txt, given-names.txt, surnames.txt, common-words.txt, proper-words.txt …: one entry a line, # comments; places.iso.txt adds to places).",
            discussion: "Default: /usr/share/newsd/gazetteers, else config/gazetteers under the current folder, else only the lists built into newsd."))
    var gazetteers: String?

    @Option(help: "Feature hash size as a power of two (12...20).")
    var bits: Int = 16

    @Option(help: "Training passes over the data.")
    var epochs: Int = 12

    @Option(help: "Shuffle seed.")
    var seed: UInt64 = 7

    @Option(help: ArgumentHelp(
        "Training runs, each over its own shuffle, whose weights are averaged (1...50).",
        discussion: "More runs make a steadier model of the same size and speed; training takes as many times longer."))
    var runs: Int = 8

    func validate() throws {
        guard (12...EntityModel.fileBits.upperBound).contains(bits) else {
            throw ValidationError("--bits must be within 12...\(EntityModel.fileBits.upperBound)")
        }
        guard (1...100).contains(epochs) else { throw ValidationError("--epochs must be within 1...100") }
        guard (1...50).contains(runs) else { throw ValidationError("--runs must be within 1...50") }
    }

    /// The gazetteer folder used, if any.
    var gazetteerFolder: String? {
        if let gazetteers { return gazetteers }
        for candidate in ["/usr/share/newsd/gazetteers", "config/gazetteers"] where FileManager.default.fileExists(atPath: candidate) {
            return candidate
        }
        return nil
    }

    /// The built-in lists plus those of the gazetteer folder (a file's name up to its first
    /// full stop is the list it adds to), and where they came from: the folder and its files.
    func lists() throws -> (lists: [String: [String]], from: String?) {
        guard let folder = gazetteerFolder else { return (EntityTrainer.lists(adding: [:]), nil) }
        guard let files = try? FileManager.default.contentsOfDirectory(atPath: folder) else {
            throw ValidationError("cannot read gazetteer folder \(folder)")
        }
        var extra: [String: [String]] = [:]
        var read: [String] = []
        for file in files.sorted() where file.hasSuffix(".txt") {
            // "places.txt", or "places.iso.txt": a list may come in files by source.
            let parts = file.dropLast(4).split(separator: ".", omittingEmptySubsequences: false)
            let listName = String(parts[0])
            guard EntityTrainer.listNames.contains(listName) else {
                throw ValidationError("\(folder)/\(file) is no list the model knows; lists: \(EntityTrainer.listNames.joined(separator: ", ")) (.txt, or LIST.SOURCE.txt)")
            }
            guard parts.count <= 2, parts.allSatisfy({ !$0.isEmpty }) else {
                throw ValidationError("\(folder)/\(file): a list's file is LIST.txt or LIST.SOURCE.txt, the source one word")
            }
            read.append(file)
            guard let data = FileManager.default.contents(atPath: folder + "/" + file) else {
                throw ValidationError("cannot read \(folder)/\(file)")
            }
            extra[listName, default: []] += String(decoding: data, as: UTF8.self).split(separator: "\n")
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && !$0.hasPrefix("#") }
        }
        return (EntityTrainer.lists(adding: extra), "\(folder) (\(read.joined(separator: ", ")))")
    }

    func trainer() throws -> (EntityTrainer, String?) {
        let (lists, from) = try lists()
        return (EntityTrainer(bits: bits, epochs: epochs, seed: seed, runs: runs, lists: lists), from)
    }

    func documents() throws -> [AnnotatedDocument] {
        do {
            return try GUMCorpus.read(directory: corpus)
        } catch {
            throw ValidationError("\(error)")
        }
    }
}

extension Model {
    struct TrainEntities: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "train-entities",
            abstract: "Train the entity recognizer on an annotated corpus and write the model file (docs/ENRICHMENT.md).")

        @OptionGroup var options: EntityTrainingOptions

        @Option(help: "Where to write the model.")
        var out: String

        func run() throws {
            let docs = try options.documents()
            let (trainer, from) = try options.trainer()
            let model = trainer.train(docs)
            let about = """
                Trained by newsctl model train-entities on \(docs.count) documents of \(URL(fileURLWithPath: options.corpus).lastPathComponent) \
                (GUM, Zeldes 2017, annotations CC-BY 4.0); name lists: newsd's own\(from.map { " and \($0) (GeoNames, CC-BY 4.0; ISO 3166 names from iso-codes, LGPL-2.1; US Census names, public domain; English words from WordNet 3.0, Copyright 2006 by Princeton University, WordNet 3.0 licence; companies from pytickersymbols, MIT)" } ?? ""); \
                bits \(options.bits), epochs \(options.epochs), seed \(options.seed), runs \(options.runs).
                """
            let bytes = model.serialized(about: about)
            let tmp = out + ".tmp"
            guard FileManager.default.createFile(atPath: tmp, contents: Data(bytes)), rename(tmp, out) == 0 else {
                throw ValidationError("cannot write \(out)")
            }
            let names = docs.reduce(0) { $0 + $1.names.count }
            print("trained on \(docs.count) documents (\(names) names), lists from \(from ?? "newsd only"); wrote \(out) (\(bytes.count) bytes)")
        }
    }

    struct EvaluateEntities: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "evaluate-entities",
            abstract: "k-fold cross-validation by document of the entity recognizer, against the rules on the same folds.",
            discussion: """
                Prints precision, recall and F1 per kind at two levels: mentions (each name counted as often as it \
                is mentioned in a document) and documents (each distinct name of a document once). Kinds must agree. \
                Names are compared after the same normalization on both sides (articles and titles dropped, a surname \
                alone counted as the full name it ends).
                """)

        @OptionGroup var options: EntityTrainingOptions

        @Option(help: "Number of folds (2...20).")
        var folds: Int = 5

        @Flag(help: "Print JSON.")
        var json = false

        @Flag(help: "Also print, per document, the names the recognizer missed and those it found that are not annotated.")
        var errors = false

        func validate() throws {
            guard (2...20).contains(folds) else { throw ValidationError("--folds must be within 2...20") }
        }

        func run() throws {
            let docs = try options.documents()
            guard docs.count >= folds else { throw ValidationError("\(docs.count) documents cannot make \(folds) folds") }
            let (trainer, from) = try options.trainer()
            let cv = EntityCrossValidation(docs: docs, folds: folds, trainer: trainer, seed: options.seed, keepErrors: errors)
            if errors {
                for e in cv.errors {
                    print("\(e.document):\n  missed: \(e.missed.joined(separator: "; "))\n  extra:  \(e.extra.joined(separator: "; "))")
                }
            }
            if json {
                struct Report: Encodable {
                    var documents: Int
                    var folds: Int
                    var gazetteers: String?
                    var model: EntityScores
                    var rules: EntityScores
                }
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                print(String(decoding: try encoder.encode(Report(documents: docs.count, folds: folds, gazetteers: from, model: cv.model, rules: cv.rules)), as: UTF8.self))
                return
            }
            print("\(docs.count) documents, \(folds)-fold cross-validation by document (seed \(options.seed)); name lists: \(from ?? "newsd only")")
            for (level, title) in [(\EntityScores.documents, "document level (distinct names per document)"), (\EntityScores.mentions, "mention level (names counted per mention)")] {
                print("\n\(title)")
                print("kind           recognizer P     R     F1   |  rules P     R     F1")
                for kind in NamedEntity.Kind.allCases.map(\.rawValue) + [EntityScores.all] {
                    let m = cv.model[keyPath: level][kind] ?? .init()
                    let r = cv.rules[keyPath: level][kind] ?? .init()
                    print(
                        kind.padding(toLength: 15, withPad: " ", startingAt: 0)
                            + String(format: "          %.3f %.3f %.3f |        %.3f %.3f %.3f", m.precision, m.recall, m.f1, r.precision, r.recall, r.f1))
                }
            }
        }
    }
}
