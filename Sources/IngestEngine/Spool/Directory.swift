import CNewsdSystem
import Foundation
import NewsSystem

#if canImport(Glibc)
import Glibc
#endif

/// An open directory, addressed by descriptor so that every operation on its entries is
/// relative to it (`openat`, `renameat2`): the folder cannot be swapped under newsd mid-way.
public final class Directory: Sendable {
    /// The path it was opened at (for messages).
    public let path: String
    /// The directory's descriptor (O_DIRECTORY), closed on deinit.
    public let fd: Int32

    /// Opens `path`, creating it (and its parents) with `mode` if missing.
    public init(path: String, create: Bool = true, mode: mode_t = 0o750) throws {
        if create { try Directory.makeDirectories(path, mode: mode) }
        self.path = path
        self.fd = try syscall("open", path) { open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
    }

    deinit { close(fd) }

    /// The filesystem device the directory lives on.
    public func device() throws -> UInt64 {
        var st = stat()
        try syscall("fstat", path) { fstat(fd, &st) }
        return UInt64(st.st_dev)
    }

    static func makeDirectories(_ path: String, mode: mode_t) throws {
        var prefix = ""
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            prefix += "/" + component
            if mkdir(prefix, mode) != 0 && errno != EEXIST {
                throw SystemError(call: "mkdir", errno: errno, context: prefix)
            }
        }
    }

    /// Opens (creating if needed) the subdirectory `name`.
    public func subdirectory(_ name: String, mode: mode_t = 0o750) throws -> Directory {
        if mkdirat(fd, name, mode) != 0 && errno != EEXIST {
            throw SystemError(call: "mkdirat", errno: errno, context: path + "/" + name)
        }
        return try Directory(path: path + "/" + name, create: false)
    }

    /// `lstat` of an entry, without following a symlink; nil if it does not exist.
    public func entryStat(_ name: [UInt8]) throws -> stat? {
        var st = stat()
        let rc = withCString(name) { fstatat(fd, $0, &st, AT_SYMLINK_NOFOLLOW) }
        if rc == 0 { return st }
        if errno == ENOENT { return nil }
        throw SystemError(call: "fstatat", errno: errno, context: path + "/" + displayName(name))
    }

    /// Whether an entry exists (as anything, links not followed).
    public func contains(_ name: [UInt8]) -> Bool {
        var st = stat()
        return withCString(name) { fstatat(fd, $0, &st, AT_SYMLINK_NOFOLLOW) } == 0
    }

    /// Flushes the directory's entries to disk so renames into it survive a power loss.
    public func sync() {
        _ = fsync(fd)
    }

    /// Reads the directory's entry names in chunks, without holding them all in memory.
    public func stream() throws -> DirectoryStream {
        try DirectoryStream(self)
    }

    /// Counts entries for which `include` is true (status reports).
    public func count(where include: ([UInt8]) -> Bool) -> Int {
        guard let s = try? stream() else { return 0 }
        var n = 0
        while let name = s.next() {
            if include(name) { n += 1 }
        }
        return n
    }
}

/// newsd's renames, one at a time. A rename between two directories holds one kernel mutex
/// for the whole filesystem, and a second renaming thread (the claims, and each writer's
/// finished files) spins on it while the first works through ext4's directory blocks: a fifth
/// of the renames' CPU in a burst. Waiting on this lock instead sleeps and leaves the core to
/// the database.
private let renames = NSLock()

/// Renames `name` in `from` to `newName` in `to`, failing with EEXIST rather than replacing.
func renameNoReplace(_ from: Directory, _ name: [UInt8], _ to: Directory, _ newName: [UInt8]) throws(SystemError) {
    let (rc, error) = withCString(name) { old in
        withCString(newName) { new in
            renames.lock()
            defer { renames.unlock() }
            let rc = newsd_rename_noreplace(from.fd, old, to.fd, new)
            return (rc, errno)
        }
    }
    if rc != 0 {
        throw SystemError(call: "renameat2", errno: error, context: from.path + "/" + displayName(name))
    }
}

/// A pass over a directory's entries (`.` and `..` skipped). Not thread-safe.
public final class DirectoryStream {
    private var dir: OpaquePointer?

    init(_ directory: Directory) throws {
        // fdopendir takes ownership of its descriptor, and the read position lives in the open
        // file description: a dup() would share it with every other pass over this directory,
        // so a `status` count could rewind the watcher's scan mid-way and leave files unseen
        // until the next rescan. Open the directory anew for each pass instead.
        let ownFD = try syscall("openat", directory.path) { openat(directory.fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        guard let d = fdopendir(ownFD) else {
            let e = errno
            close(ownFD)
            throw SystemError(call: "fdopendir", errno: e, context: directory.path)
        }
        rewinddir(d)
        dir = d
    }

    deinit { if let dir { closedir(dir) } }

    /// The next entry's name, or nil at the end.
    public func next() -> [UInt8]? {
        guard let dir else { return nil }
        while let entry = readdir(dir) {
            // A dirent is only as long as its name: reading `d_name` as the fixed 256-byte
            // field would copy past the end of the record, and of libc's buffer when the record
            // is the last one (a crash found by the many-files suite). Read up to the NUL.
            let offset = MemoryLayout<dirent>.offset(of: \dirent.d_name)!
            let namePointer = UnsafeRawPointer(entry).advanced(by: offset).assumingMemoryBound(to: UInt8.self)
            let name = Array(UnsafeBufferPointer(start: namePointer, count: strlen(UnsafeRawPointer(namePointer).assumingMemoryBound(to: CChar.self))))
            if name == [0x2E] || name == [0x2E, 0x2E] { continue }
            return name
        }
        closedir(dir)
        self.dir = nil
        return nil
    }
}
