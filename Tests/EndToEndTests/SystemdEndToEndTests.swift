import Foundation
import PostgresClient
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite struct SystemdEndToEndTests {
    /// newsd speaks sd_notify to a NOTIFY_SOCKET the test listens on, as systemd would.
    @Test func notifiesReadyStatusWatchdogReloadingAndStopping() throws {
        let url = try TestPostgres.start().createDatabase()
        let listener = try NotifyListener()
        let newsd = try NewsdInstance(databaseURL: url)
        try newsd.start(environment: ["NOTIFY_SOCKET": listener.address, "WATCHDOG_USEC": "400000"])
        let db = try PostgresConnection(conninfo: url)

        // READY=1 comes once the socket answers and the migrations are in.
        #expect(listener.wait { $0.hasPrefix("READY=1") } != nil)
        #expect(try db.query("SELECT max(version) FROM schema_migrations").scalar == "9")
        #expect(try newsd.newsctl(["status"]).status == 0)
        let readyIndex = listener.messages.firstIndex { $0.hasPrefix("READY=1") }!
        #expect(!listener.messages[..<readyIndex].contains { $0.contains("STOPPING") || $0.contains("RELOADING") })

        // STATUS= carries live counts.
        try newsd.drop("seed.txt", try sampleArticleBytes())
        #expect(try eventually { try newsd.status().totals.ingested == 1 })
        #expect(listener.wait { $0.hasPrefix("STATUS=1 ingested, 0 duplicates, 0 failed") } != nil)

        // WATCHDOG=1 every 200 ms (half of WATCHDOG_USEC): several within a few seconds.
        let before = listener.messages.count { $0 == "WATCHDOG=1" }
        _ = listener.wait(5) { _ in listener.messages.count { $0 == "WATCHDOG=1" } >= before + 3 }
        #expect(listener.messages.count { $0 == "WATCHDOG=1" } >= before + 3)

        // SIGHUP: RELOADING=1 with the monotonic clock, then READY=1 again.
        let count = listener.messages.count
        kill(newsd.pid, SIGHUP)
        let reloading = listener.wait { $0.hasPrefix("RELOADING=1") }
        #expect(reloading?.range(of: #"^RELOADING=1\nMONOTONIC_USEC=[0-9]+$"#, options: .regularExpression) != nil)
        #expect(listener.wait { m in m.hasPrefix("READY=1") && listener.messages.lastIndex(of: m)! > count } != nil)

        // SIGTERM: STOPPING=1 before the process exits.
        #expect(newsd.stop() == 0)
        #expect(listener.wait(5) { $0.hasPrefix("STOPPING=1") } != nil)
    }
}
