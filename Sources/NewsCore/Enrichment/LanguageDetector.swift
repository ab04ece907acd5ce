import Foundation

/// Identifies the language of a text as an ISO 639-1 code.
///
/// Method (docs/ENRICHMENT.md): scripts decide first — Han ideographs without kana are `zh`,
/// kana `ja`, Hangul `ko`, Arabic `ar`, Greek `el`, Cyrillic `ru` (or `uk` when Ukrainian-only
/// letters appear). Latin-script text is scored against stop-word profiles of en, de, fr, es,
/// it, pt, nl and pl: the share of the text's words found in each profile. The best profile
/// wins when it covers at least 8% of the words and at least three words; otherwise the
/// language is unknown (`nil`), which is better than a guess.
public enum LanguageDetector {
    /// Languages with a stop-word profile (Latin script).
    public static let profiled: [String] = ["en", "de", "fr", "es", "it", "pt", "nl", "pl"]
    /// Every code `detect` can return.
    public static let supported: [String] = profiled + ["ru", "uk", "zh", "ja", "ko", "ar", "el"]

    static let stopWords: [String: Set<String>] = [
        "en": [
            "the", "and", "of", "to", "in", "is", "that", "for", "it", "was", "on", "with", "as", "he", "be", "by", "at",
            "have", "are", "this", "from", "his", "but", "not", "they", "has", "had", "which", "were", "said", "will",
            "would", "their", "been", "an", "or", "who", "its", "after", "we", "more", "there", "also", "than", "about",
            "she", "her", "what", "when", "can", "could", "should", "into", "our", "you", "them", "out", "up", "all",
        ],
        "de": [
            "der", "die", "und", "den", "das", "ist", "von", "mit", "des", "nicht", "sich", "auf", "dem", "ein", "eine",
            "einer", "zu", "im", "für", "auch", "es", "wird", "werden", "bei", "nach", "aus", "wie", "hat", "sind",
            "oder", "noch", "über", "nur", "wurde", "sie", "er", "aber", "dass", "einen", "zum", "zur", "vor", "kann",
            "wir", "ich", "mehr", "wenn", "haben", "sein", "diese", "dieser", "schon", "ihre", "ihr", "gegen", "unter",
        ],
        "fr": [
            "le", "la", "les", "et", "des", "du", "un", "une", "est", "que", "qui", "dans", "pour", "pas", "sur", "au",
            "aux", "par", "avec", "ce", "il", "elle", "sont", "ont", "plus", "mais", "ou", "se", "ses", "son", "été",
            "cette", "nous", "vous", "leur", "comme", "fait", "être", "ne", "lui", "tout", "aussi", "entre", "ces",
            "avait", "était", "sa", "je", "on", "après", "très", "sans", "dont", "même",
        ],
        "es": [
            "el", "la", "los", "las", "y", "de", "del", "que", "en", "un", "una", "es", "por", "con", "para", "se",
            "no", "su", "al", "lo", "como", "más", "pero", "sus", "le", "ha", "fue", "este", "esta", "son", "entre",
            "cuando", "muy", "sin", "sobre", "también", "hay", "desde", "está", "han", "ya", "años", "hasta", "donde",
            "ese", "esa", "otro", "todos", "puede", "según", "uno", "ni", "porque", "nos",
        ],
        "it": [
            "il", "la", "le", "di", "che", "e", "è", "un", "una", "per", "non", "in", "del", "della", "dei", "delle",
            "con", "sono", "si", "da", "al", "alla", "nel", "nella", "anche", "come", "più", "ma", "lo", "gli",
            "questo", "questa", "ha", "hanno", "essere", "stato", "sul", "dal", "degli", "ci", "tra", "quando", "suo",
            "sua", "loro", "dopo", "ancora", "solo", "cui", "molto", "perché", "ad", "ed", "io",
        ],
        "pt": [
            "o", "a", "os", "as", "de", "do", "da", "dos", "das", "e", "que", "em", "no", "na", "nos", "um", "uma",
            "para", "com", "não", "por", "se", "é", "mais", "ao", "como", "mas", "foi", "ele", "ela", "seu", "sua",
            "são", "está", "também", "já", "pelo", "pela", "isso", "entre", "quando", "muito", "há", "ser", "tem",
            "à", "às", "até", "depois", "ou", "eles", "sobre", "anos", "nas",
        ],
        "nl": [
            "de", "het", "een", "en", "van", "in", "is", "dat", "op", "te", "zijn", "voor", "met", "niet", "die", "er",
            "aan", "ook", "als", "bij", "door", "maar", "om", "naar", "dan", "nog", "wordt", "worden", "werd",
            "heeft", "hij", "zij", "wij", "uit", "over", "kan", "deze", "dit", "geen", "meer", "tot", "hun", "ze",
            "wat", "zo", "al", "ik", "was", "hebben", "moet", "jaar", "onder", "tegen", "haar",
        ],
        "pl": [
            "i", "w", "na", "z", "nie", "się", "do", "to", "że", "jest", "o", "jak", "ale", "po", "co", "od", "za",
            "przez", "jego", "jej", "są", "tak", "już", "dla", "czy", "był", "była", "było", "może", "tylko", "przy",
            "oraz", "także", "który", "która", "które", "jako", "lub", "bardzo", "gdy", "ich", "tym", "ze", "we",
            "ten", "ta", "tego", "jednak", "być", "pod", "bez", "też", "gdzie", "mnie",
        ],
    ]

    /// Stop words → a bit per profiled language, in two tables: words of ASCII letters keyed by
    /// their bytes packed into an integer (`(key << 8) | byte`), the others by FNV-1a over
    /// their scalars. No stop word is longer than `maxWordLength` letters.
    static let (asciiTable, scalarTable, maxWordLength): (HashTable64<UInt128>, HashTable64<UInt128>, Int) = {
        var ascii: [UInt64: UInt16] = [:]
        var scalar: [UInt64: UInt16] = [:]
        var longest = 0
        for (i, lang) in profiled.enumerated() {
            for word in stopWords[lang]! {
                longest = max(longest, word.unicodeScalars.count)
                if word.utf8.allSatisfy({ $0 >= 0x61 && $0 <= 0x7A }) {
                    ascii[word.utf8.reduce(0) { ($0 << 8) | UInt64($1) }, default: 0] |= 1 << i
                } else {
                    scalar[WordTokens.hash(word), default: 0] |= 1 << i
                }
            }
        }
        precondition(longest <= 8, "an ASCII stop word must fit a packed key")
        return (HashTable64(ascii.mapValues(lanes)), HashTable64(scalar.mapValues(lanes)), longest)
    }()

    /// A bit per profile → a 1 in a 16-bit lane per profile, so that adding a word's value to
    /// a running total counts a hit for each of its languages at once.
    private static func lanes(_ mask: UInt16) -> UInt128 {
        var v: UInt128 = 0
        for i in 0..<profiled.count where mask & (1 << i) != 0 { v |= 1 << (16 * i) }
        return v
    }

    /// The language of `text`, or nil when the evidence is too thin.
    public static func detect(_ text: String) -> String? {
        evidence(text).decision().language
    }

    /// The language and, for Latin script, each profile's share of the words (for tests and
    /// `newsctl explain`).
    public static func detectWithScores(_ text: String) -> (language: String?, scores: [String: Double]) {
        let e = evidence(text).decision()
        guard let hits = e.hits, e.words > 0 else { return (e.language, [:]) }
        var scores: [String: Double] = [:]
        for (i, lang) in profiled.enumerated() { scores[lang] = Double(hits[i]) / Double(e.words) }
        return (e.language, scores)
    }

    private static func evidence(_ text: String) -> Evidence {
        var copy = text
        return copy.withUTF8 { bytes in
            var e = Evidence()
            var i = 0
            let n = bytes.count
            while i < n && !e.complete {
                let b = bytes[i]
                if b < 0x80 {
                    e.ascii(b)
                    i += 1
                } else {
                    let (v, width) = UTF8Scalar.decode(bytes, i)
                    e.scalar(v)
                    i += width
                }
            }
            e.finish()
            return e
        }
    }

    /// What detection counts, fed one scalar at a time in text order: the scripts of the first
    /// 20,000 letters and, for the profiles, the first 600 words (lowercased letter runs) and
    /// each profile's hits. A word of ASCII letters is packed into an integer as it is read
    /// (one shift per letter); only a word with other letters is hashed, and only words short
    /// enough to be stop words are looked up.
    struct Evidence: Sendable {
        var han = 0, kana = 0, hangul = 0, cyrillic = 0, ukrainian = 0, arabic = 0, greek = 0, latin = 0
        var scanned = 0
        /// Hits per profile, a 16-bit lane each (at most 600 words are counted).
        var hits: UInt128 = 0
        var words = 0
        /// The current word's ASCII letters, packed (while `hash` is nil).
        var packed: UInt64 = 0
        /// FNV-1a of the current word's scalars, once it has a letter outside ASCII.
        var hash: UInt64? = nil
        var length = 0
        var wordsDone = false
        /// Both counts are complete: the rest of the text changes nothing.
        private(set) var complete = false

        @inline(__always)
        private mutating func flush() {
            guard length > 0 else { return }
            words += 1
            if length <= LanguageDetector.maxWordLength {
                let found = hash.map { scalarTable.lookup($0) } ?? asciiTable.lookup(packed)
                if let lanes = found { hits &+= lanes }
            }
            packed = 0
            hash = nil
            length = 0
        }

        /// An ASCII byte (most of most texts): letters are A–Z and a–z, lowercased by one bit.
        @inline(__always)
        mutating func ascii(_ b: UInt8) {
            let lower = b | 0x20
            let isLetter = lower >= 0x61 && lower <= 0x7A
            if b >= 0x41 {
                if scanned < 20_000 {
                    scanned += 1
                    if isLetter { latin += 1 }
                } else if wordsDone {
                    complete = true
                    return
                }
            }
            if wordsDone { return }
            if isLetter {
                if let h = hash {
                    hash = (h ^ UInt64(lower)) &* 0x100_0000_01b3
                } else {
                    packed = (packed << 8) | UInt64(lower)
                }
                length += 1
            } else {
                flush()
                if words >= 600 { wordsDone = true }
            }
        }

        /// A scalar outside ASCII.
        mutating func scalar(_ value: UInt32) {
            var v = value
            if scanned >= 20_000 && wordsDone {
                complete = true
                return
            }
            if scanned < 20_000 {
                scanned += 1
                switch v {
                case 0xC0...0x24F: latin += 1
                case 0x370...0x3FF: greek += 1
                case 0x400...0x4FF:
                    cyrillic += 1
                    if v == 0x456 || v == 0x457 || v == 0x454 || v == 0x491 || v == 0x406 || v == 0x407 || v == 0x404 { ukrainian += 1 }
                case 0x600...0x6FF: arabic += 1
                case 0x3040...0x30FF: kana += 1
                case 0x4E00...0x9FFF, 0x3400...0x4DBF: han += 1
                case 0xAC00...0xD7AF, 0x1100...0x11FF: hangul += 1
                default: break
                }
            }
            if wordsDone { return }
            let isLetter: Bool
            if v >= 0xC0 && v <= 0xDE && v != 0xD7 {
                v += 0x20
                isLetter = true
            } else {
                let properties = Unicode.Scalar(v)!.properties
                isLetter = properties.isAlphabetic
                if isLetter, let lower = properties.lowercaseMapping.unicodeScalars.first, properties.lowercaseMapping.unicodeScalars.count == 1 {
                    v = lower.value
                }
            }
            if isLetter {
                var h: UInt64
                if let current = hash {
                    h = current
                } else {
                    // The word's ASCII letters so far (a longer word is no stop word anyway).
                    h = 0xcbf2_9ce4_8422_2325
                    for k in stride(from: min(length, 8) - 1, through: 0, by: -1) {
                        h = (h ^ ((packed >> (8 * UInt64(k))) & 0xFF)) &* 0x100_0000_01b3
                    }
                }
                hash = (h ^ UInt64(v)) &* 0x100_0000_01b3
                length += 1
            } else {
                flush()
                if words >= 600 { wordsDone = true }
            }
        }

        /// The end of the text ends its last word.
        mutating func finish() {
            if !wordsDone { flush() }
        }

        /// The decision, and the hits and word count when the profiles decided.
        func decision() -> (language: String?, hits: [Int]?, words: Int) {
            let letters = han + kana + hangul + cyrillic + arabic + greek + latin
            guard letters >= 10 else { return (nil, nil, 0) }
            // Ideographs carry a word each, so they count several times a Latin letter.
            let cjk = han + kana + hangul
            if cjk * 3 > latin {
                if kana * 10 > cjk { return ("ja", nil, 0) }
                if hangul > han { return ("ko", nil, 0) }
                return ("zh", nil, 0)
            }
            if cyrillic > latin { return (ukrainian * 50 > cyrillic ? "uk" : "ru", nil, 0) }
            if arabic > latin { return ("ar", nil, 0) }
            if greek > latin { return ("el", nil, 0) }

            guard words > 0 else { return (nil, nil, 0) }
            // The best share wins; on a tie, the alphabetically first code.
            let hitCounts = (0..<profiled.count).map { Int(truncatingIfNeeded: (hits >> (16 * $0)) & 0xFFFF) }
            var best = 0
            for k in 1..<profiled.count
            where hitCounts[k] > hitCounts[best] || (hitCounts[k] == hitCounts[best] && profiled[k] < profiled[best]) {
                best = k
            }
            guard hitCounts[best] * 100 >= 8 * words, hitCounts[best] >= 3 else { return (nil, hitCounts, words) }
            return (profiled[best], hitCounts, words)
        }
    }
}
