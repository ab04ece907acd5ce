/// The name lists the entity model's features look up (docs/ENRICHMENT.md): places, given
/// names, surnames, organizations, titles and cue words. They are saved in the model file, so a
/// model always sees the lists it was trained with. A list entry may have several words ("New
/// Hampshire"); a document's tokens are matched against the entries longest first.
struct EntityGazetteer: Sendable {
    /// What a list says about a word or name.
    struct Lists: OptionSet, Sendable, Hashable {
        let rawValue: UInt16
        static let place = Lists(rawValue: 1 << 0)
        static let givenName = Lists(rawValue: 1 << 1)
        static let surname = Lists(rawValue: 1 << 2)
        static let organization = Lists(rawValue: 1 << 3)
        /// "Mr", "President", "Judge": a person's name may follow.
        static let personTitle = Lists(rawValue: 1 << 4)
        /// "Bank", "Party", "Ltd": ends an organization's name.
        static let organizationWord = Lists(rawValue: 1 << 5)
        /// "sculptor", "spokesman": a lowercase word before a person's name.
        static let personCue = Lists(rawValue: 1 << 6)
        /// "company", "carrier": a lowercase word before an organization's name.
        static let organizationCue = Lists(rawValue: 1 << 7)
        /// "said", "told": after a person's name.
        static let saying = Lists(rawValue: 1 << 8)
        /// "in", "from", "near": before a place.
        static let placeCue = Lists(rawValue: 1 << 9)
        /// Demonyms and adjectives of places: "Russian", "Swiss".
        static let nationality = Lists(rawValue: 1 << 10)
        /// Words mostly written lowercase inside sentences of news text: a capital on one is
        /// grammar or a heading more often than a name.
        static let commonWord = Lists(rawValue: 1 << 11)
        /// Words nearly always capitalized inside sentences of news text: names.
        static let properWord = Lists(rawValue: 1 << 12)
        /// "Street", "Island", "Airport": ends a place's name.
        static let placeWord = Lists(rawValue: 1 << 13)

        static let count = 14
        /// Not a list: the word begins an entry of several words (only in the table, never
        /// in a `Match`).
        static let startsLonger = Lists(rawValue: 1 << 15)

        /// The names of the lists in the model file, by bit.
        /// (The names of the files in config/gazetteers/ without ".txt".)
        static let names = [
            "places", "given-names", "surnames", "organizations", "person-titles", "organization-words", "person-cues",
            "organization-cues", "sayings", "place-cues", "nationalities", "common-words", "proper-words", "place-words",
        ]
    }

    /// The entries of each list, as written (for the model file).
    let entries: [String: [String]]
    /// Token-sequence hash (`sequenceHash`) of every entry that starts with a capital → its
    /// lists; a first word of a longer entry is marked `startsLonger`.
    private let names: HashTable64<Lists>
    /// The same for the entries that start lowercase (cue words: a few hundred, looked up for
    /// every lowercase token, so kept apart from the tens of thousands of names).
    private let cues: HashTable64<Lists>
    /// The most tokens any entry has.
    let maxTokens: Int

    /// Lists from their entries by list name (`Lists.names`); unknown names are ignored.
    init(entries: [String: [String]]) {
        self.entries = entries
        var names: [UInt64: Lists] = [:]
        var cues: [UInt64: Lists] = [:]
        var longest = 1
        for (name, words) in entries {
            guard let bit = Lists.names.firstIndex(of: name) else { continue }
            let list = Lists(rawValue: 1 << UInt16(bit))
            for entry in words {
                let tokens = EntityTokens(paragraphs: [entry])
                guard tokens.count > 0, tokens.count <= 8 else { continue }
                var h = Self.sequenceSeed
                for t in tokens.tokens { h = Self.extend(h, t.exact) }
                if tokens.tokens[0].flags.contains(.capitalized) {
                    names[h, default: []].formUnion(list)
                    if tokens.count > 1 { names[Self.extend(Self.sequenceSeed, tokens.tokens[0].exact), default: []].formUnion(.startsLonger) }
                } else if tokens.count == 1 {
                    cues[h, default: []].formUnion(list)
                }
                longest = max(longest, tokens.count)
            }
        }
        self.names = HashTable64(names)
        self.cues = HashTable64(cues)
        maxTokens = longest
    }

    static let sequenceSeed: UInt64 = 0x9e37_79b9_7f4a_7c15

    @inline(__always)
    static func extend(_ h: UInt64, _ token: UInt64) -> UInt64 {
        var x = (h ^ token) &* 0xff51_afd7_ed55_8ccd
        x ^= x >> 33
        return x
    }

    /// Per token: the lists of the word alone, and the lists of the longest multi-word entry
    /// covering it (with whether it is that entry's first token).
    struct Match {
        var single: Lists = []
        var span: Lists = []
        var spanStart = false
    }

    /// Matches every token of a document.
    func match(_ doc: EntityTokens) -> [Match] {
        let tokens = doc.tokens
        var out = [Match](repeating: Match(), count: tokens.count)
        var i = 0
        var spanEnd = 0
        while i < tokens.count {
            let t = tokens[i]
            let first = Self.extend(Self.sequenceSeed, t.exact)
            guard t.flags.contains(.capitalized) else {
                if !t.flags.contains(.punctuation) { out[i].single = cues.lookup(first) ?? [] }
                i += 1
                continue
            }
            let lists = names.lookup(first) ?? []
            out[i].single = lists.subtracting(.startsLonger)
            if i >= spanEnd, lists.contains(.startsLonger) {
                var h = first
                var best = 0
                var bestLists: Lists = []
                var j = i + 1
                while j < tokens.count, j - i < maxTokens {
                    h = Self.extend(h, tokens[j].exact)
                    j += 1
                    if let found = names.lookup(h), found != .startsLonger {
                        best = j
                        bestLists = found.subtracting(.startsLonger)
                    }
                }
                if best > 0 {
                    for k in i..<best {
                        out[k].span = bestLists
                        out[k].spanStart = k == i
                    }
                    spanEnd = best
                }
            }
            i += 1
        }
        return out
    }
}

extension EntityGazetteer {
    /// The lists built into newsd: those of the entity rules (Gazetteer, EntityExtractor) and
    /// the cue words. Name lists from files (`config/gazetteers/`) are added to these.
    static func builtIn() -> [String: [String]] {
        var lists: [String: [String]] = [:]
        lists["places"] = Array(Gazetteer.places)
        lists["organizations"] = Array(Gazetteer.organizations)
        lists["given-names"] = Array(Gazetteer.givenNames)
        lists["person-titles"] = Array(Gazetteer.personTitles.union(EntityExtractor.strictTitles))
            + ["Judge", "Justice", "Chancellor", "King", "Queen", "Prince", "Princess", "Pope", "Bishop", "Father", "Saint"]
        lists["organization-words"] = Array(EntityExtractor.organizationWords)
        lists["person-cues"] = Array(EntityExtractor.personCues)
        lists["organization-cues"] = Array(EntityExtractor.organizationCues)
        lists["sayings"] = Array(EntityExtractor.reportingVerbs) + ["according", "argued", "noted", "insisted", "claimed", "announced"]
        lists["place-cues"] = ["in", "at", "from", "near", "to", "across", "outside", "inside", "throughout", "into", "towards"]
        lists["nationalities"] = Self.nationalities
        lists["place-words"] = Self.placeWords
        return lists
    }

    /// Words that end the names of places, singular and plural.
    static let placeWords: [String] = [
        "Street", "Road", "Avenue", "Boulevard", "Lane", "Drive", "Way", "Square", "Plaza", "Place", "Bridge",
        "Tunnel", "Highway", "Motorway", "Turnpike", "Station", "Airport", "Harbour", "Harbor", "Port", "Pier",
        "Island", "Isle", "Archipelago", "Peninsula", "Cape", "Coast", "Beach", "Bay", "Gulf", "Sea", "Ocean",
        "Strait", "Channel", "River", "Creek", "Lake", "Falls", "Canal", "Mountain", "Mount", "Mt.", "Hill", "Peak",
        "Range", "Valley", "Canyon", "Desert", "Forest", "Park", "Garden", "Gardens", "Reserve", "Swamp", "Marsh",
        "Cathedral", "Church", "Chapel", "Mosque", "Temple", "Abbey", "Monastery", "Palace", "Castle", "Fort",
        "Tower", "Hall", "Museum", "Gallery", "Stadium", "Arena", "Theatre", "Theater", "Hotel", "Market",
        "Building", "House", "Center", "Centre", "Mall", "Zoo", "Cemetery", "County", "Province", "Region",
        "District", "Borough", "Parish", "State", "Republic", "Kingdom", "Territory", "Village", "Town", "City",
        "Quarter", "Heights", "Springs", "Islands", "Isles", "Mountains", "Hills", "Lakes", "Plains", "Falls",
        "Rapids", "Woods", "Downs", "Fields", "Keys",
    ]

    static let nationalities = [
        "American", "British", "English", "Scottish", "Welsh", "Irish", "French", "German", "Italian", "Spanish",
        "Portuguese", "Dutch", "Belgian", "Swiss", "Austrian", "Swedish", "Norwegian", "Danish", "Finnish",
        "Icelandic", "Polish", "Czech", "Slovak", "Hungarian", "Romanian", "Bulgarian", "Greek", "Turkish",
        "Russian", "Ukrainian", "Belarusian", "Serbian", "Croatian", "Bosnian", "Albanian", "Georgian", "Armenian",
        "Israeli", "Palestinian", "Lebanese", "Syrian", "Iraqi", "Iranian", "Afghan", "Pakistani", "Indian",
        "Bangladeshi", "Chinese", "Japanese", "Korean", "Vietnamese", "Thai", "Indonesian", "Malaysian",
        "Filipino", "Australian", "Canadian", "Mexican", "Brazilian", "Argentine", "Argentinian", "Chilean",
        "Colombian", "Peruvian", "Venezuelan", "Cuban", "Egyptian", "Libyan", "Tunisian", "Algerian", "Moroccan",
        "Nigerian", "Kenyan", "Ethiopian", "Somali", "Sudanese", "Ghanaian", "Senegalese", "African", "European",
        "Asian", "Arab", "Saudi", "Kurdish", "Latin", "Nordic", "Western", "Eastern", "Soviet", "Roman", "Persian",
        "Ottoman", "Catalan", "Basque", "Flemish", "Scandinavian", "Caribbean", "Jewish", "Muslim", "Christian",
        "Catholic", "Protestant", "Hindu", "Buddhist",
    ]
}
