import NewsSystem

/// Names in the inbox that newsd leaves alone until they are renamed: hidden files and the
/// temporary names writers use while a file is incomplete (`inbox.ignore`, shell globs).
public struct IgnoreRules: Sendable, Equatable {
    /// The glob patterns.
    public var patterns: [String]

    /// Creates rules from glob patterns.
    public init(patterns: [String]) {
        self.patterns = patterns
    }

    /// Whether `name` matches any pattern.
    public func ignores(_ name: [UInt8]) -> Bool {
        patterns.contains { fileNameMatches($0, name) }
    }
}
