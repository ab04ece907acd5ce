#if canImport(Glibc)
import Glibc
#endif

/// A file's status as stat(2) reports it: the fields newsd reads, as Swift values.
public struct FileStatus: Sendable, Equatable {
    /// What kind of file it is (from `st_mode`).
    public enum Kind: Sendable, Equatable {
        case regular, directory, symbolicLink, fifo, socket
        /// A block or character device, or anything else.
        case other
    }

    public var kind: Kind
    /// `st_dev`: the filesystem it lives on.
    public var device: UInt64
    /// `st_ino`
    public var inode: UInt64
    /// The permission bits (`st_mode & 0o7777`).
    public var permissions: UInt32
    /// The owner's user id.
    public var owner: UInt32
    /// The group's id.
    public var group: UInt32
    /// Size in bytes.
    public var size: Int64
    /// Last change of the contents (`st_mtim`).
    public var modified: FileTime
    /// Last change of the inode, a rename included (`st_ctim`).
    public var changed: FileTime

    init(_ st: stat) {
        switch st.st_mode & S_IFMT {
        case S_IFREG: kind = .regular
        case S_IFDIR: kind = .directory
        case S_IFLNK: kind = .symbolicLink
        case S_IFIFO: kind = .fifo
        case S_IFSOCK: kind = .socket
        default: kind = .other
        }
        device = UInt64(st.st_dev)
        inode = UInt64(st.st_ino)
        permissions = UInt32(st.st_mode & 0o7777)
        owner = st.st_uid
        group = st.st_gid
        size = Int64(st.st_size)
        modified = FileTime(st.st_mtim)
        changed = FileTime(st.st_ctim)
    }

    /// Whether both describe the same file: the same device and inode.
    public func isSameFile(as other: FileStatus) -> Bool {
        device == other.device && inode == other.inode
    }
}

/// A file time stamp, to the nanosecond as the kernel keeps it.
public struct FileTime: Sendable, Equatable {
    /// Whole seconds since 1970 (`tv_sec`).
    public var seconds: Int
    /// Nanoseconds past them (`tv_nsec`).
    public var nanoseconds: Int

    init(_ ts: timespec) {
        seconds = Int(ts.tv_sec)
        nanoseconds = Int(ts.tv_nsec)
    }

    /// Seconds since 1970 as a Double.
    public var secondsSince1970: Double { Double(seconds) + Double(nanoseconds) / 1e9 }
}

/// Operations on paths, for what is not relative to an open `Directory`.
public enum FileSystem {
    /// The status of what `path` names: stat(2) when `followingLinks`, else lstat(2).
    public static func status(atPath path: String, followingLinks: Bool = true) throws(SystemError) -> FileStatus {
        var st = stat()
        if followingLinks {
            try syscall("stat", path) { stat(path, &st) }
        } else {
            try syscall("lstat", path) { lstat(path, &st) }
        }
        return FileStatus(st)
    }

    /// Opens the file at `path` to read it, links followed; never blocks on a FIFO.
    public static func openForReading(atPath path: String) throws(SystemError) -> OpenFile {
        let fd = try syscall("open", path) { open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK) }
        return OpenFile(fd: fd, context: path)
    }

    /// Removes the file (or link, or socket) at `path`; never a directory (unlink(2)).
    public static func removeFile(atPath path: String) throws(SystemError) {
        try syscall("unlink", path) { unlink(path) }
    }

    /// Removes the empty directory at `path` (rmdir(2)).
    public static func removeDirectory(atPath path: String) throws(SystemError) {
        try syscall("rmdir", path) { rmdir(path) }
    }
}

/// An open file, closed when the value goes away: noncopyable, so it has one owner and is
/// closed once. Made by `Directory.openForReading` and `Directory.createFile`.
public struct OpenFile: ~Copyable {
    /// The descriptor.
    public let fd: Int32
    /// The file's path, for messages.
    let context: String

    init(fd: Int32, context: String) {
        self.fd = fd
        self.context = context
    }

    deinit { close(fd) }

    /// The open file's status (fstat).
    public func status() throws(SystemError) -> FileStatus {
        var st = stat()
        try syscall("fstat", context) { fstat(fd, &st) }
        return FileStatus(st)
    }

    /// Reads into `buffer[offset...]` from the file's position: the number of bytes read, 0 at
    /// the end of the file.
    public func read(into buffer: inout [UInt8], from offset: Int = 0) throws(SystemError) -> Int {
        try syscall("read", context) { buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + offset, $0.count - offset) } }
    }

    /// Writes all of `bytes`, retrying short writes.
    public func writeAll(_ bytes: [UInt8]) throws(SystemError) {
        var offset = 0
        while offset < bytes.count {
            offset += try syscall("write", context) {
                bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            }
        }
    }
}
