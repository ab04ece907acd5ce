import Foundation

/// Lines of site junk that scrapers leave around articles ("Share:", copy-protection notices),
/// as case-insensitive regular expressions that must match a whole normalized line.
public struct JunkRules: Sendable {
    // NSRegularExpression is immutable and Sendable: the parse pool shares these.
    private let expressions: [NSRegularExpression]
    /// All patterns as one alternation, so a line is converted for the regex engine once rather
    /// than once per pattern. Nil when a pattern refers to a group by number (its number would
    /// change inside the alternation).
    private let combined: NSRegularExpression?
    /// The source patterns, in order.
    public let patterns: [String]

    /// Compiles `patterns`; throws naming the first pattern that is not a valid expression.
    public init(patterns: [String]) throws(JunkRuleError) {
        var compiled: [NSRegularExpression] = []
        for pattern in patterns {
            do {
                compiled.append(try NSRegularExpression(pattern: "^(?:\(pattern))$", options: [.caseInsensitive]))
            } catch {
                throw JunkRuleError(pattern: pattern)
            }
        }
        self.expressions = compiled
        self.patterns = patterns
        let numbered = patterns.contains { $0.range(of: #"\\[1-9]"#, options: .regularExpression) != nil }
        let alternation = "^(?:" + patterns.map { "(?:\($0))" }.joined(separator: "|") + ")$"
        combined = numbered || patterns.isEmpty ? nil : try? NSRegularExpression(pattern: alternation, options: [.caseInsensitive])
    }

    /// Lines longer than this many UTF-8 bytes are never junk: site furniture is short, and
    /// running every pattern over a long paragraph is the costliest step of parsing.
    public static let maxLineBytes = 400

    /// Whether `line` (already normalized) is junk.
    public func matches(_ line: String) -> Bool {
        guard line.utf8.count <= Self.maxLineBytes else { return false }
        let range = NSRange(line.startIndex..., in: line)
        if let combined { return combined.firstMatch(in: line, options: [], range: range) != nil }
        return expressions.contains { $0.firstMatch(in: line, options: [], range: range) != nil }
    }

    /// The rules shipped by default (also listed in config/newsd.example.json).
    public static let defaultPatterns: [String] = [
        #"share( this( article| story| page)?)?( on [a-z ]+)?:?"#,
        #"error: content is protected !!"#,
        #"(tweet|email|print|whatsapp|facebook|twitter|linkedin|pinterest|reddit|telegram)( this( article| story)?)?:?"#,
        #"advertisement|sponsored content"#,
        #"(related|more) (stories|articles|coverage|on this story|news):?"#,
        #"(sign up|subscribe) (to|for) (our|the) [a-z ]*newsletters?.*"#,
        #"(copyright )?(©|\(c\)) ?\d{4}.*"#,
        #"all rights reserved\.?"#,
        #"(follow|like) us on [a-z, ]+\.?"#,
        #"read more:?|continue reading\.?"#,
        #"comments? \(\d+\):?|leave a (comment|reply)"#,
        #"(image|photo|picture|video)s? ?(copyright|credit|source|caption)s?:? .*"#,
        #"(getty images|reuters|afp|ap photo|epa)( ?/ ?[a-z .]+)?"#,
        #".*\b(we use|this (site|website) uses) cookies\b.*|accept (all )?cookies"#,
    ]

    /// The default rules, compiled.
    public static let `default`: JunkRules = try! JunkRules(patterns: defaultPatterns)
}

/// A junk pattern that is not a valid regular expression.
public struct JunkRuleError: Error, Sendable, CustomStringConvertible {
    /// The offending pattern.
    public var pattern: String
    public var description: String { "invalid junk pattern \"\(pattern)\": not a valid regular expression" }
}
