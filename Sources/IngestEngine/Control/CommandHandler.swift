import Foundation
import Logging
import NewsCore
import NewsProtocol
import NewsSystem

/// Answers the control socket's validated calls (`ControlServer` has decoded each request and
/// checked the caller's rights and every argument): each command in one place, acting on the
/// stage that owns what it changes.
public final class CommandHandler: Sendable {
    private let state: RunState
    private let watcher: InboxWatcher
    private let spool: Spool
    private let parse: ParseStage
    private let queries: ArticleQueries
    private let follows: FollowHub
    private let reclassifier: Reclassifier
    private let reloader: Reloader
    private let status: StatusReporter
    private let logger: Logger

    init(
        state: RunState, watcher: InboxWatcher, spool: Spool, parse: ParseStage, queries: ArticleQueries, follows: FollowHub,
        reclassifier: Reclassifier, reloader: Reloader, status: StatusReporter, logger: Logger
    ) {
        self.state = state
        self.watcher = watcher
        self.spool = spool
        self.parse = parse
        self.queries = queries
        self.follows = follows
        self.reclassifier = reclassifier
        self.reloader = reloader
        self.status = status
        self.logger = logger
    }

    /// Answers `call` by calling `reply` once, now or later: `follow` waits in the shared
    /// poller, not on a thread of its own.
    func handle(_ call: ControlCall, _ peer: PeerCredentials, reply: @escaping @Sendable (ControlResponse) -> Void) {
        if case .follow(let after, let wait) = call {
            return follows.wait(after: after, seconds: wait, reply: reply)
        }
        reply(handle(call, peer))
    }

    private func failure(_ code: ControlErrorCode, _ message: String) -> ControlResponse {
        ControlResponse(ok: false, error: ControlErrorBody(code: code, message: message))
    }

    private func done(_ message: String, queue: [QueueEntry]? = nil) -> ControlResponse {
        var r = ControlResponse(ok: true)
        r.message = message
        r.queue = queue
        return r
    }

    private func handle(_ call: ControlCall, _ peer: PeerCredentials) -> ControlResponse {
        do {
            var r = ControlResponse(ok: true)
            switch call {
            case .status:
                r.status = status.report()
            case .pause:
                let (changed, found) = state.change(from: [.running], to: .paused)
                guard changed else { return failure(.badState, "newsd is \(found.rawValue), not running") }
                watcher.setPaused(true)
                logger.notice("claiming paused", metadata: ["uid": "\(peer.uid)"])
                return done("paused: new files wait in the inbox; files already claimed finish")
            case .resume:
                let (changed, found) = state.change(from: [.paused], to: .running)
                guard changed else { return failure(.badState, "newsd is \(found.rawValue), not paused") }
                watcher.setPaused(false)
                logger.notice("claiming resumed", metadata: ["uid": "\(peer.uid)"])
                return done("resumed")
            case .drain:
                let (changed, found) = state.change(from: [.running, .paused], to: .draining)
                guard changed else { return failure(.badState, "newsd is \(found.rawValue)") }
                watcher.setPaused(false)
                state.requestDrain()
                logger.notice("draining: newsd stops once the inbox and the pipeline are empty", metadata: ["uid": "\(peer.uid)"])
                return done("draining: newsd will stop once the inbox and the pipeline are empty")
            case .reload:
                if let error = try waitForTask({ await self.reloader.reload() }) {
                    return failure(.reloadFailed, "\(error); the running configuration is kept")
                }
                return done("configuration and topic model reloaded")
            case .queue(let limit):
                r.queue = spool.listClaimed(limit: limit) + spool.listFailed(limit: limit)
            case .retry(let selection), .drop(let selection):
                return try act(onFailed: selection, retrying: call.command == .retry, peer)
            case .show(let id):
                guard let a = try queries.show(id) else { return failure(.notFound, "no article \(id)") }
                r.articles = [a]
            case .search(let s):
                r.articles = try queries.search(
                    s.query, language: s.language, category: s.category, since: s.since.map(Self.sqlTime), until: s.until.map(Self.sqlTime),
                    source: s.source, limit: s.limit)
            case .stats(let days):
                r.stats = try queries.stats(days: days)
            case .follow:
                return failure(.internal, "follow is answered by the follow hub")  // routed before
            case .metrics:
                r.metrics = status.metricsText()
            case .cluster:
                r.instances = try queries.instances(current: status.config.current.instanceName)
            case .reclassify(let since, let all):
                switch reclassifier.start(enricher: parse.enricher, since: since, all: all) {
                case .success(let p): r.reclassify = p
                case .failure(let e): return ControlResponse(ok: false, error: e)
                }
            }
            return r
        } catch {
            let unavailable = error.isTransientDatabaseError
            return failure(unavailable ? .unavailable : .internal, unavailable ? "the database is unreachable: \(error)" : "\(error)")
        }
    }

    /// `retry` moves the selected failed files back to the inbox; `drop` deletes them.
    private func act(onFailed selection: ControlCall.FailedSelection, retrying: Bool, _ peer: PeerCredentials) throws -> ControlResponse {
        let (found, unknown) = spool.selectFailed(ids: selection.ids, code: selection.code)
        guard unknown.isEmpty else {
            let shown = unknown.prefix(20).joined(separator: ", ") + (unknown.count > 20 ? " and \(unknown.count - 20) more" : "")
            return failure(.notFound, "no such file in failed/: \(shown)")
        }
        var acted: [QueueEntry] = []
        for name in found {
            let id = displayName(name)
            if retrying {
                let inboxName = try spool.retryFailed(name)
                acted.append(QueueEntry(id: id, place: .inbox, sizeBytes: 0, ageSeconds: 0, originalName: inboxName))
            } else {
                try spool.dropFailed(name)
                acted.append(QueueEntry(id: id, place: .dropped, sizeBytes: 0, ageSeconds: 0))
            }
        }
        if retrying { watcher.slotFreed() }
        logger.notice("\(retrying ? "retrying" : "dropped") failed files", metadata: ["count": "\(acted.count)", "uid": "\(peer.uid)"])
        return done("\(retrying ? "moved back to the inbox" : "deleted"): \(acted.count) file(s)", queue: acted)
    }

    /// A time as PostgreSQL reads a timestamptz: ISO 8601 with fractional seconds, UTC.
    private static func sqlTime(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
