import Foundation
import NewsProtocol
import Testing

/// The control protocol's enums against docs/PROTOCOL.md, and how they read values they do not know.
struct StatesTests {
    /// The rows of the table under `heading` in docs/PROTOCOL.md: first column (code) → the rest.
    private func table(_ heading: String) throws -> [String: [String]] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("docs/PROTOCOL.md"), encoding: .utf8)
        let section = try #require(text.components(separatedBy: "## \(heading)\n").dropFirst().first)
        var rows: [String: [String]] = [:]
        for line in section.components(separatedBy: "\n").prefix(while: { !$0.hasPrefix("## ") }) where line.hasPrefix("| `") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            rows[cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`"))] = Array(cells.dropFirst())
        }
        return rows
    }

    @Test func theErrorCodeTableListsEveryCodeWithItsMeaning() throws {
        let documented = try table("Error codes").mapValues { $0[0] }
        let codes = ControlErrorCode.allCases.filter { $0 != .unknown }
        #expect(codes.count == 13)
        #expect(documented == Dictionary(uniqueKeysWithValues: codes.map { ($0.rawValue, $0.meaning) }))
    }

    @Test func theCommandTableListsEveryCommandAndWhoMayRunIt() throws {
        let documented = try table("Commands").mapValues { $0[0] }
        #expect(documented == Dictionary(uniqueKeysWithValues: ControlCommand.allCases.map { ($0.rawValue, $0.isReadOnly ? "read" : "admin") }))
    }

    @Test func anUnknownCommandIsAnErrorThatKeepsTheVersion() throws {
        #expect(throws: ControlRequest.UnknownCommand(v: 7, name: "explode")) {
            try JSONDecoder().decode(ControlRequest.self, from: Data(#"{"v":7,"command":"explode"}"#.utf8))
        }
        let long = String(repeating: "x", count: 100)
        #expect(ControlRequest.UnknownCommand(v: 1, name: long).answer == ControlErrorBody(code: .unknownCommand, message: "unknown command \"\(String(repeating: "x", count: 64))…\""))
        let known = try JSONDecoder().decode(ControlRequest.self, from: Data(#"{"v":1,"command":"queue","args":{"limit":"5"}}"#.utf8))
        #expect(known == ControlRequest(command: .queue, args: ["limit": "5"]))
    }

    @Test func statesTravelAsTheirNamesAndUnknownOnesReadAsUnknown() throws {
        #expect(String(decoding: try JSONEncoder().encode([DaemonState.draining, .running]), as: UTF8.self) == #"["draining","running"]"#)
        #expect(try JSONDecoder().decode([DatabaseState].self, from: Data(#"["reconnecting","failing-over"]"#.utf8)) == [.reconnecting, .unknown])
        #expect(try JSONDecoder().decode(ControlErrorBody.self, from: Data(#"{"code":"rate_limited","message":"m"}"#.utf8)).code == .unknown)
        #expect(try JSONDecoder().decode(ControlErrorBody.self, from: Data(#"{"code":"bad_state","message":"m"}"#.utf8)).code == .badState)
        #expect(try JSONDecoder().decode([QueuePlace].self, from: Data(#"["claimed","failed","inbox","dropped"]"#.utf8)) == [.claimed, .failed, .inbox, .dropped])
    }
}
