import Configuration
import Foundation
import NewsCore
import NewsProtocol
import NewsSystem
import Synchronization

/// newsd's settings. Each has a documented default; `config/newsd.example.json` lists them all.
///
/// Sources, highest priority first: command-line flags, environment variables (`NEWSD_` then
/// the key in upper snake case, e.g. `NEWSD_PIPELINE_BATCH_SIZE`), the JSON config file, defaults.
public struct NewsdConfig: Sendable, Equatable {
    /// What happens to a file after its article is committed.
    public enum ArchiveMode: String, Sendable {
        /// Move it to a dated folder under `archive.path`.
        case archive
        /// Delete it.
        case delete
    }

    public var stateDirectory: String
    public var inboxPath: String
    public var ignorePatterns: [String]
    public var settleMilliseconds: Int
    public var rescanIntervalMilliseconds: Int
    public var maxFileBytes: Int
    public var spoolPath: String
    public var archiveMode: ArchiveMode
    public var archivePath: String
    public var failedPath: String
    /// libpq connection string or URI; empty means the `PG*` environment variables.
    public var databaseURL: String
    public var connectTimeoutSeconds: Int
    public var workers: Int
    public var batchSize: Int
    public var flushIntervalMilliseconds: Int
    public var maxInFlight: Int
    /// Bytes parsed records may hold while they wait to be written.
    public var maxInFlightBytes: Int
    /// Database connections writing batches in parallel.
    public var writerConnections: Int
    public var retryInitialMilliseconds: Int
    public var retryMaxMilliseconds: Int
    public var junkPatterns: [String]
    /// Longest time parsing one file may take before it fails with `parse_timeout`.
    public var parserMaxSeconds: Double
    public var socketPath: String
    public var socketMode: Int
    /// Group to give the control socket (name or number); empty: the daemon's own group.
    public var socketGroup: String
    /// `HOST:PORT` on a loopback address for HTTP `GET /metrics`; empty: off.
    public var metricsListen: String
    /// Users (names or numbers) besides root and the daemon's own user who may run commands
    /// that change newsd's state.
    public var adminUsers: [String]
    /// A group (name or number) whose members may run those commands too; empty: none.
    public var adminGroup: String
    /// Control connections open at once (admins have a few more).
    public var controlMaxClients: Int
    public var logLevel: String
    public var shutdownTimeoutMilliseconds: Int
    /// Topic model file; empty: no topics and no keywords.
    public var classifierModel: String
    /// Below this probability an article's category is `uncategorized`.
    public var classifierMinConfidence: Double
    /// Entity model file; empty: the built-in rules find the entities.
    public var entitiesModel = ""
    /// Keywords kept per article.
    public var keywordCount: Int
    /// SimHash distance (bits) within which an article is a near-duplicate of an earlier one.
    public var duplicateMaxDistance: Int
    /// Near-duplicates are looked for among the articles stored in the last this many days
    /// (and those stored since start-up); 0: all. Exact duplicates are always found.
    public var duplicateWindowDays = 90
    /// Rows per transaction of the background search rebuild.
    public var searchRebuildBatchSize: Int
    /// How long archived days, failed files and `ingest_log` rows are kept (0: for ever).
    public var retention = RetentionSettings()
    /// Which of the newsd hosts writing to one database this is: recorded in
    /// `ingest_log.instance` and `newsd_instances`, shown by `status`. Default: the host name.
    public var instanceName = NewsdConfig.hostName()

    /// This machine's host name (the short name `gethostname` gives, no DNS look-up), cut to
    /// what `instance.name` allows; "newsd" if it has none.
    public static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "newsd" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let kept = String(name.filter(Self.isInstanceNameCharacter).prefix(Self.maxInstanceNameBytes))
        return kept.isEmpty ? "newsd" : kept
    }

    /// `instance.name`: 1 to 64 characters of letters, digits, ".", "-" and "_" (a host name's).
    public static let maxInstanceNameBytes = 64
    static func isInstanceNameCharacter(_ c: Character) -> Bool {
        c.isASCII && (c.isLetter || c.isNumber || c == "." || c == "-" || c == "_")
    }

    /// The built-in defaults, rooted at `stateDirectory`.
    public static func defaults(stateDirectory: String = "/var/lib/newsd") -> NewsdConfig {
        NewsdConfig(
            stateDirectory: stateDirectory,
            inboxPath: stateDirectory + "/inbox",
            ignorePatterns: [".*", "*.tmp", "*.part", "*~"],
            settleMilliseconds: 1000,
            rescanIntervalMilliseconds: 30_000,
            maxFileBytes: 10 * 1024 * 1024,
            spoolPath: stateDirectory + "/spool",
            archiveMode: .archive,
            archivePath: stateDirectory + "/archive",
            failedPath: stateDirectory + "/failed",
            databaseURL: "",
            connectTimeoutSeconds: 5,
            workers: ProcessInfo.processInfo.activeProcessorCount,
            batchSize: 100,
            flushIntervalMilliseconds: 20,
            maxInFlight: 1024,
            maxInFlightBytes: 256 << 20,
            writerConnections: 2,
            retryInitialMilliseconds: 250,
            retryMaxMilliseconds: 30_000,
            junkPatterns: JunkRules.defaultPatterns,
            parserMaxSeconds: 10,
            socketPath: "/run/newsd/newsd.sock",
            socketMode: 0o660,
            socketGroup: "",
            metricsListen: "",
            adminUsers: [],
            adminGroup: "",
            controlMaxClients: 64,
            logLevel: "info",
            shutdownTimeoutMilliseconds: 15_000,
            classifierModel: "",
            classifierMinConfidence: 0.5,
            keywordCount: 10,
            duplicateMaxDistance: NearDuplicateIndex.defaultMaxDistance,
            searchRebuildBatchSize: SearchRebuilder.defaultBatchSize
        )
    }
}

/// A configuration value that cannot be used; the message names the key and its source.
public struct ConfigLoadError: Error, Sendable, CustomStringConvertible {
    /// The key, as written in the JSON file (`pipeline.batchSize`).
    public var key: String
    /// What is wrong with it.
    public var problem: String

    public var description: String { "invalid configuration: \(key): \(problem)" }
}

extension NewsdConfig {
    /// Loads configuration from `file` (nil: none), the environment and `overrides` (flags).
    ///
    /// An unreadable or malformed file, a value of the wrong type or out of range throws
    /// `ConfigLoadError` naming the key.
    public static func load(
        file: String?,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        overrides: [String: String] = [:]
    ) async throws -> NewsdConfig {
        var providers: [any ConfigProvider] = []
        if !overrides.isEmpty {
            var values: [AbsoluteConfigKey: ConfigValue] = [:]
            for (k, v) in overrides { values[AbsoluteConfigKey(k.split(separator: ".").map(String.init))] = .init(.string(v), isSecret: false) }
            providers.append(InMemoryProvider(name: "flags", values: values))
        }
        providers.append(
            EnvironmentVariablesProvider(
                environmentVariables: environment,
                secretsSpecifier: .specific(["NEWSD_DATABASE_URL"])
            ).prefixKeys(with: "newsd"))
        if let file {
            try checkFile(file)
            do {
                providers.append(try await FileProvider<JSONSnapshot>(filePath: .init(file)))
            } catch {
                throw ConfigLoadError(key: "--config", problem: "cannot read \(file): \(error)")
            }
        }
        let problems = ProblemCollector()
        let reader = ConfigReader(providers: providers, accessReporter: problems)
        let validating = ValidatingReader(reader: reader, problems: problems)
        let config = try Self.read(validating)
        return config
    }

    /// Every setting newsd reads and the kind of value it takes, found by reading the
    /// defaults: what a configuration file may hold.
    static let schema: [String: ValueKind] = {
        let reader = ValidatingReader(reader: ConfigReader(providers: [InMemoryProvider(values: [:])]), problems: ProblemCollector())
        _ = try? read(reader)
        return reader.kinds
    }()

    private static func read(_ r: ValidatingReader) throws -> NewsdConfig {
        let state = try r.string("stateDirectory", default: "/var/lib/newsd")
        var c = NewsdConfig.defaults(stateDirectory: state)
        c.inboxPath = try r.string("inbox.path", default: c.inboxPath)
        c.ignorePatterns = try r.stringArray("inbox.ignore", default: c.ignorePatterns)
        c.settleMilliseconds = try r.int("inbox.settleMs", default: c.settleMilliseconds, in: 0...600_000)
        c.rescanIntervalMilliseconds = try r.int(
            "inbox.rescanIntervalMs", default: c.rescanIntervalMilliseconds, in: 100...86_400_000)
        c.maxFileBytes = try r.int("inbox.maxFileBytes", default: c.maxFileBytes, in: 1...1 << 30)
        c.spoolPath = try r.string("spool.path", default: c.spoolPath)
        let mode = try r.string("archive.mode", default: c.archiveMode.rawValue)
        guard let archiveMode = ArchiveMode(rawValue: mode) else {
            throw ConfigLoadError(key: "archive.mode", problem: "\"\(mode)\" is not one of archive, delete")
        }
        c.archiveMode = archiveMode
        c.archivePath = try r.string("archive.path", default: c.archivePath)
        c.failedPath = try r.string("failed.path", default: c.failedPath)
        c.retention.archiveDays = try r.int("archive.retainDays", default: 0, in: 0...36_500)
        c.retention.failedDays = try r.int("failed.retainDays", default: 0, in: 0...36_500)
        c.retention.ingestLogDays = try r.int("ingestLog.retainDays", default: 0, in: 0...36_500)
        c.databaseURL = try r.string("database.url", default: c.databaseURL, secret: true)
        c.connectTimeoutSeconds = try r.int("database.connectTimeoutSeconds", default: c.connectTimeoutSeconds, in: 1...300)
        let workers = try r.int("pipeline.workers", default: 0, in: 0...256)
        c.workers = workers == 0 ? c.workers : workers
        c.batchSize = try r.int("pipeline.batchSize", default: c.batchSize, in: 1...10_000)
        c.flushIntervalMilliseconds = try r.int("pipeline.flushIntervalMs", default: c.flushIntervalMilliseconds, in: 0...60_000)
        c.maxInFlight = try r.int("pipeline.maxInFlight", default: c.maxInFlight, in: 1...1_000_000)
        c.maxInFlightBytes = try r.int("pipeline.maxInFlightBytes", default: c.maxInFlightBytes, in: 1 << 20...1 << 40)
        c.writerConnections = try r.int("database.writerConnections", default: c.writerConnections, in: 1...16)
        c.retryInitialMilliseconds = try r.int("retry.initialMs", default: c.retryInitialMilliseconds, in: 1...600_000)
        c.retryMaxMilliseconds = try r.int("retry.maxMs", default: c.retryMaxMilliseconds, in: 1...3_600_000)
        if c.retryMaxMilliseconds < c.retryInitialMilliseconds {
            throw ConfigLoadError(key: "retry.maxMs", problem: "must not be less than retry.initialMs (\(c.retryInitialMilliseconds))")
        }
        c.junkPatterns = try r.stringArray("parser.junkPatterns", default: c.junkPatterns)
        c.parserMaxSeconds = try r.double("parser.maxSeconds", default: c.parserMaxSeconds, in: 0.1...3600)
        c.socketPath = try r.string("control.socket", default: c.socketPath)
        let modeText = try r.string("control.mode", default: "0660")
        guard let socketMode = Int(modeText, radix: 8), (0...0o777).contains(socketMode) else {
            throw ConfigLoadError(key: "control.mode", problem: "\"\(modeText)\" is not an octal file mode like 0660")
        }
        c.socketMode = socketMode
        c.socketGroup = try r.string("control.group", default: c.socketGroup)
        c.adminUsers = try r.stringArray("control.adminUsers", default: c.adminUsers)
        c.adminGroup = try r.string("control.adminGroup", default: c.adminGroup)
        c.controlMaxClients = try r.int("control.maxClients", default: c.controlMaxClients, in: 1...100_000)
        c.metricsListen = try r.string("metrics.listen", default: c.metricsListen)
        c.logLevel = try r.string("log.level", default: c.logLevel)
        let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
        guard levels.contains(c.logLevel) else {
            throw ConfigLoadError(key: "log.level", problem: "\"\(c.logLevel)\" is not one of \(levels.joined(separator: ", "))")
        }
        c.shutdownTimeoutMilliseconds = try r.int("shutdown.timeoutMs", default: c.shutdownTimeoutMilliseconds, in: 0...3_600_000)
        c.classifierModel = try r.string("classifier.model", default: c.classifierModel)
        c.classifierMinConfidence = try r.double("classifier.minConfidence", default: c.classifierMinConfidence, in: 0...1)
        c.keywordCount = try r.int("classifier.keywords", default: c.keywordCount, in: 0...100)
        c.entitiesModel = try r.string("entities.model", default: c.entitiesModel)
        if !c.entitiesModel.isEmpty, !c.entitiesModel.hasPrefix("/") {
            throw ConfigLoadError(key: "entities.model", problem: "\"\(c.entitiesModel)\" is not an absolute path")
        }
        c.duplicateMaxDistance = try r.int(
            "duplicates.maxDistance", default: c.duplicateMaxDistance, in: 0...NearDuplicateIndex.maxSupportedDistance)
        c.duplicateWindowDays = try r.int("duplicates.windowDays", default: c.duplicateWindowDays, in: 0...36_500)
        c.searchRebuildBatchSize = try r.int("search.rebuildBatchSize", default: c.searchRebuildBatchSize, in: 10...10_000)
        c.instanceName = try r.string("instance.name", default: c.instanceName)
        guard (1...Self.maxInstanceNameBytes).contains(c.instanceName.utf8.count), c.instanceName.allSatisfy(Self.isInstanceNameCharacter) else {
            throw ConfigLoadError(
                key: "instance.name",
                problem: "\"\(c.instanceName)\" is not 1 to \(Self.maxInstanceNameBytes) letters, digits, \".\", \"-\" or \"_\"")
        }
        if !c.classifierModel.isEmpty, !c.classifierModel.hasPrefix("/") {
            throw ConfigLoadError(key: "classifier.model", problem: "\"\(c.classifierModel)\" is not an absolute path")
        }
        for (key, path) in [
            ("inbox.path", c.inboxPath), ("spool.path", c.spoolPath), ("archive.path", c.archivePath),
            ("failed.path", c.failedPath), ("control.socket", c.socketPath),
        ] where !path.hasPrefix("/") {
            throw ConfigLoadError(key: key, problem: "\"\(path)\" is not an absolute path")
        }
        return c
    }
}

extension NewsdConfig {
    /// The settings that decide a file's fate, as `status` reports them (`newsctl explain`).
    public var intake: StatusReport.IntakeSettings {
        StatusReport.IntakeSettings(
            maxFileBytes: maxFileBytes, parserMaxSeconds: parserMaxSeconds, junkPatterns: junkPatterns,
            classifierModel: classifierModel, classifierMinConfidence: classifierMinConfidence, keywordCount: keywordCount)
    }

    /// This configuration with a running newsd's intake settings.
    public func applying(_ intake: StatusReport.IntakeSettings) -> NewsdConfig {
        var c = self
        c.maxFileBytes = intake.maxFileBytes
        c.parserMaxSeconds = intake.parserMaxSeconds
        c.junkPatterns = intake.junkPatterns
        c.classifierModel = intake.classifierModel
        c.classifierMinConfidence = intake.classifierMinConfidence
        c.keywordCount = intake.keywordCount
        return c
    }

    /// This configuration with what a reload applies taken from `new` (config/README.md marks
    /// these settings reloadable); the rest needs a restart.
    func reloaded(from new: NewsdConfig) -> NewsdConfig {
        var c = applying(new.intake)
        c.maxFileBytes = maxFileBytes  // the spool reads with the limit it started with
        c.batchSize = new.batchSize
        c.flushIntervalMilliseconds = new.flushIntervalMilliseconds
        c.ignorePatterns = new.ignorePatterns
        c.settleMilliseconds = new.settleMilliseconds
        c.logLevel = new.logLevel
        c.retention = new.retention
        c.entitiesModel = new.entitiesModel
        return c
    }
}
