import Foundation
import Testing

@testable import NewsSystem

/// A fresh folder under the temporary directory, removed when the value goes away.
final class TemporaryFolder {
    let path: String

    init(_ label: String) {
        path = NSTemporaryDirectory() + "newsd-system-\(label)-\(UUID().uuidString)"
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// Writes `text` to `name` in `dir` and closes it.
func write(_ text: String, to name: String, in dir: Directory) throws {
    let file = try dir.createFile(Array(name.utf8), mode: 0o600)
    try file.writeAll(Array(text.utf8))
}

/// The whole of `name` in `dir`, as text.
func contents(of name: String, in dir: Directory) throws -> String {
    let file = try dir.openForReading(Array(name.utf8))
    var buffer = [UInt8](repeating: 0, count: 4096)
    let n = try file.read(into: &buffer)
    return String(decoding: buffer[..<n], as: UTF8.self)
}

/// Every suite of this target, one test at a time: `ListeningSocket.unix` sets the process's
/// umask to 0777 for a moment, and a file or folder another test made then would get no access.
@Suite(.serialized) struct SystemTests {}

extension SystemTests {
    @Suite struct DirectoryTests {
        @Test func createsTheFolderAndItsParentsWithTheMode() throws {
            let tmp = TemporaryFolder("mkdir")
            let dir = try Directory(path: tmp.path + "/a/b", mode: 0o700)
            #expect(dir.path == tmp.path + "/a/b")
            let status = try dir.status()
            #expect(status.kind == .directory)
            #expect(status.permissions == 0o700)
            #expect(try FileSystem.status(atPath: tmp.path + "/a").kind == .directory)
            #expect(dir.isNamed(by: tmp.path + "/a/b"))
            #expect(!dir.isNamed(by: tmp.path + "/a"))
            #expect(throws: SystemError(call: "open", errno: Errno.noSuchFileOrDirectory, context: tmp.path + "/none")) {
                try Directory(path: tmp.path + "/none", create: false)
            }
        }

        @Test func theStreamListsEveryEntryButDotAndDotDot() throws {
            let tmp = TemporaryFolder("stream")
            let dir = try Directory(path: tmp.path)
            try write("one", to: "a.txt", in: dir)
            try write("two", to: "b.json", in: dir)
            _ = try dir.subdirectory("sub")
            let odd: [UInt8] = [0x78, 0xFF, 0x0A]  // not UTF-8, and a newline
            _ = try dir.createFile(odd, mode: 0o600)

            let stream = try dir.stream()
            var names: [[UInt8]] = []
            while let name = stream.next() { names.append(name) }
            #expect(stream.next() == nil)
            #expect(names.map(displayName).sorted() == ["a.txt", "b.json", "sub", "x\\xff\\x0a"])
            #expect(names.contains(odd))
            #expect(dir.count { $0.first == UInt8(ascii: "a") || $0.first == UInt8(ascii: "b") } == 2)
        }

        @Test func entryStatusDescribesTheEntryNotWhatALinkPointsTo() throws {
            let tmp = TemporaryFolder("status")
            let dir = try Directory(path: tmp.path)
            try write("12345", to: "file", in: dir)
            try FileManager.default.createSymbolicLink(atPath: tmp.path + "/link", withDestinationPath: "file")

            let file = try #require(try dir.entryStatus(Array("file".utf8)))
            #expect(file.kind == .regular)
            #expect(file.size == 5)
            #expect(file.permissions == 0o600)
            #expect(try dir.entryStatus(Array("link".utf8))?.kind == .symbolicLink)
            #expect(try dir.entryStatus(Array("missing".utf8)) == nil)
            #expect(dir.contains(Array("link".utf8)))
            #expect(!dir.contains(Array("missing".utf8)))
            #expect(throws: SystemError(call: "openat", errno: Errno.tooManySymbolicLinkLevels, context: tmp.path + "/link")) {
                _ = try dir.openForReading(Array("link".utf8))
            }
            #expect(try contents(of: "file", in: dir) == "12345")
        }

        @Test func renameNoReplaceRefusesToOverwrite() throws {
            let tmp = TemporaryFolder("rename")
            let inbox = try Directory(path: tmp.path + "/inbox")
            let spool = try Directory(path: tmp.path + "/spool")
            try write("new", to: "x", in: inbox)
            try write("old", to: "x", in: spool)

            #expect(throws: SystemError(call: "renameat2", errno: Errno.fileExists, context: inbox.path + "/x")) {
                try renameNoReplace(inbox, Array("x".utf8), spool, Array("x".utf8))
            }
            #expect(try contents(of: "x", in: inbox) == "new")
            #expect(try contents(of: "x", in: spool) == "old")

            try renameNoReplace(inbox, Array("x".utf8), spool, Array("y".utf8))
            #expect(!inbox.contains(Array("x".utf8)))
            #expect(try contents(of: "y", in: spool) == "new")
            #expect(throws: SystemError(call: "renameat2", errno: Errno.noSuchFileOrDirectory, context: inbox.path + "/x")) {
                try renameNoReplace(inbox, Array("x".utf8), spool, Array("z".utf8))
            }
        }

        @Test func renameEntryReplacesAndRemoveEntrySaysWhetherThereWasOne() throws {
            let tmp = TemporaryFolder("replace")
            let dir = try Directory(path: tmp.path)
            try write("first", to: "a", in: dir)
            try write("second", to: "b", in: dir)
            try dir.renameEntry(Array("b".utf8), to: Array("a".utf8))
            #expect(try contents(of: "a", in: dir) == "second")
            #expect(!dir.contains(Array("b".utf8)))

            #expect(try dir.removeEntry(Array("a".utf8)))
            #expect(try !dir.removeEntry(Array("a".utf8)))
            let sub = try dir.subdirectory("sub")
            #expect(sub.path == tmp.path + "/sub")
            #expect(throws: SystemError(call: "unlinkat", errno: EISDIR, context: tmp.path + "/sub")) {
                try dir.removeEntry(Array("sub".utf8))
            }
        }

        @Test func pathsAreRemovedOneByOne() throws {
            let tmp = TemporaryFolder("paths")
            let dir = try Directory(path: tmp.path + "/day")
            try write("x", to: "f", in: dir)
            #expect(throws: SystemError(call: "rmdir", errno: ENOTEMPTY, context: dir.path)) {
                try FileSystem.removeDirectory(atPath: dir.path)
            }
            try FileSystem.removeFile(atPath: dir.path + "/f")
            try FileSystem.removeDirectory(atPath: dir.path)
            #expect(throws: SystemError(call: "lstat", errno: Errno.noSuchFileOrDirectory, context: dir.path)) {
                try FileSystem.status(atPath: dir.path, followingLinks: false)
            }
        }
    }
}
