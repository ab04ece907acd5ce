import ArgumentParser
import Foundation
import NewsProtocol

/// A day (YYYY-MM-DD, midnight UTC) or an ISO 8601 time with its zone, checked as newsd
/// checks it (`ControlTime`) and passed on as written.
func isoArgument(_ text: String?, _ option: String) throws -> String? {
    guard let text else { return nil }
    guard ControlTime.parse(text) != nil else {
        throw ValidationError("\(option): \"\(text)\" is neither YYYY-MM-DD nor an ISO 8601 time with its zone (2026-11-24T10:00:00Z)")
    }
    return text
}

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show a stored article: text, topic scores, keywords, entities.")
    @OptionGroup var client: ClientOptions

    @Argument(help: "The article's id (articles.id).")
    var id: Int64

    func run() throws {
        let r = try client.call(.show, args: ["id": String(id)])
        guard let a = r.articles?.first else { client.fail("newsd answered without an article", code: 76, kind: "bad_response") }
        if client.json { return try client.printJSON(a) }
        print("#\(a.id) \(a.title)")
        var facts = ["ingested \(a.ingestedAt)", "from \(a.sourceFile)"]
        if let p = a.publishedAt { facts.append("published \(p)") }
        if let s = a.source { facts.append("source \(s)") }
        if let l = a.language { facts.append("language \(l)") }
        print(facts.joined(separator: ", "))
        if let url = a.url { print(url) }
        if let c = a.category {
            let scores = (a.scores ?? [:]).sorted { $0.value > $1.value }.map { "\($0.key) \(String(format: "%.2f", $0.value))" }
            print("topic: \(c) (\(scores.joined(separator: ", ")))")
        }
        if let d = a.duplicateOf { print("near-duplicate of #\(d)") }
        if let k = a.keywords, !k.isEmpty { print("keywords: \(k.joined(separator: ", "))") }
        for kind in ["person", "organization", "place"] {
            let list = (a.entities ?? []).filter { $0.kind == kind }.map { "\($0.name) ×\($0.mentions)" }
            if !list.isEmpty { print("\(kind): \(list.joined(separator: ", "))") }
        }
        print("")
        print(a.body ?? "")
    }
}

struct Search: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Full-text search of stored articles, best first, with a snippet ([matches] bracketed).",
        discussion: """
            QUERY uses web-search syntax: words, "a phrase", or, -excluded. Words are stemmed as each \
            article's language stems them ("Wahlen" finds "gewählt" in German articles, "resigning" \
            finds "resigned" in English ones); --language searches one language only.
            """)
    @OptionGroup var client: ClientOptions

    @Argument(help: "What to search for.")
    var query: [String]

    @Option(help: "Only articles in this language (ISO 639-1 code, such as de), the query stemmed as it stems words.")
    var language: String?

    @Option(help: "Only this category.")
    var category: String?

    @Option(help: "Published (or ingested) on or after this day / time.")
    var since: String?

    @Option(help: "Published (or ingested) before this day / time.")
    var until: String?

    @Option(help: "Only this source.")
    var source: String?

    @Option(help: "At most this many results.")
    var limit = 10

    func run() throws {
        var args = ["query": query.joined(separator: " "), "limit": String(limit)]
        if let language { args["language"] = language }
        if let category { args["category"] = category }
        if let s = try isoArgument(since, "--since") { args["since"] = s }
        if let u = try isoArgument(until, "--until") { args["until"] = u }
        if let source { args["source"] = source }
        let found = try client.call(.search, args: args).articles ?? []
        if client.json { return try client.printJSON(found) }
        if found.isEmpty { return print("no articles match") }
        for a in found {
            let facts = [a.category ?? "no topic", a.language ?? "language unknown", a.publishedAt ?? a.ingestedAt, "rank " + String(format: "%.3f", a.rank ?? 0)]
            print("#\(a.id) \(a.title)  [\(facts.joined(separator: ", "))]")
            if let s = a.snippet { print("    \(s)") }
        }
    }
}

struct Stats: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Article counts by category, by day of ingestion and by source.")
    @OptionGroup var client: ClientOptions

    @Option(help: "Days of ingestion to count back.")
    var days = 14

    func run() throws {
        guard let s = try client.call(.stats, args: ["days": String(days)]).stats else {
            client.fail("newsd answered without stats", code: 76, kind: "bad_response")
        }
        if client.json { return try client.printJSON(s) }
        print("\(s.total) articles")
        for (title, rows) in [("by category", s.byCategory), ("by day (last \(days))", s.byDay), ("by source", s.bySource)] {
            print("\(title):")
            for r in rows { print("  " + r.key.padding(toLength: 24, withPad: " ", startingAt: 0) + String(r.count)) }
        }
    }
}

struct Follow: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print newly ingested articles as they are committed, until interrupted.",
        discussion: "With --json, one JSON object per line (for piping).")
    @OptionGroup var client: ClientOptions

    @Option(help: "Start after this article id (default: only articles from now on).")
    var after: Int64?

    @Option(help: "Stop after this many articles (default: never).")
    var count: Int?

    func run() throws {
        var cursor = after
        var printed = 0
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        while true {
            var args = ["wait": "5"]
            if let cursor { args["after"] = String(cursor) }
            var options = client
            options.timeout = max(client.timeout, 15)
            let r = try options.call(.follow, args: args)
            for a in r.articles ?? [] {
                if client.json {
                    print(String(decoding: try encoder.encode(a), as: UTF8.self))
                } else {
                    print("#\(a.id) \(a.ingestedAt) [\(a.category ?? "no topic")] \(a.title)")
                }
                printed += 1
                if let count, printed >= count { return }
            }
            fflush(nil)  // every stream: stdout may be a pipe
            cursor = r.message.flatMap { Int64($0) } ?? cursor
        }
    }
}
