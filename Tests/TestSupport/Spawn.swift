import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The result of a finished command.
public struct CommandResult: Sendable {
    /// Exit status (128 + signal if it was killed).
    public var status: Int32
    /// Standard output and standard error, interleaved.
    public var output: String
}

/// Runs `path` with `args` to completion, with posix_spawn and waitpid. Output goes through a
/// temporary file, not a pipe, so a daemon the command leaves behind (pg_ctl start) cannot
/// hold the output open and hang the caller.
public func runCommand(_ path: String, _ args: [String], environment: [String: String]? = nil) throws -> CommandResult {
    let outPath = NSTemporaryDirectory() + "newsd-cmd-\(UUID().uuidString).out"
    defer { unlink(outPath) }
    let pid = try spawn(path, args, environment: environment, output: outPath)
    let status = waitFor(pid)
    let output = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
    return CommandResult(status: status, output: output)
}

/// Starts `path` in the background; output is appended to `output` (or /dev/null).
public func spawn(_ path: String, _ args: [String], environment: [String: String]? = nil, output: String? = nil) throws -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, output ?? "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0o644)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    let argv = ([path] + args).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    let env = (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { env.forEach { free($0) } }
    // The child starts as from a shell: no signal blocked, every signal's default action (a
    // test thread's mask would be inherited, and pg_autoctl's services then ignore SIGINT).
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var none = sigset_t()
    var all = sigset_t()
    sigemptyset(&none)
    sigfillset(&all)
    posix_spawnattr_setsigmask(&attributes, &none)
    posix_spawnattr_setsigdefault(&attributes, &all)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, path, &actions, &attributes, argv, env)
    guard rc == 0 else {
        throw TestPostgresError(message: "posix_spawn \(path): \(String(cString: strerror(rc)))")
    }
    return pid
}

/// Waits for `pid` and returns its exit status (128 + signal number if killed).
public func waitFor(_ pid: pid_t) -> Int32 {
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    if status & 0x7F == 0 { return (status >> 8) & 0xFF }
    return 128 + (status & 0x7F)
}
