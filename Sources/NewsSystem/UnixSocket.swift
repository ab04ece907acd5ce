#if canImport(Glibc)
import Glibc
#endif

/// Helpers for AF_UNIX stream sockets, shared by the control server and newsctl.
public enum UnixSocket {
    /// The supplementary groups of a connected peer, as the kernel recorded them when it
    /// connected (SO_PEERGROUPS, Linux 4.13); empty if the kernel cannot say.
    public static func peerGroups(_ fd: Int32) -> [UInt32] {
        let soPeerGroups: Int32 = 59  // <asm-generic/socket.h>
        var groups = [gid_t](repeating: 0, count: 64)
        for _ in 0..<2 {
            var length = socklen_t(groups.count * MemoryLayout<gid_t>.size)
            if getsockopt(fd, SOL_SOCKET, soPeerGroups, &groups, &length) == 0 {
                return Array(groups.prefix(Int(length) / MemoryLayout<gid_t>.size))
            }
            guard errno == ERANGE else { return [] }
            groups = [gid_t](repeating: 0, count: Int(length) / MemoryLayout<gid_t>.size + 1)
        }
        return []
    }

    /// The longest path a `sockaddr_un` holds (including the terminating NUL).
    public static var maxPathBytes: Int { MemoryLayout.size(ofValue: sockaddr_un().sun_path) }

    /// Calls `body` with a `sockaddr_un` for `path`, or throws ENAMETOOLONG.
    public static func withAddress<R>(
        _ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) throws -> R
    ) throws -> R {
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < maxPathBytes else {
            throw SystemError(call: "sockaddr_un", errno: ENAMETOOLONG, context: path)
        }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
            raw[bytes.count] = 0
        }
        return try withUnsafePointer(to: &addr) { p in
            try p.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                try body($0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
    }

    /// A new close-on-exec stream socket.
    public static func makeStreamSocket() throws -> Int32 {
        try syscall("socket") { socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
    }

    /// Connects `fd` to `path`.
    public static func connect(_ fd: Int32, to path: String) throws {
        try withAddress(path) { addr, len in
            _ = try syscall("connect", path) { Glibc.connect(fd, addr, len) }
        }
    }

    /// Sets send and receive time-outs on a socket.
    public static func setTimeouts(_ fd: Int32, seconds: Double) {
        var tv = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - Double(Int(seconds))) * 1_000_000))
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Writes all of `bytes`, retrying short writes and EINTR.
    public static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = try bytes.withUnsafeBytes { raw in
                try syscall("send") { send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL)) }
            }
            offset += n
        }
    }
}
