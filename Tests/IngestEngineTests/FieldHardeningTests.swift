import Foundation
import Logging
import NewsProtocol
import Testing

@testable import IngestEngine

#if canImport(Glibc)
import Glibc
#endif

/// Issue 18's items that need no database: each test is named after the item it covers.
@Suite struct FieldHardeningTests {
    /// A daemon that is never run, on a throwaway state folder, with a database that cannot be
    /// reached: what the control fuzz target drives.
    final class Idle {
        let state: String
        let daemon: Daemon
        init() throws {
            var template = Array("/tmp/newsd-unit-XXXXXX".utf8CString)
            state = String(cString: mkdtemp(&template)!)
            var config = NewsdConfig.defaults(stateDirectory: state)
            config.socketPath = state + "/newsd.sock"
            config.databaseURL = "host=\(state)/no-such-dir dbname=newsd connect_timeout=1"
            config.workers = 1
            var logger = Logger(label: "test")
            logger.logLevel = .critical
            let fixed = config
            daemon = try Daemon(config: config, logger: logger) { fixed }
        }
        deinit { try? FileManager.default.removeItem(atPath: state) }

        func answer(_ json: String, uid: UInt32 = 65534) -> ControlResponse {
            daemon.answer(line: Data(json.utf8), peer: PeerCredentials(pid: 1, uid: uid, gid: uid))
        }
    }

    /// Item 1: a read-only user's absurd arguments get `bad_request` naming the argument; before,
    /// `queue --limit=-1` trapped ("Can't take a prefix of negative length") and a huge limit
    /// overflowed `limit * 4`, killing newsd.
    @Test func item01_absurdArgumentsAreRefusedNotTrapped() throws {
        let idle = try Idle()
        // Something claimed, so listing the spool reaches the limit arithmetic.
        #expect(FileManager.default.createFile(atPath: idle.state + "/spool/claimed.txt", contents: Data("x".utf8)))
        let cases: [(String, String)] = [
            (#"{"v":1,"command":"queue","args":{"limit":"-1"}}"#, #"queue: argument "limit": -1 is outside 1…10000"#),
            (#"{"v":1,"command":"queue","args":{"limit":"4611686018427387904"}}"#, #"queue: argument "limit": 4611686018427387904 is outside 1…10000"#),
            (#"{"v":1,"command":"queue","args":{"limit":"99999999999999999999999"}}"#, #"queue: argument "limit": "99999999999999999999999" is not a whole number"#),
            (#"{"v":1,"command":"queue","args":{"limt":"5"}}"#, #"queue: argument "limt": not an argument of queue"#),
            (#"{"v":1,"command":"search","args":{"query":"x","limit":"-5"}}"#, #"search: argument "limit": -5 is outside 1…1000"#),
            (#"{"v":1,"command":"search","args":{"query":"x","since":"yesterday"}}"#, #"search: argument "since": "yesterday" is neither YYYY-MM-DD nor an ISO 8601 time"#),
            (#"{"v":1,"command":"search","args":{"query":"   "}}"#, #"search: argument "query": search needs a query"#),
            (#"{"v":1,"command":"stats","args":{"days":"-9223372036854775808"}}"#, #"stats: argument "days": -9223372036854775808 is outside 1…3650"#),
            (#"{"v":1,"command":"follow","args":{"wait":"nan"}}"#, #"follow: argument "wait": "nan" is not a number"#),
            (#"{"v":1,"command":"follow","args":{"wait":"1e308"}}"#, #"follow: argument "wait": 1e308 is outside 0.0…30.0"#),
            (#"{"v":1,"command":"follow","args":{"after":"-1"}}"#, #"follow: argument "after": -1 is outside 0…9223372036854775807"#),
            (#"{"v":1,"command":"show","args":{"id":"0"}}"#, #"show: argument "id": 0 is outside 1…9223372036854775807"#),
            (#"{"v":1,"command":"show"}"#, #"show: argument "id": show needs a numeric article id"#),
            (#"{"v":1,"command":"status","args":{"x":"1"}}"#, #"status: argument "x": not an argument of status"#),
        ]
        for (request, message) in cases {
            let r = idle.answer(request)
            #expect(r.ok == false, "\(request)")
            #expect(r.error == ControlErrorBody(code: "bad_request", message: message), "\(request)")
        }
        // Admin commands keep their access check first, then the same validation.
        #expect(idle.answer(#"{"v":1,"command":"retry","args":{"all":"maybe"}}"#).error?.code == "forbidden")
        #expect(
            idle.answer(#"{"v":1,"command":"retry","args":{"all":"maybe"}}"#, uid: 0).error
                == ControlErrorBody(code: "bad_request", message: #"retry: argument "all": "maybe" is neither true nor false"#))
        #expect(
            idle.answer(#"{"v":1,"command":"reclassify","args":{"since":"99999-01-01"}}"#, uid: 0).error?.code == "bad_request")
        // In range, it is answered.
        let listed = idle.answer(#"{"v":1,"command":"queue","args":{"limit":"10000"}}"#)
        #expect(listed.ok && listed.queue?.map(\.id) == ["claimed.txt"])
        // A database the handler cannot reach is "unavailable", not a crash.
        #expect(idle.answer(#"{"v":1,"command":"show","args":{"id":"9223372036854775807"}}"#).error?.code == "unavailable")
    }

    /// Item 1: every command, with every argument it takes set to a spread of hostile values,
    /// answers (ok or an error body) without trapping: the shapes the fuzz target starts from.
    @Test func item01_everyCommandSurvivesHostileValues() throws {
        let idle = try Idle()
        let values = ["", "-1", "0", "1", "9223372036854775807", "-9223372036854775808", "18446744073709551616", "1e400",
                      "-0", "nan", "inf", "true", "\u{0}", String(repeating: "9", count: 2000), "2026-02-30", "../../etc/passwd"]
        let keys = ["limit", "ids", "code", "all", "id", "query", "category", "since", "until", "source", "days", "after", "wait"]
        for command in ControlCommand.allCases where command != .drain && command != .reload && command != .follow {
            for key in keys {
                for value in values {
                    let request = ControlRequest(command: command.rawValue, args: [key: value])
                    let line = try JSONEncoder().encode(request)
                    let r = idle.daemon.answer(line: line, peer: PeerCredentials(pid: 1, uid: 0, gid: 0))
                    #expect(r.ok || r.error != nil)
                }
            }
        }
    }
}
