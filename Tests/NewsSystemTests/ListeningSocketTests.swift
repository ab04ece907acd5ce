import Foundation
import Testing

@testable import NewsSystem

#if canImport(Glibc)
import Glibc
#endif

extension SystemTests {
    @Suite struct ListeningSocketTests {
        /// A connected TCP client socket to `host` port `port`.
        func connectTCP(_ host: String, _ port: UInt16) throws -> Int32 {
            let v6 = host.contains(":")
            let fd = try syscall("socket") { socket(v6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
            var addr4 = sockaddr_in()
            var addr6 = sockaddr_in6()
            if v6 {
                addr6.sin6_family = sa_family_t(AF_INET6)
                addr6.sin6_port = port.bigEndian
                inet_pton(AF_INET6, host, &addr6.sin6_addr)
            } else {
                addr4.sin_family = sa_family_t(AF_INET)
                addr4.sin_port = port.bigEndian
                inet_pton(AF_INET, host, &addr4.sin_addr)
            }
            let rc =
                v6
                ? withUnsafePointer(to: &addr6) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) } }
                : withUnsafePointer(to: &addr4) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            guard rc == 0 else {
                let e = errno
                Socket.close(fd)
                throw SystemError(call: "connect", errno: e)
            }
            return fd
        }

        @Test func aUnixSocketGivesThePeersCredentialsAndItsMode() throws {
            let tmp = TemporaryFolder("unix")
            _ = try Directory(path: tmp.path)
            let path = tmp.path + "/control.sock"
            let listener = try ListeningSocket.unix(path: path, mode: 0o660, group: getegid(), backlog: 4)
            defer { listener.close() }
            let file = try FileSystem.status(atPath: path, followingLinks: false)
            #expect(file.kind == .socket)
            #expect(file.permissions == 0o660)
            #expect(file.group == getegid())
            #expect(try listener.accept() == nil)  // none waiting, and no waiting for one

            #expect(UnixSocket.isAnswered(at: path))
            let drained = try #require(try listener.accept())  // the probe's connection
            Socket.close(drained.fd)

            let client = try UnixSocket.makeStreamSocket()
            defer { Socket.close(client) }
            try UnixSocket.connect(client, to: path)
            let connection = try #require(try listener.accept())
            defer { Socket.close(connection.fd) }
            let peer = try #require(connection.peer)
            #expect(peer.pid == getpid())
            #expect(peer.uid == geteuid())
            #expect(peer.gid == getegid())
            var groups = [gid_t](repeating: 0, count: 256)
            let count = Int(getgroups(Int32(groups.count), &groups))
            #expect(Set(peer.groups) == Set(groups.prefix(count)))

            try Socket.writeAll(client, Array("status\n".utf8))
            var buffer = [UInt8](repeating: 0, count: 64)
            #expect(Socket.hasInputWaiting(connection.fd))
            #expect(try Socket.receive(connection.fd, into: &buffer) == 7)
            #expect(Array(buffer.prefix(7)) == Array("status\n".utf8))
            #expect(try Socket.receive(connection.fd, into: &buffer) == nil)  // non-blocking: nothing more now
            #expect(!Socket.hasInputWaiting(connection.fd))
            #expect(Socket.sendNow(connection.fd, Array("ok\n".utf8)) == 3)
            #expect(try Socket.receive(client, into: &buffer) == 3)
            #expect(Array(buffer.prefix(3)) == Array("ok\n".utf8))
        }

        @Test func aUnixSocketIsNotBoundOverAnExistingFile() throws {
            let tmp = TemporaryFolder("unix-taken")
            let dir = try Directory(path: tmp.path)
            try write("x", to: "control.sock", in: dir)
            #expect(throws: SystemError(call: "bind", errno: Errno.addressInUse, context: tmp.path + "/control.sock")) {
                try ListeningSocket.unix(path: tmp.path + "/control.sock", mode: 0o600)
            }
            #expect(!UnixSocket.isAnswered(at: tmp.path + "/control.sock"))
            #expect(!UnixSocket.isAnswered(at: tmp.path + "/none.sock"))
        }

        @Test(arguments: ["127.0.0.1", "::1"])
        func tcpListensOnALoopbackPortTheKernelPicks(host: String) throws {
            let listener = try ListeningSocket.tcp(host: host, port: 0)
            defer { listener.close() }
            let port = try listener.port()
            #expect(port >= 1024)
            #expect(try listener.accept() == nil)

            let client = try connectTCP(host, port)
            defer { Socket.close(client) }
            let connection = try #require(try listener.accept())
            defer { Socket.close(connection.fd) }
            #expect(connection.peer == nil)  // credentials are a Unix socket's only
            try Socket.writeAll(client, Array("GET /metrics HTTP/1.0\r\n\r\n".utf8))
            Socket.setBlocking(connection.fd, true)
            Socket.setTimeouts(connection.fd, seconds: 5)
            var buffer = [UInt8](repeating: 0, count: 64)
            #expect(try Socket.receive(connection.fd, into: &buffer) == 25)

            // The port is taken now; SO_REUSEADDR does not share a listening port.
            #expect(throws: SystemError(call: "bind", errno: Errno.addressInUse, context: "\(host) port \(port)")) {
                try ListeningSocket.tcp(host: host, port: port)
            }
        }

        @Test func tcpRefusesAnAddressThatIsNotLoopback() {
            #expect(throws: SystemError(call: "bind", errno: EADDRNOTAVAIL, context: "0.0.0.0 is not a loopback address")) {
                try ListeningSocket.tcp(host: "0.0.0.0", port: 0)
            }
            #expect(throws: SystemError(call: "bind", errno: EADDRNOTAVAIL, context: "::2 is not a loopback address")) {
                try ListeningSocket.tcp(host: "::2", port: 0)
            }
            #expect(throws: SystemError(call: "inet_pton", errno: EINVAL, context: "127.0.0.one is not an IP address")) {
                try ListeningSocket.tcp(host: "127.0.0.one", port: 0)
            }
        }
    }
}
