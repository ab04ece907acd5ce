import ArgumentParser
import Foundation
import NewsProtocol

@main
struct Newsctl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "newsctl",
        abstract: "Control and inspect a running newsd.",
        discussion: """
            newsctl talks to newsd over its control socket (default \(ControlProtocol.defaultSocketPath), \
            or NEWSD_CONTROL_SOCKET). Read-only commands (status, queue, show, search, stats, \
            follow, metrics) are open to whoever may open the socket; the others need root, \
            newsd's user, a user in control.adminUsers or a member of control.adminGroup. \
            Every command takes --json. Exit codes \
            follow sysexits(3): 64 usage, 69 newsd not running, 70 newsd refused the request, \
            75 time-out, 76 protocol error, 77 permission denied.
            """,
        version: NewsdVersion.current,
        subcommands: [
            Status.self, Queue.self, Show.self, Search.self, Stats.self, Follow.self, MetricsCommand.self,
            Pause.self, Resume.self, Drain.self, Reload.self, Retry.self, Drop.self, Reclassify.self,
            Explain.self, Model.self, Version.self,
        ]
    )
}

/// Options every subcommand that talks to newsd takes.
struct ClientOptions: ParsableArguments {
    @Option(help: "Control socket of newsd.")
    var socket: String = ProcessInfo.processInfo.environment["NEWSD_CONTROL_SOCKET"] ?? ControlProtocol.defaultSocketPath

    @Flag(help: "Print JSON for scripts instead of text.")
    var json = false

    @Option(help: "Seconds to wait for newsd's answer.")
    var timeout: Double = 10

    /// Sends `command`; prints a one-line explanation and exits non-zero when that fails.
    func call(_ command: ControlCommand, args: [String: String]? = nil) throws -> ControlResponse {
        let client = ControlClient(socketPath: socket, timeoutSeconds: timeout)
        let response: ControlResponse
        do {
            response = try client.send(ControlRequest(command: command, args: args))
        } catch {
            let code: Int32
            switch error {
            case .notRunning: code = 69
            case .permissionDenied: code = 77
            case .timeout: code = 75
            case .badResponse: code = 76
            case .system: code = 71
            }
            fail(error.description, code: code, kind: "client_error")
        }
        if !response.ok {
            let e = response.error ?? ControlErrorBody(code: .unknown, message: "newsd refused the request")
            fail(e.message, code: e.code == .forbidden ? 77 : 70, kind: e.code.rawValue)
        }
        return response
    }

    func fail(_ message: String, code: Int32, kind: String) -> Never {
        if json {
            let body = ["ok": false, "error": ["code": kind, "message": message]] as [String: Any]
            if let data = try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys]) {
                print(String(decoding: data, as: UTF8.self))
            }
        }
        FileHandle.standardError.write(Data("newsctl: \(message)\n".utf8))
        Foundation.exit(code)
    }

    func printJSON<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}

struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print newsctl's version.")

    @Flag(help: "Print JSON.")
    var json = false

    func run() {
        print(json ? "{\"newsctl\":\"\(NewsdVersion.current)\",\"protocol\":\(ControlProtocol.version)}" : "newsctl \(NewsdVersion.current) (control protocol \(ControlProtocol.version))")
    }
}
