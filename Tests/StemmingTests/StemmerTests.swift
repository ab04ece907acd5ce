import Testing

@testable import Stemming

@Suite struct StemmerTests {
    @Test func englishFormsShareAStem() throws {
        let english = try #require(Stemmer(language: "en"))
        #expect(english.algorithm == "english")
        for word in ["resigns", "resignation", "resigned", "resigning", "resign"] {
            #expect(english.stem(word) == "resign", "\(word)")
        }
        #expect(english.stem("elections") == "elect")
        #expect(english.stem("governments") == "govern")
    }

    @Test func germanFormsShareAStem() throws {
        let german = try #require(Stemmer(language: "DE-at"))
        #expect(german.language == "de")
        #expect(german.stem("wahl") == "wahl")
        #expect(german.stem("wahlen") == "wahl")
        #expect(german.stem("regierungen") == german.stem("regierung"))
        // Umlauts are folded: "häuser" and "haus" meet.
        #expect(german.stem("häuser") == "haus")
    }

    @Test func languagesWithoutAnAlgorithmHaveNoStemmer() {
        for code in ["zh", "ja", "ko", "pl", "cs", "xx", ""] {
            #expect(Stemmer(language: code) == nil, "\(code)")
            #expect(!Stemmer.supports(code), "\(code)")
        }
        for code in ["no", "nb", "nn"] { #expect(Stemmer(language: code)?.algorithm == "norwegian") }
    }

    /// Every algorithm in the table exists in the installed libstemmer.
    @Test func everyListedAlgorithmIsAvailable() {
        for (code, algorithm) in Stemmer.algorithms {
            #expect(Stemmer(language: code)?.algorithm == algorithm, "\(code)")
        }
    }

    @Test func theBytesInterfaceMatchesTheStringOne() throws {
        let russian = try #require(Stemmer(language: "ru"))
        var word = "выборы"
        let viaBytes = word.withUTF8 { russian.withStem(of: $0) { String(decoding: $0, as: UTF8.self) } }
        #expect(viaBytes == russian.stem("выборы"))
        #expect(viaBytes == "выбор")
        #expect(russian.stem("") == "")
    }
}
