import Foundation
import Logging
import NewsCore
import NewsProtocol
import NewsSystem
import Testing

@testable import IngestEngine

#if canImport(Glibc)
import Glibc
#endif

/// Issue 18's items that need no database: each test is named after the item it covers.
/// Creates a file, failing the test if it cannot.
func make(_ path: String, _ data: Data, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(FileManager.default.createFile(atPath: path, contents: data), "cannot create \(path)", sourceLocation: sourceLocation)
}

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
        make(idle.state + "/spool/claimed.txt", Data("x".utf8))
        let cases: [(String, String)] = [
            (#"{"v":1,"command":"queue","args":{"limit":"-1"}}"#, #"queue: argument "limit": -1 is outside 1…10000"#),
            (#"{"v":1,"command":"queue","args":{"limit":"4611686018427387904"}}"#, #"queue: argument "limit": 4611686018427387904 is outside 1…10000"#),
            (#"{"v":1,"command":"queue","args":{"limit":"99999999999999999999999"}}"#, #"queue: argument "limit": "99999999999999999999999" is not a whole number"#),
            (#"{"v":1,"command":"queue","args":{"limt":"5"}}"#, #"queue: argument "limt": not an argument of queue"#),
            (#"{"v":1,"command":"search","args":{"query":"x","limit":"-5"}}"#, #"search: argument "limit": -5 is outside 1…1000"#),
            (#"{"v":1,"command":"search","args":{"query":"x","since":"yesterday"}}"#, #"search: argument "since": "yesterday" is neither YYYY-MM-DD nor an ISO 8601 time with its zone (2026-11-24T10:00:00Z)"#),
            (#"{"v":1,"command":"search","args":{"query":"x","since":"2026-02-30"}}"#, #"search: argument "since": "2026-02-30" is neither YYYY-MM-DD nor an ISO 8601 time with its zone (2026-11-24T10:00:00Z)"#),
            (#"{"v":1,"command":"search","args":{"query":"x","until":"2025-02-29T10:00:00Z"}}"#, #"search: argument "until": "2025-02-29T10:00:00Z" is neither YYYY-MM-DD nor an ISO 8601 time with its zone (2026-11-24T10:00:00Z)"#),
            (#"{"v":1,"command":"search","args":{"query":"x","until":"2026-01-01T24:30:00Z"}}"#, #"search: argument "until": "2026-01-01T24:30:00Z" is neither YYYY-MM-DD nor an ISO 8601 time with its zone (2026-11-24T10:00:00Z)"#),
            (#"{"v":1,"command":"show","args":{"id":"+1"}}"#, #"show: argument "id": "+1" is not a whole number"#),
            (#"{"v":1,"command":"queue","args":{"limit":"-"}}"#, #"queue: argument "limit": "-" is not a whole number"#),
            (#"{"v":1,"command":"search","args":{"query":"   "}}"#, #"search: argument "query": search needs a query"#),
            (#"{"v":1,"command":"search","args":{"query":"x","language":"german"}}"#, #"search: argument "language": "german" is not a language code (ISO 639-1, such as de)"#),
            (#"{"v":1,"command":"search","args":{"query":"x","language":"d1"}}"#, #"search: argument "language": "d1" is not a language code (ISO 639-1, such as de)"#),
            (#"{"v":1,"command":"search","args":{"query":"x","language":"pt-BR"}}"#, #"search: argument "language": "pt-BR" is not a language code (ISO 639-1, such as de)"#),
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
            #expect(r.error == ControlErrorBody(code: .badRequest, message: message), "\(request)")
        }
        // Real days and times pass validation (search then needs the database, which is absent).
        for since in ["2024-02-29", "2000-02-29", "2026-12-31T23:59:59Z", "2026-11-24T10:00:00+02:00"] {
            let r = idle.answer(#"{"v":1,"command":"search","args":{"query":"x","since":"\#(since)"}}"#)
            #expect(r.error?.code != ControlErrorCode(rawValue: "bad_request"), "\(since): \(String(describing: r.error))")
        }
        // A language code in any case passes too, and is lower-cased.
        if case .success(.search(let search)) = ControlCall.decode(ControlRequest(command: .search, args: ["query": "Wahlen", "language": "DE"])) {
            #expect(search.language == "de" && search.query == "Wahlen")
        } else {
            Issue.record("search with language DE refused")
        }
        #expect(idle.answer(#"{"v":1,"command":"search","args":{"query":"x","language":"De"}}"#).error?.code == ControlErrorCode(rawValue: "unavailable"))
        // Admin commands keep their access check first, then the same validation.
        #expect(idle.answer(#"{"v":1,"command":"retry","args":{"all":"maybe"}}"#).error?.code == ControlErrorCode(rawValue: "forbidden"))
        #expect(
            idle.answer(#"{"v":1,"command":"retry","args":{"all":"maybe"}}"#, uid: 0).error
                == ControlErrorBody(code: .badRequest, message: #"retry: argument "all": "maybe" is neither true nor false"#))
        #expect(
            idle.answer(#"{"v":1,"command":"reclassify","args":{"since":"99999-01-01"}}"#, uid: 0).error?.code == ControlErrorCode(rawValue: "bad_request"))
        #expect(
            idle.answer(#"{"v":1,"command":"drop","args":{"code":""}}"#, uid: 0).error
                == ControlErrorBody(code: .badRequest, message: #"drop: argument "code": "" is not a failure code (such as not_text)"#))
        // In range, it is answered.
        let listed = idle.answer(#"{"v":1,"command":"queue","args":{"limit":"10000"}}"#)
        #expect(listed.ok && listed.queue?.map(\.id) == ["claimed.txt"])
        // A database the handler cannot reach is "unavailable", not a crash.
        #expect(idle.answer(#"{"v":1,"command":"show","args":{"id":"9223372036854775807"}}"#).error?.code == ControlErrorCode(rawValue: "unavailable"))
    }

    /// Item 1: times are read strictly, by newsd and newsctl alike: every field in range, a
    /// zone with every time, nothing after it; Foundation's readers rolled `2026-02-30` over to
    /// March 2nd and read `2026-11-24 10:00:00Z` as midnight.
    @Test func item01_timesAreReadStrictly() throws {
        let good: [(String, Double)] = [
            ("2026-11-24", 1_795_478_400), ("2026-11-24T10:00:00Z", 1_795_514_400), ("2026-11-24T10:00Z", 1_795_514_400),
            ("2026-11-24T10:00:00+02:00", 1_795_507_200), ("2026-11-24T10:00:00.5-01:30", 1_795_519_800.5),
            ("2024-02-29T23:59:59Z", 1_709_251_199), ("1970-01-01", 0), ("0001-01-01", -62_135_596_800),
        ]
        for (text, seconds) in good { #expect(ControlTime.parse(text)?.timeIntervalSince1970 == seconds, "\(text)") }
        let bad = [
            "2026-02-30", "2025-02-29", "2026-13-01", "2026-00-10", "0000-01-01", "2026-11-24T24:30:00Z", "2026-11-24T10:60:00Z",
            "2026-11-24T23:59:60Z", "2026-11-24T10:00:00", "2026-11-24 10:00:00Z", "2026-11-24t10:00:00Z", "2026-11-24X10:00:00Z",
            "2026-11-24T10:00:00+25:00", "2026-11-24T10:00:00+05:99", "2026-11-24T10:00:00 Z", "2026-11-24T10:00:00ZZZ",
            "2026-11-24T10:00:00.Z", "20261124", "2026-W48-2", "2026-328", "+2026-11-24", "2026-11-24 ", "",
        ]
        for text in bad { #expect(ControlTime.parse(text) == nil, "\(text)") }
    }

    /// Item 1: every command, with every argument it takes set to a spread of hostile values,
    /// answers (ok or an error body) without trapping: the shapes the fuzz target starts from.
    @Test func item01_everyCommandSurvivesHostileValues() throws {
        let idle = try Idle()
        let values = ["", "-1", "0", "1", "9223372036854775807", "-9223372036854775808", "18446744073709551616", "1e400",
                      "-0", "nan", "inf", "true", "\u{0}", String(repeating: "9", count: 2000), "2026-02-30", "../../etc/passwd"]
        let keys = ["limit", "ids", "code", "all", "id", "query", "language", "category", "since", "until", "source", "days", "after", "wait"]
        for command in ControlCommand.allCases where command != .drain && command != .reload && command != .follow {
            for key in keys {
                for value in values {
                    let request = ControlRequest(command: command, args: [key: value])
                    let line = try JSONEncoder().encode(request)
                    let r = idle.daemon.answer(line: line, peer: PeerCredentials(pid: 1, uid: 0, gid: 0))
                    #expect(r.ok || r.error != nil)
                }
            }
        }
    }

    /// A spool on a throwaway state folder.
    func makeSpool() throws -> (Spool, String) {
        var template = Array("/tmp/newsd-spool-XXXXXX".utf8CString)
        let state = String(cString: mkdtemp(&template)!)
        return (try Spool(config: NewsdConfig.defaults(stateDirectory: state)), state)
    }

    func claimed(_ name: [UInt8]) -> ClaimedFile {
        ClaimedFile(name: name, display: displayName(name), claimedAt: Date(), attempts: 1, recovered: false)
    }

    /// Item 7: today's archive folder (or the whole archive) removed under newsd is made again
    /// when a move finds it missing; before, the rename failed with ENOENT every 5 s and the
    /// file's slot leaked until a restart or midnight. A committed file that vanished from the
    /// spool is finished, not retried forever.
    @Test func item07_missingArchiveFolderIsMadeAgainAndVanishedFilesAreFinished() throws {
        let (spool, state) = try makeSpool()
        defer { try? FileManager.default.removeItem(atPath: state) }
        let now = Date()
        let day = state + "/archive/" + Spool.day(now)
        for (i, removed) in [day, state + "/archive"].enumerated() {
            let first = Array("first\(i).txt".utf8)
            let second = Array("second\(i).txt".utf8)
            make(state + "/spool/first\(i).txt", Data("a".utf8))
            make(state + "/spool/second\(i).txt", Data("b".utf8))
            #expect(try spool.finishCommitted(first, now: now) == day + "/first\(i).txt")
            try FileManager.default.removeItem(atPath: removed)
            #expect(try spool.finishCommitted(second, now: now) == day + "/second\(i).txt")
            #expect(FileManager.default.fileExists(atPath: day + "/second\(i).txt"))
        }
        // Deleted from the spool after it was read (and committed): finished.
        #expect(try spool.finishCommitted(Array("gone.txt".utf8), now: now) == "vanished from the spool")
        // The same for a failed file, and no orphan reason is left behind.
        try spool.finishFailed(claimed(Array("gone.bin".utf8)), failure: IngestFailure(.notText, "binary"), size: 1, sha256: nil)
        #expect(!FileManager.default.fileExists(atPath: state + "/failed/.reasons/gone.bin"))
        // failed/.reasons removed by hand: made again.
        try FileManager.default.removeItem(atPath: state + "/failed/.reasons")
        make(state + "/spool/bad.bin", Data([0]))
        try spool.finishFailed(claimed(Array("bad.bin".utf8)), failure: IngestFailure(.notText, "binary"), size: 1, sha256: nil)
        #expect(FileManager.default.fileExists(atPath: state + "/failed/.reasons/bad.bin"))
        #expect(FileManager.default.fileExists(atPath: state + "/failed/bad.bin"))
    }

    /// Item 10: derived names fit NAME_MAX by construction (a 255-byte name keeps its reason,
    /// under the same name in failed/.reasons), and a taken name costs one more rename, not a
    /// search through name.1, name.2, … (10,000 tries for the 10,001st file of a name before).
    @Test func item10_derivedNamesFitAndCollisionsCostOneRename() throws {
        let (spool, state) = try makeSpool()
        defer { try? FileManager.default.removeItem(atPath: state) }
        // 255 bytes, the last characters two-byte: a cut must not split one.
        let long = Array((String(repeating: "n", count: 249) + "éé.t").utf8)
        #expect(long.count == 255)
        var names: [[UInt8]] = []
        for round in 0..<3 {
            make(state + "/spool/" + String(decoding: long, as: UTF8.self), Data([UInt8(round)]))
            names.append(try spool.finishFailed(claimed(long), failure: IngestFailure(.notText, "round \(round)"), size: 1, sha256: nil))
        }
        #expect(names[0] == long)
        for name in names.dropFirst() {
            #expect(name.count <= 255)
            #expect(String(validating: name, as: UTF8.self) != nil)
            #expect(displayName(name).wholeMatch(of: /n+é?~[0-9a-f]{12}/) != nil, "\(displayName(name))")
        }
        #expect(Set(names).count == 3)
        let listed = spool.listFailed(limit: 10)
        #expect(listed.count == 3)
        #expect(Set(listed.compactMap(\.reason)) == ["round 0", "round 1", "round 2"])
        // Many files of one name into the archive: each move is one or two renames.
        for i in 0..<200 {
            make(state + "/spool/same.txt", Data("\(i)".utf8))
            _ = try spool.finishCommitted(Array("same.txt".utf8))
        }
        let day = state + "/archive/" + Spool.day(Date())
        #expect(try FileManager.default.contentsOfDirectory(atPath: day).count == 200)
    }

    /// Items 9 and 11: a failed `x.json` is a failed file like any other (reasons live in
    /// failed/.reasons), so `queue`, `retry` and `drop` see it, and a file literally named
    /// `x.json.json` too; the failed count is what failed/ holds, after drop, retry and rm.
    /// Sidecars of the old layout are moved at start-up.
    @Test func item09_item11_failedJSONFilesAreVisibleAndTheCountIsTheFolders() throws {
        let idle = try Idle()
        let failed = idle.state + "/failed"
        let spool = try Spool(config: NewsdConfig.defaults(stateDirectory: idle.state))
        for name in ["x.json", "x.json.json", "y.txt"] {
            make(idle.state + "/spool/" + name, Data("{".utf8))
            try spool.finishFailed(claimed(Array(name.utf8)), failure: IngestFailure(.badRecord, "broken \(name)"), size: 1, sha256: nil)
        }
        func queue() -> [String: String] {
            let r = idle.answer(#"{"v":1,"command":"queue"}"#)
            return Dictionary(uniqueKeysWithValues: (r.queue ?? []).map { ($0.id, $0.reason ?? "") })
        }
        #expect(queue() == ["x.json": "broken x.json", "x.json.json": "broken x.json.json", "y.txt": "broken y.txt"])
        #expect(idle.daemon.status.report().files.failed == 3)
        let dropped = idle.answer(#"{"v":1,"command":"drop","args":{"ids":"x.json.json"}}"#, uid: 0)
        #expect(dropped.ok && dropped.queue?.map(\.id) == ["x.json.json"])
        #expect(idle.daemon.status.report().files.failed == 2)
        let retried = idle.answer(#"{"v":1,"command":"retry","args":{"ids":"x.json"}}"#, uid: 0)
        #expect(retried.ok && retried.queue?.map(\.originalName) == ["x.json"])
        #expect(FileManager.default.fileExists(atPath: idle.state + "/inbox/x.json"))
        #expect(idle.daemon.status.report().files.failed == 1)
        try FileManager.default.removeItem(atPath: failed + "/y.txt")
        #expect(idle.daemon.status.report().files.failed == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: failed + "/.reasons") == ["y.txt"])  // only rm'd by hand

        // The old layout: failed/a.txt beside failed/a.txt.json, and a failed input b.json that
        // is not a sidecar. At start-up only the sidecar moves.
        let (old, state) = try makeSpool()
        defer { try? FileManager.default.removeItem(atPath: state) }
        make(state + "/failed/a.txt", Data("x".utf8))
        make(
            state + "/failed/a.txt.json",
            Data(#"{"attempts":1,"code":"not_text","file":"a.txt","first_seen":"t","failed_at":"t","original_name":"a.txt","reason":"binary","size_bytes":1}"#.utf8))
        make(state + "/failed/b.json", Data(#"{"title": 1}"#.utf8))
        #expect(old.moveLegacySidecars() == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: state + "/failed").sorted() == [".reasons", "a.txt", "b.json"])
        #expect(old.listFailed(limit: 10).first { $0.id == "a.txt" }?.code == "not_text")
    }

    /// Item 12: the byte budget admits what fits, one oversize record when nothing else is
    /// held, and a waiter as soon as bytes come back.
    @Test func item12_theByteBudgetBoundsBytes() throws {
        let budget = ByteBudget(capacity: 100)
        #expect(budget.tryReserve(40))
        #expect(!budget.isFull)
        #expect(budget.tryReserve(20))
        #expect(budget.isFull)  // half used: claiming waits
        #expect(!budget.tryReserve(50))
        #expect(budget.tryReserve(40))
        budget.release(100)
        #expect(budget.tryReserve(500))  // alone, though over the capacity
        #expect(!budget.tryReserve(1))
        let waited = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            budget.reserve(10)
            waited.signal()
        }
        #expect(waited.wait(timeout: .now() + 0.2) == .timedOut)
        budget.release(500)
        #expect(waited.wait(timeout: .now() + 10) == .success)
        #expect(budget.snapshot.used == 10)
    }
}
