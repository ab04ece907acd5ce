import Foundation
import PostgresClient
import TestSupport
import Testing

@Suite struct PostgresConnectionTests {
    let conn: PostgresConnection

    init() throws {
        conn = try PostgresConnection(conninfo: try TestPostgres.start().createDatabase())
    }

    @Test func bindsRoundTripAndNeverBecomeSQL() throws {
        let hostile = "x'); DROP TABLE t; --"
        let bytes: [UInt8] = [0, 1, 0xFF, 0x27, 0x5C]
        let row = try conn.query(
            "SELECT \(hostile)::text AS s, \(bytes)::bytea AS b, \(Int64(-42))::bigint AS i, \(["a\"b", "c,d", "e\\f"])::text[] AS a, \(nil as String?)::text AS n, \(true)::bool AS t")
        #expect(row.value(0, "s") == hostile)
        #expect(row.value(0, "b").flatMap(decodeByteaHex) == bytes)
        #expect(row.value(0, "i") == "-42")
        #expect(row.value(0, "a") == #"{"a\"b","c,d","e\\f"}"#)
        #expect(row.value(0, "n") == nil)
        #expect(row.value(0, "t") == "t")
    }

    @Test func serverErrorsKeepSQLSTATEAndAreNotTransient() throws {
        try conn.execute("CREATE TABLE u (x int PRIMARY KEY)")
        try conn.query("INSERT INTO u VALUES (\(1))")
        do {
            try conn.query("INSERT INTO u VALUES (\(1))")
            Issue.record("duplicate key accepted")
        } catch let e as PostgresError {
            #expect(e.code == .server)
            #expect(e.sqlState == "23505")
            #expect(!e.isTransient)
            #expect(e.description.contains("duplicate key value"))
            #expect(e.debugDescription.contains("INSERT INTO u VALUES ($1)"))
        }
    }

    @Test func connectionFailureIsTransientAndHidesThePassword() throws {
        do {
            _ = try PostgresConnection(conninfo: "host=/nonexistent-dir port=1 user=x password=hunter2secret dbname=x")
            Issue.record("connected to nothing")
        } catch let e as PostgresError {
            #expect(e.code == .connectionFailed)
            #expect(e.isTransient)
            #expect(!e.description.contains("hunter2secret"))
            #expect(!e.debugDescription.contains("hunter2secret"))
        }
    }

    @Test func transactionErrorsAreKeptApart() throws {
        try conn.execute("CREATE TABLE d (x int UNIQUE DEFERRABLE INITIALLY DEFERRED)")
        struct BodyFailed: Error {}
        do {
            try conn.withTransaction { tx in
                try tx.query("INSERT INTO d VALUES (\(7))")
                throw BodyFailed()
            }
        } catch let e as PostgresTransactionError {
            #expect(e.bodyError is BodyFailed)
            #expect(e.commitError == nil && e.rollbackError == nil && e.beginError == nil)
        }
        #expect(try conn.query("SELECT count(*) FROM d").scalar == "0")

        // A deferred unique check fails only at COMMIT.
        do {
            try conn.withTransaction { tx in
                try tx.query("INSERT INTO d VALUES (\(1))")
                try tx.query("INSERT INTO d VALUES (\(1))")
            }
            Issue.record("commit succeeded")
        } catch let e as PostgresTransactionError {
            #expect(e.bodyError == nil)
            #expect(e.commitError?.sqlState == "23505")
            #expect(!e.isTransient)
        }
        #expect(try conn.query("SELECT count(*) FROM d").scalar == "0")
        let value = try conn.withTransaction { tx in try tx.query("SELECT \(5) + 1").scalar }
        #expect(value == "6")
    }

    @Test func aKilledBackendIsATransientConnectionLossAndReconnectWorks() throws {
        let admin = try PostgresConnection(conninfo: try TestPostgres.start().conninfo())
        let pid = conn.backendPID
        try admin.query("SELECT pg_terminate_backend(\(Int(pid)))")
        do {
            try conn.query("SELECT 1")
            Issue.record("query on a killed backend succeeded")
        } catch {
            #expect(error.isTransientDatabaseError)
        }
        try conn.reconnect()
        #expect(try conn.query("SELECT 1").scalar == "1")
        #expect(conn.backendPID != pid)
    }

    @Test func readOnlyTransactionsAreTransient() throws {
        try conn.execute("CREATE TABLE r (x int)")
        try conn.execute("SET default_transaction_read_only = on")
        do {
            try conn.query("INSERT INTO r VALUES (\(1))")
            Issue.record("write accepted in read-only mode")
        } catch let e as PostgresError {
            #expect(e.sqlState == "25006")
            #expect(e.isTransient)
        }
    }
}

@Suite struct CopyTextTests {
    @Test func escapesExactlyTheFourBytesAndWritesNull() {
        var out = CopyText()
        out.append("\\lead\tmid\nand\rend\\")
        out.append(nil)
        out.append("")
        out.append("plain ünïcode")
        out.endRow()
        out.append("\t")
        out.endRow()
        let expected = "\\\\lead\\tmid\\nand\\rend\\\\\t\\N\t\tplain ünïcode\n\\t\n"
        #expect(out.bytes == Array(expected.utf8))
    }

    /// Eight bytes at a time escapes what one byte at a time does, wherever the bytes to escape
    /// fall against the eight-byte steps.
    @Test func escapesAsOneByteAtATimeDoes() {
        var rng = SystemRandomNumberGenerator()
        let pieces = ["a", "b", "\\", "\t", "\n", "\r", "é", "\u{1F600}", " ", "xyzw1234"]
        for _ in 0..<2000 {
            let text = (0..<Int.random(in: 0...40, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
            var expected: [UInt8] = []
            for b in text.utf8 {
                switch b {
                case 0x5C: expected += [0x5C, 0x5C]
                case 0x09: expected += [0x5C, 0x74]
                case 0x0A: expected += [0x5C, 0x6E]
                case 0x0D: expected += [0x5C, 0x72]
                default: expected.append(b)
                }
            }
            var out = CopyText()
            out.append(text)
            #expect(out.bytes == expected, "\(text.debugDescription)")
        }
    }
}

/// Which failures the writer probes for once a second during a long pause (a server that
/// may be back at any moment) and which only wait out the pause (a refused login: probing it
/// every second would lock accounts and flood the server's log).
@Suite struct ServerUnavailableTests {
    @Test func aServerNotThereIsProbedARefusedLoginIsNot() throws {
        func failed(_ message: String) -> PostgresError { PostgresError(code: .connectionFailed, message: message) }
        #expect(failed("connection to server at \"127.0.0.1\", port 6501 failed: Connection refused").isServerUnavailable)
        #expect(failed("port 6501 failed: Connection refused; port 6502 failed: session is read-only").isServerUnavailable)
        #expect(failed("connection to server on socket \"/tmp/x/.s.PGSQL.5432\" failed: No such file or directory").isServerUnavailable)
        #expect(failed("FATAL:  the database system is starting up").isServerUnavailable)
        #expect(failed("timeout expired").isServerUnavailable)
        #expect(!failed("FATAL:  password authentication failed for user \"newsd\"").isServerUnavailable)
        #expect(!failed("FATAL:  no pg_hba.conf entry for host \"10.0.0.5\", user \"newsd\", database \"news\"").isServerUnavailable)
        #expect(!failed("FATAL:  database \"news\" does not exist").isServerUnavailable)
        #expect(!failed("FATAL:  sorry, too many clients already").isServerUnavailable)
        #expect(PostgresError(code: .server, sqlState: "25006", message: "cannot execute INSERT in a read-only transaction").isServerUnavailable)
        #expect(!PostgresError(code: .server, sqlState: "42501", message: "permission denied for table articles").isServerUnavailable)
        #expect(!PostgresError(code: .connectionLost, message: "server closed the connection unexpectedly").isServerUnavailable)
        // A real server that is down.
        let server = try TestPostgres.makePrivate()
        try server.stopServer()
        do {
            _ = try PostgresConnection(conninfo: server.conninfo())
            Issue.record("connected to a stopped server")
        } catch let error as PostgresError {
            #expect(error.isServerUnavailable, "\(error)")
        }
    }
}
