/// The control protocol between newsd and newsctl: one JSON object per line over a Unix
/// stream socket, request then response. Every message carries the protocol version `v`;
/// a server answers a request of a version it does not speak with `unsupported_version`.
public enum ControlProtocol {
    /// The version this build speaks.
    public static let version = 1
    /// The longest request line a server accepts.
    public static let maxRequestBytes = 64 * 1024
    /// The longest response line a client accepts.
    public static let maxResponseBytes = 16 * 1024 * 1024
    /// The default socket path.
    public static let defaultSocketPath = "/run/newsd/newsd.sock"
}

/// The commands newsd answers, and which of them only read.
public enum ControlCommand: String, CaseIterable, Sendable, Codable {
    case status, queue, show, search, stats, follow, metrics, cluster
    case pause, resume, drain, reload, retry, drop, reclassify

    /// Read-only commands are open to anyone who can connect to the socket; the others need
    /// root, newsd's own user, a user named in `control.adminUsers` or a member of `control.adminGroup`.
    public var isReadOnly: Bool {
        switch self {
        case .status, .queue, .show, .search, .stats, .follow, .metrics, .cluster: true
        case .pause, .resume, .drain, .reload, .retry, .drop, .reclassify: false
        }
    }
}

/// A request from newsctl.
public struct ControlRequest: Codable, Sendable, Equatable {
    /// Protocol version.
    public var v: Int
    /// The command, e.g. `status`.
    public var command: ControlCommand
    /// Named arguments, e.g. `since` for `reclassify`.
    public var args: [String: String]?

    /// Creates a request for `command` at this build's protocol version.
    public init(command: ControlCommand, args: [String: String]? = nil, v: Int = ControlProtocol.version) {
        self.v = v
        self.command = command
        self.args = args
    }

    private enum CodingKeys: String, CodingKey { case v, command, args }

    /// Decodes a request; a command this build does not know throws `UnknownCommand`, so the
    /// server can answer `unknown_command` (after checking the version) rather than `bad_request`.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        v = try c.decode(Int.self, forKey: .v)
        let name = try c.decode(String.self, forKey: .command)
        guard let command = ControlCommand(rawValue: name) else { throw UnknownCommand(v: v, name: name) }
        self.command = command
        args = try c.decodeIfPresent([String: String].self, forKey: .args)
    }

    /// A well-formed request naming a command this build does not know.
    public struct UnknownCommand: Error, Equatable {
        public var v: Int
        public var name: String

        public init(v: Int, name: String) {
            self.v = v
            self.name = name
        }

        /// The answer: `unknown_command`, the name cut to 64 characters.
        public var answer: ControlErrorBody {
            let shown = name.count > 64 ? String(name.prefix(64)) + "…" : name
            return ControlErrorBody(code: .unknownCommand, message: "unknown command \"\(shown)\"")
        }
    }
}

/// A file in the spool or in failed/ (`newsctl queue`).
public struct QueueEntry: Codable, Sendable, Equatable {
    /// The file's name where it is now: what `retry` and `drop` take.
    public var id: String
    /// Where the file is.
    public var place: QueuePlace
    public var sizeBytes: Int
    /// Seconds since it was claimed (claimed) or moved to failed/ (failed).
    public var ageSeconds: Double
    public var attempts: Int?
    /// The failure code and reason (failed files).
    public var code: String?
    public var reason: String?
    /// The name it was dropped under, if different.
    public var originalName: String?

    public init(
        id: String, place: QueuePlace, sizeBytes: Int, ageSeconds: Double, attempts: Int? = nil, code: String? = nil,
        reason: String? = nil, originalName: String? = nil
    ) {
        self.id = id
        self.place = place
        self.sizeBytes = sizeBytes
        self.ageSeconds = ageSeconds
        self.attempts = attempts
        self.code = code
        self.reason = reason
        self.originalName = originalName
    }
}

/// A stored article as `show`, `search` and `follow` return it.
public struct ArticleSummary: Codable, Sendable, Equatable {
    public var id: Int64
    public var title: String
    public var category: String?
    public var confidence: Double?
    public var language: String?
    public var source: String?
    public var url: String?
    public var publishedAt: String?
    public var ingestedAt: String
    public var sourceFile: String
    /// `search`: the rank and a snippet with matches in [brackets].
    public var rank: Double?
    public var snippet: String?
    /// `show` only.
    public var body: String?
    public var keywords: [String]?
    public var entities: [EntityCount]?
    public var duplicateOf: Int64?
    public var scores: [String: Double]?

    public init(id: Int64, title: String, ingestedAt: String, sourceFile: String) {
        self.id = id
        self.title = title
        self.ingestedAt = ingestedAt
        self.sourceFile = sourceFile
    }
}

/// An entity of an article, as `show` returns it.
public struct EntityCount: Codable, Sendable, Equatable {
    public var kind: String
    public var name: String
    public var mentions: Int
    public init(kind: String, name: String, mentions: Int) {
        self.kind = kind
        self.name = name
        self.mentions = mentions
    }
}

/// `newsctl stats`: article counts by category, day and source.
public struct ArticleStats: Codable, Sendable, Equatable {
    public struct Count: Codable, Sendable, Equatable {
        public var key: String
        public var count: Int
        public init(key: String, count: Int) {
            self.key = key
            self.count = count
        }
    }
    public var total: Int
    public var byCategory: [Count]
    public var byDay: [Count]
    public var bySource: [Count]
    public init(total: Int, byCategory: [Count], byDay: [Count], bySource: [Count]) {
        self.total = total
        self.byCategory = byCategory
        self.byDay = byDay
        self.bySource = bySource
    }
}

/// A `newsctl reclassify` job: re-scoring stored articles with the loaded model.
public struct ReclassifyProgress: Codable, Sendable, Equatable {
    public var state: ReclassifyState
    /// The model the articles are scored with.
    public var modelID: String
    /// Only articles ingested at or after this instant (ISO 8601), if set.
    public var since: String?
    /// Whether articles already scored by this model are scored again.
    public var all: Bool
    /// Articles read so far.
    public var scanned: Int
    /// Articles updated so far.
    public var updated: Int
    /// When the job started and ended (seconds since the Unix epoch).
    public var startedAt: Double
    public var finishedAt: Double?
    /// Why it failed.
    public var error: String?

    /// Creates a progress report.
    public init(
        state: ReclassifyState, modelID: String, since: String?, all: Bool, scanned: Int = 0, updated: Int = 0,
        startedAt: Double, finishedAt: Double? = nil, error: String? = nil
    ) {
        self.state = state
        self.modelID = modelID
        self.since = since
        self.all = all
        self.scanned = scanned
        self.updated = updated
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.error = error
    }
}

/// The background rebuild of search vectors stored before newsd searched each article in its
/// own language (`articles.search_config` NULL): its progress since start-up.
public struct SearchRebuildProgress: Codable, Sendable, Equatable {
    public var state: SearchRebuildState
    /// Rows left to rebuild when last counted (at the start of each pass, then less each batch).
    public var rowsLeft: Int
    /// Rows this newsd rebuilt since start-up.
    public var rebuilt: Int
    /// Rows per transaction (`search.rebuildBatchSize`).
    public var batchSize: Int
    /// Why the last attempt failed (state `failed`).
    public var error: String?

    /// Creates a progress report.
    public init(state: SearchRebuildState, rowsLeft: Int, rebuilt: Int, batchSize: Int, error: String? = nil) {
        self.state = state
        self.rowsLeft = rowsLeft
        self.rebuilt = rebuilt
        self.batchSize = batchSize
        self.error = error
    }
}

/// A control error: a stable code and a sentence.
public struct ControlErrorBody: Codable, Sendable, Equatable, Error, CustomStringConvertible {
    /// Stable code (`ControlErrorCode` lists them with their meaning).
    public var code: ControlErrorCode
    /// What went wrong.
    public var message: String

    /// Creates an error body.
    public init(code: ControlErrorCode, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}

/// The response to one request.
public struct ControlResponse: Codable, Sendable, Equatable {
    /// Protocol version.
    public var v: Int
    /// Whether the request succeeded.
    public var ok: Bool
    /// Set when `ok` is false.
    public var error: ControlErrorBody?
    /// Set for `status`.
    public var status: StatusReport?
    /// Set for `reclassify`.
    public var reclassify: ReclassifyProgress?
    /// Set for `queue`, and for `retry` and `drop` (the files acted on).
    public var queue: [QueueEntry]?
    /// Set for `show`, `search` and `follow`.
    public var articles: [ArticleSummary]?
    /// Set for `stats`.
    public var stats: ArticleStats?
    /// Set for `metrics`: Prometheus text exposition format.
    public var metrics: String?
    /// Set for `cluster`: every newsd instance seen on the database in the last day.
    public var instances: [InstanceSummary]?
    /// A sentence for people (`pause`, `resume`, `drain`, `reload`, `retry`, `drop`).
    public var message: String?

    /// Creates a response.
    public init(ok: Bool, error: ControlErrorBody? = nil, status: StatusReport? = nil, reclassify: ReclassifyProgress? = nil) {
        self.v = ControlProtocol.version
        self.ok = ok
        self.error = error
        self.status = status
        self.reclassify = reclassify
    }
}

/// One newsd instance as it last reported itself in the database (`newsd_instances`), for
/// `newsctl status --cluster`.
public struct InstanceSummary: Codable, Sendable, Equatable {
    /// `instance.name`.
    public var name: String
    public var version: String
    public var pid: Int32
    /// Its state when it last reported (`running`, `draining`, … or `stopped`).
    public var state: String
    /// When it started (UTC, ISO 8601).
    public var startedAt: String
    /// Seconds since it last reported, by the database's clock (reports come every
    /// `heartbeatSeconds`).
    public var lastSeenSecondsAgo: Double
    /// Its counts since it started, and its rate over the last minute (articles/s).
    public var ingested: Int
    public var duplicates: Int
    public var failed: Int
    public var rateOneMinute: Double
    /// Whether this is the instance that answered.
    public var current: Bool

    /// How often an instance reports; one not heard from for `staleSeconds` is shown as gone.
    public static let heartbeatSeconds = 5.0
    public static let staleSeconds = 30.0

    public init(
        name: String, version: String, pid: Int32, state: String, startedAt: String, lastSeenSecondsAgo: Double, ingested: Int,
        duplicates: Int, failed: Int, rateOneMinute: Double, current: Bool
    ) {
        self.name = name
        self.version = version
        self.pid = pid
        self.state = state
        self.startedAt = startedAt
        self.lastSeenSecondsAgo = lastSeenSecondsAgo
        self.ingested = ingested
        self.duplicates = duplicates
        self.failed = failed
        self.rateOneMinute = rateOneMinute
        self.current = current
    }
}

/// Everything `newsctl status` shows.
public struct StatusReport: Codable, Sendable, Equatable {
    /// newsd's version string.
    public var version: String
    /// `instance.name`: which of the newsd hosts writing to one database this is.
    public var instance: String?
    /// newsd's process id.
    public var pid: Int32
    /// Seconds since newsd started.
    public var uptimeSeconds: Double
    public var state: DaemonState
    /// Files by place.
    public var files: FileCounts
    /// Queue stages in pipeline order.
    public var stages: [StageStatus]
    /// Parse workers.
    public var workers: WorkerCounts
    /// Counts since start-up.
    public var totals: Totals
    /// Articles ingested per second, averaged over 1 and 5 minutes.
    public var rates: Rates
    /// The database connection.
    public var database: DatabaseStatus
    /// The last error of any kind, if any.
    public var lastError: ErrorEvent?
    /// The topic model in use, if any: its id and path.
    public var model: ModelInfo?
    /// The latest `reclassify` job, if one ran since start-up.
    public var reclassify: ReclassifyProgress?
    /// The search rebuild, once it has looked at the database.
    public var searchRebuild: SearchRebuildProgress?
    /// What is wrong right now and needs attention (the database not connected, the inbox
    /// missing): empty when newsd is healthy. `newsctl status` exits 1 when it is not.
    public var problems: [String]?
    /// The settings that decide a file's fate, so `newsctl explain` judges as this newsd does.
    public var intake: IntakeSettings?

    /// `inbox.maxFileBytes`, `parser.*` and `classifier.*` as newsd runs with them.
    public struct IntakeSettings: Codable, Sendable, Equatable {
        public var maxFileBytes: Int
        public var parserMaxSeconds: Double
        public var junkPatterns: [String]
        /// The model file's path; empty: none.
        public var classifierModel: String
        public var classifierMinConfidence: Double
        public var keywordCount: Int
        public init(
            maxFileBytes: Int, parserMaxSeconds: Double, junkPatterns: [String], classifierModel: String,
            classifierMinConfidence: Double, keywordCount: Int
        ) {
            self.maxFileBytes = maxFileBytes
            self.parserMaxSeconds = parserMaxSeconds
            self.junkPatterns = junkPatterns
            self.classifierModel = classifierModel
            self.classifierMinConfidence = classifierMinConfidence
            self.keywordCount = keywordCount
        }
    }

    /// The loaded topic model.
    public struct ModelInfo: Codable, Sendable, Equatable {
        public var id: String
        public var path: String
        public var labels: [String]
        public init(id: String, path: String, labels: [String]) {
            self.id = id
            self.path = path
            self.labels = labels
        }
    }

    /// Creates a report.
    public init(
        version: String, pid: Int32, uptimeSeconds: Double, state: DaemonState, files: FileCounts,
        stages: [StageStatus], workers: WorkerCounts, totals: Totals, rates: Rates,
        database: DatabaseStatus, lastError: ErrorEvent?, model: ModelInfo? = nil, reclassify: ReclassifyProgress? = nil
    ) {
        self.model = model
        self.reclassify = reclassify
        self.version = version
        self.pid = pid
        self.uptimeSeconds = uptimeSeconds
        self.state = state
        self.files = files
        self.stages = stages
        self.workers = workers
        self.totals = totals
        self.rates = rates
        self.database = database
        self.lastError = lastError
    }

    /// Files waiting in the inbox, claimed (in the spool), and in failed/.
    public struct FileCounts: Codable, Sendable, Equatable {
        public var inbox: Int
        public var claimed: Int
        public var failed: Int
        public init(inbox: Int, claimed: Int, failed: Int) {
            self.inbox = inbox
            self.claimed = claimed
            self.failed = failed
        }
    }

    /// One queue stage: items waiting and the stage's capacity.
    public struct StageStatus: Codable, Sendable, Equatable {
        public var name: String
        public var depth: Int
        public var capacity: Int
        public init(name: String, depth: Int, capacity: Int) {
            self.name = name
            self.depth = depth
            self.capacity = capacity
        }
    }

    /// Parse workers busy and in total.
    public struct WorkerCounts: Codable, Sendable, Equatable {
        public var busy: Int
        public var total: Int
        public init(busy: Int, total: Int) {
            self.busy = busy
            self.total = total
        }
    }

    /// Outcomes since start-up.
    public struct Totals: Codable, Sendable, Equatable {
        /// New articles committed.
        public var ingested: Int
        /// Files whose article was already stored.
        public var duplicates: Int
        /// Files moved to failed/.
        public var failed: Int
        /// Batch retries after transient database errors.
        public var retries: Int
        public init(ingested: Int, duplicates: Int, failed: Int, retries: Int) {
            self.ingested = ingested
            self.duplicates = duplicates
            self.failed = failed
            self.retries = retries
        }
    }

    /// Ingest rates in articles per second.
    public struct Rates: Codable, Sendable, Equatable {
        public var oneMinute: Double
        public var fiveMinutes: Double
        public init(oneMinute: Double, fiveMinutes: Double) {
            self.oneMinute = oneMinute
            self.fiveMinutes = fiveMinutes
        }
    }

    /// The database connection's state: `connected`, `connecting`, `reconnecting` (unreachable)
    /// or `error` (reachable, but refusing newsd's writes: schema, privileges).
    public struct DatabaseStatus: Codable, Sendable, Equatable {
        public var state: DatabaseState
        public var lastError: ErrorEvent?
        /// The server the writer reached last ("host:port"; of a multi-host connection string,
        /// the one that answered); absent before the first connection.
        public var server: String?
        /// How often the writer found itself on another server than before: failovers and
        /// switchovers seen (since issue 22).
        public var serverChanges: Int?
        public init(state: DatabaseState, lastError: ErrorEvent?, server: String? = nil, serverChanges: Int? = nil) {
            self.state = state
            self.lastError = lastError
            self.server = server
            self.serverChanges = serverChanges
        }
    }

    /// An error and when it happened (seconds since the Unix epoch).
    public struct ErrorEvent: Codable, Sendable, Equatable {
        public var message: String
        public var at: Double
        public init(message: String, at: Double) {
            self.message = message
            self.at = at
        }
    }
}
