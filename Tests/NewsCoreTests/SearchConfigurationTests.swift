import NewsCore
import Testing

/// The language → text search configuration table (Enrichment/SearchConfiguration.swift).
/// That every name exists in PostgreSQL is checked against a server in IntegrationTests
/// (`SearchConfigurationDatabaseTests`).
@Suite struct SearchConfigurationTests {
    @Test func eachLanguageGetsItsOwnStemmer() {
        let expected: [String: String] = [
            "en": "english", "de": "german", "fr": "french", "es": "spanish", "it": "italian", "pt": "portuguese",
            "nl": "dutch", "ru": "russian", "sv": "swedish", "da": "danish", "no": "norwegian", "nb": "norwegian",
            "fi": "finnish", "hu": "hungarian", "ro": "romanian", "tr": "turkish", "ar": "arabic", "hy": "armenian",
            "eu": "basque", "ca": "catalan", "el": "greek", "hi": "hindi", "id": "indonesian", "ga": "irish",
            "lt": "lithuanian", "ne": "nepali", "sr": "serbian", "ta": "tamil", "yi": "yiddish",
        ]
        #expect(SearchConfiguration.byLanguage == expected)
        for (code, config) in expected { #expect(SearchConfiguration.forLanguage(code) == config) }
        #expect(SearchConfiguration.all.count == 29)
        #expect(SearchConfiguration.all.first == "arabic" && SearchConfiguration.all.contains("simple"))
    }

    @Test func codesAreReadInAnyCaseWithOrWithoutARegion() {
        #expect(SearchConfiguration.forLanguage("DE") == "german")
        #expect(SearchConfiguration.forLanguage("pt-BR") == "portuguese")
        #expect(SearchConfiguration.forLanguage("en_GB") == "english")
        #expect(SearchConfiguration.normalizedCode("Nb-NO") == "nb")
    }

    @Test func everythingElseIsSimple() {
        for language in [nil, "", "pl", "ja", "zh", "uk", "nn", "english", "d", "de1", "ü"] as [String?] {
            #expect(SearchConfiguration.forLanguage(language) == "simple", "\(language ?? "nil")")
        }
    }

    @Test func aLanguageFilterTakesEveryCodeOfItsConfiguration() {
        #expect(SearchConfiguration.languageCodes(sharingConfigurationWith: "no") == ["nb", "no"])
        #expect(SearchConfiguration.languageCodes(sharingConfigurationWith: "DE") == ["de"])
        // Without a configuration of its own, a language is searched alone, not with every
        // other `simple` one.
        #expect(SearchConfiguration.languageCodes(sharingConfigurationWith: "ja") == ["ja"])
        #expect(SearchConfiguration.languageCodes(sharingConfigurationWith: "1") == nil)
    }
}
