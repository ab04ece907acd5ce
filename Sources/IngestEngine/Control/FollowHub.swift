@preconcurrency import Dispatch
import Foundation
import NewsProtocol
import PostgresClient

/// `follow` requests waiting for new articles, all served by one poller: a waiting client
/// costs a list entry, not a thread. While anyone waits, the poller asks PostgreSQL for the
/// newest id five times a second (one query, whatever the number of clients) and answers every
/// waiter it has news for, reading the articles once per distinct starting point.
final class FollowHub: @unchecked Sendable {
    // @unchecked: `waiters` and `timer` are touched only on `queue`.
    private let queue = DispatchQueue(label: "newsd.follow")
    private let queries: ArticleQueries
    private var waiters: [Waiter] = []
    private var timer: DispatchSourceTimer?
    private let interval: DispatchTimeInterval = .milliseconds(200)
    /// Articles returned to one call at most.
    static let batchLimit = 100

    private struct Waiter {
        var after: Int64
        var deadline: Date
        var reply: @Sendable (ControlResponse) -> Void
    }

    init(queries: ArticleQueries) {
        self.queries = queries
    }

    /// Clients waiting now.
    var count: Int { queue.sync { waiters.count } }

    /// Answers with the articles after `after` (nil: after the newest now) as soon as there are
    /// any, or with none once `seconds` pass. The answer's message is where the next call starts.
    func wait(after: Int64?, seconds: Double, reply: @escaping @Sendable (ControlResponse) -> Void) {
        queue.async { [self] in
            do {
                let start = try after ?? queries.latestID()
                let found = try queries.after(start, limit: Self.batchLimit)
                if !found.isEmpty || seconds <= 0 {
                    reply(Self.response(found, start))
                    return
                }
                waiters.append(Waiter(after: start, deadline: Date().addingTimeInterval(seconds), reply: reply))
                startPolling()
            } catch {
                reply(Self.failure(error))
            }
        }
    }

    /// Answers every waiter now (shutdown): with what there is, or nothing.
    func releaseAll() {
        queue.sync {
            for w in waiters { w.reply(Self.response([], w.after)) }
            waiters.removeAll()
            timer?.cancel()
            timer = nil
        }
    }

    private func startPolling() {
        guard timer == nil else { return }
        let t = DispatchSource.makeTimerSource(queue: queue)
        t.schedule(deadline: .now() + interval, repeating: interval)
        t.setEventHandler { [weak self] in self?.poll() }
        timer = t
        t.resume()
    }

    /// On `queue`.
    private func poll() {
        let now = Date()
        do {
            let latest = try queries.latestID()
            var byStart: [Int64: [ArticleSummary]] = [:]
            var still: [Waiter] = []
            for w in waiters {
                if w.after < latest {
                    let found = try byStart[w.after] ?? queries.after(w.after, limit: Self.batchLimit)
                    byStart[w.after] = found
                    w.reply(Self.response(found, w.after))
                } else if now >= w.deadline {
                    w.reply(Self.response([], w.after))
                } else {
                    still.append(w)
                }
            }
            waiters = still
        } catch {
            for w in waiters { w.reply(Self.failure(error)) }
            waiters.removeAll()
        }
        if waiters.isEmpty {
            timer?.cancel()
            timer = nil
        }
    }

    private static func response(_ found: [ArticleSummary], _ after: Int64) -> ControlResponse {
        var r = ControlResponse(ok: true)
        r.articles = found
        r.message = String(found.last?.id ?? after)
        return r
    }

    private static func failure(_ error: any Error) -> ControlResponse {
        let unavailable = error.isTransientDatabaseError
        return ControlResponse(
            ok: false,
            error: ControlErrorBody(
                code: unavailable ? .unavailable : .internal, message: unavailable ? "the database is unreachable: \(error)" : "\(error)"))
    }
}
