@preconcurrency import Dispatch
import Logging
import NewsSystem
import ServiceLifecycle
import Synchronization

/// READY=1 for the service manager, sent once: when the writer first connected to the database
/// and applied migrations (the control socket already listens by then).
public final class Readiness: Sendable {
    let notifier: SystemdNotifier
    private let logger: Logger
    private let sent = Atomic<Bool>(false)

    /// Whether READY=1 has been sent.
    var isSent: Bool { sent.load(ordering: .acquiring) }

    init(notifier: SystemdNotifier, logger: Logger) {
        self.notifier = notifier
        self.logger = logger
    }

    /// Called by the writer after every successful connection; only the first one counts.
    func databaseConnected() {
        guard !sent.exchange(true, ordering: .acquiringAndReleasing) else { return }
        notifier.notify("READY=1\nSTATUS=connected to the database")
        if notifier.isActive { logger.info("notified the service manager: ready") }
    }
}

/// What `systemctl status` shows: STATUS= every two seconds, WATCHDOG=1 at half the unit's
/// `WatchdogSec=` when it sets one, and STOPPING=1 as soon as the group begins to shut down.
/// The timers run on a Dispatch queue of their own, so a busy cooperative pool cannot starve
/// the watchdog; a newsd whose Dispatch queues are stuck stops answering it, as it should.
struct SystemdStatusService: Service {
    let notifier: SystemdNotifier
    let status: StatusReporter

    func run() async throws {
        guard notifier.isActive else {
            try? await gracefulShutdown()
            return
        }
        notifier.notify("STATUS=starting: connecting to the database")
        let queue = DispatchQueue(label: "newsd.notify")
        let timers = Timers()
        let statusTimer = DispatchSource.makeTimerSource(queue: queue)
        statusTimer.schedule(deadline: .now() + 2, repeating: 2)
        statusTimer.setEventHandler { [notifier, status] in notifier.notify("STATUS=\(status.line())") }
        timers.all.append(statusTimer)
        if let interval = notifier.watchdogInterval {
            let ms = max(1, Int(interval.components.seconds * 1000 + interval.components.attoseconds / 1_000_000_000_000_000))
            let watchdog = DispatchSource.makeTimerSource(queue: queue)
            watchdog.schedule(deadline: .now(), repeating: .milliseconds(ms))
            watchdog.setEventHandler { [notifier] in notifier.notify("WATCHDOG=1") }
            timers.all.append(watchdog)
        }
        timers.all.forEach { $0.resume() }
        try? await gracefulShutdown()
        timers.all.forEach { $0.cancel() }
        notifier.notify("STOPPING=1\nSTATUS=stopping: finishing claimed files")
    }

    /// Dispatch timers are thread-safe but not marked Sendable; these are created, resumed and
    /// cancelled by `run` only.
    private final class Timers: @unchecked Sendable {
        var all: [DispatchSourceTimer] = []
    }
}
