import Foundation

/// A control request after validation: the command and its arguments as typed values, each
/// checked against its range. Every request is decoded here, once, before newsd acts on it, so
/// no argument a client can send reaches the handler as an unchecked string or number: a value
/// out of range, of the wrong form or not known to the command is a `bad_request` naming it.
public enum ControlCall: Sendable, Equatable {
    case status, metrics, pause, resume, drain, reload
    /// `cluster`: every newsd instance on the database.
    case cluster
    /// `queue`: at most `limit` claimed and `limit` failed files.
    case queue(limit: Int)
    case retry(FailedSelection)
    case drop(FailedSelection)
    /// `show`: one article by id.
    case show(id: Int64)
    case search(Search)
    /// `stats`: counts over the last `days` days.
    case stats(days: Int)
    /// `follow`: articles after `after` (nil: after the newest now), waiting up to `waitSeconds`.
    case follow(after: Int64?, waitSeconds: Double)
    /// `reclassify`: articles ingested since `since` (nil: all), including those already scored
    /// by the loaded model when `all`.
    case reclassify(since: Date?, all: Bool)

    /// Which failed files `retry` and `drop` act on: named ones, those of a reason code, or all.
    public struct FailedSelection: Sendable, Equatable {
        public var ids: [String]
        public var code: String?
        public var all: Bool
    }

    /// A full-text search.
    public struct Search: Sendable, Equatable {
        public var query: String
        /// Only articles in this language (a lower-case ISO 639-1 code), the query stemmed as
        /// it stems words; nil: every language, the query stemmed in each.
        public var language: String? = nil
        public var category: String?
        public var since: Date?
        public var until: Date?
        public var source: String?
        public var limit: Int
    }

    /// The ranges the arguments are checked against (also shown in `bad_request` messages).
    public enum Limits {
        public static let queueLimit = 1...10_000
        public static let searchLimit = 1...1_000
        public static let statsDays = 1...3_650
        public static let followWaitSeconds = 0.0...30.0
        public static let articleID: ClosedRange<Int64> = 1...Int64.max
        /// Names given to `retry` / `drop` in one request.
        public static let maxIDs = 10_000
        /// Bytes of one text argument (a query, a category, a source, a code).
        public static let maxTextBytes = 1_024
        /// Bytes of one failed file's id: a file name, escaped (NAME_MAX bytes, each at most `\xNN`).
        public static let maxIDBytes = 4 * 255
    }

    /// The command this call runs.
    public var command: ControlCommand {
        switch self {
        case .status: .status
        case .metrics: .metrics
        case .cluster: .cluster
        case .pause: .pause
        case .resume: .resume
        case .drain: .drain
        case .reload: .reload
        case .queue: .queue
        case .retry: .retry
        case .drop: .drop
        case .show: .show
        case .search: .search
        case .stats: .stats
        case .follow: .follow
        case .reclassify: .reclassify
        }
    }

    /// Validates `request`'s arguments: every one known to its command and within its range.
    /// The error is `bad_request`, naming the argument.
    public static func decode(_ request: ControlRequest) -> Result<ControlCall, ControlErrorBody> {
        do {
            return .success(try decode(request.command, Arguments(command: request.command, values: request.args ?? [:])))
        } catch {
            return .failure(error)
        }
    }

    private static func decode(_ command: ControlCommand, _ a: Arguments) throws(ControlErrorBody) -> ControlCall {
        let call: ControlCall
        switch command {
        case .status: call = .status
        case .metrics: call = .metrics
        case .cluster: call = .cluster
        case .pause: call = .pause
        case .resume: call = .resume
        case .drain: call = .drain
        case .reload: call = .reload
        case .queue: call = .queue(limit: try a.int("limit", in: Limits.queueLimit) ?? 100)
        case .retry, .drop:
            let ids = try a.text("ids", maxBytes: Limits.maxIDs * (Limits.maxIDBytes + 1))
                .map { $0.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) } ?? []
            guard ids.count <= Limits.maxIDs else {
                throw a.bad("ids", "\(ids.count) names; at most \(Limits.maxIDs) in one request")
            }
            if let long = ids.first(where: { $0.isEmpty || $0.utf8.count > Limits.maxIDBytes }) {
                throw a.bad("ids", long.isEmpty ? "an empty name" : "a name of \(long.utf8.count) bytes, over \(Limits.maxIDBytes)")
            }
            let code = try a.text("code", maxBytes: 64)
            if let code, code.isEmpty || !code.allSatisfy({ $0.isASCII && ($0.isLowercase || $0 == "_") }) {
                throw a.bad("code", "\"\(code)\" is not a failure code (such as not_text)")
            }
            let selection = FailedSelection(ids: ids, code: code, all: try a.bool("all") ?? false)
            guard !selection.ids.isEmpty || selection.code != nil || selection.all else {
                throw ControlErrorBody(code: .badRequest, message: "name failed files by id, or give a reason code, or all")
            }
            call = command == .retry ? .retry(selection) : .drop(selection)
        case .show:
            guard let id = try a.int64("id", in: Limits.articleID) else { throw a.bad("id", "show needs a numeric article id") }
            call = .show(id: id)
        case .search:
            guard let query = try a.text("query"), !query.allSatisfy(\.isWhitespace) else {
                throw a.bad("query", "search needs a query")
            }
            let search = Search(
                query: query, language: try a.languageCode("language"), category: try a.text("category"), since: try a.date("since"),
                until: try a.date("until"), source: try a.text("source"), limit: try a.int("limit", in: Limits.searchLimit) ?? 10)
            call = .search(search)
        case .stats: call = .stats(days: try a.int("days", in: Limits.statsDays) ?? 14)
        case .follow:
            call = .follow(
                after: try a.int64("after", in: 0...Int64.max),
                waitSeconds: try a.double("wait", in: Limits.followWaitSeconds) ?? 5)
        case .reclassify: call = .reclassify(since: try a.date("since"), all: try a.bool("all") ?? false)
        }
        try a.checkAllRead()
        return call
    }

    /// A request's arguments, read once each by name; what no reader asked for is unknown.
    private final class Arguments {
        let command: ControlCommand
        let values: [String: String]
        var read: Set<String> = []

        init(command: ControlCommand, values: [String: String]) {
            self.command = command
            self.values = values
        }

        func bad(_ key: String, _ problem: String) -> ControlErrorBody {
            ControlErrorBody(code: .badRequest, message: "\(command.rawValue): argument \"\(key)\": \(problem)")
        }

        func text(_ key: String, maxBytes: Int = Limits.maxTextBytes) throws(ControlErrorBody) -> String? {
            read.insert(key)
            guard let value = values[key] else { return nil }
            guard value.utf8.count <= maxBytes else { throw bad(key, "\(value.utf8.count) bytes, over the limit of \(maxBytes)") }
            guard !value.unicodeScalars.contains(where: { $0.value == 0 }) else { throw bad(key, "contains a NUL character") }
            return value
        }

        func int64(_ key: String, in range: ClosedRange<Int64>) throws(ControlErrorBody) -> Int64? {
            guard let text = try text(key, maxBytes: 32) else { return nil }
            // Digits with an optional minus, nothing else: `+1`, ` 1` or `1_000` are refused.
            let digits = text.utf8.first == UInt8(ascii: "-") ? text.utf8.dropFirst() : text.utf8[...]
            guard !digits.isEmpty, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let n = Int64(text) else {
                throw bad(key, "\"\(text)\" is not a whole number")
            }
            guard range.contains(n) else { throw bad(key, "\(n) is outside \(range.lowerBound)…\(range.upperBound)") }
            return n
        }

        func int(_ key: String, in range: ClosedRange<Int>) throws(ControlErrorBody) -> Int? {
            try int64(key, in: Int64(range.lowerBound)...Int64(range.upperBound)).map { Int($0) }
        }

        func double(_ key: String, in range: ClosedRange<Double>) throws(ControlErrorBody) -> Double? {
            guard let text = try text(key, maxBytes: 32) else { return nil }
            guard let x = Double(text), x.isFinite else { throw bad(key, "\"\(text)\" is not a number") }
            guard range.contains(x) else { throw bad(key, "\(text) is outside \(range.lowerBound)…\(range.upperBound)") }
            return x
        }

        func bool(_ key: String) throws(ControlErrorBody) -> Bool? {
            guard let text = try text(key, maxBytes: 8) else { return nil }
            switch text {
            case "true": return true
            case "false": return false
            default: throw bad(key, "\"\(text)\" is neither true nor false")
            }
        }

        /// An ISO 639-1 code (two letters; three for ISO 639-3), in any case; lower-cased.
        func languageCode(_ key: String) throws(ControlErrorBody) -> String? {
            guard let text = try text(key, maxBytes: 8) else { return nil }
            guard (2...3).contains(text.utf8.count), text.utf8.allSatisfy({ ($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A }) else {
                throw bad(key, "\"\(text)\" is not a language code (ISO 639-1, such as de)")
            }
            return text.lowercased()
        }

        /// A day (`2026-11-24`, midnight UTC) or an RFC 3339 time (`2026-11-24T10:00:00Z`),
        /// read strictly (`ControlTime`), between the years 1 and 9999.
        func date(_ key: String) throws(ControlErrorBody) -> Date? {
            guard let text = try text(key, maxBytes: 64) else { return nil }
            guard let date = ControlTime.parse(text) else {
                throw bad(key, "\"\(text)\" is neither YYYY-MM-DD nor an ISO 8601 time with its zone (2026-11-24T10:00:00Z)")
            }
            guard date.timeIntervalSince1970 > -62_135_596_800, date.timeIntervalSince1970 < 253_402_300_800 else {
                throw bad(key, "\"\(text)\" is outside the years 1 to 9999")
            }
            return date
        }

        func checkAllRead() throws(ControlErrorBody) {
            let unknown = values.keys.filter { !read.contains($0) }.sorted()
            guard let first = unknown.first else { return }
            let shown = first.count > 64 ? String(first.prefix(64)) + "…" : first
            throw bad(shown, "not an argument of \(command.rawValue)")
        }
    }
}
