/// The PostgreSQL text search configuration an article's `search` vector is built with, chosen
/// by its language, so that words are stemmed as that language stems them ("gewählt" and
/// "Wahlen" meet at `wahl` in German, "resigning" and "resigned" at `resign` in English).
///
/// This table is the only place the choice is made: the writer stores `forLanguage(language)`
/// in `articles.search_config` (a trigger builds the vector from it), the search rebuild uses
/// it for rows stored before, and `newsctl search` stems its query in every configuration
/// listed here. Every name is a configuration PostgreSQL 15 ships (`SELECT cfgname FROM
/// pg_ts_config`); a language without one, or none detected, gets `simple` (lower-cased words,
/// no stemming, no stop words).
public enum SearchConfiguration {
    /// The configuration for languages without one of their own, and for unknown languages.
    public static let fallback = "simple"

    /// The configuration rows stored before newsd chose one per language were built with
    /// (migration 1's `search` expression): what a NULL `search_config` means.
    public static let legacy = "english"

    /// ISO 639-1 code → configuration.
    public static let byLanguage: [String: String] = [
        "ar": "arabic", "hy": "armenian", "eu": "basque", "ca": "catalan", "da": "danish", "nl": "dutch",
        "en": "english", "fi": "finnish", "fr": "french", "de": "german", "el": "greek", "hi": "hindi",
        "hu": "hungarian", "id": "indonesian", "ga": "irish", "it": "italian", "lt": "lithuanian", "ne": "nepali",
        "no": "norwegian", "nb": "norwegian", "pt": "portuguese", "ro": "romanian", "ru": "russian",
        "sr": "serbian", "es": "spanish", "sv": "swedish", "ta": "tamil", "tr": "turkish", "yi": "yiddish",
    ]

    /// Every configuration newsd may store, `simple` included, sorted.
    public static let all: [String] = Array(Set(byLanguage.values).union([fallback])).sorted()

    /// The configuration for `language`: an ISO 639-1 code, in any case, with or without a region
    /// (`de`, `DE`, `pt-BR`, `en_GB`); `simple` for nil, an empty or unknown code.
    public static func forLanguage(_ language: String?) -> String {
        // What the detector stores for nearly every article, a two-letter lowercase code, is
        // its own normalized code: looked up without splitting or lowercasing it.
        if let language, language.utf8.count == 2, language.utf8.allSatisfy({ $0 >= 0x61 && $0 <= 0x7A }) {
            return byLanguage[language] ?? fallback
        }
        guard let code = normalizedCode(language) else { return fallback }
        return byLanguage[code] ?? fallback
    }

    /// The language codes stored rows may carry for `language`'s configuration: every code
    /// mapped to it (`no` and `nb` for Norwegian), or the code alone when it has none of its
    /// own (`ja`: Japanese articles, not every `simple` one). Nil for something that is not a
    /// language code.
    public static func languageCodes(sharingConfigurationWith language: String) -> [String]? {
        guard let code = normalizedCode(language) else { return nil }
        guard let config = byLanguage[code] else { return [code] }
        return byLanguage.filter { $0.value == config }.map(\.key).sorted()
    }

    /// The lower-case primary subtag of a language tag (`pt-BR` → `pt`): two or three ASCII
    /// letters, else nil.
    public static func normalizedCode(_ language: String?) -> String? {
        guard let language else { return nil }
        let primary = language.split(whereSeparator: { $0 == "-" || $0 == "_" }).first.map(String.init) ?? ""
        guard (2...3).contains(primary.utf8.count),
            primary.utf8.allSatisfy({ ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) })
        else { return nil }
        return primary.lowercased()
    }
}
