import Foundation
import PostgresClient
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite struct FaultSuiteTests {
    /// Two daemons on one inbox and one database: each file is processed exactly once.
    @Test func twoDaemonsShareAnInboxAndProcessEachFileOnce() throws {
        let n = SuiteSize.int("NEWSD_SHARED_FILES", 2000)
        let url = try TestPostgres.start().createDatabase()
        let a = try NewsdInstance(databaseURL: url)
        let b = try NewsdInstance(databaseURL: url)
        try a.start(environment: ["NEWSD_PIPELINE_BATCH_SIZE": "10"])
        try b.start(["--inbox", a.inbox], environment: ["NEWSD_PIPELINE_BATCH_SIZE": "10"])
        for f in try burstFiles(n) where !f.fails { try a.drop(f.name, f.bytes) }
        let stored = n - n / 97
        #expect(try eventually(Double(60 + n / 20)) {
            try a.status().totals.ingested + b.status().totals.ingested == stored
        })
        let (sa, sb) = (try a.status(), try b.status())
        print("two daemons: \(sa.totals.ingested) + \(sb.totals.ingested) files")
        #expect(sa.totals.ingested > 0 && sb.totals.ingested > 0, "one daemon did all the work; the test proved little")
        #expect(sa.totals.duplicates + sb.totals.duplicates == 0)
        let db = try PostgresConnection(conninfo: url)
        #expect(try db.query("SELECT count(*) FROM articles").scalar == "\(stored)")
        #expect(try db.query("SELECT count(*) FROM ingest_log").scalar == "\(stored)")
        let archivedA = Set(a.files(in: a.archive).map { ($0 as NSString).lastPathComponent })
        let archivedB = Set(b.files(in: b.archive).map { ($0 as NSString).lastPathComponent })
        #expect(archivedA.isDisjoint(with: archivedB))
        #expect(archivedA.count + archivedB.count == stored)
    }

    /// The archive and failed/ refuse writes (permissions) for a while: newsd says so in status
    /// and the log, keeps the files in the spool, and moves them once the fault is gone.
    @Test(.enabled(if: getuid() == 0, "runs newsd as nobody so that permissions bind"))
    func archiveAndFailedFaultsKeepFilesInTheSpoolUntilFixed() throws {
        let url = try TestPostgres.start().createDatabase()
        let newsd = try NewsdInstance(databaseURL: url)
        let nobody = getpwnam("nobody")!.pointee.pw_uid
        try newsd.start(uid: nobody)
        try newsd.drop("first.txt", article(1))
        let firstLanded = try eventually { try newsd.status().totals.ingested == 1 }
        #expect(firstLanded, "\(newsd.logText.suffix(1500))")
        guard firstLanded else { return }

        // Faults: the archive's dated folder and failed/ become read-only.
        let day = newsd.files(in: newsd.archive).first.map { ($0 as NSString).deletingLastPathComponent }!
        chmod(newsd.archive + "/" + day, 0o555)
        chmod(newsd.failed, 0o555)
        try newsd.drop("second.txt", article(2))
        try newsd.drop("broken.bin", [0x89, 0x50, 0x4E, 0x47, 0, 0, 0, 0, 1, 2, 3])
        #expect(try eventually {
            let s = try newsd.status()
            return s.files.claimed == 2 && (s.lastError?.message.contains("cannot move") ?? false)
        })
        let db = try PostgresConnection(conninfo: url)
        #expect(try db.query("SELECT count(*) FROM ingest_log").scalar == "3")  // recorded, only the move waits
        #expect(newsd.files(in: newsd.spool).sorted() == ["broken.bin", "second.txt"])
        #expect(newsd.logText.contains("cannot move the file out of the spool; it stays claimed and will be retried"))
        #expect(try newsd.status().state == .running)

        // Fixed: the retries (every 5 s) move both.
        chmod(newsd.archive + "/" + day, 0o750)
        chmod(newsd.failed, 0o750)
        #expect(try eventually(30) { try newsd.status().files.claimed == 0 })
        #expect(newsd.files(in: newsd.spool).isEmpty)
        #expect(newsd.files(in: newsd.failed) == [".reasons/broken.bin", "broken.bin"])
        #expect(newsd.files(in: newsd.archive).count == 2)
        #expect(try db.query("SELECT count(*) FROM articles").scalar == "2")
    }
}

/// Whether this process may mount a tmpfs (root with CAP_SYS_ADMIN; not in every container).
private let canMountTmpfs: Bool = {
    guard getuid() == 0 else { return false }
    var template = Array("/tmp/newsd-mountcheck-XXXXXX".utf8CString)
    guard let made = mkdtemp(&template) else { return false }
    let dir = String(cString: made)
    defer { rmdir(dir) }
    guard mount("tmpfs", dir, "tmpfs", 0, "size=64k") == 0 else { return false }
    umount(dir)
    return true
}()

@Suite struct FullDiskTests {
    /// The filesystem of the state folder fills up (a 2 MiB tmpfs): a failing file's reason file
    /// cannot be written, so the file stays claimed, status says why, and it reaches failed/
    /// once there is room again.
    @Test(.enabled(if: canMountTmpfs, "needs to mount a tmpfs (root with CAP_SYS_ADMIN)"))
    func aFullDiskKeepsTheFileInTheSpoolUntilThereIsRoom() throws {
        let url = try TestPostgres.start().createDatabase()
        var template = Array("/tmp/newsd-full-XXXXXX".utf8CString)
        let mountPoint = String(cString: mkdtemp(&template)!)
        let mounted = try runCommand("/bin/mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", mountPoint])
        try #require(mounted.status == 0, "cannot mount a tmpfs here: \(mounted.output)")
        defer {
            _ = try? runCommand("/bin/umount", ["-l", mountPoint])
            rmdir(mountPoint)
        }
        let newsd = try NewsdInstance(databaseURL: url)
        try newsd.start(["--state-dir", mountPoint + "/state"])
        let stateDir = mountPoint + "/state"
        #expect(try newsd.newsctl(["pause"]).status == 0)
        try Data([0x89, 0x50, 0x4E, 0x47, 0, 0, 0, 0, 9, 9]).write(to: URL(fileURLWithPath: stateDir + "/inbox/.x.tmp"))
        #expect(rename(stateDir + "/inbox/.x.tmp", stateDir + "/inbox/broken.bin") == 0)
        // Fill the disk to the last byte.
        let filler = open(mountPoint + "/filler", O_WRONLY | O_CREAT, 0o600)
        let chunk = [UInt8](repeating: 0, count: 4096)
        while chunk.withUnsafeBytes({ write(filler, $0.baseAddress, $0.count) }) > 0 {}
        close(filler)
        #expect(try newsd.newsctl(["resume"]).status == 0)
        #expect(try eventually {
            let s = try newsd.status()
            return s.files.claimed == 1 && (s.lastError?.message.contains("No space left on device") ?? false)
        })
        #expect(FileManager.default.fileExists(atPath: stateDir + "/spool/broken.bin"))
        #expect(try newsd.status().state == .running)
        // Room again: the retry (every 5 s) moves it, reason file and all.
        unlink(mountPoint + "/filler")
        #expect(try eventually(30) { try newsd.status().files.claimed == 0 })
        #expect(FileManager.default.fileExists(atPath: stateDir + "/failed/.reasons/broken.bin"))
        #expect(try PostgresConnection(conninfo: url).query("SELECT error_code FROM ingest_log").scalar == "not_text")
        #expect(newsd.stop() == 0)
    }
}
