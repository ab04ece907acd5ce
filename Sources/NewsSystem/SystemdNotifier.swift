#if canImport(Glibc)
import Glibc
#endif

/// The service manager's notification protocol (sd_notify(3)), without libsystemd: each message
/// is one datagram of `KEY=VALUE` lines sent to the AF_UNIX socket named by `$NOTIFY_SOCKET`
/// (a leading `@` means the abstract namespace). Without `$NOTIFY_SOCKET` (not run by systemd
/// with `Type=notify`) every call does nothing.
public final class SystemdNotifier: Sendable {
    /// Where messages go, or nil when not under a service manager.
    public let socketPath: String?
    /// Half of `$WATCHDOG_USEC` when the watchdog is on for this process: how often to ping.
    public let watchdogInterval: Duration?
    private let fd: Int32

    /// Reads `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID` from `environment`.
    public init(environment: [String: String]) {
        let path = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        socketPath = path
        fd = path == nil ? -1 : socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        if let usec = environment["WATCHDOG_USEC"].flatMap(UInt64.init), usec > 0,
            environment["WATCHDOG_PID"].flatMap(Int32.init).map({ $0 == getpid() }) ?? true
        {
            watchdogInterval = .microseconds(Int64(usec / 2))
        } else {
            watchdogInterval = nil
        }
    }

    deinit {
        if fd >= 0 { close(fd) }
    }

    /// Whether messages are sent anywhere.
    public var isActive: Bool { socketPath != nil && fd >= 0 }

    /// Sends `message` (newline-separated assignments). Returns false if it could not be sent;
    /// a lost notification must never stop the daemon, so there is nothing to throw.
    @discardableResult
    public func notify(_ message: String) -> Bool {
        guard let path = socketPath, fd >= 0 else { return false }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(path.utf8)
        let abstract = bytes.first == UInt8(ascii: "@")
        if abstract { bytes[0] = 0 }
        guard bytes.count < UnixSocket.maxPathBytes else { return false }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        // An abstract address is exactly as long as its bytes; a path one is NUL-terminated.
        let length = MemoryLayout<sa_family_t>.size + bytes.count + (abstract ? 0 : 1)
        let payload = Array(message.utf8)
        let sent = withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                payload.withUnsafeBytes { raw in
                    try? syscall("sendto", path) { sendto(fd, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL), sa, socklen_t(length)) }
                }
            }
        }
        return sent == payload.count
    }

    /// `RELOADING=1` with the monotonic time, as `Type=notify-reload` expects.
    @discardableResult
    public func reloading() -> Bool {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        let usec = UInt64(ts.tv_sec) * 1_000_000 + UInt64(ts.tv_nsec) / 1000
        return notify("RELOADING=1\nMONOTONIC_USEC=\(usec)")
    }
}
