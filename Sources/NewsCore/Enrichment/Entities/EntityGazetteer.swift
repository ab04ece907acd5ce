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

        static let count = 11

        /// The names of the lists in the model file, by bit.
        static let names = [
            "place", "given-name", "surname", "organization", "person-title", "organization-word", "person-cue",
            "organization-cue", "saying", "place-cue", "nationality",
        ]
    }

    /// The entries of each list, as written (for the model file).
    let entries: [String: [String]]
    /// Token-sequence hash (`sequenceHash`) of every entry → its lists.
    private let table: HashTable64<Lists>
    /// The most tokens any entry has.
    let maxTokens: Int

    /// Lists from their entries by list name (`Lists.names`); unknown names are ignored.
    init(entries: [String: [String]]) {
        self.entries = entries
        var map: [UInt64: Lists] = [:]
        var longest = 1
        for (name, words) in entries {
            guard let bit = Lists.names.firstIndex(of: name) else { continue }
            let list = Lists(rawValue: 1 << UInt16(bit))
            for entry in words {
                let tokens = EntityTokens(paragraphs: [entry])
                guard tokens.count > 0, tokens.count <= 8 else { continue }
                var h = Self.sequenceSeed
                for t in tokens.tokens { h = Self.extend(h, t.exact) }
                map[h, default: []].formUnion(list)
                longest = max(longest, tokens.count)
            }
        }
        table = HashTable64(map)
        maxTokens = longest
    }

    static let sequenceSeed: UInt64 = 0x9e37_79b9_7f4a_7c15

    @inline(__always)
    static func extend(_ h: UInt64, _ token: UInt64) -> UInt64 {
        var x = (h ^ token) &* 0xff51_afd7_ed55_8ccd
        x ^= x >> 33
        return x
    }

    /// The lists of the single token with exact hash `exact`.
    @inline(__always)
    func lists(ofToken exact: UInt64) -> Lists {
        table.lookup(Self.extend(Self.sequenceSeed, exact)) ?? []
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
            out[i].single = table.lookup(first) ?? []
            if i >= spanEnd, maxTokens > 1, t.flags.contains(.capitalized) {
                var h = first
                var best = 0
                var bestLists: Lists = []
                var j = i + 1
                while j < tokens.count, j - i < maxTokens {
                    h = Self.extend(h, tokens[j].exact)
                    j += 1
                    if let lists = table.lookup(h) {
                        best = j
                        bestLists = lists
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
        lists["place"] = Array(Gazetteer.places)
        lists["organization"] = Array(Gazetteer.organizations)
        lists["given-name"] = Array(Gazetteer.givenNames)
        lists["person-title"] = Array(Gazetteer.personTitles.union(EntityExtractor.strictTitles))
            + ["Judge", "Justice", "Chancellor", "King", "Queen", "Prince", "Princess", "Pope", "Bishop", "Father", "Saint"]
        lists["organization-word"] = Array(EntityExtractor.organizationWords)
        lists["person-cue"] = Array(EntityExtractor.personCues)
        lists["organization-cue"] = Array(EntityExtractor.organizationCues)
        lists["saying"] = Array(EntityExtractor.reportingVerbs) + ["according", "argued", "noted", "insisted", "claimed", "announced"]
        lists["place-cue"] = ["in", "at", "from", "near", "to", "across", "outside", "inside", "throughout", "into", "towards"]
        lists["nationality"] = Self.nationalities
        return lists
    }

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
