import CLibPQ
#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// One libpq connection. Not thread-safe: confine each connection to one thread or serial queue.
///
/// Connection parameters come from a libpq connection string or URI
/// (`host=/run/postgresql dbname=news`, `postgresql://user@host/db`); anything it leaves out is
/// taken from the standard `PG*` environment variables, as with `psql`.
public final class PostgresConnection {
    private var handle: OpaquePointer?
    private let conninfo: String
    private let applicationName: String
    private let connectTimeoutSeconds: Int

    /// Connects now; throws `PostgresError` with code `.connectionFailed` if that fails.
    public init(conninfo: String, applicationName: String = "newsd", connectTimeoutSeconds: Int = 5) throws {
        self.conninfo = conninfo
        self.applicationName = applicationName
        self.connectTimeoutSeconds = connectTimeoutSeconds
        try connect()
    }

    deinit {
        if let handle { PQfinish(handle) }
    }

    /// Whether libpq still considers the connection usable.
    public var isConnected: Bool {
        guard let handle else { return false }
        return PQstatus(handle) == CONNECTION_OK
    }

    /// The server's backend process id (useful in logs and tests).
    public var backendPID: Int32 { handle.map { PQbackendPID($0) } ?? 0 }

    /// The server version as an integer (e.g. 150018), or 0 when disconnected.
    public var serverVersion: Int { handle.map { Int(PQserverVersion($0)) } ?? 0 }

    /// The server this connection reached, "host:port" (the host as the connection string
    /// names it, or the socket folder): of a multi-host string, the one that answered.
    public var serverAddress: String {
        guard let handle else { return "" }
        let host = PQhost(handle).map { String(cString: $0) } ?? ""
        let port = PQport(handle).map { String(cString: $0) } ?? ""
        return host + ":" + port
    }

    /// Closes the connection and opens a new one with the same parameters.
    public func reconnect() throws {
        close()
        try connect()
    }

    /// Closes the connection. Later commands throw `.connectionLost` until `reconnect()`.
    public func close() {
        if let handle { PQfinish(handle) }
        handle = nil
    }

    private func connect() throws {
        // Later keywords win over the dbname string when expand_dbname is set, so the caller's
        // conninfo comes last and overrides our defaults.
        let keywords = ["application_name", "connect_timeout", "dbname"]
        let values = [applicationName, String(connectTimeoutSeconds), conninfo]
        let conn = withCStringArray(keywords) { k in
            withCStringArray(values) { v in PQconnectdbParams(k, v, 1) }
        }
        guard let conn else {
            throw PostgresError(code: .connectionFailed, message: "out of memory allocating a connection")
        }
        if PQstatus(conn) != CONNECTION_OK {
            let message = Self.firstLine(String(cString: PQerrorMessage(conn)))
            PQfinish(conn)
            throw PostgresError(code: .connectionFailed, message: message)
        }
        // Notices (e.g. "relation already exists, skipping") would go to stderr otherwise.
        PQsetNoticeProcessor(conn, { _, _ in }, nil)
        handle = conn
    }

    /// A notification received on a channel this connection LISTENs to.
    public struct Notification: Sendable, Equatable {
        public var channel: String
        public var payload: String
        public var senderPID: Int32
    }

    /// Waits up to `timeoutSeconds` for a notification (after `LISTEN channel`), returning the
    /// first one queued, or nil on time-out.
    public func nextNotification(timeoutSeconds: Double) throws -> Notification? {
        guard let handle, PQstatus(handle) == CONNECTION_OK else {
            throw PostgresError(code: .connectionLost, message: "not connected")
        }
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while true {
            if PQconsumeInput(handle) == 0 {
                throw PostgresError(code: .connectionLost, message: Self.firstLine(String(cString: PQerrorMessage(handle))))
            }
            if let n = PQnotifies(handle) {
                defer { PQfreemem(n) }
                return Notification(
                    channel: String(cString: n.pointee.relname), payload: String(cString: n.pointee.extra),
                    senderPID: n.pointee.be_pid)
            }
            let left = deadline.timeIntervalSinceNow
            if left <= 0 { return nil }
            var fds = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
            _ = poll(&fds, 1, Int32(min(left, 1) * 1000))
        }
    }

    /// Runs one parameterized command with PQexecParams and returns its rows as text.
    @discardableResult
    public func query(_ query: PostgresQuery) throws -> PostgresRows {
        guard let handle, PQstatus(handle) == CONNECTION_OK else {
            throw PostgresError(code: .connectionLost, message: "not connected", query: query.sql)
        }
        let wires = query.binds.map(\.wire)
        var lengths = wires.map { Int32($0?.bytes.count ?? 0) }
        var formats = wires.map { Int32(($0?.binary ?? false) ? 1 : 0) }
        // Keep every parameter's bytes alive and NUL-terminated (text format needs the NUL).
        let buffers: [UnsafeMutablePointer<CChar>?] = wires.map { wire in
            guard let wire else { return nil }
            let p = UnsafeMutablePointer<CChar>.allocate(capacity: wire.bytes.count + 1)
            wire.bytes.withUnsafeBufferPointer { src in
                src.withMemoryRebound(to: CChar.self) { s in
                    if let base = s.baseAddress { p.initialize(from: base, count: s.count) }
                }
            }
            p[wire.bytes.count] = 0
            return p
        }
        defer { buffers.forEach { $0?.deallocate() } }
        var values = buffers.map { UnsafePointer<CChar>($0) }
        let result = PQexecParams(
            handle, query.sql, Int32(values.count), nil, &values, &lengths, &formats, 0)
        return try rows(from: result, sql: query.sql)
    }

    /// Runs `COPY table (columns) FROM STDIN` and sends `data`, rows already in COPY's text
    /// format (see `CopyText`). Returns the number of rows copied.
    ///
    /// The statement is built from `table` and `columns`, which must be program text, never
    /// values: the values travel only in `data`.
    @discardableResult
    public func copyIn(table: StaticString, columns: [StaticString], data: [UInt8]) throws -> Int {
        let sql = "COPY \(table) (\(columns.map(\.description).joined(separator: ", "))) FROM STDIN"
        guard let handle, PQstatus(handle) == CONNECTION_OK else {
            throw PostgresError(code: .connectionLost, message: "not connected", query: sql)
        }
        guard let start = PQexec(handle, sql) else { throw error(for: nil, sql: sql) }
        guard PQresultStatus(start) == PGRES_COPY_IN else {
            defer { PQclear(start) }
            throw error(for: start, sql: sql)
        }
        PQclear(start)
        // Blocking connection: PQputCopyData queues or sends; 1 means accepted.
        let chunk = 256 * 1024
        var sent = true
        data.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { bytes in
                var offset = 0
                while offset < bytes.count {
                    let n = min(chunk, bytes.count - offset)
                    if PQputCopyData(handle, bytes.baseAddress! + offset, Int32(n)) != 1 {
                        sent = false
                        return
                    }
                    offset += n
                }
            }
        }
        _ = PQputCopyEnd(handle, sent ? nil : "newsd could not send the rows")
        // The COPY's own result, then a null result once it is done.
        var failure: PostgresError? = nil
        var copied = 0
        while let result = PQgetResult(handle) {
            if PQresultStatus(result) == PGRES_COMMAND_OK {
                copied = Self.affected(result)
            } else if failure == nil {
                failure = error(for: result, sql: sql)
            }
            PQclear(result)
        }
        if let failure { throw failure }
        if !sent { throw error(for: nil, sql: sql) }
        return copied
    }

    /// Runs a fixed script of one or more statements with no parameters (migrations, BEGIN).
    ///
    /// `StaticString` keeps run-time values out: only text written in the source can run here.
    public func execute(_ script: StaticString) throws {
        try execute(trusted: script.description)
    }

    /// Runs SQL assembled by the program from trusted pieces only (never user values).
    func execute(trusted sql: String) throws {
        guard let handle, PQstatus(handle) == CONNECTION_OK else {
            throw PostgresError(code: .connectionLost, message: "not connected", query: sql)
        }
        _ = try rows(from: PQexec(handle, sql), sql: sql)
    }

    /// Runs `body` in a transaction: COMMIT if it returns, ROLLBACK if it throws.
    ///
    /// Failures are reported as a `PostgresTransactionError` that keeps BEGIN's, the body's,
    /// COMMIT's and ROLLBACK's errors apart.
    public func withTransaction<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        do {
            try execute("BEGIN")
        } catch let e as PostgresError {
            throw PostgresTransactionError(beginError: e)
        }
        let value: T
        do {
            value = try body(self)
        } catch {
            var failure = PostgresTransactionError(bodyError: error)
            if isConnected {
                do { try execute("ROLLBACK") } catch let e as PostgresError { failure.rollbackError = e }
            }
            throw failure
        }
        do {
            try execute("COMMIT")
        } catch let e as PostgresError {
            throw PostgresTransactionError(commitError: e)
        }
        return value
    }

    private func rows(from result: OpaquePointer?, sql: String) throws -> PostgresRows {
        guard let result else {
            throw error(for: nil, sql: sql)
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
            return PostgresRows(columns: [], rows: [], affected: Self.affected(result))
        case PGRES_TUPLES_OK:
            let nFields = Int(PQnfields(result))
            let nRows = Int(PQntuples(result))
            var columns: [String] = []
            columns.reserveCapacity(nFields)
            for c in 0..<nFields { columns.append(String(cString: PQfname(result, Int32(c)))) }
            var rows: [[String?]] = []
            rows.reserveCapacity(nRows)
            for r in 0..<nRows {
                var row: [String?] = []
                row.reserveCapacity(nFields)
                for c in 0..<nFields {
                    if PQgetisnull(result, Int32(r), Int32(c)) == 1 {
                        row.append(nil)
                    } else {
                        row.append(String(cString: PQgetvalue(result, Int32(r), Int32(c))))
                    }
                }
                rows.append(row)
            }
            return PostgresRows(columns: columns, rows: rows, affected: nRows)
        default:
            throw error(for: result, sql: sql)
        }
    }

    private func error(for result: OpaquePointer?, sql: String) -> PostgresError {
        func field(_ code: UInt8) -> String? {
            guard let result, let p = PQresultErrorField(result, Int32(code)) else { return nil }
            return String(cString: p)
        }
        let sqlState = field(UInt8(ascii: "C"))
        let primary = field(UInt8(ascii: "M"))
        let connMessage = handle.map { Self.firstLine(String(cString: PQerrorMessage($0))) } ?? "no connection"
        let lost = !isConnected
        return PostgresError(
            code: lost && sqlState == nil ? .connectionLost : (sqlState == nil ? .unexpectedResult : .server),
            sqlState: sqlState,
            message: primary ?? connMessage,
            detail: field(UInt8(ascii: "D")),
            hint: field(UInt8(ascii: "H")),
            query: sql
        )
    }

    private static func affected(_ result: OpaquePointer) -> Int {
        Int(String(cString: PQcmdTuples(result))) ?? 0
    }

    static func firstLine(_ s: String) -> String {
        let trimmed = s.split(separator: "\n", omittingEmptySubsequences: true).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        return trimmed.joined(separator: " ")
    }
}

/// The rows of a result, every value in PostgreSQL's text form (nil for NULL).
public struct PostgresRows: Sendable {
    /// Column names in order.
    public var columns: [String]
    /// The rows; each has one entry per column.
    public var rows: [[String?]]
    /// Rows affected (INSERT/UPDATE/DELETE) or returned (SELECT).
    public var affected: Int

    /// The first row's first value, if any.
    public var scalar: String? { rows.first?.first ?? nil }

    /// The value of `column` in row `row`.
    public func value(_ row: Int, _ column: String) -> String? {
        guard let c = columns.firstIndex(of: column) else { return nil }
        return rows[row][c]
    }
}

/// Decodes PostgreSQL's hex text form of a `bytea` (`\x0a1b…`).
public func decodeByteaHex(_ text: String) -> [UInt8]? {
    var utf8 = Array(text.utf8)
    guard utf8.count >= 2, utf8[0] == UInt8(ascii: "\\"), utf8[1] == UInt8(ascii: "x") else { return nil }
    utf8.removeFirst(2)
    guard utf8.count % 2 == 0 else { return nil }
    func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: return c - 48
        case 97...102: return c - 87
        case 65...70: return c - 55
        default: return nil
        }
    }
    var out: [UInt8] = []
    out.reserveCapacity(utf8.count / 2)
    var i = 0
    while i < utf8.count {
        guard let hi = nibble(utf8[i]), let lo = nibble(utf8[i + 1]) else { return nil }
        out.append(hi << 4 | lo)
        i += 2
    }
    return out
}

private func withCStringArray<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    let copies = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    var pointers: [UnsafePointer<CChar>?] = copies.map { UnsafePointer($0) }
    pointers.append(nil)
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
