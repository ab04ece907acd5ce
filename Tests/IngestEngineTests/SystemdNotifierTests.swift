import Foundation
import NewsSystem
import TestSupport
import Testing

@Suite struct SystemdNotifierTests {
    @Test(arguments: [false, true])
    func sendsDatagramsToAPathOrAnAbstractSocket(abstract: Bool) throws {
        let listener = try NotifyListener(abstract: abstract)
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.address])
        #expect(notifier.isActive)
        #expect(notifier.notify("READY=1\nSTATUS=hello"))
        #expect(listener.wait(5) { $0 == "READY=1\nSTATUS=hello" } != nil)
        #expect(notifier.reloading())
        let reload = listener.wait(5) { $0.hasPrefix("RELOADING=1") }
        #expect(reload?.range(of: #"^RELOADING=1\nMONOTONIC_USEC=[0-9]+$"#, options: .regularExpression) != nil)
    }

    @Test func withoutNotifySocketNothingIsSent() {
        let notifier = SystemdNotifier(environment: [:])
        #expect(!notifier.isActive)
        #expect(!notifier.notify("READY=1"))
        #expect(notifier.watchdogInterval == nil)
    }

    @Test func theWatchdogIntervalIsHalfOfWatchdogUsecForThisProcessOnly() {
        #expect(SystemdNotifier(environment: ["WATCHDOG_USEC": "3000000"]).watchdogInterval == .milliseconds(1500))
        #expect(SystemdNotifier(environment: ["WATCHDOG_USEC": "3000000", "WATCHDOG_PID": "1"]).watchdogInterval == nil)
    }
}
