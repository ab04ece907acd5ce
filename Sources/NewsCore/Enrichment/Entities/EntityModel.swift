/// A statistical named-entity recognizer: an averaged perceptron over BIO tags for people,
/// organizations and places, decoded greedily left to right (docs/ENRICHMENT.md, "Named
/// entities"). Trained by `EntityTrainer` on annotated text (`newsctl model train-entities`).
///
/// Besides the three kinds it tags names of other kinds (a work, an event, an award: `other`),
/// which it never reports: learning them keeps "Downton Abbey" and "Slavonic Dances" from
/// teaching the three kinds, and lets a name of another kind be one at all.
///
/// Features are hashed into `2^bits` buckets; a bucket holds one weight per tag, as one SIMD
/// vector, so a token's scores for every tag are a sum of vectors. Only tokens that can be part
/// of a name are scored: a capitalized word, or any token after a name has started. Every other
/// token is outside a name without a look-up (the training data has no name starting with a
/// lowercase letter).
public struct EntityModel: Sendable {
    /// Tags: outside, and begin/inside for each kind.
    enum Tag: UInt8, CaseIterable {
        case outside = 0
        case beginPerson, insidePerson, beginOrganization, insideOrganization, beginPlace, insidePlace
        /// Inside a name of another kind (one tag: where one such name ends and the next begins
        /// matters to nobody).
        case other

        var kind: NamedEntity.Kind? {
            switch self {
            case .outside, .other: nil
            case .beginPerson, .insidePerson: .person
            case .beginOrganization, .insideOrganization: .organization
            case .beginPlace, .insidePlace: .place
            }
        }
        var isBegin: Bool { self == .beginPerson || self == .beginOrganization || self == .beginPlace }

        static func begin(_ kind: NamedEntity.Kind) -> Tag {
            switch kind {
            case .person: .beginPerson
            case .organization: .beginOrganization
            case .place: .beginPlace
            }
        }
        static func inside(_ kind: NamedEntity.Kind) -> Tag {
            switch kind {
            case .person: .insidePerson
            case .organization: .insideOrganization
            case .place: .insidePlace
            }
        }
    }

    static let tagCount = 8

    /// log2 of the number of feature buckets.
    let bits: Int
    /// Averaged weights: bucket `b`'s lane `t` is tag `t`'s weight.
    var weights: [SIMD8<Float>]
    /// The weights the tagger reads: `weights` scaled so the largest is 32,767 and rounded to
    /// 16-bit integers. Half the bytes of `weights` (1 MiB for 2^16 buckets), so more of the
    /// table stays in the core's cache; the look-ups are most of the tagging time. A scale
    /// changes no argmax, and rounding moves a score by at most 1/65,534 of the largest weight
    /// per feature.
    private(set) var packed: [SIMD8<Int16>]
    let gazetteer: EntityGazetteer

    init(bits: Int, weights: [SIMD8<Float>], gazetteer: EntityGazetteer) {
        self.bits = bits
        self.weights = weights
        self.gazetteer = gazetteer
        packed = Self.pack(weights)
    }

    static func pack(_ weights: [SIMD8<Float>]) -> [SIMD8<Int16>] {
        var largest: Float = 0
        for w in weights { largest = max(largest, w.max(), -w.min()) }
        guard largest > 0 else { return [SIMD8<Int16>](repeating: .zero, count: weights.count) }
        let scale = SIMD8<Float>(repeating: 32767 / largest)
        return weights.map { SIMD8<Int16>(($0 * scale).rounded(.toNearestOrEven)) }
    }

    // MARK: Features

    /// The features of a token that do not depend on the tags before it, as hashes: at most
    /// this many (a lowercase token has no capitalized run: 29).
    static let staticFeatureCount = 35

    /// Feature templates: a feature's hash mixes its template number with its value.
    @inline(__always)
    static func feature(_ template: UInt64, _ value: UInt64) -> UInt64 {
        var x = value &+ template &* 0x9e37_79b9_7f4a_7c15
        x = (x ^ (x >> 30)) &* 0xbf58_476d_1ce4_e5b9
        x = (x ^ (x >> 27)) &* 0x94d0_49bb_1331_11eb
        return x ^ (x >> 31)
    }

    /// Everything about a document the features read.
    struct Context {
        let doc: EntityTokens
        let matches: [EntityGazetteer.Match]
        /// What the whole document's words suggest its names are (`documentPrior`).
        let prior: UInt64
    }

    func context(_ doc: EntityTokens) -> Context {
        let matches = gazetteer.match(doc)
        return Context(doc: doc, matches: matches, prior: Self.documentPrior(doc, matches))
    }

    /// A hint from the whole document of what kind its names are, for a word the context
    /// alone leaves open ("Nutley", "Anse Bertrand"): a travel guide's names are mostly
    /// places, a life's mostly people, a paper's cited authors. Two parts: of the document's
    /// capitalized words inside sentences that are on a place list and no name list, or on a
    /// name list (given names, surnames, titles) and no place list, the share of places in four
    /// steps (4: neither kind); and how many words it cites (none, under 5, more).
    static func documentPrior(_ doc: EntityTokens, _ matches: [EntityGazetteer.Match]) -> UInt64 {
        var places = 0
        var people = 0
        var cited = 0
        let placeLists: EntityGazetteer.Lists = [.place, .placeWord]
        let personLists: EntityGazetteer.Lists = [.givenName, .surname, .personTitle]
        for (t, m) in zip(doc.tokens, matches) where t.flags.contains(.capitalized) && !t.flags.contains(.sentenceStart) {
            let lists = m.single.union(m.span)
            let place = !lists.isDisjoint(with: placeLists)
            let person = !lists.isDisjoint(with: personLists)
            if place, !person { places += 1 }
            if person, !place { people += 1 }
            if t.flags.contains(.cited) { cited += 1 }
        }
        let share = places + people == 0 ? 4 : min(3, 4 * places / (places + people))
        let cites = cited == 0 ? 0 : cited < 5 ? 1 : 2
        return UInt64(share) << 2 | UInt64(cites)
    }

    /// Writes token `i`'s static features into `out` (which has room for `staticFeatureCount`).
    /// Reads the tokens and matches through buffer pointers: a `Context` passed by value costs
    /// a retain and a release of each of its arrays per token.
    @inline(__always)
    static func staticFeatures(
        _ bytes: UnsafeBufferPointer<UInt8>, _ tokens: UnsafeBufferPointer<EntityTokens.Token>,
        _ matches: UnsafeBufferPointer<EntityGazetteer.Match>, _ i: Int, _ out: UnsafeMutablePointer<UInt64>,
        prior: UInt64
    ) -> Int {
        let n = tokens.count
        let t = tokens[i]
        let affixes = EntityTokens.affixes(bytes, t)
        let boundary: UInt64 = 0x5851_f42d_4c95_7f2d
        // A neighbour across a paragraph's start is no neighbour.
        let hasPrev = i > 0 && !t.flags.contains(.paragraphStart)
        let hasNext = i + 1 < n && !tokens[i + 1].flags.contains(.paragraphStart)
        let prev = hasPrev ? tokens[i - 1].lower : boundary
        let next = hasNext ? tokens[i + 1].lower : boundary
        let prev2 = hasPrev && i > 1 && !tokens[i - 1].flags.contains(.paragraphStart) ? tokens[i - 2].lower : boundary
        let next2 = hasNext && i + 2 < n && !tokens[i + 2].flags.contains(.paragraphStart) ? tokens[i + 2].lower : boundary
        let prevShape = hasPrev ? tokens[i - 1].shape : boundary
        let nextShape = hasNext ? tokens[i + 1].shape : boundary
        let m = matches[i]
        let prevLists = hasPrev ? matches[i - 1].single.rawValue : 0
        let nextLists = hasNext ? matches[i + 1].single.rawValue : 0
        let flags = UInt64(t.flags.rawValue & (EntityTokens.Flags.capitalized.rawValue | EntityTokens.Flags.allCaps.rawValue | EntityTokens.Flags.sentenceStart.rawValue | EntityTokens.Flags.seenLowercase.rawValue | EntityTokens.Flags.digit.rawValue | EntityTokens.Flags.cited.rawValue))
        var k = 0
        @inline(__always) func add(_ template: UInt64, _ value: UInt64) {
            out[k] = feature(template, value)
            k += 1
        }
        add(1, 0)
        add(2, t.lower)
        add(3, prev)
        add(4, next)
        add(5, prev2)
        add(6, next2)
        add(7, t.shape)
        add(8, prevShape)
        add(9, nextShape)
        add(10, affixes.suffix)
        add(11, affixes.prefix)
        add(12, flags)
        add(13, UInt64(m.single.rawValue))
        add(14, UInt64(m.span.rawValue) << 1 | (m.spanStart ? 1 : 0))
        add(15, UInt64(prevLists))
        add(16, UInt64(nextLists))
        add(17, t.lower &* 31 ^ next)
        add(18, prev &* 31 ^ t.shape)
        add(19, (prevShape &* 31 ^ t.shape) &* 31 ^ nextShape)
        add(20, flags &* 31 ^ t.lower)
        add(21, UInt64(prevLists) << 16 | UInt64(m.single.rawValue))
        add(22, UInt64(m.single.rawValue) << 16 | UInt64(nextLists))
        add(23, flags << 32 | UInt64(m.single.rawValue) << 16 | UInt64(m.span.rawValue))
        add(24, affixes.suffix &* 31 ^ flags)
        add(25, affixes.suffix2)
        add(26, affixes.suffix4)
        // Two words away: their shapes ("Gass (1997)").
        let prev2Shape = hasPrev && i > 1 && !tokens[i - 1].flags.contains(.paragraphStart) ? tokens[i - 2].shape : boundary
        let next2Shape = hasNext && i + 2 < n && !tokens[i + 2].flags.contains(.paragraphStart) ? tokens[i + 2].shape : boundary
        add(27, prev2Shape)
        add(28, next2Shape)
        // The document's hint (`documentPrior`) with the word's flags.
        add(35, prior << 12 | flags)
        // The run of capitalized words the token is in ("Federal University of Santa Catarina"
        // is two runs): its first and last word, the lists of its last word ("Street", "Bank"),
        // the token's place in it, and the words on either side of it.
        // A run is looked at no further than `runReach` tokens either way, so a paragraph of
        // 100,000 capitalized words costs 16 steps a word, not 100,000.
        var lo = i
        var hi = i
        if t.flags.contains(.capitalized) {
            while lo > 0, i - lo < runReach, !tokens[lo].flags.contains(.paragraphStart), tokens[lo - 1].flags.contains(.capitalized) { lo -= 1 }
            while hi + 1 < n, hi - i < runReach, !tokens[hi + 1].flags.contains(.paragraphStart), tokens[hi + 1].flags.contains(.capitalized) { hi += 1 }
            let before = lo > 0 && !tokens[lo].flags.contains(.paragraphStart) ? tokens[lo - 1].lower : boundary
            let after = hi + 1 < n && !tokens[hi + 1].flags.contains(.paragraphStart) ? tokens[hi + 1].lower : boundary
            add(29, tokens[hi].lower)
            add(30, tokens[lo].lower)
            add(31, UInt64(min(hi - lo, 3)) << 4 | UInt64(min(i - lo, 3)) << 2 | UInt64(min(hi - i, 3)))
            add(32, UInt64(matches[hi].single.rawValue) << 2 | UInt64(min(hi - i, 3)))
            add(33, before)
            add(34, after)
        }
        return k
    }

    /// How far a capitalized run is followed from a token, either way: names are shorter;
    /// a longer run is a heading or shouting.
    static let runReach = 8

    /// What the model said of a word earlier in the same document (Ratinov and Roth 2009's
    /// "prediction history"): a name tagged once as a person is likely one the next time, even
    /// where the context says little.
    struct History {
        /// Per lowercased word: how often it was tagged outside, person, organization,
        /// place; an open-addressing table (key 0 is empty) at most half full.
        private var keys: [UInt64]
        private var counts: [SIMD4<Int32>]
        private let mask: Int
        /// Names begun so far in the document: outside (unused), person, organization, place.
        private var begun = SIMD4<Int32>(repeating: 0)

        init(capacity: Int) {
            var size = 64
            while size < capacity * 2 { size <<= 1 }
            keys = [UInt64](repeating: 0, count: size)
            counts = [SIMD4<Int32>](repeating: .zero, count: size)
            mask = size - 1
        }

        @inline(__always)
        private func slot(_ key: UInt64) -> Int {
            var s = Int(truncatingIfNeeded: (key &* 0x9e37_79b9_7f4a_7c15) >> 40) & mask
            while keys[s] != 0, keys[s] != key { s = (s + 1) & mask }
            return s
        }

        /// The word's most frequent tag so far: 0 never seen, 1 outside, 2 person,
        /// 3 organization, 4 place.
        @inline(__always)
        func value(_ word: UInt64) -> UInt64 {
            let s = slot(word | 1)
            guard keys[s] != 0 else { return 0 }
            let c = counts[s]
            var best = 0
            for lane in 1..<4 where c[lane] > c[best] { best = lane }
            return UInt64(best + 1)
        }

        @inline(__always)
        mutating func record(_ word: UInt64, _ tag: Tag) {
            let lane: Int
            switch tag.kind {
            case nil: lane = 0
            case .person: lane = 1
            case .organization: lane = 2
            case .place: lane = 3
            }
            let s = slot(word | 1)
            keys[s] = word | 1
            counts[s][lane] += 1
            if tag.isBegin { begun[lane] += 1 }
        }

        /// The kinds of the names begun so far: 0 under three names, else the most frequent
        /// kind (1 person, 2 organization, 3 place) and its share (0 under half, 1 under three
        /// quarters, 2 more).
        var mix: UInt64 {
            let total = begun[1] + begun[2] + begun[3]
            guard total >= 3 else { return 0 }
            var best = 1
            for lane in 2..<4 where begun[lane] > begun[best] { best = lane }
            let share = begun[best] * 4 >= total * 3 ? 2 : begun[best] * 2 >= total ? 1 : 0
            return UInt64(best) << 2 | UInt64(share)
        }
    }

    /// The features that depend on the tags before the token: the tags, the word's history,
    /// and the kinds of the names the document has had so far (`History.mix`: a document
    /// whose names so far are mostly places is likely a guide or a report from somewhere).
    static let dynamicFeatureCount = 8

    @inline(__always)
    static func dynamicFeatures(
        _ t: EntityTokens.Token, _ m: EntityGazetteer.Match, prev: Tag, prev2: Tag, history: UInt64, mix: UInt64, _ out: UnsafeMutablePointer<UInt64>
    ) {
        let p = UInt64(prev.rawValue)
        out[0] = feature(40, p)
        out[1] = feature(41, p << 8 | UInt64(prev2.rawValue))
        out[2] = feature(42, p ^ t.lower &* 31)
        out[3] = feature(43, p ^ t.shape &* 31)
        out[4] = feature(44, p << 16 | UInt64(m.single.rawValue))
        out[5] = feature(45, history)
        out[6] = feature(46, history << 8 | p)
        out[7] = feature(47, mix)
    }

    static let maxFeatures = staticFeatureCount + dynamicFeatureCount + 1

    /// Whether token `i` can be tagged anything but outside after `prev`.
    @inline(__always)
    static func isCandidate(_ t: EntityTokens.Token, prev: Tag) -> Bool {
        prev != .outside || t.flags.contains(.capitalized)
    }

    /// The lanes that may follow `prev`: an inside tag only continues its own kind.
    static let allowed: [SIMD8<Float>] = Tag.allCases.map { prev in
        var mask = SIMD8<Float>(repeating: 0)
        for next in Tag.allCases {
            var ok = true
            switch next {
            case .insidePerson: ok = prev == .beginPerson || prev == .insidePerson
            case .insideOrganization: ok = prev == .beginOrganization || prev == .insideOrganization
            case .insidePlace: ok = prev == .beginPlace || prev == .insidePlace
            default: break
            }
            mask[Int(next.rawValue)] = ok ? 0 : -Float.infinity
        }
        return mask
    }

    /// The lanes of a token that cannot begin a name (it is not capitalized), after `prev`: no
    /// begin tag, and no other name unless one goes on ("Stabat Mater" may not, "Ode to Joy" may).
    static let notBegin: [SIMD8<Float>] = Tag.allCases.map { prev in
        var mask = SIMD8<Float>(repeating: 0)
        for tag in Tag.allCases where tag.isBegin { mask[Int(tag.rawValue)] = -Float.infinity }
        if prev != .other { mask[Int(Tag.other.rawValue)] = -Float.infinity }
        return mask
    }

    /// The best allowed tag for the scores.
    @inline(__always)
    static func best(_ scores: SIMD8<Float>, prev: Tag, capitalized: Bool) -> Tag {
        var s = scores + allowed[Int(prev.rawValue)]
        if !capitalized { s += notBegin[Int(prev.rawValue)] }
        var best = 0
        var top = s[0]
        for lane in 1..<tagCount where s[lane] > top {
            top = s[lane]
            best = lane
        }
        return Tag(rawValue: UInt8(best))!
    }

    /// The tag of every token.
    func tag(_ c: Context) -> [Tag] {
        let n = c.doc.count
        var tags = [Tag](repeating: .outside, count: n)
        let shift = UInt64(64 - bits)
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: Self.maxFeatures) { buffer in
            let features = buffer.baseAddress!
            packed.withUnsafeBufferPointer { w in
                c.doc.tokens.withUnsafeBufferPointer { tokens in
                    c.doc.bytes.withUnsafeBufferPointer { bytes in
                    c.matches.withUnsafeBufferPointer { matches in
                        var prev = Tag.outside
                        var prev2 = Tag.outside
                        var history = History(capacity: n)
                        for i in 0..<n {
                            let t = tokens[i]
                            if t.flags.contains(.paragraphStart) {
                                prev = .outside
                                prev2 = .outside
                            }
                            guard Self.isCandidate(t, prev: prev) else {
                                prev2 = prev
                                prev = .outside
                                continue
                            }
                            let k = Self.staticFeatures(bytes, tokens, matches, i, features, prior: c.prior)
                            Self.dynamicFeatures(t, matches[i], prev: prev, prev2: prev2, history: history.value(t.lower), mix: history.mix, features + k)
                            var sum = SIMD8<Int32>(repeating: 0)
                            for f in 0..<(k + Self.dynamicFeatureCount) {
                                sum &+= SIMD8<Int32>(truncatingIfNeeded: w[Int(features[f] >> shift)])
                            }
                            let tag = Self.best(SIMD8<Float>(sum), prev: prev, capitalized: t.flags.contains(.capitalized))
                            tags[i] = tag
                            if t.flags.contains(.capitalized), tag != .outside || !t.flags.contains(.sentenceStart) { history.record(t.lower, tag) }
                            prev2 = prev
                            prev = tag
                        }
                    }
                    }
                }
            }
        }
        return tags
    }
}
