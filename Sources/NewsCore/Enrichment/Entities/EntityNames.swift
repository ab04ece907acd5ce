/// From tagged tokens to an article's entities: names cleaned, a name's kind decided by its
/// mentions, and a surname alone ("Putin", "Mr Putin") counted as the person whose full name
/// ends with it ("Vladimir Putin"). The evaluation applies the same steps to the annotated names,
/// so a recognizer is not marked wrong for a normalization both sides share.
public enum EntityNames {
    /// One mention: a name as written and its kind.
    public struct Mention: Sendable, Equatable {
        public var name: String
        public var kind: NamedEntity.Kind
        /// How many times it occurs, written so.
        public var count: Int
        public init(name: String, kind: NamedEntity.Kind, count: Int = 1) {
            self.name = name
            self.kind = kind
            self.count = count
        }
    }

    /// Words dropped from a name's start: articles, and titles before a person's name.
    static let leadingArticles: Set<String> = ["the", "The", "THE"]
    static let titles: Set<String> = Gazetteer.personTitles.union(EntityExtractor.strictTitles).union([
        "Mr.", "Mrs.", "Ms.", "Dr.", "Prof.", "Gen.", "Sen.", "Rep.", "Gov.", "Capt.", "Col.", "Lt.", "Sgt.", "St.",
        "Judge", "Justice", "King", "Queen", "Prince", "Princess", "Pope",
    ]).subtracting(["St", "St."])

    /// A name as stored: white space single, a leading article or elision ("l'", "d'")
    /// dropped, a person's leading titles dropped ("President Vladimir Putin" → "Vladimir
    /// Putin"), a trailing full stop
    /// dropped unless the name is an abbreviation ("U.S."), "St." written "St". Nil when
    /// nothing that could be a name is left.
    public static func canonical(_ name: String, kind: NamedEntity.Kind) -> String? {
        // Most names need nothing: an ASCII capital first, single spaces, no full stop, no
        // leading article, no title.
        if let first = name.utf8.first, first >= 0x41, first <= 0x5A, isPlain(name.utf8) {
            let firstWord = name.utf8.firstIndex(of: 0x20).map { Substring(name.utf8[..<$0]) } ?? Substring(name)
            if firstWord != "The" && firstWord != "THE" && (kind != .person || !titles.contains(String(firstWord)) || firstWord == Substring(name)) {
                return name
            }
        }
        var words = name.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\u{A0}" }).map(String.init)
        // "d'Emmanuel Macron", "l'Élysée", "dell'Inter", "d'Apple": an elided article or
        // preposition is not the name's. (So a lone "d'Estaing" is stored as "Estaing": in
        // French news a "d'" before a name is far more often "of".)
        if let first = words.first, let width = elisionWidth(first) {
            words[0] = String(decoding: Array(first.utf8.dropFirst(width)), as: UTF8.self)
        }
        while words.count > 1, leadingArticles.contains(words[0]) { words.removeFirst() }
        if kind == .person {
            // "President Putin" is Putin; "Prince of Wales" stays.
            // "Mr d'Artagnan" is d'Artagnan.
            while words.count > 1, titles.contains(words[0]), words[1].first?.isUppercase == true || startsWithParticle(words[1]) {
                words.removeFirst()
            }
        }
        for i in words.indices where words[i] == "St." { words[i] = "St" }
        guard var last = words.last else { return nil }
        // "Smith." at a sentence's end, but not "U.S." or "Inc.".
        if last.hasSuffix("."), last.dropLast().firstIndex(of: ".") == nil, last.count > 2,
            !EntityTokens.abbreviations.contains(String(last.dropLast()))
        {
            last.removeLast()
            words[words.count - 1] = last
        }
        // A name has a word that starts with a capital, or with a particle before one ("d'Artagnan"),
        // not a transcription ("ʒan mɔʁo").
        guard words.contains(where: { $0.first?.isUppercase == true || startsWithParticle($0) }) else { return nil }
        return words.joined(separator: " ")
    }

    /// Whether `word` is a name's word written against a lowercase particle ("d'Artagnan").
    private static func startsWithParticle(_ word: String) -> Bool {
        var word = word
        return word.withUTF8 { EntityTokens.particleBeforeCapital($0, 0, $0.count) }
    }

    /// The bytes of the elision `word` starts with before a capital ("l'" of "l'Élysée").
    private static func elisionWidth(_ word: String) -> Int? {
        var word = word
        return word.withUTF8 { EntityTokens.elisionWidth($0, 0, $0.count) }
    }

    /// No full stop, no white space but single spaces, no space at either end.
    private static func isPlain(_ utf8: String.UTF8View) -> Bool {
        var previousSpace = true
        for b in utf8 {
            if b == 0x2E || b == 0x0A || b == 0x09 || b == 0x0D || b == 0xC2 { return false }
            if b == 0x20 {
                if previousSpace { return false }
                previousSpace = true
            } else {
                previousSpace = false
            }
        }
        return !previousSpace
    }

    /// The entities of a document's mentions, most mentioned first, then by name.
    public static func collect(_ mentions: [Mention]) -> [NamedEntity] {
        // Per name (in the order first seen): mentions by kind, and the kind seen first.
        var index: [String: Int] = [:]
        var names: [String] = []
        var counts: [SIMD4<Int32>] = []
        var firstKind: [Int] = []
        index.reserveCapacity(mentions.count)
        for m in mentions {
            guard let name = canonical(m.name, kind: m.kind) else { continue }
            let lane = Self.lane(m.kind)
            if let i = index[name] {
                counts[i][lane] += Int32(m.count)
            } else {
                index[name] = names.count
                names.append(name)
                var c = SIMD4<Int32>(repeating: 0)
                c[lane] = Int32(m.count)
                counts.append(c)
                firstKind.append(lane)
            }
        }
        var entities: [NamedEntity] = []
        entities.reserveCapacity(names.count)
        for i in names.indices {
            var lane = firstKind[i]
            for k in 0..<3 where counts[i][k] > counts[i][lane] { lane = k }
            entities.append(NamedEntity(name: names[i], kind: NamedEntity.Kind.allCases[lane], mentions: Int(counts[i].wrappedSum())))
        }
        // A one-word person is the first full name (in name order) that ends with it.
        var bySurname: [Substring: Int] = [:]
        for i in entities.indices where entities[i].kind == .person {
            let name = entities[i].name
            guard let space = name.utf8.lastIndex(of: 0x20) else { continue }
            let last = Substring(name.utf8[name.utf8.index(after: space)...])
            if bySurname[last].map({ entities[$0].name > name }) ?? true { bySurname[last] = i }
            // "Valéry Giscard d'Estaing" is also "Estaing" (a name stored without its elision).
            if let width = elisionWidth(String(last)) {
                let bare = Substring(last.utf8.dropFirst(width))
                if bySurname[bare].map({ entities[$0].name > name }) ?? true { bySurname[bare] = i }
            }
        }
        var merged = [Bool](repeating: false, count: entities.count)
        if !bySurname.isEmpty {
            for i in entities.indices where entities[i].kind == .person && !entities[i].name.utf8.contains(0x20) {
                if let full = bySurname[Substring(entities[i].name)] {
                    entities[full].mentions += entities[i].mentions
                    merged[i] = true
                }
            }
        }
        return entities.indices.filter { !merged[$0] }.map { entities[$0] }
            .sorted { ($1.mentions, $0.name) < ($0.mentions, $1.name) }
    }

    @inline(__always)
    static func lane(_ kind: NamedEntity.Kind) -> Int {
        switch kind {
        case .person: 0
        case .organization: 1
        case .place: 2
        }
    }
}

extension EntityModel {
    /// Words that only ever stand before a person's name (not "Dr": "Dr Martens" is a brand;
    /// not "King" or "Prince": "King's College", "Prince Edward Island").
    static let honorifics: Set<String> = ["Mr", "Mrs", "Ms", "Mr.", "Mrs.", "Ms.", "Mx"]

    /// The plurals that end events' names ("Athens Olympics", "Dubai Tennis Championships"),
    /// by `Token.lower`.
    static let eventWords: Set<UInt64> = Set(
        ["olympics", "games", "championships", "awards", "finals", "playoffs", "trials", "series", "oscars", "baftas", "grammys", "emmys",
         "elections", "talks", "wars"].map(EntityTokens.lowerHash))

    /// Plurals that end places' names: the place words' ("Islands", "Gardens", "Roads") and
    /// land's and water's ("Yorkshire Dales", "Norfolk Broads", "Brecon Beacons").
    static let placePlurals: Set<UInt64> = Set(
        EntityGazetteer.placeWords.flatMap { [$0.lowercased(), $0.lowercased() + "s"] }.map(EntityTokens.lowerHash)
            + ["dales", "broads", "beacons", "everglades", "highlands", "lowlands", "moors", "fens", "wolds", "cliffs", "sands", "flats", "rocks",
               "marshes", "glens", "shoals", "narrows", "straits", "reefs", "docks", "meadows", "dunes", "caves", "cays", "waters", "baths",
               "commons", "territories", "provinces", "states", "emirates", "lands", "isles"].map(EntityTokens.lowerHash))

    /// Whether a name is a place's name and a plural ("Boston Red Sox", "Tampa Bay Rays",
    /// "Dallas Cowboys", "New York Times"): a team or a firm, not a place. Not a place's own
    /// entry ("United States"), not a plural of land or water ("Cayman Islands", "Yorkshire
    /// Dales"), nor of people ("San Franciscans"), nor an event's ("Athens Olympics").
    static func isTeam(_ doc: EntityTokens, _ matches: [EntityGazetteer.Match], _ begin: Int, _ end: Int) -> Bool {
        let first = matches[begin]
        guard first.single.contains(.place) || (first.spanStart && first.span.contains(.place)),
            !exactEntry(matches, begin, end).contains(.place)
        else { return false }
        let last = doc.tokens[end - 1]
        guard last.flags.contains(.capitalized), !last.flags.contains(.allCaps), !placePlurals.contains(last.lower), !eventWords.contains(last.lower),
            matches[end - 1].single.isDisjoint(with: [.place, .placeWord, .givenName, .surname]),
            !matches[end - 1].span.contains(.place) || matches[end - 1].spanStart
        else { return false }
        let word = doc.text(end - 1)
        return word.count >= 3 && (word.hasSuffix("s") || word.hasSuffix("Sox")) && !word.hasSuffix("ss") && !word.hasSuffix("ans")
    }

    /// The small words inside names of other languages (not English's "of": "Battle of
    /// Chudnov", "Emperor of Russia" are no names of one kind), by `Token.lower`.
    static let nameConnectors: Set<UInt64> = Set(
        ["de", "da", "du", "des", "del", "della", "di", "dos", "das", "van", "von", "der", "den", "la", "le", "zu", "ter"].map(EntityTokens.lowerHash))

    /// The most tokens a name joined across connectors may have ("Luiz Inácio Lula da Silva"
    /// is five).
    static let maxJoined = 7

    /// Whether a name holds a title or "Mr", or stands right after one.
    static func titled(_ doc: EntityTokens, _ matches: [EntityGazetteer.Match], _ begin: Int, _ end: Int) -> Bool {
        let from = begin > 0 && !doc.tokens[begin].flags.contains(.paragraphStart) ? begin - 1 : begin
        return (from..<end).contains { matches[$0].single.contains(.personTitle) || honorifics.contains(doc.text($0)) }
    }

    /// The months' and days' names and their short forms, by `EntityTokens.Token.lower` (so
    /// "MAY 2019" and "FRIDAY" are dates), the short forms with or without a full stop ("Jan.
    /// 6"); not the short forms that are names or words ("Sun" is a newspaper, "Mar" begins a
    /// place).
    static let dateWords: Set<UInt64> = {
        let words = "january february march april may june july august september october november december jan feb apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday saturday sunday tue tues thu thurs fri"
        let dotted = words.split(separator: " ").filter { $0.count <= 5 }.map { "Go to \($0.prefix(1).uppercased() + $0.dropFirst()). now" }
        var out = Set(EntityTokens(paragraphs: [words]).tokens.map(\.lower))
        for d in dotted { let t = EntityTokens(paragraphs: [d]); out.insert(t.tokens[2].lower) }
        return out
    }()

    /// The mentions tagged in a document, one per distinct name and kind with its count (the
    /// text of a name is made once, however often it occurs).
    static func mentions(_ doc: EntityTokens, _ tags: [Tag], _ matches: [EntityGazetteer.Match]) -> [EntityNames.Mention] {
        var out: [EntityNames.Mention] = []
        var seen: [UInt64: Int] = [:]
        var i = 0
        let n = tags.count
        while i < n {
            guard var kind = tags[i].kind else {
                i += 1
                continue
            }
            var j = Self.nameEnd(tags, i, kind)
            // A name begun right after another, no token between (in one paragraph), goes on
            // it, and its kind is the last part's: the tagger changed its mind about the kind
            // inside one name ("Bataan" a place, then "Peninsula State University" an
            // organization), and an English name's kind is its last word's. Not after a
            // lowercase word or punctuation tagged inside ("Merkel and" is no part of a name),
            // and not a person after something else ("Microsoft" then "CEO Satya Nadella").
            while j < n, tags[j].isBegin, !doc.tokens[j].flags.contains(.paragraphStart), let next = tags[j].kind,
                !doc.tokens[j - 1].flags.isDisjoint(with: [.capitalized, .digit]), next != .person || kind == .person
            {
                kind = next
                j = Self.nameEnd(tags, j, next)
            }
            // A name across one or two of the small words that join other languages' names
            // ("Universidade" "da" "Coruña", "Ursula" "von der" "Leyen", "Philip" "van"
            // "Doren Stern") is one name, of its first part's kind: the head comes first there.
            // Not before a title or "Mr" ("the Ford van Mr Jones had hired"), and no longer
            // than `maxJoined` tokens: a chain of names is no name.
            while true {
                var c = j
                while c < n, c - j < 2, tags[c] == .outside, Self.nameConnectors.contains(doc.tokens[c].lower), !doc.tokens[c].flags.contains(.paragraphStart) { c += 1 }
                guard c > j, c < n, tags[c].isBegin, !doc.tokens[c].flags.contains(.paragraphStart), let next = tags[c].kind,
                    !matches[c].single.contains(.personTitle), !Self.honorifics.contains(doc.text(c))
                else { break }
                let after = Self.nameEnd(tags, c, next)
                guard after - i <= Self.maxJoined else { break }
                j = after
            }
            // A name against a name of another kind is part of it: "Jenna Julien" tagged a
            // person before "Podcast" tagged another name.
            if (i > 0 && tags[i - 1] == .other && !doc.tokens[i].flags.contains(.paragraphStart))
                || (j < n && tags[j] == .other && !doc.tokens[j].flags.contains(.paragraphStart))
            {
                i = j
                continue
            }
            // Trailing punctuation and lowercase words ("in", "of") are no part of a name.
            var end = j
            while end > i + 1, !doc.tokens[end - 1].flags.contains(.capitalized), !doc.tokens[end - 1].flags.contains(.digit) { end -= 1 }
            // A person's leading nationality is no part of the name ("Russian Svetlana
            // Feofanova"), unless it is also a given name ("Christian Lindner").
            var begin = i
            if kind == .person {
                while end - begin > 1, matches[begin].single.contains(.nationality), !matches[begin].single.contains(.givenName) { begin += 1 }
                while end - begin > 1, !doc.tokens[begin].flags.contains(.capitalized) { begin += 1 }
                // So is a word news writes in lowercase before a given name and another word
                // ("Executive Martin Sorrell", "Mathematician Hermann Weyl"; "Mother Teresa",
                // "Amazing Grace" and "Time Warner", a listed name, stay whole).
                while end - begin > 2, matches[begin].single.contains(.commonWord), matches[begin].single.isDisjoint(with: [.givenName, .surname, .personTitle]),
                    matches[begin + 1].single.contains(.givenName), Self.exactEntry(matches, begin, end).isEmpty
                {
                    begin += 1
                }
            }
            // A cited name is an author: "(Thorell, Lindqvist, Bohlin, & Klingberg, 2009)",
            // "Cómbita (2012)". Only a name that opens the brackets or an item of their list
            // (or stands before brackets that open with a year), and never a listed place:
            // "(born in Basel, 1700)", "(London, Paris, 1904)", "France (1998)" stay places.
            if kind == .place, Self.isCitedAuthor(doc, matches, begin, end) { kind = .person }
            // An organization-list entry is an organization ("FSB", "Tass").
            kind = Self.listedKind(matches, begin, end, kind)
            // A place's name and a plural is a team ("Boston Red Sox", "Croydon Harriers").
            if kind == .place, end - begin > 1, Self.isTeam(doc, matches, begin, end) { kind = .organization }
            // An event is no place, organization or person ("Athens Olympics", "European
            // Indoor Championships", "Academy Awards", "Oscars"; "Mr Games" is a person).
            if Self.eventWords.contains(doc.tokens[end - 1].lower),
                kind != .person || (!(begin..<end).contains(where: { matches[$0].single.contains(.givenName) }) && !Self.titled(doc, matches, begin, end))
            {
                i = j
                continue
            }
            // A name that opens with "Mr", "Mrs" or "Ms" is a person's ("Mr Miliband" was
            // tagged a place once).
            if kind != .person, end - begin > 1, Self.honorifics.contains(doc.text(begin)) { kind = .person }
            // A person's name without a given name holds no word that news writes in
            // lowercase, titles aside, unless it is a surname: "Wonderful Life", "Spend Spend
            // Spend" are works; "Captain Tom Moore", "Steve Jobs", "Bill Gates" are people. So
            // are a name with a title or "Mr" in it or before it ("Mr Flight", "Prime Minister
            // Thatcher", "Professor Hawking") and a name of two words or more that ends with a
            // surname ("Sienna Miller", "Tiger Woods": given names the list lacks).
            if kind == .person, !(begin..<end).contains(where: { matches[$0].single.contains(.givenName) }),
                (begin..<end).contains(where: { matches[$0].single.contains(.commonWord) && matches[$0].single.isDisjoint(with: [.surname, .personTitle]) }),
                !Self.titled(doc, matches, begin, end), !(end - begin > 1 && matches[end - 1].single.contains(.surname))
            {
                i = j
                continue
            }
            // A date is no place or organization ("March 1890", "Friday", "6 January"): a
            // month's or a day's name, with numbers.
            if kind != .person, (begin..<end).contains(where: { Self.dateWords.contains(doc.tokens[$0].lower) }),
                (begin..<end).allSatisfy({ Self.dateWords.contains(doc.tokens[$0].lower) || (doc.tokens[$0].flags.contains(.digit) && !doc.tokens[$0].flags.contains(.capitalized)) })
            {
                i = j
                continue
            }
            var key = EntityGazetteer.sequenceSeed &+ UInt64(Tag.begin(kind).rawValue)
            for k in begin..<end { key = EntityGazetteer.extend(key, doc.tokens[k].exact) }
            if let index = seen[key] {
                out[index].count += 1
            } else {
                seen[key] = out.count
                out.append(EntityNames.Mention(name: doc.text(begin, end), kind: kind))
            }
            i = j
        }
        return out
    }

    /// The end of the tagged name that starts at token `i` with `kind`: the first token after
    /// it that is not inside a name of that kind.
    @inline(__always)
    static func nameEnd(_ tags: [Tag], _ i: Int, _ kind: NamedEntity.Kind) -> Int {
        var j = i + 1
        while j < tags.count, tags[j] == Tag.inside(kind) { j += 1 }
        return j
    }

    /// A name that is exactly an entry of the organization list (and of no place list) is an
    /// organization, whatever its context suggests: the list is of agencies, companies and
    /// news media ("FSB", "Tass", "Goldman Sachs").
    static func listedKind(_ matches: [EntityGazetteer.Match], _ start: Int, _ end: Int, _ kind: NamedEntity.Kind) -> NamedEntity.Kind {
        guard kind != .organization else { return kind }
        let entry = exactEntry(matches, start, end)
        return entry.contains(.organization) && !entry.contains(.place) ? .organization : kind
    }

    /// Whether tokens `begin..<end`, tagged a place, are an author's name in a citation.
    static func isCitedAuthor(_ doc: EntityTokens, _ matches: [EntityGazetteer.Match], _ begin: Int, _ end: Int) -> Bool {
        guard (begin..<end).allSatisfy({ doc.tokens[$0].flags.contains(.cited) }) else { return false }
        guard !exactEntry(matches, begin, end).contains(.place) else { return false }
        let listed = begin > 0 && (doc.isByte(begin - 1, 0x28) || doc.isByte(begin - 1, 0x2C) || doc.isByte(begin - 1, 0x3B) || doc.isByte(begin - 1, 0x26) || doc.isWord(begin - 1, "and"))
        let beforeBrackets = end < doc.count && doc.isByte(end, 0x28)
        return listed || beforeBrackets
    }

    /// An abbreviation in brackets right after the name of an organization or a place (as
    /// `mentions` will call it: "Goldman Sachs" an organization by its list) is a name of the
    /// same kind ("European Space Agency (ESA)", "Computing Research Association
    /// (CRA)", "UN Security Council (UNSC)"), and so is every other mention of it in the
    /// document that the tagger left outside a name. Its capitals must be the name's initials
    /// in order (all the letters of a word in capitals): not "Oklahoma (OK)", "Atlanta
    /// (AJC)"; never after a person, where news brackets hold a party, a state or a job
    /// ("Saskia Esken (SPD)", "Rand Paul (R-KY)", "Carl Evans (CEO)"); no abbreviation with a
    /// hyphen or a full stop; nothing across a paragraph.
    /// A word of the organization list that the tagger left outside, written before a word
    /// for a firm, an agency or a team (`organization-cues`), one word between at most: "Tass
    /// news agency says …", at a paragraph's start where the tagger sees little. Not a word
    /// that is also a listed place, a given name, a surname or a common word, nor one right
    /// after a name.
    static func cuedOrganizations(_ doc: EntityTokens, _ matches: [EntityGazetteer.Match], _ tags: inout [Tag]) {
        let n = tags.count
        for i in 0..<n where tags[i] == .outside && (i == 0 || tags[i - 1] == .outside || doc.tokens[i].flags.contains(.paragraphStart)) {
            let m = matches[i]
            guard doc.tokens[i].flags.contains(.capitalized), m.single.contains(.organization), m.single.isDisjoint(with: [.place, .givenName, .surname, .commonWord]) else { continue }
            var k = i + 1
            // One word may stand between: "Tass news agency".
            if k + 1 < n, !doc.tokens[k].flags.contains(.capitalized), !doc.tokens[k].flags.contains(.punctuation), !matches[k].single.contains(.organizationCue) { k += 1 }
            guard k < n, !doc.tokens[k].flags.contains(.paragraphStart), !doc.tokens[i + 1].flags.contains(.paragraphStart), matches[k].single.contains(.organizationCue) else { continue }
            tags[i] = .beginOrganization
        }
    }

    static func linkAbbreviations(_ doc: EntityTokens, _ matches: [EntityGazetteer.Match], _ tags: inout [Tag]) {
        let n = tags.count
        var linked: [String: NamedEntity.Kind] = [:]
        var i = 0
        while i < n {
            guard var kind = tags[i].kind else {
                i += 1
                continue
            }
            let j = Self.nameEnd(tags, i, kind)
            kind = Self.listedKind(matches, i, j, kind)  // the kind `mentions` will give the name
            if kind != .person, j + 2 < n, tags[j + 1] == .outside, doc.isByte(j, 0x28), doc.isByte(j + 2, 0x29),
                !doc.tokens[j].flags.contains(.paragraphStart), !doc.tokens[j + 1].flags.contains(.paragraphStart),
                doc.tokens[j + 1].flags.contains(.capitalized)
            {
                let abbreviation = doc.text(j + 1)
                if !abbreviation.contains("-"), !abbreviation.contains("."), Self.initials(doc, i, j) == Self.capitals(abbreviation) {
                    linked[abbreviation] = kind
                    tags[j + 1] = .begin(kind)
                }
            }
            i = j
        }
        guard !linked.isEmpty else { return }
        for k in 0..<n where tags[k] == .outside && doc.tokens[k].flags.contains(.capitalized) {
            guard k == 0 || tags[k - 1] == .outside, k + 1 == n || tags[k + 1] == .outside, let kind = linked[doc.text(k)] else { continue }
            tags[k] = .begin(kind)
        }
    }

    /// Two names joined by "&" are one organization's name ("Ogilvy & Mather", "Marks &
    /// Spencer"): two names only, each of at most three words, neither of them a place
    /// ("Priest & Washington", "Tempe & Mesa" are two streets, two towns), nor a person's by its
    /// look (`personLike`: "Matt Lucas & David Walliams", "Harry & Meghan", "Trump & Putin"
    /// after "Donald Trump"; "Young & Rubicam" is joined). Not in the title, where "&" is
    /// "and", nor in a paragraph that cites, where the names are authors ("(Miller &
    /// Robertson, 2009)"). A list joined by "&" ("Facebook & Twitter & Sony") is left as it
    /// is. One pass, no step back further than three words; nothing at all without an "&".
    static func joinAmpersands(_ doc: EntityTokens, _ matches: [EntityGazetteer.Match], _ tags: inout [Tag], hasTitle: Bool) {
        let n = tags.count
        guard n > 2, (1..<(n - 1)).contains(where: { doc.isByte($0, 0x26) }) else { return }
        // The paragraph of every token, and the paragraphs that cite.
        var paragraph = [Int32](repeating: 0, count: n)
        var citing = Set<Int32>()
        var p: Int32 = -1
        for k in 0..<n {
            if k == 0 || doc.tokens[k].flags.contains(.paragraphStart) { p += 1 }
            paragraph[k] = p
            if doc.tokens[k].flags.contains(.cited) { citing.insert(p) }
        }
        // The last words of people's names of two words or more.
        var surnames = Set<UInt64>()
        var i = 0
        while i < n {
            guard tags[i].kind == .person, tags[i].isBegin else {
                i += 1
                continue
            }
            let j = Self.nameEnd(tags, i, .person)
            if j - i >= 2 { surnames.insert(doc.tokens[j - 1].exact) }
            i = j
        }
        /// Whether tokens `from..<to` look like a person's name: a title or "Mr" in it; a given
        /// name before another word ("Matt Lucas"), or alone when it is no surname ("Meghan";
        /// "Young", "Spencer" may be a firm's); the end of a person's full name.
        func personLike(_ from: Int, _ to: Int) -> Bool {
            if (from..<to).contains(where: { matches[$0].single.contains(.personTitle) || honorifics.contains(doc.text($0)) }) { return true }
            let first = matches[from].single
            if first.contains(.givenName), to - from > 1 || !first.contains(.surname) { return true }
            return surnames.contains(doc.tokens[to - 1].exact)
        }
        var k = 1
        while k + 1 < n {
            defer { k += 1 }
            guard doc.isByte(k, 0x26), tags[k] == .outside, let left = tags[k - 1].kind, tags[k + 1].isBegin, let right = tags[k + 1].kind,
                left != .place, right != .place, !doc.tokens[k].flags.contains(.paragraphStart), !doc.tokens[k + 1].flags.contains(.paragraphStart),
                !(hasTitle && paragraph[k] == 0), !citing.contains(paragraph[k])
            else { continue }
            // The left name's first word, at most three words back; not a name already joined.
            var start = k - 1
            while start > 0, !tags[start].isBegin, k - start <= 3 { start -= 1 }
            let end = Self.nameEnd(tags, k + 1, right)
            guard tags[start].isBegin, k - start <= 3, end - (k + 1) <= 3,
                !(start > 0 && doc.isByte(start - 1, 0x26)), !(end < n && doc.isByte(end, 0x26)),
                !personLike(start, k), !personLike(k + 1, end)
            else { continue }
            tags[start] = .begin(.organization)
            for x in (start + 1)..<end { tags[x] = .inside(.organization) }
            k = end - 1
        }
    }

    /// The capital letters of a word.
    static func capitals(_ word: String) -> [Unicode.Scalar] { word.unicodeScalars.filter { $0.properties.isUppercase } }

    /// The initials of tokens `from..<to`: a capitalized word's first letter, every letter of a
    /// word in capitals ("UN"), nothing of a lowercase word ("of", "de").
    static func initials(_ doc: EntityTokens, _ from: Int, _ to: Int) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        for k in from..<to where doc.tokens[k].flags.contains(.capitalized) {
            let word = doc.text(k)
            if doc.tokens[k].flags.contains(.allCaps) {
                out += capitals(word)
            } else if let first = word.unicodeScalars.first {
                out.append(first)
            }
        }
        return out
    }

    /// The lists on which tokens `start..<end` together are an entry.
    static func exactEntry(_ matches: [EntityGazetteer.Match], _ start: Int, _ end: Int) -> EntityGazetteer.Lists {
        if end - start == 1 { return matches[start].single }
        guard matches[start].spanStart, !matches[end - 1].span.isEmpty,
            end == matches.count || matches[end].spanStart || matches[end].span.isEmpty
        else { return [] }
        for k in (start + 1)..<end where matches[k].spanStart { return [] }
        return matches[start].span
    }

    /// The people, organizations and places of an article, most mentioned first.
    public func recognize(title: String, paragraphs: [String]) -> [NamedEntity] {
        let doc = EntityTokens(title: title, paragraphs: paragraphs)
        let c = context(doc)
        var tags = tag(c)
        Self.linkAbbreviations(doc, c.matches, &tags)
        Self.cuedOrganizations(doc, c.matches, &tags)
        Self.joinAmpersands(doc, c.matches, &tags, hasTitle: !title.isEmpty)
        return EntityNames.collect(Self.mentions(doc, tags, c.matches))
    }
}
