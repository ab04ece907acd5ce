/// An error from libpq or the PostgreSQL server.
///
/// The SQLSTATE and the server's message are kept so callers can decide whether to retry.
/// `description` never includes the connection string (which may hold a password) nor bound
/// values; `debugDescription` adds the server's detail, hint and the SQL text.
public struct PostgresError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// What kind of failure this is.
    public enum Code: String, Sendable {
        /// A connection could not be established.
        case connectionFailed = "connection_failed"
        /// The connection broke while a command was running.
        case connectionLost = "connection_lost"
        /// The server rejected the command; `sqlState` says why.
        case server = "server_error"
        /// libpq returned something this client did not expect.
        case unexpectedResult = "unexpected_result"
    }

    /// The kind of failure.
    public var code: Code
    /// The five-character SQLSTATE, if the server sent one.
    public var sqlState: String?
    /// The server's (or libpq's) primary message, one line.
    public var message: String
    /// The server's DETAIL field, if any (may contain values: only in `debugDescription`).
    public var detail: String?
    /// The server's HINT field, if any.
    public var hint: String?
    /// The SQL text of the failed command (placeholders, never values).
    public var query: String?

    /// Creates an error value.
    public init(
        code: Code, sqlState: String? = nil, message: String, detail: String? = nil,
        hint: String? = nil, query: String? = nil
    ) {
        self.code = code
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.hint = hint
        self.query = query
    }

    /// Whether retrying later, possibly on a new connection, can succeed.
    ///
    /// Connection failures, resource shortages, server shutdowns, serialization failures,
    /// deadlocks, lock time-outs and read-only transactions (a standby, or
    /// `default_transaction_read_only`) are transient; constraint and data errors are not.
    public var isTransient: Bool {
        switch code {
        case .connectionFailed, .connectionLost: return true
        case .unexpectedResult: return false
        case .server: break
        }
        guard let state = sqlState else { return false }
        let transientClasses: Set<Substring> = ["08", "53", "57", "58"]
        if transientClasses.contains(state.prefix(2)) { return true }
        return ["40001", "40P01", "25006", "55P03", "55006"].contains(state)
    }

    /// Whether no server could be reached (refused, unreachable, timed out, starting up or
    /// shutting down, no socket) or the server would not take writes (25006, or libpq's
    /// "session is read-only": a standby, or a primary being demoted). A new connection, later
    /// or through a multi-host string to another server, cures these. Not a refused login (a
    /// wrong password, pg_hba, a missing database, too many clients): retrying those every
    /// second would lock accounts and flood the server's log. Not a connection lost in the
    /// middle of a command: the command itself may be what brings the server down.
    public var isServerUnavailable: Bool {
        if code == .server { return sqlState == "25006" }
        guard code == .connectionFailed else { return false }
        let text = message.lowercased()
        return Self.unreachableMessages.contains { text.contains($0) }
    }

    /// libpq's words for a server not there (yet), in its untranslated messages.
    static let unreachableMessages = [
        "connection refused", "session is read-only", "starting up", "shutting down", "in recovery mode",
        "timeout expired", "no such file or directory", "network is unreachable", "no route to host",
        "could not translate host name", "server closed the connection",
    ]

    /// Whether the server refused this command because of the data of the rows it carried:
    /// SQLSTATE classes 22 (data exception) and 23 (integrity constraint), and 54000 (a value
    /// over a limit, such as a tsvector too long). Only these fail the one record; every other
    /// error (a dropped column, a missing privilege, a wrong password, a full disk, a bug) says
    /// nothing about the row and is treated as an outage: files stay claimed and are retried.
    public var isRowDataError: Bool {
        guard code == .server, let state = sqlState else { return false }
        return state.hasPrefix("22") || state.hasPrefix("23") || state == "54000"
    }

    public var description: String {
        var text = "PostgreSQL \(code.rawValue)"
        if let sqlState { text += " (SQLSTATE \(sqlState))" }
        return text + ": " + message
    }

    public var debugDescription: String {
        var text = description
        if let detail { text += "; detail: \(detail)" }
        if let hint { text += "; hint: \(hint)" }
        if let query { text += "; query: \(query)" }
        return text
    }
}

/// The errors of one transaction, kept apart: what failed in the body, at BEGIN, at COMMIT,
/// and whether the ROLLBACK after a failure failed too.
public struct PostgresTransactionError: Error, Sendable, CustomStringConvertible {
    /// BEGIN failed; the body did not run.
    public var beginError: PostgresError?
    /// The body threw; the transaction was rolled back.
    public var bodyError: (any Error)?
    /// COMMIT failed; the transaction's effects are not visible.
    public var commitError: PostgresError?
    /// ROLLBACK failed after `bodyError` (the connection is then usually broken).
    public var rollbackError: PostgresError?

    /// The first error that decided the outcome.
    public var primary: any Error {
        beginError ?? bodyError ?? commitError ?? rollbackError
            ?? PostgresError(code: .unexpectedResult, message: "empty transaction error")
    }

    /// Whether the whole transaction may succeed if retried.
    public var isTransient: Bool {
        if let e = primary as? PostgresError { return e.isTransient }
        return false
    }

    public var description: String {
        var parts: [String] = []
        if let beginError { parts.append("begin: \(beginError)") }
        if let bodyError { parts.append("body: \(bodyError)") }
        if let commitError { parts.append("commit: \(commitError)") }
        if let rollbackError { parts.append("rollback: \(rollbackError)") }
        return "transaction failed (" + parts.joined(separator: "; ") + ")"
    }
}

extension Error {
    /// The PostgreSQL error behind this error, looking through transaction wrappers.
    public var postgresError: PostgresError? {
        if let e = self as? PostgresError { return e }
        if let t = self as? PostgresTransactionError { return t.primary.postgresError }
        return nil
    }

    /// Whether this error is about the data of the rows written (see
    /// `PostgresError.isRowDataError`); an error from outside PostgreSQL counts as one.
    public var isRowDataError: Bool {
        postgresError?.isRowDataError ?? true
    }

    /// Whether this error is a transient database failure (retry later, keep the work).
    public var isTransientDatabaseError: Bool {
        if let t = self as? PostgresTransactionError { return t.isTransient }
        return postgresError?.isTransient ?? false
    }
}
