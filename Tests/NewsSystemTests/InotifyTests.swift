import Foundation
import Testing

@testable import NewsSystem

extension SystemTests {
    @Suite struct InotifyTests {
        /// Every event queued now.
        func drain(_ inotify: Inotify) throws -> [InotifyEvent] {
            var all: [InotifyEvent] = []
            while true {
                let events = try inotify.readEvents()
                if events.isEmpty { return all }
                all += events
            }
        }

        @Test func aFileClosedAfterWritingAndOneRenamedInAreNamed() throws {
            let tmp = TemporaryFolder("inotify")
            let inbox = try Directory(path: tmp.path + "/inbox")
            let staging = try Directory(path: tmp.path + "/staging")
            let inotify = try Inotify()
            defer { inotify.close() }
            let watch = try inotify.addWatch(inbox.path, mask: [.closeWrite, .movedTo, .onlyDirectory])
            #expect(watch == 1)  // the instance's first watch
            #expect(try inotify.readEvents() == [])  // nothing yet, and no waiting

            try write("a", to: "written.txt", in: inbox)
            try write("b", to: "moved.json", in: staging)  // not watched: no event
            try renameNoReplace(staging, Array("moved.json".utf8), inbox, Array("moved.json".utf8))
            let odd: [UInt8] = [0x6E, 0xE9, 0x0A]  // Latin-1 é and a newline: a name, not text
            _ = try staging.subdirectory("d")
            try renameNoReplace(staging, Array("d".utf8), inbox, odd)

            let events = try drain(inotify)
            #expect(events.count == 3)
            #expect(events.map(\.watch) == [watch, watch, watch])
            #expect(events.map(\.name) == [Array("written.txt".utf8), Array("moved.json".utf8), odd])
            #expect(events[0].mask == .closeWrite)
            #expect(events[0].cookie == 0)
            #expect(events[1].mask == .movedTo)
            #expect(events[1].cookie != 0)  // pairs it with a moved-from event, had one been asked for
            #expect(events[2].mask == [.movedTo, .isDirectory])
        }

        @Test func theWatchedFolderItselfGoingAwayIsReportedWithoutAName() throws {
            let tmp = TemporaryFolder("inotify-self")
            let inbox = try Directory(path: tmp.path + "/inbox")
            let inotify = try Inotify()
            defer { inotify.close() }
            let watch = try inotify.addWatch(inbox.path, mask: [.closeWrite, .deleteSelf, .moveSelf])
            try FileManager.default.moveItem(atPath: inbox.path, toPath: tmp.path + "/old")
            try inotify.removeWatch(watch)
            #expect(try drain(inotify) == [InotifyEvent(watch: watch, mask: .moveSelf, name: []), InotifyEvent(watch: watch, mask: .ignored, name: [])])
        }

        @Test func addingAWatchOnAMissingOrPlainPathFails() throws {
            let tmp = TemporaryFolder("inotify-missing")
            let dir = try Directory(path: tmp.path)
            try write("x", to: "file", in: dir)
            let inotify = try Inotify()
            defer { inotify.close() }
            #expect(throws: SystemError(call: "inotify_add_watch", errno: Errno.noSuchFileOrDirectory, context: tmp.path + "/none")) {
                try inotify.addWatch(tmp.path + "/none", mask: .closeWrite)
            }
            #expect(throws: SystemError(call: "inotify_add_watch", errno: ENOTDIR, context: tmp.path + "/file")) {
                try inotify.addWatch(tmp.path + "/file", mask: [.closeWrite, .onlyDirectory])
            }
        }

        /// The kernel's record layout: wd, mask, cookie, len, then `len` bytes of name padded
        /// with NULs (none for an event on the watched object itself).
        @Test func decodesRecordsByTheirLengths() {
            func record(_ wd: Int32, _ mask: UInt32, _ cookie: UInt32, _ name: [UInt8], padTo length: Int) -> [UInt8] {
                var bytes: [UInt8] = []
                withUnsafeBytes(of: wd) { bytes += $0 }
                withUnsafeBytes(of: mask) { bytes += $0 }
                withUnsafeBytes(of: cookie) { bytes += $0 }
                withUnsafeBytes(of: UInt32(length)) { bytes += $0 }
                return bytes + name + [UInt8](repeating: 0, count: length - name.count)
            }
            let bytes =
                record(3, 0x8, 0, Array("a.txt".utf8), padTo: 16)
                + record(-1, 0x4000, 0, [], padTo: 0)
                + record(3, 0x80, 42, Array("sixteen-bytes-xx".utf8), padTo: 32)
            #expect(
                Inotify.decode(bytes[...]) == [
                    InotifyEvent(watch: 3, mask: .closeWrite, name: Array("a.txt".utf8)),
                    InotifyEvent(watch: -1, mask: .queueOverflow, name: []),
                    InotifyEvent(watch: 3, mask: .movedTo, cookie: 42, name: Array("sixteen-bytes-xx".utf8)),
                ])
            // A record cut short (never from the kernel) ends the decoding, never overreads.
            #expect(Inotify.decode(bytes[..<20]) == [InotifyEvent(watch: 3, mask: .closeWrite, name: Array("a.tx".utf8))])
            #expect(Inotify.decode(bytes[..<15]) == [])
        }
    }
}
