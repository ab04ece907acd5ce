/// Trains an `EntityModel`: an averaged perceptron (Collins 2002) over the documents' tokens,
/// tagging left to right with its own earlier guesses as context, as it will when it runs.
public struct EntityTrainer: Sendable {
    /// log2 of the number of feature buckets.
    public var bits: Int
    /// Passes over the documents.
    public var epochs: Int
    /// Shuffle seed.
    public var seed: UInt64
    /// Training runs, each over its own shuffle of the documents, whose averaged weights are
    /// averaged again: one model of the same size and speed, steadier than any single run.
    public var runs: Int
    /// The name lists, by list name (`EntityGazetteer.Lists.names`).
    public var lists: [String: [String]]

    public init(bits: Int = 16, epochs: Int = 12, seed: UInt64 = 7, runs: Int = 8, lists: [String: [String]]) {
        self.bits = bits
        self.epochs = epochs
        self.seed = seed
        self.runs = max(1, runs)
        self.lists = lists
    }

    /// The names of the lists the features know (a gazetteer folder's files are these plus
    /// ".txt", or plus ".SOURCE.txt" for a list in files by source).
    public static var listNames: [String] { EntityGazetteer.Lists.names }

    /// The lists built into newsd with `extra` added (from `config/gazetteers/*.txt`).
    public static func lists(adding extra: [String: [String]]) -> [String: [String]] {
        var lists = EntityGazetteer.builtIn()
        for (name, words) in extra { lists[name, default: []].append(contentsOf: words) }
        return lists.mapValues { Array(Set($0)).sorted() }
    }

    /// A document ready for training: tokens, gold tags and the features that do not depend on
    /// tags.
    struct Prepared {
        var context: EntityModel.Context
        var gold: [EntityModel.Tag]
        var features: [UInt64]
        /// How many of token `i`'s `staticFeatureCount` slots hold features.
        var counts: [UInt8]
    }

    /// The gold tag of every token: a token inside a name is tagged with its kind (B on the
    /// name's first token), a token inside a name of another kind `other`; a name that starts
    /// or ends inside a token is skipped.
    static func goldTags(_ doc: EntityTokens, _ names: [AnnotatedDocument.Name], others: [Range<Int>] = []) -> [EntityModel.Tag] {
        var tags = [EntityModel.Tag](repeating: .outside, count: doc.count)
        /// The tokens `start..<end` spans exactly, if it does.
        func tokens(_ start: Int, _ end: Int) -> Range<Int>? {
            var lo = 0
            var hi = doc.count
            while lo < hi {  // the first token starting at or after `start`
                let mid = (lo + hi) / 2
                if Int(doc.tokens[mid].start) < start { lo = mid + 1 } else { hi = mid }
            }
            guard lo < doc.count, Int(doc.tokens[lo].start) == start else { return nil }
            var j = lo
            while j < doc.count, Int(doc.tokens[j].end) <= end { j += 1 }
            guard j > lo, Int(doc.tokens[j - 1].end) == end else { return nil }
            return lo..<j
        }
        for name in names {
            guard let r = tokens(name.start, name.end) else { continue }
            tags[r.lowerBound] = .begin(name.kind)
            for k in r.dropFirst() { tags[k] = .inside(name.kind) }
        }
        for span in others {
            guard let r = tokens(span.lowerBound, span.upperBound), tags[r].allSatisfy({ $0 == .outside }) else { continue }
            for k in r { tags[k] = .other }
        }
        return tags
    }

    func prepare(_ docs: [AnnotatedDocument], _ model: EntityModel) -> [Prepared] {
        docs.map { d in
            let tokens = EntityTokens(paragraphs: d.paragraphs)
            let c = model.context(tokens)
            var features = [UInt64](repeating: 0, count: tokens.count * EntityModel.staticFeatureCount)
            var counts = [UInt8](repeating: 0, count: tokens.count)
            features.withUnsafeMutableBufferPointer { f in
                c.doc.tokens.withUnsafeBufferPointer { t in
                    c.doc.bytes.withUnsafeBufferPointer { b in
                        c.matches.withUnsafeBufferPointer { m in
                            for i in 0..<tokens.count {
                                counts[i] = UInt8(EntityModel.staticFeatures(b, t, m, i, f.baseAddress! + i * EntityModel.staticFeatureCount, prior: c.prior))
                            }
                        }
                    }
                }
            }
            return Prepared(context: c, gold: Self.goldTags(tokens, d.names, others: d.others), features: features, counts: counts)
        }
    }

    /// Trains on `docs`.
    public func train(_ docs: [AnnotatedDocument]) -> EntityModel {
        let gazetteer = EntityGazetteer(entries: lists)
        let size = 1 << bits
        let empty = EntityModel(bits: bits, weights: [SIMD8<Float>](repeating: .zero, count: size), gazetteer: gazetteer)
        let prepared = prepare(docs, empty)
        var weights = run(prepared, empty, seed: Self.runSeed(seed, 0))
        for r in 1..<runs {
            let more = run(prepared, empty, seed: Self.runSeed(seed, r))
            for b in weights.indices { weights[b] += more[b] }
        }
        if runs > 1 {
            let share = 1 / Float(runs)
            for b in weights.indices { weights[b] *= share }
        }
        return EntityModel(bits: bits, weights: weights, gazetteer: gazetteer)
    }

    /// The shuffle seed of run `r` (run 0 shuffles by the trainer's seed itself).
    static func runSeed(_ seed: UInt64, _ r: Int) -> UInt64 { seed &+ UInt64(r) &* 0x9e37_79b9 }

    /// One training run: `epochs` passes over the documents in an order shuffled by `seed`;
    /// the averaged weights.
    private func run(_ prepared: [Prepared], _ empty: EntityModel, seed: UInt64) -> [SIMD8<Float>] {
        var model = empty
        let size = 1 << bits
        var totals = [SIMD8<Float>](repeating: .zero, count: size)
        var stamps = [Int32](repeating: 0, count: size)
        var now: Int32 = 1
        var rng = SplitMix64(seed: seed)
        var order = Array(prepared.indices)
        let shift = UInt64(64 - bits)
        var features = [UInt64](repeating: 0, count: EntityModel.maxFeatures)
        for _ in 0..<epochs {
            order.shuffle(using: &rng)
            for d in order {
                let p = prepared[d]
                let n = p.gold.count
                var prev = EntityModel.Tag.outside
                var prev2 = EntityModel.Tag.outside
                var history = EntityModel.History(capacity: n)
                for i in 0..<n {
                    let t = p.context.doc.tokens[i]
                    if t.flags.contains(.paragraphStart) {
                        prev = .outside
                        prev2 = .outside
                    }
                    guard EntityModel.isCandidate(t, prev: prev) else {
                        prev2 = prev
                        prev = .outside
                        continue
                    }
                    var gold = p.gold[i]
                    // An inside tag the guesses so far cannot reach: begin the name here.
                    if let kind = gold.kind, !gold.isBegin, prev.kind != kind { gold = .begin(kind) }
                    // A name cannot begin with a lowercase word: the decoder never guesses it.
                    if gold.isBegin, !t.flags.contains(.capitalized) { gold = .outside }
                    if gold == .other, !t.flags.contains(.capitalized), prev != .other { gold = .outside }
                    let statics = Int(p.counts[i])
                    let count = statics + EntityModel.dynamicFeatureCount
                    features.withUnsafeMutableBufferPointer { f in
                        for k in 0..<statics { f[k] = p.features[i * EntityModel.staticFeatureCount + k] }
                        EntityModel.dynamicFeatures(
                            t, p.context.matches[i], prev: prev, prev2: prev2, history: history.value(t.lower), mix: history.mix,
                            f.baseAddress! + statics)
                    }
                    var scores = SIMD8<Float>(repeating: 0)
                    for k in 0..<count { scores += model.weights[Int(features[k] >> shift)] }
                    let guess = EntityModel.best(scores, prev: prev, capitalized: t.flags.contains(.capitalized))
                    if guess != gold {
                        var delta = SIMD8<Float>(repeating: 0)
                        delta[Int(gold.rawValue)] = 1
                        delta[Int(guess.rawValue)] = -1
                        for k in 0..<count {
                            let b = Int(features[k] >> shift)
                            totals[b] += model.weights[b] * Float(now - stamps[b])
                            stamps[b] = now
                            model.weights[b] += delta
                        }
                    }
                    if t.flags.contains(.capitalized), guess != .outside || !t.flags.contains(.sentenceStart) { history.record(t.lower, guess) }
                    now += 1
                    prev2 = prev
                    prev = guess
                }
            }
        }
        // Average: every weight's value summed over every step, divided by the steps.
        let steps = Float(now)
        for b in 0..<size {
            totals[b] += model.weights[b] * Float(now - stamps[b])
            model.weights[b] = totals[b] / steps
        }
        return model.weights
    }
}

/// Precision, recall and F1 of a recognizer against annotated documents.
public struct EntityScores: Sendable, Equatable, Codable {
    /// Counts for one kind (or all).
    public struct Counts: Sendable, Equatable, Codable {
        public var truePositives = 0
        public var falsePositives = 0
        public var falseNegatives = 0

        public init() {}

        public var precision: Double { ratio(truePositives, truePositives + falsePositives) }
        public var recall: Double { ratio(truePositives, truePositives + falseNegatives) }
        public var f1: Double {
            let p = precision
            let r = recall
            return p + r == 0 ? 0 : 2 * p * r / (p + r)
        }
        private func ratio(_ a: Int, _ b: Int) -> Double { b == 0 ? 0 : Double(a) / Double(b) }

        mutating func add(_ other: Counts) {
            truePositives += other.truePositives
            falsePositives += other.falsePositives
            falseNegatives += other.falseNegatives
        }
    }

    /// Each name counted as often as it is mentioned: a document's true positives for a name
    /// are the smaller of its mentions found and annotated.
    public var mentions: [String: Counts] = [:]
    /// Each distinct name of a document once.
    public var documents: [String: Counts] = [:]

    public init() {}

    /// The key of the totals over every kind.
    public static let all = "all"

    /// Scores one document's entities against its annotated names (both as `EntityNames.collect`
    /// gives them: same normalization, surnames folded into full names).
    public mutating func add(found: [NamedEntity], annotated: [NamedEntity]) {
        func key(_ e: NamedEntity) -> String { e.kind.rawValue + "\u{1F}" + e.name }
        let f = Dictionary(found.map { (key($0), $0) }, uniquingKeysWith: { a, b in NamedEntity(name: a.name, kind: a.kind, mentions: a.mentions + b.mentions) })
        let a = Dictionary(annotated.map { (key($0), $0) }, uniquingKeysWith: { a, b in NamedEntity(name: a.name, kind: a.kind, mentions: a.mentions + b.mentions) })
        for kind in NamedEntity.Kind.allCases.map(\.rawValue) + [Self.all] {
            var m = Counts()
            var d = Counts()
            for (k, e) in f where kind == Self.all || e.kind.rawValue == kind {
                let gold = a[k]?.mentions ?? 0
                m.truePositives += min(gold, e.mentions)
                m.falsePositives += max(0, e.mentions - gold)
                if gold > 0 { d.truePositives += 1 } else { d.falsePositives += 1 }
            }
            for (k, e) in a where kind == Self.all || e.kind.rawValue == kind {
                let found = f[k]?.mentions ?? 0
                m.falseNegatives += max(0, e.mentions - found)
                if found == 0 { d.falseNegatives += 1 }
            }
            mentions[kind, default: Counts()].add(m)
            documents[kind, default: Counts()].add(d)
        }
    }
}

extension AnnotatedDocument {
    /// The annotated names as entities, normalized as a recognizer's are.
    public var entities: [NamedEntity] {
        EntityNames.collect(names.map { EntityNames.Mention(name: $0.text, kind: $0.kind) })
    }
}

/// k-fold cross-validation by document of the entity model, and of the rules on the same folds.
public struct EntityCrossValidation: Sendable {
    public var model = EntityScores()
    public var rules = EntityScores()
    public var folds: Int
    /// Per document the recognizer's misses and extras (kind and name), when asked for.
    public var errors: [(document: String, missed: [String], extra: [String])] = []

    /// Splits `docs` into `folds` groups (shuffled by `seed`), trains on all but one group and
    /// scores on that one, for each group in turn.
    public init(docs: [AnnotatedDocument], folds: Int, trainer: EntityTrainer, seed: UInt64 = 1, keepErrors: Bool = false) {
        self.folds = folds
        var rng = SplitMix64(seed: seed)
        let order = Array(docs.indices).shuffled(using: &rng)
        var fold = [Int](repeating: 0, count: docs.count)
        for (position, d) in order.enumerated() { fold[d] = position % folds }
        for k in 0..<folds {
            let training = docs.indices.filter { fold[$0] != k }.map { docs[$0] }
            let trained = trainer.train(training)
            for d in docs.indices where fold[d] == k {
                let gold = docs[d].entities
                let found = trained.recognize(title: "", paragraphs: docs[d].paragraphs)
                model.add(found: found, annotated: gold)
                if keepErrors {
                    let f = Set(found.map { "\($0.kind.rawValue): \($0.name)" })
                    let g = Set(gold.map { "\($0.kind.rawValue): \($0.name)" })
                    errors.append((docs[d].id, g.subtracting(f).sorted(), f.subtracting(g).sorted()))
                }
                rules.add(found: EntityExtractor.extract(title: "", paragraphs: docs[d].paragraphs), annotated: gold)
            }
        }
    }
}
