import Foundation
import PostgresClient
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Sizes of the fault suites: reduced in `scripts/test`, full from `scripts/suite` (see
/// docs/GUARANTEES.md).
enum SuiteSize {
    static func int(_ name: String, _ fallback: Int) -> Int {
        ProcessInfo.processInfo.environment[name].flatMap { Int($0) } ?? fallback
    }
}

/// A small deterministic generator, so a failing round can be replayed from its seed.
struct SeededRandom {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(1, n))) }
}

/// N distinct articles shaped like the sample; every 97th file is binary (it must end in
/// failed/ with `not_text`, however often newsd dies).
func burstFiles(_ n: Int) throws -> [(name: String, bytes: [UInt8], fails: Bool)] {
    let sample = String(decoding: try sampleArticleBytes(), as: UTF8.self)
    return (0..<n).map { i in
        if i % 97 == 96 { return ("burst-\(i).bin", [0x89, 0x50, 0x4E, 0x47, 0, 0, 0, 13] + [UInt8](repeating: UInt8(i % 251), count: 300), true) }
        let text = sample.replacingOccurrences(of: "Harbour ferry service", with: "Story \(i): Harbour ferry service")
            .replacingOccurrences(of: "Councillors approved the plan", with: "In item \(i), councillors approved the plan")
        return ("burst-\(i).txt", Array(text.utf8), false)
    }
}

@Suite struct CrashSuiteTests {
    /// Drops N files, then R times kills newsd with SIGKILL at a random moment (while claiming,
    /// parsing, mid-batch or between commit and archive) and restarts it. Afterwards every file
    /// is an article exactly once or in failed/ with a reason, nothing is left claimed, and the
    /// ingest log agrees with both.
    @Test func killNineAtRandomMomentsLosesAndDoublesNothing() throws {
        let n = SuiteSize.int("NEWSD_CRASH_FILES", 2000)
        let rounds = SuiteSize.int("NEWSD_CRASH_ROUNDS", 5)
        var random = SeededRandom(state: UInt64(SuiteSize.int("NEWSD_CRASH_SEED", 1)))
        let url = try TestPostgres.start().createDatabase()
        let newsd = try NewsdInstance(databaseURL: url)
        let db = try PostgresConnection(conninfo: url)
        let files = try burstFiles(n)
        let expectedFailed = files.count { $0.fails }
        try FileManager.default.createDirectory(atPath: newsd.inbox, withIntermediateDirectories: true)
        let env = ["NEWSD_PIPELINE_BATCH_SIZE": "25", "NEWSD_INBOX_SETTLE_MS": "0"]

        // Each round drops the next slice of the burst, starts newsd, and kills it once a random
        // share (10–90%) of the slice is recorded, give or take a few milliseconds: the kill lands
        // while claiming, parsing, mid-batch or between a commit and the archive moves, however
        // fast this machine is. The last slice is dropped before the final start.
        #expect(try runCommand(binDir + "/newsd", ["migrate", "--database-url", url]).status == 0)
        func logged() throws -> Int { Int(try db.query("SELECT count(*) FROM ingest_log").scalar ?? "0") ?? 0 }
        let slices = rounds + 1
        func slice(_ k: Int) -> ArraySlice<(name: String, bytes: [UInt8], fails: Bool)> {
            files[(n * k / slices)..<(n * (k + 1) / slices)]
        }
        var killedWithWorkLeft = 0
        for round in 1...rounds {
            for f in slice(round - 1) { try newsd.drop(f.name, f.bytes) }
            let before = try logged()
            let target = before + slice(round - 1).count * (10 + random.below(81)) / 100
            try newsd.start(environment: env)
            _ = try eventually(120) { try logged() >= target }
            usleep(UInt32(random.below(5_000)))
            #expect(newsd.stop(SIGKILL) == 128 + SIGKILL, "round \(round)")
            let (inbox, spool) = (newsd.files(in: newsd.inbox).count, newsd.files(in: newsd.spool).count)
            print("crash suite round \(round): killed with \(try logged()) of \(n) logged, \(spool) claimed, \(inbox) in the inbox")
            if inbox + spool > 0 { killedWithWorkLeft += 1 }
        }
        for f in slice(rounds) { try newsd.drop(f.name, f.bytes) }
        print("crash suite: \(n) files, \(rounds) kills, \(killedWithWorkLeft) of them with work left")
        #expect(killedWithWorkLeft == rounds, "a kill came after its slice was done; that round proved little")

        try newsd.start(environment: env)
        let done = try eventually(Double(60 + n / 20)) {
            let claimed = try newsd.status().files.claimed
            return newsd.files(in: newsd.inbox).isEmpty && newsd.files(in: newsd.spool).isEmpty && claimed == 0
        }
        #expect(done)
        let stored = n - expectedFailed
        #expect(try db.query("SELECT count(*) FROM articles").scalar == "\(stored)")
        #expect(try db.query("SELECT count(DISTINCT content_hash) FROM articles").scalar == "\(stored)")
        #expect(try db.query("SELECT count(DISTINCT source_file) FROM articles").scalar == "\(stored)")
        // The ingest log: one row per file, agreeing with the articles, the archive and failed/.
        #expect(try db.query("SELECT count(*) FROM ingest_log").scalar == "\(n)")
        #expect(try db.query("SELECT count(DISTINCT file_name) FROM ingest_log").scalar == "\(n)")
        #expect(try db.query("SELECT count(*) FROM ingest_log WHERE outcome = 'ingested'").scalar == "\(stored)")
        #expect(try db.query("SELECT count(*) FROM ingest_log WHERE outcome = 'failed' AND error_code = 'not_text'").scalar == "\(expectedFailed)")
        #expect(try db.query("SELECT count(*) FROM ingest_log l JOIN articles a ON a.id = l.article_id AND a.source_file = l.file_name").scalar == "\(stored)")
        let archived = newsd.files(in: newsd.archive).map { ($0 as NSString).lastPathComponent }
        #expect(archived.count == stored)
        #expect(Set(archived) == Set(files.filter { !$0.fails }.map(\.name)))
        // A kill while a reason was being written can leave its hidden temporary file behind.
        let failed = newsd.files(in: newsd.failed).filter { !($0 as NSString).lastPathComponent.hasPrefix(".") }
        #expect(Set(failed.filter { !$0.hasPrefix(".reasons/") }) == Set(files.filter(\.fails).map(\.name)))
        #expect(failed.count { $0.hasPrefix(".reasons/") } == expectedFailed)  // every failed file has its reason
        #expect(newsd.stop(SIGTERM) == 0)
    }
}
