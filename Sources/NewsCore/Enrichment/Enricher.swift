import Crypto
import Foundation
import LanguageID

/// What newsd derives from an article besides its text.
public struct Enrichment: Sendable, Equatable {
    /// ISO 639 code: CLD2's when it calls its answer reliable, otherwise the one the file
    /// declares, if any (`Enricher.language(of:declared:)`).
    public var language: String?
    /// Whether the detector called `language` reliable; nil when the language was not detected
    /// (declared by the file, or unknown).
    public var languageReliable: Bool? = nil
    /// The topic, when a model is loaded and the article's language is one it was trained on.
    public var topic: Topic?
    /// Top TF-IDF terms (empty without a model: the document frequencies live in it).
    public var keywords: [String]
    /// People, organizations and places, most mentioned first.
    public var entities: [NamedEntity]
    /// Which entity model found `entities` (`LoadedEntityModel.id`); nil for the built-in rules.
    public var entityModelID: String? = nil
    /// 64-bit SimHash of title and body.
    public var simhash: UInt64

    /// A topic assignment.
    public struct Topic: Sendable, Equatable {
        /// The predicted label, or `uncategorized` below the confidence threshold.
        public var category: String
        /// The predicted label's probability.
        public var confidence: Double
        /// Every label's probability.
        public var scores: [String: Double]
        /// Which model decided (`LoadedModel.id`).
        public var modelID: String
    }
}

/// A topic model as loaded from a file, with an identity for `newsctl reclassify`.
public struct LoadedModel: Sendable {
    /// The model.
    public var model: TopicModel
    /// First 16 hex digits of the file's SHA-256.
    public var id: String
    /// Where it was read from.
    public var path: String

    /// Model files are a few MiB; anything larger is not one.
    public static let maxFileBytes = 256 << 20

    /// Reads and checks a model file (`readModelFile`).
    public init(path: String) throws(ModelFileError) {
        let bytes = try Self.readModelFile(path)
        do {
            model = try TopicModel(serialized: bytes)
        } catch {
            throw ModelFileError(message: "\(path): \(error.message)")
        }
        id = SHA256.hash(data: bytes).prefix(8).map { String(format: "%02x", $0) }.joined()
        self.path = path
    }

    /// The bytes of a model file. Only a regular file of at most `maxFileBytes` is read: a
    /// FIFO would block the reload (and start-up) for ever, `/dev/zero` would never end.
    public static func readModelFile(_ path: String) throws(ModelFileError) -> [UInt8] {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        guard let attributes else { throw ModelFileError(message: "cannot read \(path)") }
        guard attributes[.type] as? FileAttributeType == .typeRegular else {
            throw ModelFileError(message: "\(path) is not a regular file")
        }
        if let size = attributes[.size] as? Int, size > maxFileBytes {
            throw ModelFileError(message: "\(path) is \(size) bytes, more than a model file's \(maxFileBytes)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelFileError(message: "cannot read \(path)")
        }
        return Array(data)
    }

    /// Wraps a model built in memory (tests).
    public init(model: TopicModel, id: String, path: String = "") {
        self.model = model
        self.id = id
        self.path = path
    }
}

/// Computes an article's `Enrichment`. Pure and thread-safe: the parse workers share one.
public struct Enricher: Sendable {
    /// The label stored below `minConfidence`.
    public static let uncategorized = "uncategorized"

    /// The topic model, if one is configured.
    public var model: LoadedModel?
    /// Below this probability the category is `uncategorized`. The probabilities are
    /// calibrated and pulled towards equal for a text with little topical evidence
    /// (`Calibration`, docs/MODEL.md), so a text too short or too far from the training data to
    /// judge falls below it.
    public var minConfidence: Double
    /// How many keywords to keep.
    public var keywordCount: Int
    /// The entity model; nil: the rules (`EntityExtractor`).
    public var entityModel: LoadedEntityModel?

    /// Creates an enricher.
    public init(model: LoadedModel?, minConfidence: Double = 0.5, keywordCount: Int = 10, entityModel: LoadedEntityModel? = nil) {
        self.model = model
        self.entityModel = entityModel
        self.minConfidence = minConfidence
        self.keywordCount = keywordCount
    }

    /// Enriches one article.
    public func enrich(_ article: Article) -> Enrichment {
        let text = article.titleAndBody
        // One tokenization serves the topic features, keywords and fingerprint.
        let tokens = WordTokens(text)
        let (language, reliable) = Self.language(of: text, declared: article.metadata.language)
        var topic: Enrichment.Topic? = nil
        var keywords: [String] = []
        if let loaded = model {
            if loaded.model.covers(language: language) {
                let p = loaded.model.predict(tokens)
                topic = Enrichment.Topic(
                    category: p.confidence >= minConfidence ? p.label : Self.uncategorized, confidence: p.confidence,
                    scores: p.scores, modelID: loaded.id)
            }
            keywords = loaded.model.keywords(tokens, count: keywordCount, language: language)
        }
        let entities =
            (entityModel.map { $0.model.recognize(title: article.title, paragraphs: article.paragraphs) }
            ?? EntityExtractor.extract(title: article.title, paragraphs: article.paragraphs))
            .filter { $0.name.utf8.count <= NamedEntity.maxNameBytes }
        return Enrichment(
            language: language, languageReliable: reliable, topic: topic, keywords: keywords, entities: entities,
            entityModelID: entityModel?.id,
            simhash: SimHash.fingerprint(tokens))
    }
}

extension Enricher {
    /// The language stored for a text: CLD2's when CLD2 calls it reliable (with
    /// `reliable: true`); otherwise the file's declared language (its first two letters,
    /// lowercased: "FR-ca" is `fr`) with `reliable: nil`; otherwise nil. An unreliable
    /// detection is not stored even without a declaration: a short or mixed text is better
    /// left unknown than guessed.
    public static func language(of text: String, declared: String?) -> (language: String?, reliable: Bool?) {
        let detected = LanguageIdentifier.detect(text)
        if detected.reliable, let language = detected.language { return (language, true) }
        if let declared = declared?.trimmingCharacters(in: .whitespaces), declared.count >= 2 {
            return (String(declared.lowercased().prefix(2)), nil)
        }
        return (nil, nil)
    }
}

extension TopicModel {
    /// Whether the model may classify text in `language`: it was trained on that language, or
    /// the language is unknown, or the model does not record its languages (format version 1).
    public func covers(language: String?) -> Bool {
        guard let language, !languages.isEmpty else { return true }
        return languages.contains(language)
    }
}
