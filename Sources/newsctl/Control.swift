import ArgumentParser
import Foundation
import NewsProtocol

/// Commands that change newsd's state; they need root, newsd's user, `control.adminUsers` or `control.adminGroup`
/// (exit 77 otherwise).
protocol SimpleControlCommand: ParsableCommand {
    var client: ClientOptions { get }
    static var command: ControlCommand { get }
}

extension SimpleControlCommand {
    func run() throws {
        let r = try client.call(Self.command)
        if client.json {
            try client.printJSON(Outcome(ok: true, message: r.message ?? ""))
        } else {
            print(r.message ?? "done")
        }
    }
}

/// `--json` output of the commands that only say what they did.
struct Outcome: Encodable {
    var ok: Bool
    var message: String
}

struct Pause: SimpleControlCommand {
    static let configuration = CommandConfiguration(abstract: "Stop claiming new files; they wait in the inbox (needs admin).")
    static let command = ControlCommand.pause
    @OptionGroup var client: ClientOptions
}

struct Resume: SimpleControlCommand {
    static let configuration = CommandConfiguration(abstract: "Claim files again after pause (needs admin).")
    static let command = ControlCommand.resume
    @OptionGroup var client: ClientOptions
}

struct Drain: SimpleControlCommand {
    static let configuration = CommandConfiguration(
        abstract: "Finish everything in the inbox and the pipeline, then stop newsd (needs admin).",
        discussion: "Under systemd the unit then stays stopped (exit 0); start it again with systemctl start newsd.")
    static let command = ControlCommand.drain
    @OptionGroup var client: ClientOptions
}

struct Reload: SimpleControlCommand {
    static let configuration = CommandConfiguration(
        abstract: "Re-read the configuration and the topic model, like SIGHUP (needs admin).",
        discussion: "Exits 70 with newsd's reason when the new configuration is refused; the running one is kept.")
    static let command = ControlCommand.reload
    @OptionGroup var client: ClientOptions
}

/// `queue`: Postfix `postqueue -p` style listing of claimed and failed files.
struct Queue: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List claimed files and files in failed/ with age, attempts and reason.")
    @OptionGroup var client: ClientOptions

    @Option(help: "At most this many files of each kind.")
    var limit = 100

    func run() throws {
        let entries = try client.call(.queue, args: ["limit": String(limit)]).queue ?? []
        if client.json { return try client.printJSON(entries) }
        if entries.isEmpty { return print("queue is empty: nothing claimed, nothing in failed/") }
        print("ID".padding(toLength: 40, withPad: " ", startingAt: 0) + " PLACE    SIZE      AGE      ATTEMPTS REASON")
        for e in entries {
            let id = e.id.count > 39 ? String(e.id.prefix(38)) + "…" : e.id
            var line = id.padding(toLength: 40, withPad: " ", startingAt: 0) + " "
            line += e.place.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0) + " "
            line += String(e.sizeBytes).padding(toLength: 9, withPad: " ", startingAt: 0) + " "
            line += Status.duration(e.ageSeconds).padding(toLength: 8, withPad: " ", startingAt: 0) + " "
            line += (e.attempts.map(String.init) ?? "-").padding(toLength: 8, withPad: " ", startingAt: 0) + " "
            if let code = e.code { line += "\(code): \(e.reason ?? "")" }
            print(line)
        }
        let claimed = entries.count { $0.place == .claimed }
        print("-- \(claimed) claimed, \(entries.count - claimed) failed")
    }
}

/// `retry` and `drop` select failed files the same way.
struct FailedSelection: ParsableArguments {
    @Argument(help: "Failed files by ID (their name in failed/, as `newsctl queue` shows).")
    var ids: [String] = []

    @Option(help: "Every failed file with this reason code (e.g. not_text, too_large).")
    var code: String?

    @Flag(help: "Every failed file.")
    var all = false

    func validate() throws {
        let chosen = (ids.isEmpty ? 0 : 1) + (code == nil ? 0 : 1) + (all ? 1 : 0)
        guard chosen == 1 else { throw ValidationError("give failed file IDs, or --code CODE, or --all (exactly one)") }
    }

    var args: [String: String] {
        var a: [String: String] = [:]
        if !ids.isEmpty { a["ids"] = ids.joined(separator: "\n") }
        if let code { a["code"] = code }
        if all { a["all"] = "true" }
        return a
    }
}

struct Retry: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Move failed files back into the inbox to be processed again (needs admin).")
    @OptionGroup var client: ClientOptions
    @OptionGroup var selection: FailedSelection

    func run() throws {
        let r = try client.call(.retry, args: selection.args)
        if client.json { return try client.printJSON(r.queue ?? []) }
        for e in r.queue ?? [] { print("\(e.id) → inbox/\(e.originalName ?? e.id)") }
        print(r.message ?? "done")
    }
}

struct Drop: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Delete failed files and their reason files for good (needs admin; asks first unless --yes).")
    @OptionGroup var client: ClientOptions
    @OptionGroup var selection: FailedSelection

    @Flag(name: .shortAndLong, help: "Do not ask for confirmation.")
    var yes = false

    func run() throws {
        if !yes {
            let what = selection.all ? "every failed file" : selection.code.map { "every failed file with code \($0)" } ?? selection.ids.joined(separator: ", ")
            FileHandle.standardError.write(Data("delete \(what) from failed/? [y/N] ".utf8))
            guard let answer = readLine(), ["y", "yes"].contains(answer.lowercased()) else {
                FileHandle.standardError.write(Data("newsctl: nothing deleted\n".utf8))
                throw ExitCode(1)
            }
        }
        let r = try client.call(.drop, args: selection.args)
        if client.json { return try client.printJSON(r.queue ?? []) }
        for e in r.queue ?? [] { print("deleted \(e.id)") }
        print(r.message ?? "done")
    }
}

struct MetricsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics", abstract: "Print newsd's metrics in the Prometheus text format.")
    @OptionGroup var client: ClientOptions

    func run() throws {
        let text = try client.call(.metrics).metrics ?? ""
        if client.json { return try client.printJSON(["metrics": text]) }
        print(text, terminator: "")
    }
}
