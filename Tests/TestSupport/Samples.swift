import Foundation

/// The repository's root folder.
public let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// `../shared` beside the repository: third-party corpora and the seed, absent from a clone
/// that stands alone. Tests that need it skip, saying so, when it is missing.
public let sharedRoot = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared")

/// Whether `../shared/RELATIVE` exists (a condition for `.enabled(if:)`).
public func sharedExists(_ relative: String) -> Bool {
    FileManager.default.fileExists(atPath: sharedRoot.appendingPathComponent(relative).path)
}

/// The project's own sample article (`examples/harbour-ferry.txt`), written for newsd in the
/// seed's shape: its title twice, sixteen paragraphs, page junk ("Share:", "error: Content is
/// protected !!") after the text.
public func sampleArticleBytes() throws -> [UInt8] {
    Array(try Data(contentsOf: repositoryRoot.appendingPathComponent("examples/harbour-ferry.txt")))
}

/// A file of `examples/`.
public func exampleBytes(_ name: String) throws -> [UInt8] {
    Array(try Data(contentsOf: repositoryRoot.appendingPathComponent("examples/" + name)))
}

/// The sample with three of its sentences rewritten: the "rewritten copy" that must be linked
/// to the original as a near-duplicate.
public func rewriteSample(_ text: String) -> String {
    text.replacingOccurrences(
        of: "Councillors approved the plan by 31 votes to 9 following a debate that lasted almost four hours.",
        with: "Councillors approved the plan by 31 votes to 9 after a debate that lasted nearly four hours."
    ).replacingOccurrences(
        of: "Local businesses on Marrow said the suspension had cost them most of their winter trade.",
        with: "Businesses on Marrow said the suspension had cost them much of their winter trade."
    ).replacingOccurrences(
        of: "The company expects to run six return trips a day in summer and four in winter, with the first boat leaving Kingsport at 06:40.",
        with: "The company plans to run six return trips a day in summer and four in winter, with the first boat leaving at 06:40.")
}
