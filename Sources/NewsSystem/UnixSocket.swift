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
            do {
                try syscall("getsockopt", "SO_PEERGROUPS") { getsockopt(fd, SOL_SOCKET, soPeerGroups, &groups, &length) }
                return Array(groups.prefix(Int(length) / MemoryLayout<gid_t>.size))
            } catch {
                guard error.errno == ERANGE else { return [] }
            }
            groups = [gid_t](repeating: 0, count: Int(length) / MemoryLayout<gid_t>.size + 1)
        }
        return []
    }

    /// The longest path a `sockaddr_un` holds (including the terminating NUL).
    public static var maxPathBytes: Int { MemoryLayout.size(ofValue: sockaddr_un().sun_path) }

    /// Calls `body` with a `sockaddr_un` for `path`, or throws ENAMETOOLONG.
    public static func withAddress<R>(
        _ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) throws(SystemError) -> R
    ) throws(SystemError) -> R {
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
        return try withUnsafePointer(to: &addr) { (p) throws(SystemError) -> R in
            try p.withMemoryRebound(to: sockaddr.self, capacity: 1) { (sa) throws(SystemError) -> R in
                try body(sa, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
    }

    /// A new close-on-exec stream socket.
    public static func makeStreamSocket() throws(SystemError) -> Int32 {
        try syscall("socket") { socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
    }

    /// Connects `fd` to `path`.
    public static func connect(_ fd: Int32, to path: String) throws(SystemError) {
        try withAddress(path) { (addr, len) throws(SystemError) in
            _ = try syscall("connect", path) { Glibc.connect(fd, addr, len) }
        }
    }

    /// Whether a process accepts connections on the socket at `path` (a socket file left by a
    /// process that ended accepts none).
    public static func isAnswered(at path: String) -> Bool {
        guard let probe = try? makeStreamSocket() else { return false }
        defer { Socket.close(probe) }
        return (try? connect(probe, to: path)) != nil
    }
}
