import CNewsdSystem

#if canImport(Glibc)
import Glibc
#endif

/// A listening stream socket, non-blocking and close-on-exec: a Unix socket at a path, or TCP
/// on a loopback address.
///
/// The descriptor is not closed on deinit: a Dispatch read source watches `fd`, and the
/// descriptor may be closed only once that source can no longer use it, in its cancel
/// handler (`close()`).
public struct ListeningSocket: Sendable {
    /// The socket's descriptor, for a Dispatch read source.
    public let fd: Int32
    /// AF_UNIX, AF_INET or AF_INET6.
    private let family: Int32

    /// Binds a Unix stream socket at `path` and listens. The socket file is created with no
    /// access (umask 0777), then given `mode` and, if set, `group`: it is never more open than
    /// asked, not even for a moment. Fails with EADDRINUSE if `path` exists.
    public static func unix(path: String, mode: UInt32, group: UInt32? = nil, backlog: Int32 = 64) throws(SystemError) -> ListeningSocket {
        let fd = try UnixSocket.makeStreamSocket()
        do {
            // umask is the process's, not this thread's: it is set back at once.
            let oldMask = umask(0o777)
            defer { umask(oldMask) }
            try UnixSocket.withAddress(path) { (addr, len) throws(SystemError) in
                _ = try syscall("bind", path) { Glibc.bind(fd, addr, len) }
            }
            try syscall("chmod", path) { chmod(path, mode_t(mode)) }
            if let group {
                try syscall("chown", "\(path) to group \(group)") { chown(path, uid_t.max, group) }
            }
            try syscall("listen", path) { listen(fd, backlog) }
        } catch {
            Socket.close(fd)
            throw error
        }
        Socket.setBlocking(fd, false)
        return ListeningSocket(fd: fd, family: AF_UNIX)
    }

    /// Binds a TCP socket on the loopback address `host` (`127.x.y.z` or `::1`; any other
    /// address fails with EADDRNOTAVAIL) and `port` (0: one the kernel picks, see `port()`),
    /// and listens. SO_REUSEADDR is set, so a restart need not wait for old connections.
    public static func tcp(host: String, port: UInt16, backlog: Int32 = 16) throws(SystemError) -> ListeningSocket {
        let v6 = host.contains(":")
        let family = v6 ? AF_INET6 : AF_INET
        var addr4 = sockaddr_in()
        var addr6 = sockaddr_in6()
        let parsed = v6 ? inet_pton(AF_INET6, host, &addr6.sin6_addr) : inet_pton(AF_INET, host, &addr4.sin_addr)
        guard parsed == 1 else {
            throw SystemError(call: "inet_pton", errno: EINVAL, context: "\(host) is not an IP address")
        }
        let loopback = v6 ? withUnsafeBytes(of: addr6.sin6_addr) { $0.elementsEqual([UInt8](repeating: 0, count: 15) + [1]) } : withUnsafeBytes(of: addr4.sin_addr) { $0.first == 127 }
        guard loopback else {
            throw SystemError(call: "bind", errno: EADDRNOTAVAIL, context: "\(host) is not a loopback address")
        }
        let fd = try syscall("socket") { socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        do {
            if v6 {
                addr6.sin6_family = sa_family_t(AF_INET6)
                addr6.sin6_port = port.bigEndian
                try bind(fd, &addr6, "\(host) port \(port)")
            } else {
                addr4.sin_family = sa_family_t(AF_INET)
                addr4.sin_port = port.bigEndian
                try bind(fd, &addr4, "\(host) port \(port)")
            }
            try syscall("listen") { listen(fd, backlog) }
        } catch {
            Socket.close(fd)
            throw error
        }
        Socket.setBlocking(fd, false)
        return ListeningSocket(fd: fd, family: family)
    }

    /// Binds `fd` to the address held in `addr` (a sockaddr_in or sockaddr_in6).
    private static func bind<Address>(_ fd: Int32, _ addr: inout Address, _ context: String) throws(SystemError) {
        try withUnsafePointer(to: &addr) { (p) throws(SystemError) in
            try p.withMemoryRebound(to: sockaddr.self, capacity: 1) { (sa) throws(SystemError) in
                _ = try syscall("bind", context) { Glibc.bind(fd, sa, socklen_t(MemoryLayout<Address>.size)) }
            }
        }
    }

    /// The TCP port the socket is bound to (the one the kernel picked for port 0).
    public func port() throws(SystemError) -> UInt16 {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        try withUnsafeMutablePointer(to: &storage) { (p) throws(SystemError) in
            try p.withMemoryRebound(to: sockaddr.self, capacity: 1) { (sa) throws(SystemError) in
                _ = try syscall("getsockname") { getsockname(fd, sa, &length) }
            }
        }
        return withUnsafeBytes(of: storage) { raw in
            switch Int32(storage.ss_family) {
            case AF_INET: UInt16(bigEndian: raw.loadUnaligned(fromByteOffset: MemoryLayout<sockaddr_in>.offset(of: \.sin_port)!, as: UInt16.self))
            case AF_INET6: UInt16(bigEndian: raw.loadUnaligned(fromByteOffset: MemoryLayout<sockaddr_in6>.offset(of: \.sin6_port)!, as: UInt16.self))
            default: 0
            }
        }
    }

    /// Accepts one waiting connection, non-blocking and close-on-exec (accept4); nil when
    /// none is waiting. On a Unix socket the connection carries its peer's credentials, or
    /// none if the kernel could not give them (the caller should close it then).
    public func accept() throws(SystemError) -> AcceptedConnection? {
        let accepted = try nonBlockingSyscall("accept4") { newsd_accept(fd) }
        guard let connection = accepted else { return nil }
        return AcceptedConnection(fd: connection, peer: family == AF_UNIX ? PeerCredentials(socket: connection) : nil)
    }

    /// Closes the socket: in the cancel handler of the Dispatch source reading it.
    public func close() {
        Socket.close(fd)
    }
}

/// A connection `ListeningSocket.accept` took: its descriptor (non-blocking, close-on-exec; the
/// caller's to close) and, on a Unix socket, who is at the other end.
public struct AcceptedConnection: Sendable {
    public var fd: Int32
    public var peer: PeerCredentials?
}

/// Who is on the other end of a Unix stream socket (SO_PEERCRED), as the kernel recorded it
/// when the peer connected.
public struct PeerCredentials: Sendable, Equatable {
    public var pid: Int32
    public var uid: UInt32
    /// The peer's supplementary groups (SO_PEERGROUPS), as the kernel holds them.
    public var groups: [UInt32]
    public var gid: UInt32

    public init(pid: Int32, uid: UInt32, gid: UInt32, groups: [UInt32] = []) {
        self.groups = groups
        self.pid = pid
        self.uid = uid
        self.gid = gid
    }

    /// The credentials of the peer connected to `fd`; nil if the kernel cannot say.
    public init?(socket fd: Int32) {
        var pid: pid_t = 0
        var uid: uid_t = 0
        var gid: gid_t = 0
        guard (try? syscall("getsockopt", "SO_PEERCRED") { newsd_peer_credentials(fd, &pid, &uid, &gid) }) != nil else { return nil }
        self.init(pid: pid, uid: uid, gid: gid, groups: UnixSocket.peerGroups(fd))
    }
}
