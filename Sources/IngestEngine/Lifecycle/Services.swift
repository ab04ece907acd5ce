import Foundation
import Logging
import ServiceLifecycle
import Synchronization

// The services of newsd's group (see `Daemon.run`). Each runs until the group shuts down,
// then stops its part; the group stops them one at a time, in reverse order of start-up.

/// Claims files from the inbox from start-up until shutdown, when claiming stops first.
/// newsd is `running` once the spool is being recovered and the inbox watched.
struct InboxService: Service {
    let watcher: InboxWatcher
    let state: RunState

    func run() async throws {
        try watcher.start()
        state.change(from: [.starting], to: .running)
        try? await gracefulShutdown()
        watcher.stop()
    }
}

/// The parse workers need nothing to stop: they finish the files they hold and hand them on.
/// The service waits, so that the writer is told to flush only once they are done (or the
/// shutdown time-out has passed).
struct ParseService: Service {
    let parse: ParseStage
    let deadline: ShutdownDeadline

    func run() async throws {
        try? await gracefulShutdown()
        while parse.snapshot.queued + parse.snapshot.busy > 0, deadline.timeLeft, !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(20))
        }
    }
}

/// Writes until shutdown; then stops waiting for full batches and lets the claimed files
/// finish until `shutdown.timeoutMs` has passed since shutdown began. What is left stays
/// claimed in the spool and goes first at the next start.
struct WriterService: Service {
    let writer: BatchWriter
    let slots: Slots
    let deadline: ShutdownDeadline
    let logger: Logger

    func run() async throws {
        writer.connectEarly()
        try? await gracefulShutdown()
        writer.beginShutdown()
        while slots.snapshot.used > 0, deadline.timeLeft, !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(20))
        }
        let left = slots.snapshot.used
        if left > 0 {
            logger.warning(
                "shutdown time-out: files stay claimed in the spool and are processed first at the next start",
                metadata: ["claimed": "\(left)"])
        }
    }
}

/// Answers the control socket (already listening: `Daemon.run` binds it before the group
/// starts, so a second newsd fails before it claims anything) until shutdown; the waiting
/// `follow` clients get their answer then.
struct ControlService: Service {
    let server: ControlServer
    let follows: FollowHub

    func run() async throws {
        try? await gracefulShutdown()
        follows.releaseAll()
        server.stop()
        // Requests being answered (the `drain` that ended the group, a `status`) finish
        // writing before newsd exits; the server closes each connection once answered.
        let deadline = ContinuousClock.now + .seconds(2)
        while server.connectionCount > 0, ContinuousClock.now < deadline, !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(10))
        }
    }
}

/// Serves `/metrics` and `/readyz` (bound by `Daemon.run` like the control socket).
struct MetricsService: Service {
    let server: MetricsHTTPServer

    func run() async throws {
        try? await gracefulShutdown()
        server.stop()
    }
}

/// Runs `newsctl reclassify` jobs; a running one stops at shutdown before its next batch.
struct ReclassifyService: Service {
    let reclassifier: Reclassifier

    func run() async throws {
        try? await gracefulShutdown()
        reclassifier.stop()
    }
}

/// Rebuilds the search vectors of rows stored before migration 7 in the background; at
/// shutdown, a batch being written commits first (a few seconds at most are waited for).
struct SearchRebuildService: Service {
    let rebuilder: SearchRebuilder

    func run() async throws {
        rebuilder.start()
        try? await gracefulShutdown()
        rebuilder.stop()
        let deadline = ContinuousClock.now + .seconds(5)
        while !rebuilder.isFinished, ContinuousClock.now < deadline, !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(20))
        }
    }
}

/// Sweeps old archive days, failed files and ingest-log rows every hour.
/// Reports this newsd in `newsd_instances` until shutdown; stopped after the writer (it is
/// started before it), so the last report holds the final counts.
struct InstanceHeartbeatService: Service {
    let heartbeat: InstanceHeartbeat

    func run() async throws {
        heartbeat.start()
        try? await gracefulShutdown()
        heartbeat.stop()
    }
}

/// Learns the fingerprints other newsd instances commit, until shutdown.
struct FingerprintLoaderService: Service {
    let loader: FingerprintLoader

    func run() async throws {
        loader.start()
        try? await gracefulShutdown()
        loader.stop()
    }
}

struct PeerFingerprintsService: Service {
    let peers: PeerFingerprints

    func run() async throws {
        peers.start()
        try? await gracefulShutdown()
        peers.stop()
    }
}

struct RetentionService: Service {
    let retention: Retention

    func run() async throws {
        retention.start()
        try? await gracefulShutdown()
        retention.stop()
    }
}

/// When shutdown began, and the time it may take (`shutdown.timeoutMs`): the parse and write
/// services share one allowance, counted from the moment the group began to shut down
/// (`DrainService`, the first service to stop, starts it).
final class ShutdownDeadline: Sendable {
    private let allowance: Duration
    private let start = Mutex<ContinuousClock.Instant?>(nil)

    init(milliseconds: Int) {
        allowance = .milliseconds(milliseconds)
    }

    /// Starts the clock, unless it runs already.
    func begin() {
        let now = ContinuousClock.now
        start.withLock { s in if s == nil { s = now } }
    }

    /// Whether the allowance is not used up (the clock starts now if it had not).
    var timeLeft: Bool {
        begin()
        return ContinuousClock.now - start.withLock({ $0! }) < allowance
    }
}
