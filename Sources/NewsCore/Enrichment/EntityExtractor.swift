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

    /// The longest name newsd stores, in UTF-8 bytes. Longer "names" (a 5,000-letter
    /// capitalized word, a heading of capitalized words tagged as one name) are left out: no
    /// name is that long, and PostgreSQL refuses a btree index entry over 2,704 bytes, so one
    /// would fail its article's insert.
    public static let maxNameBytes = 200

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
        var scanner = RunScanner()
        scanner.scan(title)
        for paragraph in paragraphs { scanner.scan(paragraph) }
        let runs = scanner.runs

        // An entity's kind is the first one found for its name.
        var found: [String: NamedEntity] = [:]
        var pendingSingles: [Run] = []
        // Persons first, so surnames can be linked in a second pass.
        // Lone surnames that look like a person's: after a title or next to "said".
        var singles = Set<String>()
        for r in runs where r.words.count == 1 && (r.titled || r.before.contains(.saying) || r.after.contains(.saying)) {
            singles.insert(r.words[0].text)
        }
        for run in runs {
            guard let (name, kind) = classify(run) ?? repeatedSurname(run, singles: singles) else {
                if run.words.count == 1 { pendingSingles.append(run) }
                continue
            }
            if kind == .person, run.words.count == 1 {
                pendingSingles.append(run)  // "Mr Putin": resolve after full names are known.
                continue
            }
            found[name, default: NamedEntity(name: name, kind: kind, mentions: 0)].mentions += 1
        }
        // A surname's person: the first full name, in name order, that ends with it.
        var bySurname: [String: String] = [:]
        for full in found.values.filter({ $0.kind == .person }).map(\.name).sorted() {
            let last = full.lastIndex(of: " ").map { String(full[full.index(after: $0)...]) } ?? full
            if bySurname[last] == nil { bySurname[last] = full }
        }
        for run in pendingSingles {
            let word = run.words[0].text
            if let full = bySurname[word] {
                found[full]!.mentions += 1
            } else if run.titled || run.before.contains(.familyCue) {
                found[word, default: NamedEntity(name: word, kind: .person, mentions: 0)].mentions += 1
            }
        }
        return found.values.sorted { ($1.mentions, $0.name) < ($0.mentions, $1.name) }
    }

    /// Verbs of saying that mark a lone capitalized word next to them as a surname.
    static let sayings: Set<String> = ["said", "says", "told", "added"]
    /// Verbs after a two- or three-word name that make it a person's ("Tony Blair said").
    static let reportingVerbs: Set<String> = ["said", "says", "told", "added", "explained", "wrote"]

    /// A word of a candidate name, with the lists it is on.
    struct Word {
        var text: String
        var roles: Roles
    }

    struct Run {
        var words: [Word]
        /// A person's title stood before the run.
        var titled: Bool
        /// The run opens a sentence (its capital may be only grammar).
        var sentenceStart: Bool
        /// The lists of the lowercase word just before the run ("sculptor", "company"); empty
        /// if there was none.
        var before: Roles = []
        /// The lists of the word just after the run ("said"), if the run ended at a plain word.
        var after: Roles = []
    }

    /// The word lists a word is on. Every word the rules look at is looked up once, in
    /// `lexicon`, instead of once per list.
    struct Roles: OptionSet {
        let rawValue: UInt32
        static let place = Roles(rawValue: 1 << 0)
        static let organization = Roles(rawValue: 1 << 1)
        static let organizationSuffix = Roles(rawValue: 1 << 2)
        static let organizationWord = Roles(rawValue: 1 << 3)
        static let connector = Roles(rawValue: 1 << 4)
        static let nonEntity = Roles(rawValue: 1 << 5)
        static let givenName = Roles(rawValue: 1 << 6)
        static let personTitle = Roles(rawValue: 1 << 7)
        static let titleModifier = Roles(rawValue: 1 << 8)
        static let strictTitle = Roles(rawValue: 1 << 9)
        static let abbreviation = Roles(rawValue: 1 << 10)
        static let leadingNonName = Roles(rawValue: 1 << 11)
        static let personCue = Roles(rawValue: 1 << 12)
        static let organizationCue = Roles(rawValue: 1 << 13)
        static let familyCue = Roles(rawValue: 1 << 14)
        static let saying = Roles(rawValue: 1 << 15)
        static let reportingVerb = Roles(rawValue: 1 << 16)
    }

    /// The word lists and the role each gives its words.
    static let lists: [(words: Set<String>, role: Roles)] = [
        (Gazetteer.places, .place), (Gazetteer.organizations, .organization),
        (Gazetteer.organizationSuffixes, .organizationSuffix), (organizationWords, .organizationWord),
        (Gazetteer.connectors, .connector), (Gazetteer.nonEntities, .nonEntity), (Gazetteer.givenNames, .givenName),
        (Gazetteer.personTitles, .personTitle), (titleModifiers, .titleModifier), (strictTitles, .strictTitle),
        (abbreviations, .abbreviation), (leadingNonName, .leadingNonName), (personCues, .personCue),
        (organizationCues, .organizationCue), (familyCues, .familyCue), (sayings, .saying),
        (reportingVerbs, .reportingVerb),
    ]

    /// Every word and name of the lists, with the lists it is on.
    static let lexicon = WordMap(lists.flatMap { list in list.words.map { ($0, list.role) } }, combine: { $0.union($1) })

    /// The lists `word` is on.
    @inline(__always)
    static func roles(_ word: String) -> Roles { lexicon.value(word) ?? [] }

    /// The lists the word whose UTF-8 is `utf8` is on.
    @inline(__always)
    static func roles(utf8: UnsafeBufferPointer<UInt8>) -> Roles { lexicon.value(utf8: utf8) ?? [] }

    /// Lowercase words that introduce a person's name: "sculptor Richard Wentworth".
    static let personCues: Set<String> = [
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
    static let familyCues: Set<String> = ["brother", "sister", "father", "mother", "son", "daughter", "wife", "husband"]
    /// Leading words that are not part of the name after them: "A Christmas tree", "Russian Svetlana Feofanova".
    static let leadingNonName: Set<String> = [
        "A", "An", "As", "The", "Russian", "American", "British", "French", "German", "Spanish", "Italian", "Chinese",
        "Japanese", "Indian", "Irish", "Scottish", "English", "Welsh", "Australian", "Canadian", "Brazilian", "Dutch",
        "Swedish", "Polish", "Israeli", "Iraqi", "Iranian", "Afghan", "Pakistani", "Ukrainian", "European", "African",
        "Asian", "Olympic", "Former", "Veteran", "Labour", "Tory", "Conservative", "Democrat", "Republican",
    ]

    /// Lowercase words that introduce an organization's name: "marketing company Doubleclick".
    static let organizationCues: Set<String> = [
        "company", "firm", "group", "giant", "maker", "manufacturer", "retailer", "bank", "airline", "carrier",
        "operator", "network", "broadcaster", "publisher", "label", "studio", "studios", "agency", "club",
        "side", "team", "supermarket", "chain", "insurer", "lender", "brewer", "producer", "provider",
        "conglomerate", "startup", "website", "site", "newspaper", "magazine", "charity", "union", "party",
        "rival", "rivals",
    ]
    /// Words that make a run an organization wherever they stand in it: "Duchy of Cornwall".
    static let organizationWords: Set<String> = Gazetteer.organizationSuffixes.union([
            "Duchy", "Bureau", "Center", "Centre", "Institute", "Ministry", "Department", "Commission", "Council",
            "Committee", "University", "Academy", "Federation", "Association", "Agency", "Authority",
        ])

    static func classify(_ run: Run) -> (String, NamedEntity.Kind)? {
        let words = run.words
        let name = joined(words)
        if run.titled { return (name, .person) }
        // The lists the whole name is on (a one-word name's are its word's).
        let whole = words.count == 1 ? words[0].roles : roles(name)
        if whole.contains(.place) { return (name, .place) }
        if whole.contains(.organization) { return (name, .organization) }
        if words.count >= 2, words[words.count - 1].roles.contains(.organizationSuffix) {
            return (name, .organization)
        }
        if words.count >= 2, words.contains(where: { $0.roles.contains(.organizationWord) }),
            !words.allSatisfy({ !$0.roles.isDisjoint(with: [.place, .connector]) })
        {
            return (name, .organization)
        }
        if words.contains(where: { $0.text == "&" }) { return (name, .organization) }
        if words.count == 1, run.before.contains(.familyCue), whole.isDisjoint(with: [.place, .organization]) {
            return (name, .person)
        }
        if words.count == 1, isAcronym(name), !whole.contains(.nonEntity) { return (name, .organization) }
        if (2...3).contains(words.count), words.allSatisfy({ isCapitalizedWord($0.text, hyphens: true) }),
            !words.contains(where: { $0.roles.contains(.place) })
        {
            if run.before.contains(.personCue) { return (name, .person) }
            if run.after.contains(.reportingVerb) { return (name, .person) }
        }
        if run.before.contains(.organizationCue), !whole.contains(.place), !run.sentenceStart {
            return (name, .organization)
        }
        if words.count >= 2, words.count <= 4, words[0].roles.contains(.givenName),
            words.dropFirst().allSatisfy({ startsUppercase($0.text) })
        {
            return (name, .person)
        }
        return nil
    }

    /// The words of a name with a space between each two.
    static func joined(_ words: [Word]) -> String {
        var name = words[0].text
        for word in words.dropFirst() {
            name += " "
            name += word.text
        }
        return name
    }

    /// "Yelena Isinbayeva … Isinbayeva said": a two- or three-word name whose last word also
    /// stands alone elsewhere in the article is a person.
    static func repeatedSurname(_ run: Run, singles: Set<String>) -> (String, NamedEntity.Kind)? {
        guard (2...3).contains(run.words.count), let last = run.words.last, singles.contains(last.text),
            run.words.allSatisfy({ isCapitalizedWord($0.text, hyphens: false) }),
            !run.words.contains(where: { !$0.roles.isDisjoint(with: [.place, .organization, .organizationWord]) })
        else { return nil }
        return (joined(run.words), .person)
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
    static let titleModifiers: Set<String> = [
        "Prime", "Foreign", "Home", "Vice", "Deputy", "Chief", "Shadow", "Former", "Defence", "Health", "Trade",
        "Culture", "Education", "Finance", "Interior", "Culture", "Acting", "First", "Attorney", "Lord", "Crown",
    ]

    /// Titles that never belong inside a name.
    static let strictTitles: Set<String> = ["Mr", "Mrs", "Ms", "Miss", "Dr", "President", "Sir", "Dame"]

    /// Abbreviations whose full stop does not end a sentence.
    static let abbreviations: Set<String> = ["St", "Mr", "Mrs", "Ms", "Dr", "Jr", "Gen", "Sen", "Rep", "Prof", "Capt", "Col"]

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

    /// Finds the runs of capitalized words of an article's paragraphs, one `scan` per paragraph.
    /// A struct with mutating methods rather than locals captured by a nested function:
    /// captured variables are boxed, and every access to a box pays a run-time exclusivity
    /// check (a sixth of the entity rules' time).
    struct RunScanner {
        var runs: [Run] = []
        var current: [Word] = []
        var titled = false
        var titleBuffer: [Word] = []
        var runStartsSentence = false
        var atSentenceStart = true
        /// The last plain lowercase word, kept as its bytes' offsets (or, when lowercasing
        /// changed it, as text): it is looked up only when a name follows it.
        enum Plain {
            case bytes(Int, Int)
            case text(String)
        }
        var previousPlain: Plain? = nil
        var runBefore: Roles = []
        var skipTitleOf = false

        /// Adds the runs of one paragraph. Words are split on the UTF-8 bytes (splitting
        /// Characters would segment graphemes for nothing), by offsets; a String is made only
        /// for a word the rules look at.
        mutating func scan(_ text: String) {
            titled = false
            runStartsSentence = false
            atSentenceStart = true
            previousPlain = nil
            runBefore = []
            skipTitleOf = false
            var copy = text
            copy.withUTF8 { scan($0) }
            close()
        }

        mutating func close(after: Roles = []) {
            if current.isEmpty, let last = titleBuffer.last, !last.roles.contains(.personTitle) {
                current = titleBuffer  // "Home" alone was not a title after all.
            }
            titleBuffer = []
            // Trailing connectors ("Bank of") are not part of a name.
            while let last = current.last, last.roles.contains(.connector) { current.removeLast() }
            while current.count > 1, current[0].roles.contains(.leadingNonName) { current.removeFirst() }
            if current.first?.text == "The" { current.removeFirst() }
            // "US Federal Bureau of Investigation": a place, then an organization.
            if current.count >= 3, current[0].roles.contains(.place),
                current.dropFirst().contains(where: { $0.roles.contains(.organizationWord) })
            {
                runs.append(Run(words: [current[0]], titled: false, sentenceStart: runStartsSentence, before: runBefore))
                current.removeFirst()
                runBefore = []
            }
            if !current.isEmpty, !(current.count == 1 && current[0].roles.contains(.nonEntity)) {
                runs.append(Run(words: current, titled: titled, sentenceStart: runStartsSentence, before: runBefore, after: after))
            }
            current = []
            titled = false
        }

        @inline(__always)
        static func bytes(_ buf: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int) -> UnsafeBufferPointer<UInt8> {
            UnsafeBufferPointer(rebasing: buf[lo..<hi])
        }

        @inline(__always)
        static func string(_ buf: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int) -> String {
            String(decoding: bytes(buf, lo, hi), as: UTF8.self)
        }

        /// Whether the name so far holds a word that makes it an organization's.
        var currentHasOrganizationWord: Bool { current.contains { $0.roles.contains(.organizationWord) } }

        mutating func scan(_ buf: UnsafeBufferPointer<UInt8>) {
            let n = buf.count
            var cursor = 0
            while cursor < n {
                if buf[cursor] == 0x20 || buf[cursor] == 0x0A {
                    cursor += 1
                    continue
                }
                let wordStart = cursor
                // Whether every byte is a lowercase ASCII letter or a hyphen, found on the way.
                var lowercase = true
                while cursor < n {
                    let b = buf[cursor]
                    if b == 0x20 || b == 0x0A { break }
                    lowercase = lowercase && ((b >= 0x61 && b <= 0x7A) || b == 0x2D)
                    cursor += 1
                }
                // Fast path for most words: lowercase ASCII letters (and hyphens), no punctuation,
                // outside a title. Same outcome as the general path below, without its checks.
                if lowercase, !skipTitleOf, titleBuffer.isEmpty, buf[wordStart] >= 0x61, buf[wordStart] <= 0x7A {
                    if !current.isEmpty {
                        let word = Self.bytes(buf, wordStart, cursor)
                        let wordRoles = roles(utf8: word)
                        if wordRoles.contains(.connector) {
                            current.append(Word(text: Self.string(buf, wordStart, cursor), roles: wordRoles))
                        } else if Self.isForOrOn(word), currentHasOrganizationWord {
                            current.append(Word(text: Self.string(buf, wordStart, cursor), roles: wordRoles))
                        } else {
                            close(after: wordRoles)
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
                // "d'Emmanuel Macron", "l'Élysée", "Berlin d'Angela Merkel": an elided article
                // or preposition is peeled off, and ends the name before it, as an opening
                // mark does; a title waiting stays ("Mr d'Artagnan"). (English text's "Giscard
                // d'Estaing" and "Côte d'Ivoire" are cut there, as they were before; French
                // text's "X d'Y" is mostly two names.)
                if let width = EntityTokens.elisionWidth(buf, lo, hi) {
                    lo += width
                    if !current.isEmpty { close() }
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
                let word = Word(text: w, roles: roles(utf8: Self.bytes(buf, lo, hi)))
                if word.roles.contains(.abbreviation) {
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
                if w == "of", current.isEmpty, let t = titleBuffer.last, t.roles.contains(.personTitle) {
                    skipTitleOf = true
                    continue
                }
                if current.isEmpty, titleBuffer.isEmpty, capitalized {
                    switch previousPlain {
                    case .bytes(let from, let to)?: runBefore = roles(utf8: Self.bytes(buf, from, to))
                    case .text(let t)?: runBefore = roles(t)
                    case nil: runBefore = []
                    }
                }

                if capitalized, !current.isEmpty, !possessive, !breaksAfter, word.roles.contains(.strictTitle) {
                    close()  // "… and Mr Trump": a title starts a new name.
                }
                if capitalized, current.isEmpty, !possessive, !breaksAfter,
                    !word.roles.isDisjoint(with: [.personTitle, .titleModifier])
                        || (w == "Executive" && titleBuffer.count == 1 && titleBuffer[0].text == "Chief")
                {
                    if titleBuffer.isEmpty { runStartsSentence = atSentenceStart }
                    titleBuffer.append(word)
                } else if capitalized {
                    if current.isEmpty {
                        if let last = titleBuffer.last, last.roles.contains(.personTitle) || last.text == "Executive" {
                            titled = true
                        } else {
                            current = titleBuffer  // "Home Office": the modifier starts the name.
                            runStartsSentence = titleBuffer.isEmpty ? atSentenceStart : runStartsSentence
                        }
                        titleBuffer = []
                    }
                    current.append(word)
                } else if !current.isEmpty, !breaksAfter,
                    word.roles.contains(.connector) || w == "&" || ((w == "for" || w == "on") && currentHasOrganizationWord)
                {
                    current.append(word)
                } else if !current.isEmpty || !titleBuffer.isEmpty {
                    close(after: roles(w.lowercased()))  // (with nothing open, closing changes nothing)
                }
                if capitalized || breaksAfter || endsSentence {
                    previousPlain = nil
                } else {
                    // Lowercase ASCII is its own lowercased form: no new String.
                    let plain = Self.bytes(buf, lo, hi).allSatisfy { $0 < 0x80 && !($0 >= 0x41 && $0 <= 0x5A) }
                    previousPlain = plain ? .bytes(lo, hi) : .text(w.lowercased())
                }
                if (breaksAfter || endsSentence) && (!current.isEmpty || !titleBuffer.isEmpty) { close() }
                atSentenceStart = endsSentence
            }
        }

        /// Whether `word` is "for" or "on".
        @inline(__always)
        static func isForOrOn(_ word: UnsafeBufferPointer<UInt8>) -> Bool {
            word.count == 2 && word[0] == 0x6F && word[1] == 0x6E
                || word.count == 3 && word[0] == 0x66 && word[1] == 0x6F && word[2] == 0x72
        }
    }
}
