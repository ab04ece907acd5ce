import Foundation
import NewsProtocol
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite struct ControlSocketTests {
    /// Oversized, malformed and slow requests get an error, and neither they nor many idle
    /// clients hold up other clients or ingestion.
    @Test func hostileClientsGetErrorsAndStallNothing() throws {
        let url = try TestPostgres.start().createDatabase()
        let newsd = try NewsdInstance(databaseURL: url)
        try newsd.start()

        let big = try RawUnixClient(path: newsd.socket)
        big.send([UInt8](repeating: 0x41, count: ControlProtocol.maxRequestBytes + 20_000))
        #expect(big.readAll(seconds: 10).contains(#""code":"too_large""#))

        let bad = try RawUnixClient(path: newsd.socket)
        bad.send(Array("{not json\n".utf8))
        #expect(bad.readAll(seconds: 10).contains(#""code":"bad_request""#))

        let unknown = try RawUnixClient(path: newsd.socket)
        unknown.send(Array(#"{"v":1,"command":"explode"}"#.utf8) + [0x0A])
        #expect(unknown.readAll(seconds: 10).contains(#""code":"unknown_command""#))

        let future = try RawUnixClient(path: newsd.socket)
        future.send(Array(#"{"v":99,"command":"status"}"#.utf8) + [0x0A])
        #expect(future.readAll(seconds: 10).contains(#""code":"unsupported_version""#))

        // 100 clients that connect and say nothing, and one that sends half a request.
        let idle = try (0..<100).map { _ in try RawUnixClient(path: newsd.socket) }
        let slow = try RawUnixClient(path: newsd.socket)
        slow.send(Array(#"{"v":1,"comm"#.utf8))
        // Meanwhile status answers (healthy once the database is connected) and files are ingested.
        #expect(try eventually { try newsd.newsctl(["status"]).status == 0 })
        try newsd.drop("meanwhile.txt", article(1))
        #expect(try eventually { try newsd.status().totals.ingested == 1 })
        // The slow one is cut off with a time-out error (5 s).
        #expect(slow.readAll(seconds: 15).contains(#""code":"timeout""#))
        #expect(idle.count == 100)
        #expect(try newsd.status().state == .running)
    }
}

/// A newsd serving metrics on a loopback port of this test process's own (`portOffset` keeps
/// tests apart), with one article stored.
func startWithMetrics(portOffset: Int) throws -> (newsd: NewsdInstance, url: String, port: UInt16, config: String) {
    let url = try TestPostgres.start().createDatabase()
    let newsd = try NewsdInstance(databaseURL: url)
    let port = UInt16(20_000 + Int((Int(getpid()) + portOffset) % 20_000))
    let config = newsd.state + "/newsd.json"
    try #"{"metrics": {"listen": "127.0.0.1:\#(port)"}}"#.write(toFile: config, atomically: true, encoding: .utf8)
    try newsd.start(["--config", config])
    try newsd.drop("one.txt", article(1))
    #expect(try eventually { try newsd.status().totals.ingested == 1 })
    return (newsd, url, port, config)
}

@Suite struct MetricsHTTPTests {
    @Test func metricsAreServedOverHTTPOnLoopbackOnly() throws {
        let (newsd, url, port, config) = try startWithMetrics(portOffset: 0)
        let ok = try httpGet(port: port, path: "/metrics")
        #expect(ok.hasPrefix("HTTP/1.0 200 OK\r\n"))
        #expect(ok.contains("Content-Type: text/plain; version=0.0.4"))
        #expect(ok.contains("newsd_files_total{outcome=\"ingested\"} 1"))
        #expect(try httpGet(port: port, path: "/").hasPrefix("HTTP/1.0 404"))

        // /healthz: alive; /readyz: ready while running and connected, 503 with the reasons
        // while paused.
        #expect(try httpGet(port: port, path: "/healthz").hasPrefix("HTTP/1.0 200 OK\r\n"))
        #expect(try httpGet(port: port, path: "/readyz").hasSuffix("\r\n\r\nready\n"))
        #expect(try newsd.newsctl(["pause"]).status == 0)
        let paused = try httpGet(port: port, path: "/readyz")
        #expect(paused.hasPrefix("HTTP/1.0 503 Service Unavailable\r\n") && paused.hasSuffix("not ready: state paused\n"), "\(paused)")
        #expect(try newsd.newsctl(["resume"]).status == 0)
        #expect(try httpGet(port: port, path: "/readyz").hasPrefix("HTTP/1.0 200 OK\r\n"))

        // Clients trickling a byte a second into every one of the 8 request slots are cut off
        // at 2 s in all (before, each byte renewed the time-out, for hours); then /metrics
        // answers again.
        var tricklers: [Int32] = []
        defer { tricklers.forEach { close($0) } }
        for _ in 0..<8 { tricklers.append(try tcpConnect(port: port)) }
        var closedBy = [Int?](repeating: nil, count: 8)
        for second in 0..<10 where closedBy.contains(nil) {
            for (i, fd) in tricklers.enumerated() where closedBy[i] == nil {
                var byte: UInt8 = 0x47  // "G", one at a time
                if send(fd, &byte, 1, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) < 0 { closedBy[i] = second; continue }
                var peek: UInt8 = 0
                if recv(fd, &peek, 1, Int32(MSG_DONTWAIT)) == 0 { closedBy[i] = second }
            }
            sleep(1)
        }
        #expect(closedBy.allSatisfy { $0 != nil && $0! <= 5 }, "seconds until newsd closed each trickling client: \(closedBy)")
        #expect(try httpGet(port: port, path: "/metrics").hasPrefix("HTTP/1.0 200 OK\r\n"))

        // Anything but loopback is refused at start-up as a configuration error.
        try #"{"metrics": {"listen": "0.0.0.0:9464"}}"#.write(toFile: config, atomically: true, encoding: .utf8)
        let other = try NewsdInstance(databaseURL: url)
        let refused = try runCommand(
            binDir + "/newsd", ["run", "--config", config, "--state-dir", other.state, "--socket", other.socket, "--database-url", url])
        #expect(refused.status == 78)
        #expect(refused.output.contains("metrics.listen"))
    }
}
