@preconcurrency import Dispatch
import Foundation
import Logging
import NewsSystem
import Synchronization

/// `metrics.listen`: a minimal HTTP/1.0 endpoint serving `GET /metrics` (Prometheus text format)
/// on a loopback address, for a Prometheus server on the same host. Anything else gets 404 or
/// 400; requests over 8 KiB or slower than 2 seconds are dropped; every connection is closed
/// after one answer. At most `maxConnections` requests are served at once (each holds a thread
/// and a descriptor for up to 2 seconds); a connection past that is closed unanswered.
final class MetricsHTTPServer: @unchecked Sendable {
    /// Requests served at once; a Prometheus server sends one per scrape.
    static let maxConnections = 8
    private let serving = Atomic<Int>(0)
    // @unchecked: `source` is touched only on `queue`.
    private let queue = DispatchQueue(label: "newsd.metrics-http")
    private let host: String
    private let port: UInt16
    private let logger: Logger
    /// The metrics text and why newsd is not ready (`/readyz`).
    private let status: StatusReporter
    private var source: DispatchSourceRead?

    /// Parses `HOST:PORT` (IPv4 loopback, or `[::1]:PORT`); other hosts are refused.
    init(listen: String, logger: Logger, status: StatusReporter) throws {
        (host, port) = try Self.address(listen)
        self.logger = logger
        self.status = status
    }

    /// The loopback host and port of `metrics.listen`, or the reason it is not one.
    static func address(_ listen: String) throws(ConfigLoadError) -> (host: String, port: UInt16) {
        guard let colon = listen.lastIndex(of: ":"), let port = UInt16(listen[listen.index(after: colon)...]), port > 0 else {
            throw ConfigLoadError(key: "metrics.listen", problem: "\"\(listen)\" is not HOST:PORT, e.g. 127.0.0.1:9464")
        }
        var host = String(listen[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard host == "::1" || host == "localhost" || host.hasPrefix("127.") else {
            throw ConfigLoadError(key: "metrics.listen", problem: "\"\(host)\" is not a loopback address; metrics are served on 127.0.0.1 or ::1 only")
        }
        return (host == "localhost" ? "127.0.0.1" : host, port)
    }

    func start() throws {
        let listener = try ListeningSocket.tcp(host: host, port: port, backlog: 16)
        queue.sync {
            let s = DispatchSource.makeReadSource(fileDescriptor: listener.fd, queue: queue)
            s.setEventHandler { [weak self] in self?.acceptAll(listener) }
            s.setCancelHandler { listener.close() }
            source = s
            s.resume()
        }
        logger.info("metrics listening", metadata: ["address": "\(host):\(port)"])
    }

    func stop() {
        queue.sync {
            source?.cancel()
            source = nil
        }
    }

    private func acceptAll(_ listener: ListeningSocket) {
        while true {
            let fd: Int32
            do {
                guard let connection = try listener.accept() else { return }  // wait for the next event
                fd = connection.fd
            } catch {
                if error.isResourceShortage, let source {
                    // The listening socket stays readable: wait a moment rather than spin.
                    source.suspend()
                    queue.asyncAfter(deadline: .now() + .milliseconds(100)) { source.resume() }
                }
                return
            }
            guard serving.add(1, ordering: .relaxed).newValue <= Self.maxConnections else {
                serving.subtract(1, ordering: .relaxed)
                Socket.close(fd)
                continue
            }
            // A serial queue of its own: it gets a thread even when parse workers hold the pool's.
            DispatchQueue(label: "newsd.metrics-http.request").async { [self] in
                serve(fd)
                serving.subtract(1, ordering: .relaxed)
            }
        }
    }

    /// Reads one request and answers it, within 2 seconds in all: a client trickling bytes
    /// cannot hold one of the `maxConnections` slots longer.
    private func serve(_ fd: Int32) {
        defer { Socket.close(fd) }
        Socket.setBlocking(fd, true)  // accepted non-blocking; read with time-outs
        let deadline = ContinuousClock.now + .seconds(2)
        /// Sets the socket's time-outs to what is left of the 2 s; false once nothing is.
        func timeLeft() -> Bool {
            let left = deadline - ContinuousClock.now
            guard left > .milliseconds(1) else { return false }
            Socket.setTimeouts(fd, seconds: Double(left.components.seconds) + Double(left.components.attoseconds) / 1e18)
            return true
        }
        var request: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 2048)
        while request.count < 8192 {
            guard timeLeft() else { return }
            guard let n = try? Socket.receive(fd, into: &chunk), n > 0 else { return }  // closed, failed or timed out
            request.append(contentsOf: chunk[0..<n])
            if request.count >= 4, request.suffix(4) == [13, 10, 13, 10] || String(decoding: request, as: UTF8.self).contains("\r\n\r\n") {
                break
            }
        }
        let line = String(decoding: request.prefix { $0 != 13 && $0 != 10 }, as: UTF8.self).split(separator: " ")
        let (code, type, text): (String, String, String)
        if line.count >= 2, line[0] == "GET", line[1] == "/metrics" || line[1].hasPrefix("/metrics?") {
            (code, type, text) = ("200 OK", "text/plain; version=0.0.4; charset=utf-8", status.metricsText())
        } else if line.count >= 2, line[0] == "GET", line[1] == "/healthz" {
            // Alive: this answer is the proof.
            (code, type, text) = ("200 OK", "text/plain; charset=utf-8", "ok\n")
        } else if line.count >= 2, line[0] == "GET", line[1] == "/readyz" {
            let reasons = status.unready()
            (code, type, text) = reasons.isEmpty
                ? ("200 OK", "text/plain; charset=utf-8", "ready\n")
                : ("503 Service Unavailable", "text/plain; charset=utf-8", reasons.map { "not ready: \($0)\n" }.joined())
        } else if line.count >= 2, line[0] == "GET" {
            (code, type, text) = ("404 Not Found", "text/plain; charset=utf-8", "newsd serves /metrics, /healthz and /readyz\n")
        } else {
            (code, type, text) = ("400 Bad Request", "text/plain; charset=utf-8", "bad request\n")
        }
        let payload = Array(text.utf8)
        let head = "HTTP/1.0 \(code)\r\nContent-Type: \(type)\r\nContent-Length: \(payload.count)\r\nConnection: close\r\n\r\n"
        let bytes = Array(head.utf8) + payload
        var offset = 0
        while offset < bytes.count, timeLeft() {
            guard let n = try? Socket.send(fd, bytes, from: offset), n > 0 else { return }
            offset += n
        }
    }
}
