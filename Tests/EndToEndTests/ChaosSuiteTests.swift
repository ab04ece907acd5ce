import Foundation
import NewsProtocol
import PostgresClient
import Synchronization
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Randomly mixed faults under a steady drop of good files, then the books are checked: every
/// good file stored exactly once, every bad file in failed/ with its reason, nothing left
/// claimed, newsd's RSS under the bound. `scripts/suite chaos` runs it for 10 minutes
/// (NEWSD_CHAOS_SECONDS=600; any value runs it). A failing run prints its seed (NEWSD_CHAOS_SEED
/// replays the same choice of faults) and the end of newsd's log.
@Suite struct ChaosSuiteTests {
    static let scripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts").path

    enum Fault: String, CaseIterable {
        case kill, postgresRestart, postgresCrash, tableLock, descriptorPressure, inboxReplaced, archiveRemoved
        case pathologicalFile, badFiles, controlFlood
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["NEWSD_CHAOS_SECONDS"] != nil, "scripts/suite chaos runs it (NEWSD_CHAOS_SECONDS)"))
    func randomFaultsUnderASteadyDrop() throws {
        let seconds = Double(SuiteSize.int("NEWSD_CHAOS_SECONDS", 40))
        let seed = UInt64(SuiteSize.int("NEWSD_CHAOS_SEED", Int.random(in: 1..<1_000_000)))
        print("chaos suite: \(Int(seconds)) s, seed \(seed)")
        var random = SeededRandom(state: seed)
        // NEWSD_CHAOS_FAULTS=kill,descriptorPressure narrows the mix (to chase one fault).
        let named = (ProcessInfo.processInfo.environment["NEWSD_CHAOS_FAULTS"] ?? "").split(separator: ",").compactMap { Fault(rawValue: String($0)) }
        let faults = named.isEmpty ? Fault.allCases : named
        let pg = try TestPostgres.makePrivate()
        let url = try pg.createDatabase()
        let newsd = try NewsdInstance(databaseURL: url)
        chmod(newsd.state, 0o755)
        let environment = [
            "NEWSD_RETRY_MAX_MS": "1000", "NEWSD_INBOX_SETTLE_MS": "200", "NEWSD_CONTROL_MAX_CLIENTS": "1000",
            "NEWSD_CONTROL_MODE": "0666", "NEWSD_INBOX_RESCAN_INTERVAL_MS": "2000",
        ]
        let wrapper = ["/usr/bin/prlimit", "--nofile=256:256", "--"]
        try newsd.start(environment: environment, wrapper: wrapper)

        // The steady drop: distinct good articles, 20 a second, each written under a hidden
        // name and renamed in (again, if the inbox was replaced in between).
        let dropping = Dropping()
        let inbox = newsd.inbox
        let dropper = DispatchGroup()
        DispatchQueue.global().async(group: dropper) {
            var i = 0
            while !dropping.stop.withLock({ $0 }) {
                let bytes = Array("Chaos report number \(i)\n\nA first paragraph of report \(i) says what happened in town.\n\nA second paragraph adds detail \(i * 7919).\n".utf8)
                var dropped = false
                while !dropping.stop.withLock({ $0 }) {
                    if Self.drop(inbox, "good-\(i).txt", bytes) {
                        dropped = true
                        break
                    }
                    usleep(50_000)
                }
                // Stopped while a drop kept failing (the inbox being replaced): not dropped, not counted.
                guard dropped else { break }
                i += 1
                dropping.count.withLock { $0 = i }
                usleep(50_000)
            }
        }

        var expectedFailures: [String: String] = [:]  // name → code
        var pathological: Set<String> = []
        var counts: [String: Int] = [:]
        var peakRSS = 0
        var badIndex = 0
        let shapes = Pathological.all(size: 256 * 1024)
        let started = Date()
        while Date().timeIntervalSince(started) < seconds {
            usleep(UInt32(random.below(3_000) + 1_000) * 1000)
            peakRSS = max(peakRSS, Self.rssBytes(newsd.pid))
            let fault = faults[random.below(faults.count)]
            counts[fault.rawValue, default: 0] += 1
            switch fault {
            case .kill:
                newsd.stop(SIGKILL)
                try newsd.start(environment: environment, wrapper: wrapper)
            case .postgresRestart:
                try pg.stopServer()
                usleep(1_500_000)
                try pg.startServer()
            case .postgresCrash:
                try pg.crashServer()
                usleep(1_000_000)
                try pg.startServer()
            case .tableLock:
                let locker = try PostgresConnection(conninfo: url)
                try locker.execute("BEGIN")
                try locker.execute("LOCK TABLE articles IN ACCESS EXCLUSIVE MODE")
                usleep(3_000_000)
                try locker.execute("COMMIT")
            case .descriptorPressure:
                var held: [RawUnixClient] = []
                for _ in 0..<300 {
                    guard let c = try? RawUnixClient(path: newsd.socket) else { break }
                    c.send(Array(#"{"v":1,"command":"follow","args":{"wait":"3"}}"#.utf8) + [0x0A])
                    held.append(c)
                }
                usleep(3_000_000)
                held.removeAll()
            case .inboxReplaced:
                let old = newsd.state + "/inbox.old-\(counts[fault.rawValue]!)"
                #expect(rename(newsd.inbox, old) == 0)
                usleep(UInt32(random.below(1_500)) * 1000)
                #expect(mkdir(newsd.inbox, 0o770) == 0)
                // Whatever landed in the old folder is put in the new one (hidden temporaries
                // are the dropper's and are written again).
                for name in (try? FileManager.default.contentsOfDirectory(atPath: old)) ?? [] where !name.hasPrefix(".") {
                    #expect(rename(old + "/" + name, newsd.inbox + "/" + name) == 0)
                }
                try? FileManager.default.removeItem(atPath: old)
            case .archiveRemoved:
                let days = (try? FileManager.default.contentsOfDirectory(atPath: newsd.archive)) ?? []
                for day in days { rename(newsd.archive + "/" + day, newsd.state + "/archived-\(day)-\(counts[fault.rawValue]!)") }
            case .pathologicalFile:
                let shape = shapes[random.below(shapes.count)]
                let name = "patho-\(counts[fault.rawValue]!)-" + shape.name
                let unique = shape.bytes + Array("\n\(name)\n".utf8)
                if (try? newsd.drop(name, unique)) != nil { pathological.insert(name) }
            case .badFiles:
                badIndex += 1
                let bad: [(String, [UInt8], String)] = [
                    ("bad-\(badIndex).png", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 1, 2, 3], "not_text"),
                    ("empty-\(badIndex).txt", [], "empty"),
                    ("broken-\(badIndex).json", Array(#"[{"title": \#(badIndex)}]"#.utf8), "bad_record"),
                    ("title-only-\(badIndex).txt", Array("Only a headline \(badIndex)\n".utf8), "no_body"),
                ]
                for (name, bytes, code) in bad where (try? newsd.drop(name, bytes)) != nil { expectedFailures[name] = code }
            case .controlFlood:
                guard getuid() == 0 else { continue }
                _ = try runCommand(
                    "/usr/sbin/runuser", ["-u", "nobody", "--", "/usr/bin/python3", Self.scripts + "/control-flood", newsd.socket, "200", "3"])
            }
            // Each fault is over before the next: newsd must answer again.
            let answers = eventually(60) { (try? newsd.status()) != nil }
            #expect(answers, "newsd does not answer after \(fault); its log ends:\n\(newsd.logText.suffix(4000))")
            guard answers else { return }
        }
        dropping.stop.withLock { $0 = true }
        dropper.wait()
        let good = dropping.count.withLock { $0 }

        // Everything settles: nothing in the inbox, nothing claimed.
        let settled = try eventually(180) {
            let s = try newsd.status()
            return s.files.inbox == 0 && s.files.claimed == 0 && s.database.state == .connected
        }
        #expect(settled, "did not settle: \(String(describing: try? newsd.status()))")
        peakRSS = max(peakRSS, Self.rssBytes(newsd.pid))
        let db = try PostgresConnection(conninfo: url)
        let storedGood = try db.query(
            "SELECT count(*), count(DISTINCT file_name) FROM ingest_log WHERE outcome = 'ingested' AND file_name LIKE 'good-%'").rows
        #expect(storedGood == [["\(good)", "\(good)"]], "good files: \(good) dropped")
        if storedGood != [["\(good)", "\(good)"]] {
            // Say where each missing one went: every path under the state folder with its name,
            // its ingest-log rows of any outcome, and newsd's log lines about it.
            let logged = Set(try db.query("SELECT file_name FROM ingest_log WHERE outcome = 'ingested' AND file_name LIKE 'good-%'").rows.compactMap { $0[0] })
            let paths = newsd.files(in: newsd.state)
            let log = newsd.logText.split(separator: "\n")
            for i in 0..<good where !logged.contains("good-\(i).txt") {
                let name = "good-\(i).txt"
                let rows = try db.query("SELECT claim_key, outcome, error_code, article_id FROM ingest_log WHERE file_name = \(name)").rows
                print("missing \(name): paths \(paths.filter { $0.hasSuffix("/" + name) || $0 == name || $0.contains(name + "~") }), rows \(rows)")
                for line in log where line.contains(name) { print("  log: \(line)") }
            }
        }
        #expect(try db.query("SELECT count(*) FROM articles WHERE source_file LIKE 'good-%'").scalar == "\(good)")
        // Bad files: each in failed/ with its reason; pathological ones stored or failed, once.
        var reasons: [String: String] = [:]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: newsd.failed + "/.reasons")) ?? [] where !name.hasPrefix(".") {
            let data = try Data(contentsOf: URL(fileURLWithPath: newsd.failed + "/.reasons/" + name))
            let sidecar = try JSONDecoder().decode(FailedSidecar.self, from: data)
            reasons[sidecar.originalName] = sidecar.code
        }
        for (name, code) in expectedFailures { #expect(reasons[name] == code, "\(name)") }
        #expect(!reasons.keys.contains { $0.hasPrefix("good-") }, "a good file failed: \(reasons.filter { $0.key.hasPrefix("good-") })")
        // A large NDJSON one is logged a row per chunk (claim key KEY#N): each file under one
        // claim, never two.
        let patho = try db.query(
            "SELECT count(DISTINCT file_name), count(DISTINCT split_part(claim_key, '#', 1)) FROM ingest_log WHERE file_name LIKE 'patho-%'").rows
        #expect(patho == [["\(pathological.count)", "\(pathological.count)"]])
        #expect(newsd.files(in: newsd.spool).isEmpty)
        #expect(peakRSS < 512 << 20, "peak RSS \(peakRSS >> 20) MiB")
        let summary = counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        print(
            "chaos suite: \(Int(seconds)) s, seed \(seed): \(good) good files stored once, \(expectedFailures.count) bad files failed with their code, \(pathological.count) pathological files; faults: \(summary); peak RSS \(peakRSS >> 20) MiB")
        #expect(newsd.stop() == 0)
    }

    /// What the dropper shares with the test.
    final class Dropping: Sendable {
        let stop = Mutex(false)
        let count = Mutex(0)
    }

    /// Writes `name` under a hidden name in `inbox` and renames it in; false if either failed
    /// (the inbox was being replaced).
    static func drop(_ inbox: String, _ name: String, _ bytes: [UInt8]) -> Bool {
        let tmp = inbox + "/." + name + ".tmp"
        guard FileManager.default.createFile(atPath: tmp, contents: Data(bytes)) else { return false }
        if rename(tmp, inbox + "/" + name) == 0 { return true }
        unlink(tmp)
        return false
    }

    /// Resident set size of a process now (0 if it is gone).
    static func rssBytes(_ pid: pid_t) -> Int {
        guard pid > 0, let text = try? String(contentsOfFile: "/proc/\(pid)/statm", encoding: .utf8) else { return 0 }
        let pages = text.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
