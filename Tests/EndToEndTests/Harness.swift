import Foundation
import NewsProtocol
import PostgresClient
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The folder holding the built `newsd` and `newsctl` (the test bundle's own folder).
let binDir: String = {
    if let dir = ProcessInfo.processInfo.environment["NEWSD_BIN_DIR"] { return dir }
    let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    return (exe as NSString).deletingLastPathComponent
}()

/// Waits until `condition` holds, polling; returns false if `seconds` pass first. A liveness
/// bound, not a timing assertion: generous on purpose.
func eventually(_ seconds: Double = 30, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        usleep(20_000)
    }
    return try condition()
}

/// A newsd process on a temporary state folder and its own database.
final class NewsdInstance {
    let state: String
    let socket: String
    let databaseURL: String
    let log: String
    private(set) var pid: pid_t = 0

    init(databaseURL: String) throws {
        var template = Array("/tmp/newsd-e2e-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw TestPostgresError(message: "mkdtemp") }
        state = String(cString: made)
        socket = state + "/newsd.sock"
        log = state + "/newsd.log"
        self.databaseURL = databaseURL
    }

    var inbox: String { state + "/inbox" }
    var spool: String { state + "/spool" }
    var failed: String { state + "/failed" }
    var archive: String { state + "/archive" }

    /// Starts newsd and waits until its control socket answers.
    /// `wrapper` runs newsd through a command that execs it (`prlimit --nofile=64:64`).
    /// Starts newsd and waits until it answers. `whileStarting` runs once it is spawned, before that.
    func start(
        _ extra: [String] = [], environment: [String: String] = [:], uid: UInt32? = nil, wrapper: [String] = [],
        whileStarting: (pid_t) -> Void = { _ in }
    ) throws {
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        let args = ["run", "--state-dir", state, "--socket", socket, "--database-url", databaseURL] + extra
        if let uid {
            // As another user (root only): setpriv execs newsd, so `pid` is newsd's own.
            let bin = state + "/bin"
            if !FileManager.default.fileExists(atPath: bin + "/newsd") {
                try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
                _ = try runCommand("/bin/cp", [binDir + "/newsd", bin + "/newsd"])
            }
            _ = try runCommand("/bin/chown", ["-R", "\(uid):\(uid)", state])
            chmod(state, 0o755)
            pid = try spawn(
                "/usr/bin/setpriv", ["--reuid=\(uid)", "--regid=\(uid)", "--clear-groups", "--", bin + "/newsd"] + args,
                environment: env, output: log)
        } else if let tool = wrapper.first {
            pid = try spawn(tool, Array(wrapper.dropFirst()) + [binDir + "/newsd"] + args, environment: env, output: log)
        } else {
            pid = try spawn(binDir + "/newsd", args, environment: env, output: log)
        }
        whileStarting(pid)
        // Answering (healthy, or with a problem such as the database not reached yet) and past
        // `starting`: the inbox is watched.
        let up = eventually { ((try? status())?.state).map { $0 != .starting } ?? false }
        guard up else { throw TestPostgresError(message: "newsd did not come up; log:\n\(logText)") }
    }

    /// Sends `signal` and waits for the process; returns its exit status.
    @discardableResult
    func stop(_ signal: Int32 = SIGTERM) -> Int32 {
        guard pid > 0 else { return -1 }
        kill(pid, signal)
        let status = waitFor(pid)
        pid = 0
        return status
    }

    func newsctl(_ args: [String]) throws -> CommandResult {
        try runCommand(binDir + "/newsctl", args + ["--socket", socket])
    }

    func status() throws -> StatusReport {
        let r = try newsctl(["status", "--json"])
        guard r.status == 0 || r.status == 1 else { throw TestPostgresError(message: "newsctl status failed: \(r.output)") }
        return try JSONDecoder().decode(StatusReport.self, from: Data(r.output.utf8))
    }

    var logText: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }

    /// Drops a file the way a careful scraper does: written under a temporary name, renamed in.
    func drop(_ name: String, _ bytes: [UInt8]) throws {
        let tmp = inbox + "/." + name + ".tmp"
        try Data(bytes).write(to: URL(fileURLWithPath: tmp))
        guard rename(tmp, inbox + "/" + name) == 0 else { throw TestPostgresError(message: "rename failed") }
    }

    func files(in dir: String) -> [String] {
        let e = FileManager.default.enumerator(atPath: dir)
        var out: [String] = []
        while let p = e?.nextObject() as? String {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: dir + "/" + p, isDirectory: &isDir), !isDir.boolValue { out.append(p) }
        }
        return out.sorted()
    }

    deinit {
        if pid > 0 { stop(SIGKILL) }
        try? FileManager.default.removeItem(atPath: state)
    }
}

