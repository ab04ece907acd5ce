import Logging
import NewsCore
import NewsSystem
import ServiceLifecycle
import UnixSignals

/// Applies a new configuration without a restart (SIGHUP, `systemctl reload`, `newsctl reload`):
/// junk patterns, the topic model, batching, ignore rules, settle time, log level and retention.
/// Anything else that changed is named in the log as needing a restart. If the new file or
/// model is refused, the running configuration stays.
public final class Reloader: Sendable {
    private let load: @Sendable () async throws -> NewsdConfig
    private let config: RunningConfig
    private let parse: ParseStage
    private let writer: BatchWriter
    private let watcher: InboxWatcher
    private let retention: Retention
    private let logLevel: LogLevelControl?
    private let readiness: Readiness
    private let state: RunState
    private let status: StatusReporter
    private let stats: IngestStats
    private let logger: Logger

    /// `load` reads the configuration as start-up did (file, environment, flags).
    init(
        load: @escaping @Sendable () async throws -> NewsdConfig, config: RunningConfig, parse: ParseStage, writer: BatchWriter,
        watcher: InboxWatcher, retention: Retention, logLevel: LogLevelControl?, readiness: Readiness, state: RunState,
        status: StatusReporter, stats: IngestStats, logger: Logger
    ) {
        self.load = load
        self.config = config
        self.parse = parse
        self.writer = writer
        self.watcher = watcher
        self.retention = retention
        self.logLevel = logLevel
        self.readiness = readiness
        self.state = state
        self.status = status
        self.stats = stats
        self.logger = logger
    }

    /// Settings that only a restart applies, by key.
    private static let restartKeys: [(String, @Sendable (NewsdConfig, NewsdConfig) -> Bool)] = [
        ("inbox.path", { $0.inboxPath != $1.inboxPath }), ("spool.path", { $0.spoolPath != $1.spoolPath }),
        ("database.url", { $0.databaseURL != $1.databaseURL }), ("control.socket", { $0.socketPath != $1.socketPath }),
        ("pipeline.workers", { $0.workers != $1.workers }), ("pipeline.maxInFlight", { $0.maxInFlight != $1.maxInFlight }),
        ("database.writerConnections", { $0.writerConnections != $1.writerConnections }),
        ("duplicates.maxDistance", { $0.duplicateMaxDistance != $1.duplicateMaxDistance }),
        ("duplicates.windowDays", { $0.duplicateWindowDays != $1.duplicateWindowDays }),
        ("search.rebuildBatchSize", { $0.searchRebuildBatchSize != $1.searchRebuildBatchSize }),
        ("control.adminUsers", { $0.adminUsers != $1.adminUsers }), ("control.adminGroup", { $0.adminGroup != $1.adminGroup }),
        ("control.maxClients", { $0.controlMaxClients != $1.controlMaxClients }), ("control.mode", { $0.socketMode != $1.socketMode }),
        ("control.group", { $0.socketGroup != $1.socketGroup }), ("metrics.listen", { $0.metricsListen != $1.metricsListen }),
    ]

    /// Reloads; returns why it failed, or nil.
    @discardableResult
    func reload() async -> String? {
        // The service manager hears RELOADING=1 and READY=1 only while newsd is ready and not
        // stopping: before its first READY=1 a reload must not announce readiness, and after
        // STOPPING=1 nothing may take it back.
        let announce = readiness.isSent && state.current != .stopping
        if announce { readiness.notifier.reloading() }
        defer { if announce && state.current != .stopping { readiness.notifier.notify("READY=1\nSTATUS=\(status.line())") } }
        do {
            let new = try await load()
            let old = config.current
            let junk = try JunkRules(patterns: new.junkPatterns)
            let enricher = try Enricher(config: new)
            parse.reconfigure(parser: DocumentParser(junk: junk), enricher: enricher, maxSeconds: new.parserMaxSeconds)
            if let m = enricher.model {
                logger.notice("topic model loaded", metadata: ["path": "\(m.path)", "model_id": "\(m.id)", "labels": "\(m.model.labels.joined(separator: ","))"])
            }
            if let m = enricher.entityModel {
                logger.notice("entity model loaded", metadata: ["path": "\(m.path)", "entity_model_id": "\(m.id)"])
            }
            writer.reconfigure(batchSize: new.batchSize, flushIntervalMilliseconds: new.flushIntervalMilliseconds)
            watcher.reconfigure(ignorePatterns: new.ignorePatterns, settleMilliseconds: new.settleMilliseconds)
            if let level = Logger.Level(rawValue: new.logLevel) { logLevel?.level = level }
            retention.update(new.retention)
            config.replace(with: old.reloaded(from: new))
            let needRestart = Self.restartKeys.filter { $0.1(old, new) }.map(\.0)
            logger.notice(
                "configuration reloaded",
                metadata: needRestart.isEmpty ? [:] : ["needs_restart": "\(needRestart.joined(separator: ","))"])
        } catch {
            logger.error("configuration reload failed; keeping the running configuration", metadata: ["error": "\(error)"])
            stats.recordError("reload failed: \(error)")
            return "\(error)"
        }
        return nil
    }
}

/// SIGHUP reloads, one reload at a time, until the group shuts down.
struct HangupReloadService: Service {
    let reloader: Reloader

    func run() async throws {
        for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
            await reloader.reload()
        }
    }
}

extension Enricher {
    /// The enricher the configuration asks for, reading the model file if one is named.
    public init(config: NewsdConfig) throws(ModelFileError) {
        let model = config.classifierModel.isEmpty ? nil : try LoadedModel(path: config.classifierModel)
        let entities = config.entitiesModel.isEmpty ? nil : try LoadedEntityModel(path: config.entitiesModel)
        self.init(model: model, minConfidence: config.classifierMinConfidence, keywordCount: config.keywordCount, entityModel: entities)
    }
}
