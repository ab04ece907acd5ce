import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Plays the service manager's side of sd_notify: a datagram socket that collects messages.
/// `address` is what to put in `NOTIFY_SOCKET` (a path, or `@name` for the abstract namespace).
public final class NotifyListener {
    public let address: String
    private let fd: Int32
    /// Every message received so far, in order.
    public private(set) var messages: [String] = []

    /// Binds a new socket: at a fresh path in /tmp, or in the abstract namespace.
    public init(abstract: Bool = false) throws {
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TestPostgresError(message: "socket: \(errno)") }
        let name = "newsd-notify-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        address = abstract ? "@" + name : "/tmp/" + name
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(address.utf8)
        if abstract { bytes[0] = 0 }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in for (i, b) in bytes.enumerated() { raw[i] = b } }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + (abstract ? 0 : 1))
        let rc = withUnsafePointer(to: &addr) { p in p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard rc == 0 else { throw TestPostgresError(message: "bind \(address): \(errno)") }
        if !abstract { chmod(address, 0o777) }  // newsd may run as another user
    }

    deinit {
        close(fd)
        if !address.hasPrefix("@") { unlink(address) }
    }

    /// Receives messages until one satisfies `condition` or `seconds` pass; returns that message.
    @discardableResult
    public func wait(_ seconds: Double = 30, for condition: (String) -> Bool) -> String? {
        if let m = messages.first(where: condition) { return m }
        let deadline = Date().addingTimeInterval(seconds)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while Date() < deadline {
            var tv = timeval(tv_sec: 0, tv_usec: 100_000)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            let n = recv(fd, &buffer, buffer.count, 0)
            guard n > 0 else { continue }
            let message = String(decoding: buffer[0..<n], as: UTF8.self)
            messages.append(message)
            if condition(message) { return message }
        }
        return nil
    }
}
