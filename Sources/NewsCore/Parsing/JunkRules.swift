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
    /// `combined` split for speed (nil when `combined` is): the alternatives of the form `.*X.*`
    /// as one unanchored search for X (`searched`), the others anchored (`anchored`). On a line
    /// without line terminators, which `.` does not match, `^(?:A|.*X.*)$` matches exactly when
    /// `^(?:A)$` does or X occurs somewhere; the regex engine backtracks `.*` position by
    /// position, which cost 9 of the 12 µs a 180-character line took with the default rules.
    private let split: (anchored: NSRegularExpression?, searched: NSRegularExpression)?
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
        split = combined == nil ? nil : Self.split(patterns)
    }

    /// The anchored and searched halves of the patterns' alternatives (see `split`), or nil
    /// when no alternative is `.*X.*` or a pattern sets inline flags (which would not carry
    /// across a split).
    static func split(_ patterns: [String]) -> (anchored: NSRegularExpression?, searched: NSRegularExpression)? {
        var anchored: [String] = []
        var searched: [String] = []
        for pattern in patterns {
            if pattern.contains("(?") && pattern.replacingOccurrences(of: "(?:", with: "").contains("(?") { return nil }
            guard let alternatives = topLevelAlternatives(pattern) else { return nil }
            for alternative in alternatives {
                if let inner = surroundedByDotStar(alternative) {
                    searched.append(inner)
                } else {
                    anchored.append(alternative)
                }
            }
        }
        guard !searched.isEmpty,
            let search = try? NSRegularExpression(
                pattern: searched.map { "(?:\($0))" }.joined(separator: "|"), options: [.caseInsensitive])
        else { return nil }
        if anchored.isEmpty { return (nil, search) }
        guard
            let anchor = try? NSRegularExpression(
                pattern: "^(?:" + anchored.map { "(?:\($0))" }.joined(separator: "|") + ")$", options: [.caseInsensitive])
        else { return nil }
        return (anchor, search)
    }

    /// `pattern` cut at the `|`s outside groups, character classes and escapes; nil for syntax
    /// this cut does not follow (nested classes, `\Q…\E` quoting).
    static func topLevelAlternatives(_ pattern: String) -> [String]? {
        if pattern.contains("\\Q") { return nil }
        var parts: [String] = []
        var current = ""
        var depth = 0
        var escaped = false
        var classChars = -1  // characters seen since a class's `[`; -1 outside a class
        var caretFirst = false
        for c in pattern {
            current.append(c)
            if escaped {
                escaped = false
                if classChars >= 0 { classChars += 1 }
                continue
            }
            if classChars >= 0 {
                // A `]` first in a class (or first after `^`) is a literal.
                if c == "]" && !(classChars == 0 || (classChars == 1 && caretFirst)) {
                    classChars = -1
                    continue
                }
                if c == "\\" { escaped = true }
                if c == "[" { return nil }
                if classChars == 0 { caretFirst = c == "^" }
                classChars += 1
                continue
            }
            switch c {
            case "\\": escaped = true
            case "[":
                classChars = 0
                caretFirst = false
            case "(": depth += 1
            case ")": depth -= 1
            case "|" where depth == 0:
                current.removeLast()
                parts.append(current)
                current = ""
            default: break
            }
        }
        parts.append(current)
        return parts
    }

    /// X, for an alternative `.*X.*` (both `.*` unescaped, X not empty).
    static func surroundedByDotStar(_ alternative: String) -> String? {
        guard alternative.hasPrefix(".*"), alternative.hasSuffix(".*"), alternative.count > 4 else { return nil }
        let inner = alternative.dropFirst(2).dropLast(2)
        // `.*?`, `.*+` and the like are other quantifiers, not `.*` then X.
        guard let first = inner.first, !"?+*{".contains(first) else { return nil }
        // The closing `.*` is unescaped when an even number of backslashes stands before it.
        let backslashes = inner.reversed().prefix { $0 == "\\" }.count
        guard backslashes % 2 == 0 else { return nil }
        return String(inner)
    }

    /// Lines longer than this many UTF-8 bytes are never junk: site furniture is short, and
    /// running every pattern over a long paragraph is the costliest step of parsing.
    public static let maxLineBytes = 400

    /// Whether `line` (already normalized) is junk.
    public func matches(_ line: String) -> Bool {
        guard line.utf8.count <= Self.maxLineBytes else { return false }
        let range = NSRange(line.startIndex..., in: line)
        if let split, !Self.holdsLineTerminator(line) {
            if let anchored = split.anchored, anchored.firstMatch(in: line, options: [], range: range) != nil { return true }
            return split.searched.firstMatch(in: line, options: [], range: range) != nil
        }
        if let combined { return combined.firstMatch(in: line, options: [], range: range) != nil }
        return expressions.contains { $0.firstMatch(in: line, options: [], range: range) != nil }
    }

    /// Whether `line` holds a character the regex engine treats as ending a line (`.` does not
    /// match it): LF, VT, FF, CR, NEL, LS, PS.
    static func holdsLineTerminator(_ line: String) -> Bool {
        var previous: (UInt8, UInt8) = (0, 0)
        for b in line.utf8 {
            if b >= 0x0A && b <= 0x0D { return true }
            if previous.1 == 0xC2 && b == 0x85 { return true }
            if previous == (0xE2, 0x80) && (b == 0xA8 || b == 0xA9) { return true }
            previous = (previous.1, b)
        }
        return false
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
