import Foundation
import PostgresClient
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Creates `name` (raw bytes) in `dir` with `bytes`, written under a hidden name and renamed in.
private func dropRaw(_ dir: String, _ name: [UInt8], _ bytes: [UInt8]) throws {
    let tmp = dir + "/.incoming.tmp"
    try Data(bytes).write(to: URL(fileURLWithPath: tmp))
    var target = Array(dir.utf8) + [0x2F] + name
    target.append(0)
    let rc = target.withUnsafeBufferPointer { p in p.withMemoryRebound(to: CChar.self) { rename(tmp, $0.baseAddress!) } }
    guard rc == 0 else { throw TestPostgresError(message: "rename: errno \(errno)") }
}

@Suite struct HostileInputTests {
    /// Every odd input of the list, dropped into one running newsd: each ends stored or in
    /// failed/ with a named code, and the daemon keeps running.
    @Test func everyOddInputHasItsDefinedOutcome() throws {
        let url = try TestPostgres.start().createDatabase()
        let newsd = try NewsdInstance(databaseURL: url)
        try newsd.start()
        let db = try PostgresConnection(conninfo: url)
        let sample = try sampleArticleBytes()
        let body = "\n\nA first paragraph that says enough to be a body.\n\nA second one.\n"

        // name → expected outcome: "stored" or a failure code.
        var expected: [String: String] = [:]
        func drop(_ name: String, _ bytes: [UInt8], _ outcome: String) throws {
            try newsd.drop(name, bytes)
            expected[name] = outcome
        }
        try drop("empty.txt", [], "empty")
        try drop("whitespace.txt", Array(" \n\t\n   \r\n\u{A0}\n".utf8), "empty")
        try drop("image.png", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D] + [UInt8](repeating: 7, count: 100), "not_text")
        try drop("program.elf", [0x7F, 0x45, 0x4C, 0x46, 2, 1, 1, 0] + [UInt8](repeating: 0, count: 120), "not_text")
        try drop("too-large.txt", [UInt8](repeating: 0x61, count: 10 * 1024 * 1024 + 1), "too_large")
        try drop("one-long-line.txt", Array("Title ".utf8) + [UInt8](repeating: 0x62, count: 10 * 1024 * 1024 - 100), "no_body")
        try drop("latin1.txt", Array("Caf".utf8) + [0xE9] + Array(" prices rise\(body)".utf8) + [0xA3, 0x35], "stored")
        try drop("utf16le-no-bom.txt", Array("Headline in UTF-16\(body)".utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }), "stored")
        try drop("nul-bytes.txt", Array("Title with\0 NUL\(body)".utf8) + [0, 0], "stored")
        try drop("title-only.txt", Array("Just a headline\n".utf8), "no_body")
        try drop("junk-only.txt", Array("Share:\n\nerror: Content is protected !!\n".utf8), "no_body")
        try drop("wrong-types.json", Array(#"{"title": 42, "body": ["not", {"a": "string"}], "date": true}"#.utf8), "bad_record")
        let nested = String(repeating: "<div>", count: 50_000) + "deep" + String(repeating: "</div>", count: 50_000)
        try drop("nested.html", Array("<html><head><title>Deep</title></head><body>\(nested)</body></html>".utf8), "no_body")
        let laughs = """
            <?xml version="1.0"?>
            <!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
            <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">]>
            <rss version="2.0"><channel><title>t</title><item><title>&f;</title><description>&f;</description></item></channel></rss>
            """
        try drop("billion-laughs.xml", Array(laughs.utf8), "bad_record")  // entities are never expanded

        // Names: a newline, quotes, a non-UTF-8 byte, 255 bytes.
        let oddNames: [([UInt8], String)] = [
            (Array("line\nbreak.txt".utf8), "line\\x0abreak.txt"),
            (Array("it's \"quoted\".txt".utf8), "it's \"quoted\".txt"),
            (Array("caf".utf8) + [0xE9] + Array(".txt".utf8), "caf\\xe9.txt"),
            (Array(String(repeating: "n", count: 251).utf8) + Array(".txt".utf8), String(repeating: "n", count: 251) + ".txt"),
        ]
        for (i, (raw, display)) in oddNames.enumerated() {
            let text = String(decoding: sample, as: UTF8.self).replacingOccurrences(of: "Harbour ferry", with: "Name test \(i): Harbour ferry")
            try dropRaw(newsd.inbox, raw, Array(text.utf8))
            expected[display] = "stored"
        }

        // A hard link to a file outside the inbox is a regular file: stored.
        let outside = newsd.state + "/outside.txt"
        try Data("Linked headline\(body)".utf8).write(to: URL(fileURLWithPath: outside))
        #expect(link(outside, newsd.inbox + "/hardlink.txt") == 0)
        expected["hardlink.txt"] = "stored"
        // Not regular files, and a symlink that must not be followed.
        #expect(mkfifo(newsd.inbox + "/pipe.fifo", 0o644) == 0)
        expected["pipe.fifo"] = "not_regular_file"
        #expect(mkdir(newsd.inbox + "/folder", 0o755) == 0)
        expected["folder"] = "not_regular_file"
        #expect(symlink("/etc/passwd", newsd.inbox + "/passwd-link.txt") == 0)
        expected["passwd-link.txt"] = "symlink"
        let sock = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let sockPath = Array((newsd.inbox + "/listening.sock").utf8)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in for (i, b) in sockPath.enumerated() { raw[i] = b } }
        let bound = withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(sock, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        #expect(bound == 0)
        defer { close(sock) }
        expected["listening.sock"] = "not_regular_file"
        // An unreadable file: root reads it anyway; anyone else gets `unreadable`.
        try Data("Secret headline\(body)".utf8).write(to: URL(fileURLWithPath: newsd.state + "/.secret"))
        chmod(newsd.state + "/.secret", 0)
        #expect(rename(newsd.state + "/.secret", newsd.inbox + "/unreadable.txt") == 0)
        expected["unreadable.txt"] = getuid() == 0 ? "stored" : "unreadable"

        // Every file reaches its end; the daemon is still running.
        let total = expected.count
        #expect(try eventually(120) {
            let t = try newsd.status().totals
            return t.ingested + t.duplicates + t.failed == total
        })
        let rows = try db.query("SELECT file_name, outcome, error_code FROM ingest_log").rows
        var actual: [String: String] = [:]
        for r in rows { actual[r[0] ?? ""] = r[1] == "ingested" ? "stored" : (r[2] ?? r[1] ?? "") }
        for (name, outcome) in expected.sorted(by: { $0.key < $1.key }) {
            #expect(actual[name] == outcome, "\(name)")
        }
        #expect(actual.count == expected.count)
        #expect(try newsd.status().state == .running)
        #expect(try newsd.status().files.claimed == 0)
        // The stored texts are what they should be.
        #expect(try db.query("SELECT title FROM articles WHERE source_file = 'latin1.txt'").scalar == "Café prices rise")
        #expect(try db.query("SELECT title FROM articles WHERE source_file = 'utf16le-no-bom.txt'").scalar == "Headline in UTF-16")
        #expect(try db.query("SELECT title FROM articles WHERE source_file = 'nul-bytes.txt'").scalar == "Title with NUL")
        #expect(try db.query("SELECT body LIKE '%£5%' FROM articles WHERE source_file = 'latin1.txt'").scalar == "t")
    }

    /// A file written in place, slowly, over three seconds: claimed only once it is closed, and
    /// stored whole.
    @Test func aFileWrittenSlowlyIsTakenWholeOnceClosed() throws {
        let url = try TestPostgres.start().createDatabase()
        let newsd = try NewsdInstance(databaseURL: url)
        try newsd.start()
        let db = try PostgresConnection(conninfo: url)
        let path = newsd.inbox + "/slow.txt"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        #expect(fd >= 0)
        let parts = ["Slowly written headline\n\n"] + (1...6).map { "Paragraph \($0) arrives half a second after the one before.\n\n" }
        for part in parts {
            _ = Array(part.utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            usleep(500_000)
            #expect(try newsd.status().totals.ingested == 0)  // still open: not taken
        }
        close(fd)
        #expect(try eventually { try newsd.status().totals.ingested == 1 })
        #expect(try db.query("SELECT paragraph_count FROM articles").scalar == "6")
    }

    /// Files that vanish between their inotify event and the claim: no error, no record, no
    /// file left behind; everything else goes on.
    @Test func filesRemovedBeforeTheClaimLeaveNoTrace() throws {
        let url = try TestPostgres.start().createDatabase()
        let newsd = try NewsdInstance(databaseURL: url)
        try newsd.start()
        for i in 0..<300 {
            try newsd.drop("gone-\(i).txt", article(i))
            unlink(newsd.inbox + "/gone-\(i).txt")  // races the claim: either may win
        }
        try newsd.drop("kept.txt", article(1000))
        #expect(try eventually {
            let s = try newsd.status()
            return s.files.inbox == 0 && s.files.claimed == 0 && newsd.files(in: newsd.archive).contains { $0.hasSuffix("kept.txt") }
        })
        let s = try newsd.status()
        #expect(s.totals.failed == 0 && s.state == .running)
        // Each file either vanished before the claim or was stored: never half of both.
        #expect(s.totals.ingested == newsd.files(in: newsd.archive).count)
    }

    /// Many tiny files at once (100,000 at full size: NEWSD_MANY_FILES): all stored, memory
    /// bounded by pipeline.maxInFlight, the daemon answering status throughout.
    @Test func manyTinyFilesAtOnceAreAllStored() throws {
        let n = SuiteSize.int("NEWSD_MANY_FILES", 5000)
        let url = try TestPostgres.start().createDatabase()
        let newsd = try NewsdInstance(databaseURL: url)
        try FileManager.default.createDirectory(atPath: newsd.inbox, withIntermediateDirectories: true)
        for i in 0..<n { try newsd.drop("tiny-\(i).txt", Array("T\(i)\n\nb \(i)\n".utf8)) }
        try newsd.start()
        var mostClaimed = 0
        let done = try eventually(Double(60 + n / 50)) {
            let s = try newsd.status()
            mostClaimed = max(mostClaimed, s.files.claimed)
            return s.totals.ingested == n
        }
        #expect(done)
        print("many files: \(n) tiny files stored, at most \(mostClaimed) claimed at once")
        #expect(mostClaimed <= 1024)  // pipeline.maxInFlight
        let db = try PostgresConnection(conninfo: url)
        #expect(try db.query("SELECT count(*) FROM articles").scalar == "\(n)")
        #expect(newsd.files(in: newsd.inbox).isEmpty)
    }
}
