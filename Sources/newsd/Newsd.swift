import ArgumentParser
import Foundation
import NewsCore
import IngestEngine
import NewsSystem
import Logging
import NewsProtocol
import PostgresClient

/// sysexits(3) codes newsd exits with.
enum ExitCodes {
    static let unavailable: Int32 = 69  // EX_UNAVAILABLE: database or socket not usable
    static let software: Int32 = 70  // EX_SOFTWARE
    static let osError: Int32 = 71  // EX_OSERR: folders cannot be created or opened
    static let config: Int32 = 78  // EX_CONFIG
}

/// Options shared by every newsd subcommand: where the configuration comes from.
struct ConfigOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: ArgumentHelp("JSON configuration file.", discussion: "Default: /etc/newsd/newsd.json when it exists."))
    var config: String?

    @Option(help: "State folder; inbox, spool, archive and failed default to folders under it.")
    var stateDir: String?

    @Option(help: "Inbox folder to watch (inbox.path).")
    var inbox: String?

    @Option(help: "libpq connection string or URI (database.url); default: the PG* environment variables.")
    var databaseURL: String?

    @Option(help: "Control socket path (control.socket).")
    var socket: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (log.level).")
    var logLevel: String?

    var overrides: [String: String] {
        var o: [String: String] = [:]
        if let stateDir { o["stateDirectory"] = absolute(stateDir) }
        if let inbox { o["inbox.path"] = absolute(inbox) }
        if let databaseURL { o["database.url"] = databaseURL }
        if let socket { o["control.socket"] = absolute(socket) }
        if let logLevel { o["log.level"] = logLevel }
        return o
    }

    var configFile: String? {
        if let config { return config }
        return FileManager.default.fileExists(atPath: "/etc/newsd/newsd.json") ? "/etc/newsd/newsd.json" : nil
    }

    func load() async throws -> NewsdConfig {
        do {
            return try await NewsdConfig.load(file: configFile, overrides: overrides)
        } catch let error as ConfigLoadError {
            FileHandle.standardError.write(Data(NewsdLogHandler.fatalLine("newsd: \(error)").utf8))
            throw ExitCode(ExitCodes.config)
        }
    }

    private func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }
}

@main
struct Newsd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "newsd",
        abstract: "News ingestion daemon: turns files dropped in an inbox into articles in PostgreSQL.",
        discussion: """
            Settings come from flags, then NEWSD_* environment variables (e.g. NEWSD_PIPELINE_BATCH_SIZE), \
            then the JSON config file, then defaults; see config/newsd.example.json. \
            Exit codes follow sysexits(3): 69 unavailable, 71 OS error, 78 bad configuration.
            """,
        version: NewsdVersion.current,
        subcommands: [Run.self, Migrate.self, CheckConfig.self],
        defaultSubcommand: Run.self
    )
}

/// A command whose work runs in a task of medium priority (QoS default), started from a plain
/// `main`. An async `main` would run it in a user-initiated task, and libdispatch gives the
/// threads of that class nice -2, which a service without privileges may not take: it would
/// log "Failed to set thread priority for worker thread … errno=13" (EACCES) at every start.
protocol MediumPriorityCommand: ParsableCommand {
    func runAsync() async throws
}

extension MediumPriorityCommand {
    func run() throws {
        let command = UncheckedCommand(command: self)  // used by the task only, while run() waits
        try waitForTask(priority: .medium) { try await command.command.runAsync() }
    }
}

private struct UncheckedCommand<C: MediumPriorityCommand>: @unchecked Sendable {
    let command: C
}

/// The level every handler reads (`log.level`; a reload sets it again).
let logLevelControl = LogLevelControl(.info)

func bootstrapLogging(_ level: String) -> Logger {
    logLevelControl.level = Logger.Level(rawValue: level) ?? .info
    LoggingSystem.bootstrap { label in
        NewsdLogHandler(label: label, level: logLevelControl.level, control: logLevelControl)
    }
    return Logger(label: "newsd")
}

struct Run: MediumPriorityCommand {
    static let configuration = CommandConfiguration(abstract: "Run the daemon (the default).")

    @OptionGroup var options: ConfigOptions

    func runAsync() async throws {
        // A SIGHUP before newsd listens for it (an early `systemctl reload`) would end the
        // process by default; there is nothing to reload yet, so it is ignored.
        signal(SIGHUP, SIG_IGN)
        ProcessMemory.configureForDaemon()
        let config = try await options.load()
        let logger = bootstrapLogging(config.logLevel)
        let options = self.options
        let daemon: Daemon
        do {
            daemon = try Daemon(config: config, logger: logger, logLevel: logLevelControl) {
                try await NewsdConfig.load(file: options.configFile, overrides: options.overrides)
            }
        } catch let error as ConfigLoadError {
            logger.critical("invalid configuration", metadata: ["error": "\(error)"])
            throw ExitCode(ExitCodes.config)
        } catch let error as DescriptorLimitError {
            logger.critical("open-file limit too low", metadata: ["error": "\(error)"])
            throw ExitCode(ExitCodes.config)
        } catch let error as ModelFileError {
            logger.critical("cannot load the topic model named by classifier.model", metadata: ["error": "\(error)"])
            throw ExitCode(ExitCodes.config)
        } catch {
            logger.critical("cannot prepare the inbox and spool folders", metadata: ["error": "\(error)"])
            throw ExitCode(ExitCodes.osError)
        }
        do {
            try await daemon.run()
        } catch {
            logger.critical("cannot start", metadata: ["error": "\(error)"])
            throw ExitCode(ExitCodes.unavailable)
        }
    }
}

struct Migrate: MediumPriorityCommand {
    static let configuration = CommandConfiguration(abstract: "Apply database migrations and exit.")

    @OptionGroup var options: ConfigOptions

    func runAsync() async throws {
        ProcessMemory.configureForDaemon()
        let config = try await options.load()
        let logger = bootstrapLogging(config.logLevel)
        do {
            let conn = try PostgresConnection(conninfo: config.databaseURL, connectTimeoutSeconds: config.connectTimeoutSeconds)
            let applied = try Migrations.migrate(conn, logger: logger)
            print(applied.isEmpty
                ? "schema is up to date (version \(Migrations.latestVersion))"
                : "applied migrations \(applied.map(String.init).joined(separator: ", ")); schema at version \(Migrations.latestVersion)")
        } catch {
            FileHandle.standardError.write(Data(NewsdLogHandler.fatalLine("newsd migrate: \(error)").utf8))
            throw ExitCode(ExitCodes.unavailable)
        }
    }
}

struct CheckConfig: MediumPriorityCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate the configuration and print the effective settings.",
        discussion: """
            Reads the file, NEWSD_* variables and flags as `newsd run` would, refuses unknown keys, \
            and checks what start-up would: the junk patterns compile, the topic model loads, \
            metrics.listen is a loopback HOST:PORT. Exit 0 when newsd would start with it, 78 \
            when not (every problem listed, each naming its key).
            """)

    @OptionGroup var options: ConfigOptions

    @Flag(help: "Print JSON: {\"ok\": true, \"file\": …, \"settings\": {…}} or {\"ok\": false, \"errors\": [{\"key\", \"problem\"}]}.")
    var json = false

    struct Outcome: Encodable {
        var ok: Bool
        var file: String?
        var settings: [String: String]?
        var errors: [Problem]?
        struct Problem: Encodable { var key: String; var problem: String }
    }

    func runAsync() async throws {
        let file = options.configFile
        var problems: [ConfigLoadError] = []
        var config: NewsdConfig?
        do {
            config = try await NewsdConfig.load(file: file, overrides: options.overrides)
        } catch let error as ConfigLoadError {
            problems.append(error)
        }
        if let config { problems += config.problems() }
        let settings = config?.effectiveSettings ?? []
        if json {
            let outcome = Outcome(
                ok: problems.isEmpty, file: file,
                settings: problems.isEmpty ? Dictionary(settings.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a }) : nil,
                errors: problems.isEmpty ? nil : problems.map { Outcome.Problem(key: $0.key, problem: $0.problem) })
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(outcome), as: UTF8.self))
        } else if problems.isEmpty {
            print("configuration: \(file ?? "(no file: defaults, NEWSD_* variables and flags)")")
            for (k, v) in settings { print("\(k) = \(v)") }
        } else {
            for p in problems { FileHandle.standardError.write(Data(NewsdLogHandler.fatalLine("newsd: \(p)").utf8)) }
        }
        if !problems.isEmpty { throw ExitCode(ExitCodes.config) }
    }
}
