/// The words keywords leave out: stop words of eight languages (about 55 each) and English
/// news fillers. Lowercased; a word is looked up as `WordTokens` lowercases it.
public enum StopWords {
    /// Stop words per language (ISO 639-1).
    static let byLanguage: [String: Set<String>] = [
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

    /// Every list's words and the fillers.
    static let all: Set<String> = byLanguage.values.reduce(into: Set<String>()) { $0.formUnion($1) }
        .union([
            "mr", "mrs", "ms", "dr", "says", "told", "year", "years", "new", "one", "two", "people", "just", "like",
            "now", "last", "first", "over", "how", "did", "does", "some", "other", "any", "may", "most", "being",
            "those", "these", "then", "only", "very", "such", "while", "where", "because", "before", "between",
            "through", "during", "against", "him", "your", "if", "so", "no", "do", "get", "got", "make", "made",
            "many", "much", "well", "back", "still", "even", "way",
        ])

    /// Whether `word` (lowercased) is a stop word of any listed language or an English filler.
    public static func contains(_ word: String) -> Bool { all.contains(word) }

    /// `WordTokens` hashes of `all`: what keywords look tokens up in.
    static let hashes = HashTable64<Bool>(keys: all.map(WordTokens.hash))
}
