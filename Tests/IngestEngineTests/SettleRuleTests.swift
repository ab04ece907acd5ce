import Testing

@testable import IngestEngine

/// When an inbox file is complete enough to claim (Inbox/SettleRule.swift).
struct SettleRuleTests {
    let name = Array("a.txt".utf8)
    let now = 1_800_000_000.0

    /// `rule.isSettling` (a mutating call cannot sit inside `#expect`).
    private func check(_ rule: inout SettleRule, _ name: [UInt8], _ look: SettleRule.Look, now: Double) -> Bool {
        rule.isSettling(name, look, now: now)
    }

    private func look(size: Int64 = 10, modified seconds: Double, ctime: Double? = nil) -> SettleRule.Look {
        SettleRule.Look(size: size, mtime: Int64(seconds * 1e9), ctime: Int64((ctime ?? seconds) * 1e9))
    }

    @Test func anOldFileIsClaimedAtOnceAndNoSettleClaimsEverything() {
        var rule = SettleRule(settle: 500)
        #expect(!check(&rule, name, look(modified: now - 0.5), now: now))
        var off = SettleRule(settle: 0)
        #expect(!check(&off, name, look(modified: now), now: now))
    }

    @Test func aFreshFileWaitsUntilItStayedTheSameForTheInterval() {
        var rule = SettleRule(settle: 500)
        let l = look(modified: now - 0.1)
        #expect(check(&rule, name, l, now: now))
        #expect(check(&rule, name, l, now: now + 0.3))  // unchanged, but not for 500 ms yet
        #expect(!check(&rule, name, l, now: now + 0.5))
        #expect(rule.looks.isEmpty)
    }

    @Test func aFileStillGrowingStartsItsWaitOver() {
        var rule = SettleRule(settle: 500)
        #expect(check(&rule, name, look(size: 10, modified: now), now: now))
        #expect(check(&rule, name, look(size: 20, modified: now + 0.4), now: now + 0.4))  // grew
        #expect(check(&rule, name, look(size: 20, modified: now + 0.4), now: now + 0.8))  // 400 ms unchanged
        #expect(!check(&rule, name, look(size: 20, modified: now + 0.4), now: now + 0.9))
    }

    @Test func aFileStampedInTheFutureSettlesByStayingTheSameNotByItsAge() {
        var rule = SettleRule(settle: 500)
        let future = look(modified: now + 86_400 * 365)  // a clock a year ahead
        #expect(check(&rule, name, future, now: now))
        #expect(!check(&rule, name, future, now: now + 0.5))
        // Touched again (ctime changes, mtime set back to the same future time): waits anew.
        #expect(check(&rule, name, future, now: now + 1))
        #expect(check(&rule, name, look(modified: now + 86_400 * 365, ctime: now + 1.2), now: now + 1.2))
    }

    @Test func theLooksAreBoundedInNames() {
        var rule = SettleRule(settle: 500, maxLooks: 3)
        for i in 0..<10 { #expect(check(&rule, Array("f\(i)".utf8), look(modified: now), now: now)) }
        #expect(rule.looks.count <= 3)
    }
}
