import Foundation
import IngestEngine
import Logging
import Testing
import Synchronization

@Suite struct LogHandlerTests {
    @Test func journalLinesCarryThePriorityPrefixAndSortedMetadata() {
        let h = NewsdLogHandler(label: "newsd", level: .info, journal: true)
        #expect(h.format(level: .error, message: "failed", metadata: ["file": "a b.txt", "code": "not_text"])
            == "<3>failed code=not_text file=\"a b.txt\"\n")
        #expect(h.format(level: .notice, message: "two\nlines", metadata: [:]) == "<5>two lines\n")
        #expect(NewsdLogHandler.priority(.warning) == 4 && NewsdLogHandler.priority(.info) == 6 && NewsdLogHandler.priority(.debug) == 7)
    }

    @Test func plainLinesCarryTimeLevelAndLabel() {
        let h = NewsdLogHandler(label: "newsd", level: .info, journal: false)
        let line = h.format(level: .warning, message: "slow", metadata: ["ms": "12"], now: Date(timeIntervalSince1970: 0))
        #expect(line == "1970-01-01T00:00:00Z warning newsd: slow ms=12\n")
    }

    @Test func levelsBelowTheThresholdAreNotWritten() {
        let lines = LockedLines()
        var logger = Logger(label: "t") { _ in NewsdLogHandler(label: "t", level: .notice, journal: true, write: lines.append) }
        logger.info("hidden")
        logger.warning("shown", metadata: ["k": "v"])
        logger.logLevel = .info
        logger.info("now shown")
        #expect(lines.all == ["<4>shown k=v\n", "<6>now shown\n"])
    }

    /// Loggers made before a reload follow the shared level it sets, unless their own was set.
    @Test func aSharedLevelReachesLoggersAlreadyMade() {
        let lines = LockedLines()
        let control = LogLevelControl(.info)
        let make = { (label: String) in
            Logger(label: label) { _ in NewsdLogHandler(label: label, level: control.level, journal: true, control: control, write: lines.append) }
        }
        let a = make("a")
        var b = make("b")
        b.logLevel = .debug
        a.info("a at info")
        control.level = .warning
        a.info("a hidden")
        a.warning("a at warning")
        b.debug("b keeps its own")
        control.level = .debug
        a.debug("a at debug")
        #expect(lines.all == ["<6>a at info\n", "<4>a at warning\n", "<7>b keeps its own\n", "<7>a at debug\n"])
        #expect(Logger.Level.allCases.allSatisfy { level in
            control.level = level
            return control.level == level
        })
    }
}

final class LockedLines: Sendable {
    private let lines = Mutex<[String]>([])
    var all: [String] { lines.withLock { $0 } }
    @Sendable func append(_ line: String) { lines.withLock { $0.append(line) } }
}
