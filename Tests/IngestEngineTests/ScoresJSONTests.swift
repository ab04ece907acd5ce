import Foundation
import Testing

@testable import IngestEngine

/// The `scores` column's JSON, written by hand as bytes.
@Suite struct ScoresJSONTests {
    /// The plain form: sorted keys, escaped as JSON strings, values as Swift prints them.
    static func plain(_ scores: [String: Double]) -> String {
        "{" + scores.keys.sorted().map { key in
            let value = scores[key]!
            return ArticleStore.Row.jsonString(key) + ":" + (value.isFinite ? "\(value)" : "null")
        }.joined(separator: ",") + "}"
    }

    @Test func equalsThePlainFormForLabelsAndOddKeys() throws {
        var rng = SystemRandomNumberGenerator()
        let labels = ["business", "entertainment", "politics", "sport", "tech"]
        let odd = ["", "a\"b", "back\\slash", "tab\tand\nnewline", "\u{1}ctl", "café", "日本", "😀", "a/b", "\u{7F}"]
        for round in 0..<500 {
            var scores: [String: Double] = [:]
            for key in (round % 2 == 0 ? labels : odd).shuffled(using: &rng).prefix(Int.random(in: 0...5, using: &rng)) {
                scores[key] = [Double.random(in: 0...1, using: &rng), 1e-300, .leastNonzeroMagnitude, -0.0, 1.0, 123456789.125, .nan, .infinity]
                    .randomElement(using: &rng)!
            }
            let json = ArticleStore.Row.json(scores)
            #expect(json == Self.plain(scores), "\(scores)")
            // And it is JSON with the same keys. (Values are Swift's shortest round-trip
            // digits; Foundation's parser on Linux reads some of them a bit off, PostgreSQL's
            // numeric exactly.)
            let parsed = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
            #expect(Set(parsed.keys) == Set(scores.keys))
        }
        #expect(ArticleStore.Row.json(["tech": 0.25, "sport": 0.75]) == #"{"sport":0.75,"tech":0.25}"#)
        #expect(ArticleStore.Row.json(["q\"": .nan]) == #"{"q\"":null}"#)
    }
}
