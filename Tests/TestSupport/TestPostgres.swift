import Foundation
import PostgresClient
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A private PostgreSQL server for tests: initdb and pg_ctl in a temporary folder, listening
/// only on a Unix socket there. PostgreSQL refuses to run as root, so when the tests run as
/// root the server runs as the `postgres` user (created by Debian's postgresql package).
///
/// One server is started per test process, on first use, and stopped when the process exits.
/// Each test creates its own database, so tests can run in parallel.
public final class TestPostgres: Sendable {
    /// The folder holding the data directory, the socket and the log.
    public let root: String
    /// The socket directory (libpq's `host`).
    public let socketDir: String
    /// The port number (part of the socket file's name).
    public let port: Int
    private let binDir: String
    private let runAs: String?
    private let counter = Mutex(0)
    private let isPrivate = Mutex(false)

    private static let shared = Mutex<Result<TestPostgres, TestPostgresError>?>(nil)

    /// The process's server, started on first call.
    public static func start() throws -> TestPostgres {
        try shared.withLock { cached in
            if let cached { return try cached.get() }
            let result: Result<TestPostgres, TestPostgresError>
            do {
                let server = try TestPostgres()
                atexit { TestPostgres.stopShared() }
                result = .success(server)
            } catch let e as TestPostgresError {
                result = .failure(e)
            } catch {
                result = .failure(TestPostgresError(message: "\(error)"))
            }
            cached = result
            return try result.get()
        }
    }

    /// A server of its own, for tests that stop and start it; stopped when released.
    public static func makePrivate() throws -> TestPostgres {
        let server = try TestPostgres()
        server.isPrivate.withLock { $0 = true }
        return server
    }

    deinit {
        if isPrivate.withLock({ $0 }) {
            _ = try? pgctl(["stop", "-m", "immediate"])
            try? FileManager.default.removeItem(atPath: root)
        }
    }

    private static func stopShared() {
        if case .success(let server)? = shared.withLock({ $0 }) {
            _ = try? server.pgctl(["stop", "-m", "immediate"])
            try? FileManager.default.removeItem(atPath: server.root)
        }
    }

    private init() throws {
        binDir = try Self.findBinDir()
        runAs = geteuid() == 0 ? "postgres" : nil
        var template = Array("/tmp/newsd-pg-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw TestPostgresError(message: "mkdtemp failed") }
        root = String(cString: made)
        // Others may reach the socket (tests that run newsd as another user); the data folder
        // inside stays 0700, as PostgreSQL requires.
        chmod(root, 0o711)
        socketDir = root
        port = 5432
        if let runAs {
            guard let pw = getpwnam(runAs) else {
                throw TestPostgresError(message: "running as root but there is no '\(runAs)' user to run PostgreSQL (apt-get install postgresql)")
            }
            chown(root, pw.pointee.pw_uid, pw.pointee.pw_gid)
        }
        try run(binDir + "/initdb", ["-D", root + "/data", "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync", "--locale=C"])
        try pgctl([
            "start", "-w", "-t", "60", "-l", root + "/postgres.log",
            "-o", "-k \(root) -p \(port) -c listen_addresses='' -c fsync=off -c max_connections=200 -c shared_buffers=128MB"
                + Self.extraOptions,
        ])
    }

    /// Stops the server (fast shutdown), for outage tests.
    public func stopServer() throws { try pgctl(["stop", "-w", "-m", "fast"]) }

    /// More server options from `NEWSD_TEST_PG_OPTIONS` (e.g. `-c shared_buffers=1GB`), for
    /// benchmarks and investigations.
    static var extraOptions: String {
        ProcessInfo.processInfo.environment["NEWSD_TEST_PG_OPTIONS"].map { " " + $0 } ?? ""
    }

    /// Stops the server as a crash would (immediate mode: open transactions are lost).
    public func crashServer() throws { try pgctl(["stop", "-w", "-m", "immediate"]) }

    /// Starts it again after `stopServer()`.
    public func startServer() throws {
        try pgctl([
            "start", "-w", "-t", "60", "-l", root + "/postgres.log",
            "-o", "-k \(root) -p \(port) -c listen_addresses='' -c fsync=off -c max_connections=200" + Self.extraOptions,
        ])
    }

    /// A libpq connection string for `database`.
    public func conninfo(database: String = "postgres") -> String {
        "host=\(socketDir) port=\(port) user=postgres dbname=\(database)"
    }

    /// Creates a new, empty database and returns its connection string.
    public func createDatabase(prefix: String = "t") throws -> String {
        let n = counter.withLock { c -> Int in
            c += 1
            return c
        }
        let name = "\(prefix)_\(getpid())_\(n)"
        let admin = try PostgresConnection(conninfo: conninfo())
        try admin.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"))
        return conninfo(database: name)
    }

    @discardableResult
    private func pgctl(_ args: [String]) throws -> String {
        try run(binDir + "/pg_ctl", ["-D", root + "/data"] + args)
    }

    @discardableResult
    private func run(_ tool: String, _ args: [String]) throws -> String {
        let result = runAs.map { user in
            Result { try runCommand("/usr/sbin/runuser", ["-u", user, "--", tool] + args) }
        } ?? Result { try runCommand(tool, args) }
        let r = try result.get()
        guard r.status == 0 else {
            throw TestPostgresError(message: "\(tool) \(args.joined(separator: " ")) failed (\(r.status)): \(r.output)")
        }
        return r.output
    }

    private static func findBinDir() throws -> String {
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        for v in versions.sorted(by: { (Int($0) ?? 0) > (Int($1) ?? 0) }) {
            let dir = "/usr/lib/postgresql/\(v)/bin"
            if FileManager.default.isExecutableFile(atPath: dir + "/initdb") { return dir }
        }
        throw TestPostgresError(message: "no PostgreSQL server found under /usr/lib/postgresql (apt-get install postgresql)")
    }
}

/// The test server could not be started.
public struct TestPostgresError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { "test PostgreSQL: \(message)" }
}
