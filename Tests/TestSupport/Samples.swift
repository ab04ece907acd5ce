import Foundation

/// The seed article's bytes (`../shared/fixtures/seed-article.txt` beside the repository).
public func sampleArticleBytes() throws -> [UInt8] {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return Array(try Data(contentsOf: root.deletingLastPathComponent().appendingPathComponent("shared/fixtures/seed-article.txt")))
}

/// The seed sample with three of its sentences rewritten: the "rewritten copy" that must be
/// linked to the original as a near-duplicate.
public func rewriteSample(_ text: String) -> String {
    text.replacingOccurrences(
        of: "Mr Putin and Mr Trump spoke on the phone on Sunday, it said.",
        with: "The two leaders discussed the matter in a telephone call on Sunday, the statement added."
    ).replacingOccurrences(
        of: "It is unknown whether those recently arrested in Russia have any links to a wider group.",
        with: "Officials did not say whether the suspects detained this week belong to a larger network."
    ).replacingOccurrences(
        of: "Both countries have felt the threat of the Islamic State group.",
        with: "Both nations have been targeted by militants of the Islamic State group in recent years.")
}
