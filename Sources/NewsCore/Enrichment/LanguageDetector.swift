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

    /// Stop word hash (FNV-1a over the lowercased scalars) → a bit per profiled language.
    static let profileMasks: [UInt64: UInt16] = {
        var table: [UInt64: UInt16] = [:]
        for (i, lang) in profiled.enumerated() {
            for word in stopWords[lang]! {
                var h: UInt64 = 0xcbf2_9ce4_8422_2325
                for s in word.unicodeScalars { h = (h ^ UInt64(s.value)) &* 0x100_0000_01b3 }
                table[h, default: 0] |= 1 << i
            }
        }
        return table
    }()

    /// `profileMasks` as an open-addressing table: looked up once per word, where a
    /// Dictionary's SipHash cost more than the rest of the word's work.
    static let profileTable = HashMask(profileMasks)

    /// A fixed set of 64-bit keys (never 0) with a 16-bit value each, in a power-of-two table
    /// probed linearly.
    struct HashMask: Sendable {
        private var keys: [UInt64]
        private var values: [UInt16]
        private let mask: Int

        init(_ entries: [UInt64: UInt16]) {
            var size = 16
            while size < entries.count * 4 { size <<= 1 }
            keys = [UInt64](repeating: 0, count: size)
            values = [UInt16](repeating: 0, count: size)
            mask = size - 1
            for (key, value) in entries {
                var slot = Self.slot(key, mask)
                while keys[slot] != 0 { slot = (slot + 1) & mask }
                keys[slot] = key
                values[slot] = value
            }
        }

        @inline(__always)
        private static func slot(_ key: UInt64, _ mask: Int) -> Int { Int(truncatingIfNeeded: key ^ (key >> 29)) & mask }

        @inline(__always)
        func lookup(_ key: UInt64) -> UInt16? {
            var slot = Self.slot(key, mask)
            while true {
                let k = keys[slot]
                if k == key { return values[slot] }
                if k == 0 { return nil }
                slot = (slot + 1) & mask
            }
        }
    }

    /// The language of `text`, or nil when the evidence is too thin.
    public static func detect(_ text: String) -> String? {
        var copy = text
        return copy.withUTF8 { evidence(utf8: $0).language }
    }

    /// The language and, for Latin script, each profile's share of the words (for tests and
    /// `newsctl explain`).
    public static func detectWithScores(_ text: String) -> (language: String?, scores: [String: Double]) {
        var copy = text
        let e = copy.withUTF8 { evidence(utf8: $0) }
        guard let hits = e.hits, e.words > 0 else { return (e.language, [:]) }
        var scores: [String: Double] = [:]
        for (i, lang) in profiled.enumerated() { scores[lang] = Double(hits[i]) / Double(e.words) }
        return (e.language, scores)
    }

    /// One pass over the bytes counts the scripts of the first 20,000 letters and, for the
    /// profiles, hashes the first 600 words (lowercased letter runs) and counts each profile's
    /// hits (a table maps a word's hash to a bit per language). Returns the decision, and the
    /// hits and word count when the profiles decided.
    private static func evidence(utf8 bytes: UnsafeBufferPointer<UInt8>) -> (language: String?, hits: [Int]?, words: Int) {
        var han = 0, kana = 0, hangul = 0, cyrillic = 0, ukrainian = 0, arabic = 0, greek = 0, latin = 0
        var scanned = 0
        var hitCounts = [Int](repeating: 0, count: profiled.count)
        var words = 0
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        var length = 0
        var wordsDone = false
        @inline(__always) func flush() {
            guard length > 0 else { return }
            words += 1
            if let mask = profileTable.lookup(hash) {
                for i in 0..<profiled.count where mask & (1 << i) != 0 { hitCounts[i] += 1 }
            }
            hash = 0xcbf2_9ce4_8422_2325
            length = 0
        }
        var i = 0
        while i < bytes.count {
            var (v, width) = UTF8Scalar.decode(bytes, i)
            i += width
            if v >= 0x41 && scanned >= 20_000 && wordsDone { break }  // both counts are complete
            if v >= 0x41 && scanned < 20_000 {
                scanned += 1
                switch v {
                case 0x41...0x5A, 0x61...0x7A, 0xC0...0x24F: latin += 1
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
            if wordsDone { continue }
            let isLetter: Bool
            if v < 0x80 {
                if v >= 0x41 && v <= 0x5A { v += 0x20 }
                isLetter = v >= 0x61 && v <= 0x7A
            } else if v >= 0xC0 && v <= 0xDE && v != 0xD7 {
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
                hash = (hash ^ UInt64(v)) &* 0x100_0000_01b3
                length += 1
            } else {
                flush()
                if words >= 600 { wordsDone = true }
            }
        }
        if !wordsDone { flush() }

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
        var best = 0
        for k in 1..<profiled.count
        where hitCounts[k] > hitCounts[best] || (hitCounts[k] == hitCounts[best] && profiled[k] < profiled[best]) {
            best = k
        }
        guard hitCounts[best] * 100 >= 8 * words, hitCounts[best] >= 3 else { return (nil, hitCounts, words) }
        return (profiled[best], hitCounts, words)
    }
}
