import Foundation
import NewsSystem

#if canImport(Glibc)
import Glibc
#endif

/// Why newsctl could not get an answer from newsd.
public enum ControlClientError: Error, Sendable, CustomStringConvertible {
    /// Nothing listens at the path (no socket file, or a stale one).
    case notRunning(path: String, detail: String)
    /// The socket exists but this user may not connect to it.
    case permissionDenied(path: String)
    /// newsd did not answer in time.
    case timeout(path: String)
    /// The answer was not a valid response.
    case badResponse(String)
    /// Another system error.
    case system(SystemError)

    public var description: String {
        switch self {
        case .notRunning(let path, let detail):
            return "newsd is not running (no answer on \(path): \(detail))"
        case .permissionDenied(let path):
            return "permission denied connecting to \(path): the socket is for root, the newsd user and group"
        case .timeout(let path):
            return "newsd did not answer on \(path) in time"
        case .badResponse(let why):
            return "newsd sent a response this newsctl cannot read: \(why)"
        case .system(let e):
            return e.description
        }
    }
}

/// Sends one request to newsd's control socket and reads the response.
public struct ControlClient: Sendable {
    /// The socket path.
    public var socketPath: String
    /// Time-out for connecting, sending and receiving.
    public var timeoutSeconds: Double

    /// Creates a client for the socket at `socketPath`.
    public init(socketPath: String, timeoutSeconds: Double = 10) {
        self.socketPath = socketPath
        self.timeoutSeconds = timeoutSeconds
    }

    /// Sends `request` and returns newsd's response.
    public func send(_ request: ControlRequest) throws(ControlClientError) -> ControlResponse {
        let fd: Int32
        do { fd = try UnixSocket.makeStreamSocket() } catch { throw .system(error) }
        defer { Socket.close(fd) }
        Socket.setTimeouts(fd, seconds: timeoutSeconds)
        do {
            try UnixSocket.connect(fd, to: socketPath)
        } catch {
            switch error.errno {
            case ENOENT, ECONNREFUSED, ENOTDIR: throw .notRunning(path: socketPath, detail: error.message)
            case EACCES, EPERM: throw .permissionDenied(path: socketPath)
            default: throw .system(error)
            }
        }
        var line: [UInt8]
        do {
            line = Array(try JSONEncoder().encode(request))
        } catch {
            throw .badResponse("cannot encode request: \(error)")
        }
        line.append(0x0A)
        do { try Socket.writeAll(fd, line) } catch { throw .system(error) }

        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while !buffer.contains(0x0A) {
            let received: Int?
            do {
                received = try Socket.receive(fd, into: &chunk)
            } catch {
                throw .system(SystemError(call: "recv", errno: error.errno, context: socketPath))
            }
            guard let n = received else { throw .timeout(path: socketPath) }  // the receive time-out passed
            if n == 0 { break }
            buffer.append(contentsOf: chunk[0..<n])
            if buffer.count > ControlProtocol.maxResponseBytes { throw .badResponse("response too large") }
        }
        if let nl = buffer.firstIndex(of: 0x0A) { buffer.removeSubrange(nl...) }
        guard !buffer.isEmpty else { throw .badResponse("newsd closed the connection without answering") }
        do {
            return try JSONDecoder().decode(ControlResponse.self, from: Data(buffer))
        } catch {
            throw .badResponse("\(error)")
        }
    }
}
