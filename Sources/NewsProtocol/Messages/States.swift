/// A string-valued enum on the wire that a reader of another version may not know every case
/// of: an unknown value decodes as `unknown` instead of failing the whole message, so a
/// newsctl still shows a newer newsd's status.
public protocol WireEnum: RawRepresentable<String>, Codable, Sendable, CaseIterable, Equatable {
    /// What an unknown value decodes as.
    static var unknown: Self { get }
}

extension WireEnum {
    public init(from decoder: any Decoder) throws {
        let raw = try decoder.singleValueContainer().decode(String.self)
        self = Self(rawValue: raw) ?? .unknown
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// What newsd is doing (`status.state`).
public enum DaemonState: String, WireEnum {
    /// Preparing folders and sockets; nothing is claimed yet.
    case starting
    /// Claiming, parsing and writing.
    case running
    /// `newsctl pause`: files wait in the inbox; claimed files finish.
    case paused
    /// `newsctl drain`: claiming everything, then stopping once the pipeline is empty.
    case draining
    /// Shutting down: no new claims; claimed files finish until `shutdown.timeoutMs`.
    case stopping
    case unknown
}

/// The writer's database connection (`status.database.state`).
public enum DatabaseState: String, WireEnum {
    /// Not connected yet since start-up.
    case connecting
    /// Connected and migrated.
    case connected
    /// The server is unreachable or dropped the connection; retrying with backoff.
    case reconnecting
    /// The server answers but refuses newsd's writes (schema, privileges); retrying with backoff.
    case error
    case unknown
}

/// Where a file is (`newsctl queue`, `retry`, `drop`).
public enum QueuePlace: String, WireEnum {
    /// In the spool, being processed.
    case claimed
    /// In failed/, with its reason.
    case failed
    /// Moved back to the inbox by `retry`.
    case inbox
    /// Deleted from failed/ by `drop`.
    case dropped
    case unknown
}

/// A `newsctl reclassify` job's state.
public enum ReclassifyState: String, WireEnum {
    case running, done, failed, unknown
}

/// The search rebuild's state (`status.searchRebuild.state`): rows stored before newsd searched
/// each article in its own language get their vectors built again in the background.
public enum SearchRebuildState: String, WireEnum {
    /// Rows are left to rebuild.
    case running
    /// None left (newsd checks again every minute, for rows other tools wrote).
    case done
    /// The database refused the rebuild; it is tried again (the error says why).
    case failed
    case unknown
}

/// Why newsd refused or could not answer a control request (`error.code`). The table in
/// docs/PROTOCOL.md lists these with `meaning`; a test holds the two together.
public enum ControlErrorCode: String, WireEnum {
    case badRequest = "bad_request"
    case unsupportedVersion = "unsupported_version"
    case unknownCommand = "unknown_command"
    case tooLarge = "too_large"
    case timeout
    case forbidden
    case busy
    case badState = "bad_state"
    case notFound = "not_found"
    case noModel = "no_model"
    case reloadFailed = "reload_failed"
    case unavailable
    case `internal`
    /// A code this build does not know (a newer newsd), or no error body at all.
    case unknown

    /// One sentence for the documentation and `newsctl --help`.
    public var meaning: String {
        switch self {
        case .badRequest: "the line is not a request, or an argument is unknown, malformed or out of range (the message names it)"
        case .unsupportedVersion: "the request's protocol version `v` is not the one this newsd speaks"
        case .unknownCommand: "no such command"
        case .tooLarge: "the request line is longer than 64 KiB"
        case .timeout: "no complete request line arrived within the time allowed"
        case .forbidden: "the command changes state and the caller is not an admin"
        case .busy: "too many control connections, or a reclassify job is already running; try again"
        case .badState: "the command does not apply now (pause when not running, resume when not paused)"
        case .notFound: "no such article or file in failed/"
        case .noModel: "no topic model is loaded"
        case .reloadFailed: "the new configuration or model was refused; the running one is kept"
        case .unavailable: "the database is unreachable"
        case .internal: "newsd failed unexpectedly (the message says how)"
        case .unknown: "a code this newsctl does not know"
        }
    }
}
