import CNewsdSystem

#if canImport(Glibc)
import Glibc
#endif

/// An open directory, addressed by descriptor so that every operation on its entries is
/// relative to it (`openat`, `renameat2`): the folder cannot be swapped under newsd mid-way.
/// Entry names are bytes, as the kernel keeps them.
public final class Directory: Sendable {
    /// The path it was opened at (for messages).
    public let path: String
    /// The directory's descriptor (O_DIRECTORY), closed on deinit.
    public let fd: Int32

    /// Opens `path`, creating it (and its parents) with `mode` if missing.
    public init(path: String, create: Bool = true, mode: UInt32 = 0o750) throws(SystemError) {
        if create { try Directory.makeDirectories(path, mode: mode) }
        self.path = path
        self.fd = try syscall("open", path) { open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
    }

    deinit { close(fd) }

    /// Creates `path` and each missing parent with `mode` (`mkdir -p`); existing ones are left
    /// as they are.
    public static func makeDirectories(_ path: String, mode: UInt32) throws(SystemError) {
        var prefix = ""
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            prefix += "/" + component
            try ignoringExisting { () throws(SystemError) in try syscall("mkdir", prefix) { mkdir(prefix, mode_t(mode)) } }
        }
    }

    /// The directory's own status (fstat).
    public func status() throws(SystemError) -> FileStatus {
        var st = stat()
        try syscall("fstat", path) { fstat(fd, &st) }
        return FileStatus(st)
    }

    /// The filesystem device the directory lives on.
    public func device() throws(SystemError) -> UInt64 {
        try status().device
    }

    /// Whether `path` (links followed) names this open directory: the same device and inode.
    /// False when either cannot be read.
    public func isNamed(by path: String) -> Bool {
        guard let atPath = try? FileSystem.status(atPath: path), let open = try? status() else { return false }
        return open.isSameFile(as: atPath)
    }

    /// Opens (creating if needed) the subdirectory `name`.
    public func subdirectory(_ name: String, mode: UInt32 = 0o750) throws(SystemError) -> Directory {
        let context = path + "/" + name
        try Self.ignoringExisting { () throws(SystemError) in try syscall("mkdirat", context) { mkdirat(fd, name, mode_t(mode)) } }
        return try Directory(path: context, create: false)
    }

    /// The status of an entry, without following a symlink (`fstatat` with
    /// AT_SYMLINK_NOFOLLOW); nil if it does not exist.
    public func entryStatus(_ name: [UInt8]) throws(SystemError) -> FileStatus? {
        var st = stat()
        do {
            _ = try withCString(name) { (p) throws(SystemError) in
                try syscall("fstatat", entryPath(name)) { fstatat(fd, p, &st, AT_SYMLINK_NOFOLLOW) }
            }
        } catch {
            if error.errno == ENOENT { return nil }
            throw error
        }
        return FileStatus(st)
    }

    /// Whether an entry exists (as anything, links not followed).
    public func contains(_ name: [UInt8]) -> Bool {
        (try? entryStatus(name)) != nil
    }

    /// Flushes the directory's entries to disk so renames into it survive a power loss.
    public func sync() {
        _ = try? syscall("fsync", path) { fsync(fd) }
    }

    /// Reads the directory's entry names in chunks, without holding them all in memory.
    public func stream() throws(SystemError) -> DirectoryStream {
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

    /// Removes the entry `name` (not a directory; a link itself, never its target). Returns
    /// false if there was no such entry.
    @discardableResult
    public func removeEntry(_ name: [UInt8]) throws(SystemError) -> Bool {
        do {
            _ = try withCString(name) { (p) throws(SystemError) in try syscall("unlinkat", entryPath(name)) { unlinkat(fd, p, 0) } }
            return true
        } catch {
            if error.errno == ENOENT { return false }
            throw error
        }
    }

    /// Renames the entry `name` to `newName` in `target` (this directory if nil), replacing
    /// whatever `newName` names there (`renameat`); see `renameNoReplace` for the other way.
    public func renameEntry(_ name: [UInt8], to newName: [UInt8], in target: Directory? = nil) throws(SystemError) {
        let to = target ?? self
        try withCString(name) { (old) throws(SystemError) in
            try withCString(newName) { (new) throws(SystemError) in
                _ = try syscall("renameat", entryPath(name)) { renameat(fd, old, to.fd, new) }
            }
        }
    }

    /// Opens the entry `name` to read it: never follows a symbolic link (ELOOP), never blocks on
    /// a FIFO, and a socket fails to open (ENXIO).
    public func openForReading(_ name: [UInt8]) throws(SystemError) -> OpenFile {
        let fd = try withCString(name) { (p) throws(SystemError) in
            try syscall("openat", entryPath(name)) { openat(self.fd, p, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC) }
        }
        return OpenFile(fd: fd, context: entryPath(name))
    }

    /// Creates (or truncates) the regular file `name` with `mode` to write it, never following
    /// a symbolic link.
    public func createFile(_ name: [UInt8], mode: UInt32) throws(SystemError) -> OpenFile {
        let fd = try withCString(name) { (p) throws(SystemError) in
            try syscall("openat", entryPath(name)) {
                openat(self.fd, p, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode_t(mode))
            }
        }
        return OpenFile(fd: fd, context: entryPath(name))
    }

    /// The path of an entry, for messages.
    func entryPath(_ name: [UInt8]) -> String {
        path + "/" + displayName(name)
    }

    private static func ignoringExisting(_ body: () throws(SystemError) -> Int32) throws(SystemError) {
        do {
            _ = try body()
        } catch {
            if error.errno != EEXIST { throw error }
        }
    }
}

/// newsd's renames, one at a time. A rename between two directories holds one kernel mutex
/// for the whole filesystem, and a second renaming thread (the claims, and each writer's
/// finished files) spins on it while the first works through ext4's directory blocks: a fifth
/// of the renames' CPU in a burst. Waiting on this lock instead sleeps and leaves the core to
/// the database. A pthread mutex, as NSLock is: its waiters sleep at once, where
/// Synchronization's `Mutex` spins first.
/// nonisolated(unsafe): the pointer is set once, and what it points to is the lock itself.
private nonisolated(unsafe) let renames: UnsafeMutablePointer<pthread_mutex_t> = {
    let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    pthread_mutex_init(lock, nil)
    return lock
}()

/// Renames `name` in `from` to `newName` in `to`, failing with EEXIST rather than replacing
/// (renameat2 with RENAME_NOREPLACE).
public func renameNoReplace(_ from: Directory, _ name: [UInt8], _ to: Directory, _ newName: [UInt8]) throws(SystemError) {
    try withCString(name) { (old) throws(SystemError) in
        try withCString(newName) { (new) throws(SystemError) in
            pthread_mutex_lock(renames)
            defer { pthread_mutex_unlock(renames) }
            _ = try syscall("renameat2", from.entryPath(name)) { newsd_rename_noreplace(from.fd, old, to.fd, new) }
        }
    }
}

/// A pass over a directory's entries (`.` and `..` skipped). Not thread-safe.
public final class DirectoryStream {
    private var dir: OpaquePointer?

    init(_ directory: Directory) throws(SystemError) {
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
