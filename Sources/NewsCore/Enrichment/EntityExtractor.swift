/// A named entity found in an article, with how often it is mentioned.
public struct NamedEntity: Sendable, Equatable, Hashable, Codable {
    /// The kinds newsd recognizes.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case person, organization, place
    }
    /// The canonical name: the longest form seen ("Vladimir Putin" for "Mr Putin" too).
    public var name: String
    public var kind: Kind
    public var mentions: Int

    public init(name: String, kind: Kind, mentions: Int) {
        self.name = name
        self.kind = kind
        self.mentions = mentions
    }
}

/// Finds people, organizations and places in English news text by rules and word lists
/// (docs/ENRICHMENT.md):
///
/// 1. Candidates are runs of capitalized words (with "of", "de", "von" … inside), split at
///    sentence ends, possessives ("Russia's") and punctuation. "St." becomes "St"; a leading
///    "The" is dropped.
/// 2. A run preceded by or starting with a title ("Mr", "President", "Dr" …) is a person.
/// 3. A run that is a known place or organization, ends in an organization word ("Bank",
///    "Party", "Ltd" …) or is an acronym is that kind; known places win over acronyms.
/// 4. A run of two or more words starting with a common given name is a person.
/// 5. A single word that is the last word of a person already found is a mention of that
///    person, so "Mr Putin" counts towards "Vladimir Putin".
/// 6. Everything else is left out: precision over recall.
public enum EntityExtractor {
    /// The entities of an article, most mentioned first, then by name.
    public static func extract(title: String, paragraphs: [String]) -> [NamedEntity] {
        var runs: [Run] = []
        for text in [title] + paragraphs { runs.append(contentsOf: candidateRuns(text)) }

        var kinds: [String: NamedEntity.Kind] = [:]
        var counts: [String: Int] = [:]
        var pendingSingles: [Run] = []
        // Persons first, so surnames can be linked in a second pass.
        // Lone surnames that look like a person's: after a title or next to "said".
        let singles = Set(
            runs.filter { r in
                r.words.count == 1
                    && (r.titled || r.before.map(sayings.contains) == true || r.after.map(sayings.contains) == true)
            }.map { $0.words[0] })
        for run in runs {
            guard let (name, kind) = classify(run) ?? repeatedSurname(run, singles: singles) else {
                if run.words.count == 1 { pendingSingles.append(run) }
                continue
            }
            if kind == .person, run.words.count == 1 {
                pendingSingles.append(run)  // "Mr Putin": resolve after full names are known.
                continue
            }
            kinds[name] = kinds[name] ?? kind
            counts[name, default: 0] += 1
        }
        // A surname's person: the first full name, in name order, that ends with it.
        var bySurname: [Substring: String] = [:]
        for full in kinds.filter({ $0.value == .person }).keys.sorted() {
            if let last = full.split(separator: " ").last, bySurname[last] == nil { bySurname[last] = full }
        }
        for run in pendingSingles {
            let word = run.words[0]
            if let full = bySurname[Substring(word)] {
                counts[full, default: 0] += 1
            } else if run.titled || run.before.map(familyCues.contains) == true {
                kinds[word] = kinds[word] ?? .person
                counts[word, default: 0] += 1
            }
        }
        return kinds.map { NamedEntity(name: $0.key, kind: $0.value, mentions: counts[$0.key] ?? 0) }
            .sorted { ($1.mentions, $0.name) < ($0.mentions, $1.name) }
    }

    /// Verbs of saying that mark a lone capitalized word next to them as a surname.
    static let sayings: WordSet = ["said", "says", "told", "added"]
    /// Verbs after a two- or three-word name that make it a person's ("Tony Blair said").
    static let reportingVerbs: WordSet = ["said", "says", "told", "added", "explained", "wrote"]

    struct Run {
        var words: [String]
        /// A person's title stood before the run.
        var titled: Bool
        /// The run opens a sentence (its capital may be only grammar).
        var sentenceStart: Bool
        /// The lowercase word just before the run ("sculptor", "company"), if any.
        var before: String? = nil
        /// The word just after the run ("said"), if the run ended at a plain word.
        var after: String? = nil
    }

    /// Lowercase words that introduce a person's name: "sculptor Richard Wentworth".
    static let personCues: WordSet = [
        "sculptor", "artist", "painter", "producer", "director", "actor", "actress", "singer", "star", "writer",
        "author", "novelist", "poet", "composer", "musician", "rapper", "comedian", "presenter", "correspondent",
        "editor", "reporter", "journalist", "columnist", "analyst", "economist", "spokesman", "spokeswoman",
        "chief", "boss", "chairman", "chairwoman", "founder", "executive", "leader", "minister", "secretary",
        "champion", "player", "striker", "midfielder", "defender", "goalkeeper", "coach", "manager",
        "captain", "winger", "batsman", "bowler", "jockey", "trainer", "runner", "sprinter", "athlete", "driver",
        "boxer", "golfer", "skipper", "lawyer", "judge", "professor", "scientist", "researcher", "doctor",
        "mp", "senator", "governor", "mayor", "candidate", "colleague", "son", "daughter", "wife", "husband",
        "brother", "sister", "father", "mother", "starring", "fellow",
    ]
    /// Relatives: "his father Ralph" names a person even with one word.
    static let familyCues: WordSet = ["brother", "sister", "father", "mother", "son", "daughter", "wife", "husband"]
    /// Leading words that are not part of the name after them: "A Christmas tree", "Russian Svetlana Feofanova".
    static let leadingNonName: WordSet = [
        "A", "An", "As", "The", "Russian", "American", "British", "French", "German", "Spanish", "Italian", "Chinese",
        "Japanese", "Indian", "Irish", "Scottish", "English", "Welsh", "Australian", "Canadian", "Brazilian", "Dutch",
        "Swedish", "Polish", "Israeli", "Iraqi", "Iranian", "Afghan", "Pakistani", "Ukrainian", "European", "African",
        "Asian", "Olympic", "Former", "Veteran", "Labour", "Tory", "Conservative", "Democrat", "Republican",
    ]

    /// Lowercase words that introduce an organization's name: "marketing company Doubleclick".
    static let organizationCues: WordSet = [
        "company", "firm", "group", "giant", "maker", "manufacturer", "retailer", "bank", "airline", "carrier",
        "operator", "network", "broadcaster", "publisher", "label", "studio", "studios", "agency", "club",
        "side", "team", "supermarket", "chain", "insurer", "lender", "brewer", "producer", "provider",
        "conglomerate", "startup", "website", "site", "newspaper", "magazine", "charity", "union", "party",
        "rival", "rivals",
    ]
    /// Words that make a run an organization wherever they stand in it: "Duchy of Cornwall".
    static let organizationWords = WordSet(
        Gazetteer.organizationSuffixes.words.union([
            "Duchy", "Bureau", "Center", "Centre", "Institute", "Ministry", "Department", "Commission", "Council",
            "Committee", "University", "Academy", "Federation", "Association", "Agency", "Authority",
        ]))

    static func classify(_ run: Run) -> (String, NamedEntity.Kind)? {
        let name = run.words.joined(separator: " ")
        if run.titled { return (name, .person) }
        if Gazetteer.places.contains(name) { return (name, .place) }
        if Gazetteer.organizations.contains(name) { return (name, .organization) }
        if let last = run.words.last, run.words.count >= 2, Gazetteer.organizationSuffixes.contains(last) {
            return (name, .organization)
        }
        if run.words.count >= 2, run.words.contains(where: organizationWords.contains),
            !run.words.allSatisfy({ Gazetteer.places.contains($0) || Gazetteer.connectors.contains($0) })
        {
            return (name, .organization)
        }
        if run.words.contains("&") { return (name, .organization) }
        if run.words.count == 1, let b = run.before, familyCues.contains(b), !Gazetteer.places.contains(name),
            !Gazetteer.organizations.contains(name)
        {
            return (name, .person)
        }
        if run.words.count == 1, isAcronym(name), !Gazetteer.nonEntities.contains(name) { return (name, .organization) }
        let nameLike = run.words.allSatisfy { isCapitalizedWord($0, hyphens: true) }
        if (2...3).contains(run.words.count), nameLike, !run.words.contains(where: Gazetteer.places.contains) {
            if let b = run.before, personCues.contains(b) { return (name, .person) }
            if let a = run.after, reportingVerbs.contains(a) { return (name, .person) }
        }
        if let b = run.before, organizationCues.contains(b), !Gazetteer.places.contains(name), !run.sentenceStart {
            return (name, .organization)
        }
        if run.words.count >= 2, run.words.count <= 4, Gazetteer.givenNames.contains(run.words[0]),
            run.words.dropFirst().allSatisfy(startsUppercase)
        {
            return (name, .person)
        }
        return nil
    }

    /// "Yelena Isinbayeva … Isinbayeva said": a two- or three-word name whose last word also
    /// stands alone elsewhere in the article is a person.
    static func repeatedSurname(_ run: Run, singles: Set<String>) -> (String, NamedEntity.Kind)? {
        guard (2...3).contains(run.words.count), let last = run.words.last, singles.contains(last),
            run.words.allSatisfy({ isCapitalizedWord($0, hyphens: false) }),
            !run.words.contains(where: {
                Gazetteer.places.contains($0) || Gazetteer.organizations.contains($0) || organizationWords.contains($0)
            })
        else { return nil }
        return (run.words.joined(separator: " "), .person)
    }

    /// Whether `word`'s first character is uppercase (ASCII decided without Unicode tables).
    @inline(__always)
    static func startsUppercase(_ word: String) -> Bool {
        guard let b = word.utf8.first else { return false }
        if b < 0x80 { return b >= 0x41 && b <= 0x5A }
        return word.first?.isUppercase == true
    }

    /// An uppercase character followed only by lowercase ones (and hyphens, if allowed): "Putin".
    static func isCapitalizedWord(_ word: String, hyphens: Bool) -> Bool {
        let utf8 = word.utf8
        guard let b = utf8.first else { return false }
        if utf8.allSatisfy({ $0 < 0x80 }) {
            return b >= 0x41 && b <= 0x5A
                && utf8.dropFirst().allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || (hyphens && $0 == 0x2D) }
        }
        return word.first?.isUppercase == true && word.dropFirst().allSatisfy { $0.isLowercase || (hyphens && $0 == "-") }
    }

    static func isAcronym(_ word: String) -> Bool {
        let scalars = word.unicodeScalars
        return (2...6).contains(scalars.count) && scalars.allSatisfy { ("A"..."Z").contains($0) }
    }

    /// Words that may stand before a title ("Prime Minister", "Foreign Secretary").
    static let titleModifiers: WordSet = [
        "Prime", "Foreign", "Home", "Vice", "Deputy", "Chief", "Shadow", "Former", "Defence", "Health", "Trade",
        "Culture", "Education", "Finance", "Interior", "Culture", "Acting", "First", "Attorney", "Lord", "Crown",
    ]

    /// Titles that never belong inside a name.
    static let strictTitles: WordSet = ["Mr", "Mrs", "Ms", "Miss", "Dr", "President", "Sir", "Dame"]

    /// Abbreviations whose full stop does not end a sentence.
    static let abbreviations: WordSet = ["St", "Mr", "Mrs", "Ms", "Dr", "Jr", "Gen", "Sen", "Rep", "Prof", "Capt", "Col"]

    /// Bytes of an opening quote or bracket (" ' ( [ “ ‘) at the start of `w[lo..<hi]`, if any.
    @inline(__always)
    static func openingMarkWidth(_ w: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int) -> Int? {
        guard lo < hi else { return nil }
        let b = w[lo]
        if b == 0x22 || b == 0x27 || b == 0x28 || b == 0x5B { return 1 }
        if b == 0xE2, hi - lo >= 3, w[lo + 1] == 0x80, w[lo + 2] == 0x9C || w[lo + 2] == 0x98 { return 3 }
        return nil
    }

    /// Bytes of a possessive ending ('s ’s ' ’) of `w[lo..<hi]` with something before it, if any.
    @inline(__always)
    static func possessiveWidth(_ w: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int) -> Int? {
        let n = hi - lo
        guard n >= 2 else { return nil }
        if n > 4, w[hi - 4] == 0xE2, w[hi - 3] == 0x80, w[hi - 2] == 0x99, w[hi - 1] == 0x73 { return 4 }
        if n > 2, w[hi - 2] == 0x27, w[hi - 1] == 0x73 { return 2 }
        if n > 3, w[hi - 3] == 0xE2, w[hi - 2] == 0x80, w[hi - 1] == 0x99 { return 3 }
        if w[hi - 1] == 0x27 { return 1 }
        return nil
    }

    /// Bytes of a closing mark (. , ; : ! ? " ' ) ] ” ’) at the end of `w[lo..<hi]`, and whether
    /// it ends a sentence, if any.
    @inline(__always)
    static func closingMarkWidth(_ w: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int) -> (Int, Bool)? {
        guard lo < hi else { return nil }
        switch w[hi - 1] {
        case 0x2E, 0x21, 0x3F: return (1, true)
        case 0x2C, 0x3B, 0x3A, 0x22, 0x27, 0x29, 0x5D: return (1, false)
        case 0x9D, 0x99:
            guard hi - lo >= 3 else { return nil }
            return w[hi - 3] == 0xE2 && w[hi - 2] == 0x80 ? (3, false) : nil
        default: return nil
        }
    }

    /// Runs of capitalized words in one paragraph.
    static func candidateRuns(_ text: String) -> [Run] {
        // Words are split on the UTF-8 bytes (splitting Characters would segment graphemes for
        // nothing), by offsets; a String is made only for a word the rules look at.
        var scanner = RunScanner()
        var copy = text
        copy.withUTF8 { scanner.scan($0) }
        scanner.close()
        return scanner.runs
    }

    /// The state of `candidateRuns` over one paragraph. A struct with mutating methods rather
    /// than locals captured by a nested function: captured variables are boxed, and every
    /// access to a box pays a run-time exclusivity check (a sixth of the entity rules' time).
    struct RunScanner {
        var runs: [Run] = []
        var current: [String] = []
        var titled = false
        var titleBuffer: [String] = []
        var runStartsSentence = false
        var atSentenceStart = true
        /// The last plain lowercase word, kept as its bytes' offsets (or, when lowercasing
        /// changed it, as text): a String is made only when a name follows it.
        enum Plain {
            case bytes(Int, Int)
            case text(String)
        }
        var previousPlain: Plain? = nil
        var runBefore: String? = nil
        var skipTitleOf = false

        mutating func close(after: String? = nil) {
            if current.isEmpty, !titleBuffer.isEmpty, !Gazetteer.personTitles.contains(titleBuffer.last!) {
                current = titleBuffer  // "Home" alone was not a title after all.
            }
            titleBuffer = []
            // Trailing connectors ("Bank of") are not part of a name.
            while let last = current.last, Gazetteer.connectors.contains(last) { current.removeLast() }
            while current.count > 1, let first = current.first, leadingNonName.contains(first) { current.removeFirst() }
            if current.first == "The" { current.removeFirst() }
            // "US Federal Bureau of Investigation": a place, then an organization.
            if current.count >= 3, Gazetteer.places.contains(current[0]),
                current.dropFirst().contains(where: organizationWords.contains)
            {
                runs.append(
                    Run(words: [current[0]], titled: false, sentenceStart: runStartsSentence, before: runBefore, after: nil))
                current.removeFirst()
                runBefore = nil
            }
            if !current.isEmpty, !(current.count == 1 && Gazetteer.nonEntities.contains(current[0])) {
                runs.append(
                    Run(words: current, titled: titled, sentenceStart: runStartsSentence, before: runBefore, after: after))
            }
            current = []
            titled = false
        }

        @inline(__always)
        static func string(_ buf: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int) -> String {
            String(decoding: UnsafeBufferPointer(rebasing: buf[lo..<hi]), as: UTF8.self)
        }

        mutating func scan(_ buf: UnsafeBufferPointer<UInt8>) {
            let n = buf.count
            var cursor = 0
            while cursor < n {
                if buf[cursor] == 0x20 || buf[cursor] == 0x0A {
                    cursor += 1
                    continue
                }
                let wordStart = cursor
                while cursor < n, buf[cursor] != 0x20, buf[cursor] != 0x0A { cursor += 1 }
                // Fast path for most words: lowercase ASCII letters (and hyphens), no punctuation,
                // outside a title. Same outcome as the general path below, without its checks.
                if !skipTitleOf, titleBuffer.isEmpty, buf[wordStart] >= 0x61, buf[wordStart] <= 0x7A,
                    UnsafeBufferPointer(rebasing: buf[wordStart..<cursor]).allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x2D }
                    )
                {
                    if !current.isEmpty {
                        let w = Self.string(buf, wordStart, cursor)
                        if Gazetteer.connectors.contains(w)
                            || ((w == "for" || w == "on") && current.contains(where: organizationWords.contains))
                        {
                            current.append(w)
                        } else {
                            close(after: w)
                        }
                    }
                    previousPlain = .bytes(wordStart, cursor)
                    atSentenceStart = false
                    continue
                }
                // Punctuation is peeled off as UTF-8 bytes: quotes, brackets, possessives, stops.
                var lo = wordStart
                var hi = cursor
                var endsSentence = false
                var breaksAfter = false
                while let width = openingMarkWidth(buf, lo, hi) {
                    lo += width
                    close()
                }
                var possessive = false
                if let width = possessiveWidth(buf, lo, hi) {
                    hi -= width
                    possessive = true
                }
                while let (width, stop) = closingMarkWidth(buf, lo, hi) {
                    if stop { endsSentence = true }
                    breaksAfter = true
                    hi -= width
                }
                let w = Self.string(buf, lo, hi)
                // Abbreviations are two to four bytes and capitalized: most words skip the look-up.
                if (2...4).contains(hi - lo), buf[lo] >= 0x41, buf[lo] <= 0x5A, abbreviations.contains(w) {
                    endsSentence = false  // "St. Petersburg", "Dr. Smith"
                    breaksAfter = possessive
                }
                if possessive { breaksAfter = true }
                let capitalized: Bool
                if lo < hi, buf[lo] < 0x80 {
                    capitalized = buf[lo] >= 0x41 && buf[lo] <= 0x5A
                } else {
                    capitalized = w.first?.isUppercase == true && w.contains(where: { $0.isLetter })
                }
                if skipTitleOf {
                    // "Prince of Wales", "Duke of York": a title, not a place.
                    skipTitleOf = false
                    if capitalized {
                        titleBuffer = []
                        previousPlain = nil
                        if breaksAfter || endsSentence { close() }
                        atSentenceStart = endsSentence
                        continue
                    }
                }
                if w == "of", current.isEmpty, let t = titleBuffer.last, Gazetteer.personTitles.contains(t) {
                    skipTitleOf = true
                    continue
                }
                if current.isEmpty, titleBuffer.isEmpty, capitalized {
                    switch previousPlain {
                    case .bytes(let from, let to)?: runBefore = Self.string(buf, from, to)
                    case .text(let t)?: runBefore = t
                    case nil: runBefore = nil
                    }
                }

                if capitalized, !current.isEmpty, !possessive, !breaksAfter, strictTitles.contains(w) {
                    close()  // "… and Mr Trump": a title starts a new name.
                }
                if capitalized, current.isEmpty, !possessive, !breaksAfter,
                    Gazetteer.personTitles.contains(w) || titleModifiers.contains(w)
                        || (w == "Executive" && titleBuffer == ["Chief"])
                {
                    if titleBuffer.isEmpty { runStartsSentence = atSentenceStart }
                    titleBuffer.append(w)
                } else if capitalized {
                    if current.isEmpty {
                        if let last = titleBuffer.last, Gazetteer.personTitles.contains(last) || last == "Executive" {
                            titled = true
                        } else {
                            current = titleBuffer  // "Home Office": the modifier starts the name.
                            runStartsSentence = titleBuffer.isEmpty ? atSentenceStart : runStartsSentence
                        }
                        titleBuffer = []
                    }
                    current.append(w)
                } else if !current.isEmpty, !breaksAfter,
                    Gazetteer.connectors.contains(w) || w == "&"
                        || ((w == "for" || w == "on") && current.contains(where: organizationWords.contains))
                {
                    current.append(w)
                } else if !current.isEmpty || !titleBuffer.isEmpty {
                    close(after: w.lowercased())  // (with nothing open, closing changes nothing)
                }
                if capitalized || breaksAfter || endsSentence {
                    previousPlain = nil
                } else {
                    // Lowercase ASCII is its own lowercased form: no new String.
                    let plain = UnsafeBufferPointer(rebasing: buf[lo..<hi]).allSatisfy {
                        $0 < 0x80 && !($0 >= 0x41 && $0 <= 0x5A)
                    }
                    previousPlain = plain ? .bytes(lo, hi) : .text(w.lowercased())
                }
                if (breaksAfter || endsSentence) && (!current.isEmpty || !titleBuffer.isEmpty) { close() }
                atSentenceStart = endsSentence
            }
        }
    }
}
