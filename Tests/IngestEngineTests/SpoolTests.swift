import Foundation
import NewsCore
import NewsSystem
import Testing

@testable import IngestEngine

/// The spool's claim and finish rules (Spool/Spool.swift), on a throwaway state folder.
struct SpoolTests {
    final class Folder {
        let state: String
        var config: NewsdConfig
        init() {
            var template = Array("/tmp/newsd-spool-XXXXXX".utf8CString)
            state = String(cString: mkdtemp(&template)!)
            config = NewsdConfig.defaults(stateDirectory: state)
        }
        deinit { try? FileManager.default.removeItem(atPath: state) }

        func drop(_ name: String, _ text: String = "Title\n\nBody text.") {
            make(config.inboxPath + "/" + name, Data(text.utf8))
        }
        func names(_ path: String) -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
        }
    }

    private func claimed(_ name: String) -> ClaimedFile {
        ClaimedFile(name: Array(name.utf8), display: name, claimedAt: Date(timeIntervalSince1970: 1_800_000_000), attempts: 1, recovered: false)
    }

    @Test func aClaimMovesTheFileOnceAndASecondFileOfTheNameWaits() throws {
        let f = Folder()
        let spool = try Spool(config: f.config)
        f.drop("a.txt")
        #expect(try spool.claim(Array("a.txt".utf8)) == .claimed)
        #expect(f.names(f.config.inboxPath).isEmpty && f.names(f.config.spoolPath) == ["a.txt"])
        #expect(try spool.claim(Array("a.txt".utf8)) == .vanished)  // gone from the inbox
        f.drop("a.txt", "a newer file of the same name")
        #expect(try spool.claim(Array("a.txt".utf8)) == .busy)  // the first is still being processed
        #expect(f.names(f.config.inboxPath) == ["a.txt"])
        let read = try #require(spool.read(Array("a.txt".utf8)))
        #expect(read.size == 17 && (try? read.content.get()) == Array("Title\n\nBody text.".utf8))
    }

    @Test func aCommittedFileGoesToTodaysArchiveUnderAFreeName() throws {
        let f = Folder()
        let spool = try Spool(config: f.config)
        let day = Date(timeIntervalSince1970: 1_800_000_000)  // 2027-01-15
        for _ in 0..<2 {
            f.drop("a.txt")
            #expect(try spool.claim(Array("a.txt".utf8)) == .claimed)
            #expect(try spool.finishCommitted(Array("a.txt".utf8), now: day)?.hasPrefix(f.config.archivePath + "/2027-01-15/a.txt") == true)
        }
        let archived = f.names(f.config.archivePath + "/2027-01-15")
        #expect(archived.count == 2 && archived[0] == "a.txt" && archived[1].hasPrefix("a.txt~"))
        #expect(f.names(f.config.spoolPath).isEmpty)
        // Deleted from the spool after it was read: its article is committed, the file is finished.
        f.drop("b.txt")
        #expect(try spool.claim(Array("b.txt".utf8)) == .claimed)
        try FileManager.default.removeItem(atPath: f.config.spoolPath + "/b.txt")
        #expect(try spool.finishCommitted(Array("b.txt".utf8), now: day) == "vanished from the spool")
    }

    @Test func withArchiveModeDeleteACommittedFileIsRemoved() throws {
        let f = Folder()
        f.config.archiveMode = .delete
        let spool = try Spool(config: f.config)
        f.drop("a.txt")
        #expect(try spool.claim(Array("a.txt".utf8)) == .claimed)
        #expect(try spool.finishCommitted(Array("a.txt".utf8)) == nil)
        #expect(f.names(f.config.spoolPath).isEmpty && !FileManager.default.fileExists(atPath: f.config.archivePath))
    }

    @Test func aFailedFileGoesToFailedWithItsReasonAndNeverOverAnother() throws {
        let f = Folder()
        let spool = try Spool(config: f.config)
        var names: [String] = []
        for _ in 0..<2 {
            f.drop("x.bin", "\u{0}\u{1}")
            #expect(try spool.claim(Array("x.bin".utf8)) == .claimed)
            let name = try spool.finishFailed(claimed("x.bin"), failure: IngestFailure(.notText, "binary"), size: 2, sha256: nil)
            names.append(String(decoding: name, as: UTF8.self))
        }
        #expect(names[0] == "x.bin" && names[1].hasPrefix("x.bin~") && names[1] != names[0])
        #expect(f.names(f.config.failedPath) == [".reasons"] + names.sorted())
        #expect(f.names(f.config.failedPath + "/.reasons") == names.sorted())
        let listed = spool.listFailed(limit: 10)
        #expect(listed.count == 2 && listed.allSatisfy { $0.code == "not_text" && $0.reason == "binary" && $0.place == .failed })
        #expect(f.names(f.config.spoolPath).isEmpty)
    }
}
