import CNewsdSystem

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed system call: its name, errno, and the path or object it was about.
public struct SystemError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The call that failed, e.g. `renameat2`.
    public var call: String
    /// The errno value.
    public var errno: Int32
    /// What the call was about (a path, a socket), for the message.
    public var context: String?

    /// Creates an error value.
    public init(call: String, errno: Int32, context: String? = nil) {
        self.call = call
        self.errno = errno
        self.context = context
    }

    /// strerror's text for `errno`.
    public var message: String { String(cString: strerror(errno)) }

    public var description: String {
        if let context { return "\(call)(\(context)): \(message) (errno \(errno))" }
        return "\(call): \(message) (errno \(errno))"
    }
}

/// Runs a system call, retrying on EINTR and throwing `SystemError` on -1.
@discardableResult
@inline(__always)
public func syscall<T: FixedWidthInteger>(
    _ name: String, _ context: @autoclosure () -> String? = nil, _ body: () -> T
) throws(SystemError) -> T {
    while true {
        let result = body()
        if result != -1 { return result }
        let err = errno
        if err == EINTR { continue }
        throw SystemError(call: name, errno: err, context: context())
    }
}

/// `syscall` for a call on a non-blocking descriptor: nil when the call would block (EAGAIN),
/// which is not a failure but "nothing more for now".
@inline(__always)
public func nonBlockingSyscall<T: FixedWidthInteger>(
    _ name: String, _ context: @autoclosure () -> String? = nil, _ body: () -> T
) throws(SystemError) -> T? {
    do {
        return try syscall(name, context(), body)
    } catch {
        if error.errno == EAGAIN || error.errno == EWOULDBLOCK { return nil }
        throw error
    }
}

/// The errno values that code above NewsSystem tells apart, named as in swift-system's `Errno`,
/// so that code needs no libc import to read a `SystemError`.
public enum Errno {
    /// ENOENT
    public static let noSuchFileOrDirectory = ENOENT
    /// EEXIST
    public static let fileExists = EEXIST
    /// EACCES
    public static let permissionDenied = EACCES
    /// EXDEV
    public static let crossDeviceLink = EXDEV
    /// ELOOP: what `O_NOFOLLOW` gives for a symbolic link.
    public static let tooManySymbolicLinkLevels = ELOOP
    /// ENXIO: what opening a socket gives.
    public static let noSuchAddressOrDevice = ENXIO
    /// EADDRINUSE
    public static let addressInUse = EADDRINUSE
}

extension SystemError {
    /// Whether the system ran short of something (descriptors, memory, buffers, space) rather
    /// than the call's object being at fault: the same call may work later.
    public var isResourceShortage: Bool {
        errno == EMFILE || errno == ENFILE || errno == ENOMEM || errno == ENOBUFS || errno == ENOSPC || errno == EAGAIN
    }
}

/// The bytes of a path or file name, for calls that need a C string. File names on Linux are
/// bytes, not necessarily UTF-8; newsd keeps them as bytes end to end.
public func withCString<R, E: Error>(_ bytes: [UInt8], _ body: (UnsafePointer<CChar>) throws(E) -> R) throws(E) -> R {
    var copy = bytes
    copy.append(0)
    return try copy.withUnsafeBufferPointer { (buf) throws(E) -> R in
        try buf.withMemoryRebound(to: CChar.self) { (chars) throws(E) -> R in try body(chars.baseAddress!) }
    }
}

/// A printable form of a file name: valid UTF-8 as is, other bytes and control characters as
/// `\xNN`, so logs, sidecars and database rows can always hold it.
public func displayName(_ bytes: [UInt8]) -> String {
    if let s = String(validating: bytes, as: UTF8.self),
        !s.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F || $0 == "\\" })
    {
        return s
    }
    var out = ""
    var i = 0
    let hex = Array("0123456789abcdef")
    while i < bytes.count {
        // Decode one UTF-8 sequence if valid; otherwise escape one byte.
        let b = bytes[i]
        var len = 0
        if b < 0x80 { len = 1 } else if b & 0xE0 == 0xC0 { len = 2 } else if b & 0xF0 == 0xE0 { len = 3 } else if b & 0xF8 == 0xF0 { len = 4 }
        if len > 0, i + len <= bytes.count, let s = String(validating: bytes[i..<i + len], as: UTF8.self),
            let scalar = s.unicodeScalars.first, scalar.value >= 0x20, scalar.value != 0x7F, scalar != "\\"
        {
            out += s
            i += len
        } else {
            out += "\\x" + String(hex[Int(b >> 4)]) + String(hex[Int(b & 0xF)])
            i += 1
        }
    }
    return out
}

/// Whether `name` matches the shell glob `pattern` (fnmatch(3) with no flags: `*` and `?` match
/// a leading dot and a slash too).
public func fileNameMatches(_ pattern: String, _ name: [UInt8]) -> Bool {
    withCString(name) { fnmatch(pattern, $0, 0) == 0 }
}

/// Process-wide memory settings.
public enum ProcessMemory {
    /// Caps glibc's malloc arenas (a thread that finds its arena busy otherwise opens another,
    /// and each keeps freed memory: RSS creeps up with the hours and the thread count), unless
    /// MALLOC_ARENA_MAX is set. Call first thing, before threads start. Returns whether the cap
    /// was applied.
    @discardableResult
    public static func limitMallocArenas(_ arenas: Int32) -> Bool {
        newsd_limit_malloc_arenas(arenas) == 1
    }

    /// Keeps glibc's mmap threshold at `bytes`, unless MALLOC_MMAP_THRESHOLD_ is set. glibc
    /// raises the threshold each time a mapped block is freed, after which blocks that size come
    /// from the heap and stay in RSS when freed; the near-duplicate index reallocates its tables
    /// as it grows, so RSS grew with the stored articles more than the tables did. Returns
    /// whether the threshold was set.
    @discardableResult
    public static func fixMmapThreshold(_ bytes: Int32) -> Bool {
        newsd_fix_mmap_threshold(bytes) == 1
    }

    /// newsd's settings, first thing in `run`, before threads start: two arenas (with one per
    /// busy thread RSS grew with the length of a run: 55 → 66 MiB from a 10,000- to a
    /// 100,000-file backlog, 52 → 57 MiB capped) and a fixed mmap threshold of 128 KiB
    /// (52 → 65 MiB from 10,000 to 100,000 files without it, 52 → 57 MiB with it, 2026-11-25).
    public static func configureForDaemon() {
        limitMallocArenas(2)
        fixMmapThreshold(128 * 1024)
        raiseOpenFileLimit()
    }

    /// The soft limit on open descriptors (RLIMIT_NOFILE), nil when it cannot be read;
    /// `UInt64.max` when there is none (RLIM_INFINITY).
    public static func openFileLimit() -> UInt64? {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return nil }
        return limit.rlim_cur == rlim_t.max ? UInt64.max : UInt64(limit.rlim_cur)
    }

    /// Raises the soft limit on open descriptors to the hard limit (systemd's default soft
    /// limit is 1,024, its hard limit far higher; newsd's unit sets both with LimitNOFILE=).
    /// Returns the soft limit in force afterwards.
    @discardableResult
    public static func raiseOpenFileLimit() -> UInt64 {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 0 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { return UInt64(raised.rlim_max) }
        }
        return UInt64(limit.rlim_cur)
    }

    /// The size of a memory page (sysconf `_SC_PAGESIZE`): the unit of /proc's resident sizes.
    public static var pageSize: Int { sysconf(Int32(_SC_PAGESIZE)) }
}

/// Process-wide signal dispositions.
public enum ProcessSignals {
    /// Ignores SIGPIPE: a write to a socket whose peer has gone then fails with EPIPE rather
    /// than ending the process.
    public static func ignoreBrokenPipes() {
        signal(SIGPIPE, SIG_IGN)
    }
}
