import ArgumentParser
import Foundation
import NewsProtocol

struct Reclassify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Re-score stored articles with newsd's current topic model.",
        discussion: """
            newsd reads the articles in batches on a connection of its own, each batch one short \
            transaction, so ingestion goes on meanwhile. By default only articles not yet scored \
            by the current model are touched (run it after a model change and SIGHUP); --all \
            re-scores those too. Waits and shows progress unless --no-wait. Exit codes: 0 done, \
            70 the job failed or newsd refused it (no model loaded, a job already running).
            """)

    @OptionGroup var client: ClientOptions

    @Option(help: "Only articles ingested on or after this day (YYYY-MM-DD, midnight UTC) or ISO 8601 time with its zone.")
    var since: String?

    @Flag(help: "Also re-score articles the current model already scored.")
    var all = false

    @Flag(inversion: .prefixedNo, help: "Wait for the job to finish, showing progress.")
    var wait = true

    func validate() throws {
        _ = try isoArgument(since, "--since")
    }

    func run() throws {
        var args: [String: String] = [:]
        if let since = try isoArgument(since, "--since") { args["since"] = since }
        if all { args["all"] = "true" }
        let started = try client.call(.reclassify, args: args)
        guard var progress = started.reclassify else {
            client.fail("newsd answered without a job", code: 76, kind: "bad_response")
        }
        if !client.json { print("reclassify: " + Self.describe(progress)) }
        while wait && progress.state == .running {
            usleep(200_000)
            guard let p = try client.call(.status).status?.reclassify else { break }
            if p.scanned != progress.scanned && !client.json { print("reclassify: " + Self.describe(p)) }
            progress = p
        }
        if client.json { try client.printJSON(progress) } else if wait { print("reclassify: " + Self.describe(progress)) }
        if progress.state == .failed { throw ExitCode(70) }
    }

    static func describe(_ p: ReclassifyProgress) -> String {
        var s = "\(p.state), model \(p.modelID), \(p.scanned) read, \(p.updated) updated"
        if let since = p.since { s += ", since \(since)" }
        if p.all { s += ", all" }
        if let e = p.error { s += ": \(e)" }
        return s
    }
}
