import CLibStemmer

/// A Snowball stemmer for one language (Debian's libstemmer): reduces inflected forms to a
/// common stem, e.g. English "resigns", "resigned", "resignation" → "resign".
///
/// Not thread-safe: libstemmer keeps its working buffer in the stemmer, and a result is only
/// valid until the next call. Make one per thread or per task; making one costs well under a
/// microsecond.
public final class Stemmer {
    /// The ISO 639-1 code it was made for.
    public let language: String
    /// The Snowball algorithm's name.
    public let algorithm: String
    private let stemmer: OpaquePointer

    /// The stemmer for `language` (an ISO 639-1 code, any case; a region after a hyphen or
    /// underscore is ignored), or nil when Snowball has no algorithm for it.
    public init?(language: String) {
        let code = Self.baseCode(language)
        guard let algorithm = Self.algorithm(for: code), let stemmer = sb_stemmer_new(algorithm, "UTF_8") else { return nil }
        self.language = code
        self.algorithm = algorithm
        self.stemmer = stemmer
    }

    deinit { sb_stemmer_delete(stemmer) }

    /// ISO 639-1 code → Snowball algorithm. Norwegian's algorithm is written for Bokmål
    /// (`nb`, and `no`, the code CLD2 gives); Nynorsk (`nn`) is close enough to share it.
    /// English is Porter2 ("english"), not the original Porter algorithm.
    public static let algorithms: [String: String] = [
        "ar": "arabic", "ca": "catalan", "da": "danish", "de": "german", "el": "greek", "en": "english",
        "es": "spanish", "eu": "basque", "fi": "finnish", "fr": "french", "ga": "irish", "hi": "hindi",
        "hu": "hungarian", "hy": "armenian", "id": "indonesian", "it": "italian", "lt": "lithuanian",
        "nb": "norwegian", "ne": "nepali", "nl": "dutch", "nn": "norwegian", "no": "norwegian",
        "pt": "portuguese", "ro": "romanian", "ru": "russian", "sr": "serbian", "sv": "swedish", "ta": "tamil",
        "tr": "turkish", "yi": "yiddish",
    ]

    /// Snowball's algorithm for `language` (an ISO 639-1 code, as `init(language:)` takes
    /// it), nil when it has none. Languages that share an algorithm stem alike.
    public static func algorithm(for language: String) -> String? { algorithms[baseCode(language)] }

    /// Whether Snowball has a stemmer for `language` (an ISO 639-1 code).
    public static func supports(_ language: String) -> Bool { algorithm(for: language) != nil }

    private static func baseCode(_ language: String) -> String {
        String(language.lowercased().prefix { $0 != "-" && $0 != "_" })
    }

    /// The stem of `word`. Snowball expects a lowercase word; the result is lowercase where the
    /// word was.
    public func stem(_ word: String) -> String {
        var copy = word
        return copy.withUTF8 { bytes in
            withStem(of: bytes) { String(decoding: $0, as: UTF8.self) }
        }
    }

    /// Calls `body` with the stem of the UTF-8 `word`, without making a String. The bytes
    /// passed to `body` belong to the stemmer and are valid only during the call. A word
    /// libstemmer cannot stem (out of memory) is passed through as it is.
    public func withStem<R>(of word: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) throws -> R)
        rethrows -> R
    {
        guard let base = word.baseAddress, word.count > 0,
            let result = sb_stemmer_stem(stemmer, base, Int32(word.count))
        else { return try body(word) }
        return try body(UnsafeBufferPointer(start: result, count: Int(sb_stemmer_length(stemmer))))
    }
}
