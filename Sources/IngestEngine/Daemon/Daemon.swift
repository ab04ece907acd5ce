import Foundation
import Logging
import NewsCore
import NewsProtocol
import NewsSystem
import ServiceLifecycle

/// newsd: builds the stages, each with the next one it hands work to, and runs them as a
/// service group. The group owns the signals (SIGTERM and SIGINT shut it down, in reverse order
/// of start-up; SIGHUP reloads) and the order of shutdown.
///
///     inbox ──claim──▶ spool ──▶ parse stage ──▶ batch writer ──commit──▶ finisher ──▶ archive / failed/
///       ▲                                                                    │
///       └──────────────────────────── slots freed ◀──────────────────────────┘
public final class Daemon: Sendable {
    private let logger: Logger
    private let slots: Slots
    private let control: ControlServer
    private let metricsHTTP: MetricsHTTPServer?
    private let services: [any Service]
    /// Reads every stage's counters (`newsctl status`).
    public let status: StatusReporter

    /// Prepares the folders and stages; nothing runs until `run()`. `logLevel`, when given, is
    /// the level newsd's log handlers read; a reload sets it from `log.level`. `reload` reads
    /// the configuration again as start-up did.
    public init(
        config: NewsdConfig, logger: Logger, logLevel: LogLevelControl? = nil,
        reload: @escaping @Sendable () async throws -> NewsdConfig
    ) throws {
        self.logger = logger
        let running = RunningConfig(config)
        let spool = try Spool(config: config)
        let moved = spool.moveLegacySidecars()
        if moved > 0 {
            logger.notice("moved failure reasons to the new layout", metadata: ["count": "\(moved)", "to": "\(config.failedPath)/\(Spool.reasonsFolder)"])
        }
        let enricher = try Enricher(config: config)
        if let m = enricher.model {
            logger.notice(
                "topic model loaded",
                metadata: ["path": "\(m.path)", "model_id": "\(m.id)", "labels": "\(m.model.labels.joined(separator: ","))",
                           "languages": "\(m.model.languages.joined(separator: ","))"])
        } else {
            logger.notice("no classifier.model configured: articles are stored without topic or keywords")
        }
        if let m = enricher.entityModel {
            logger.notice("entity model loaded", metadata: ["path": "\(m.path)", "entity_model_id": "\(m.id)"])
        } else {
            logger.notice("no entities.model configured: the built-in rules find people, organizations and places")
        }
        let maxClients = try Self.controlClients(config, logger)
        let policy = try AccessPolicy(adminUsers: config.adminUsers, adminGroup: config.adminGroup)
        let notifier = SystemdNotifier(environment: ProcessInfo.processInfo.environment)
        let readiness = Readiness(notifier: notifier, logger: logger)
        let metrics = NewsdMetrics()
        let stats = IngestStats()
        let slots = Slots(capacity: config.maxInFlight)
        self.slots = slots
        let budget = ByteBudget(capacity: config.maxInFlightBytes)
        let chunkGate = ByteBudget(capacity: ParseStage.maxChunksInFlight)

        // The pipeline, from its end to its start: each stage is built with the next.
        let finisher = Finisher(spool: spool, slots: slots, stats: stats, logger: logger, metrics: metrics, budget: budget, chunkGate: chunkGate)
        // This run of newsd: in the writer sessions (newsd.boot, sent with each NOTIFY), the
        // peer listener (which skips its own) and the instance report.
        let boot = UUID().uuidString
        let writer = BatchWriter(
            config: config, finisher: finisher, stats: stats, logger: logger, metrics: metrics,
            readiness: readiness, boot: boot)
        let parse = ParseStage(
            config: config, parser: DocumentParser(junk: try JunkRules(patterns: config.junkPatterns)), enricher: enricher,
            spool: spool, slots: slots, budget: budget, chunkGate: chunkGate, writer: writer, finisher: finisher, stats: stats,
            metrics: metrics, logger: logger)
        let watcher = InboxWatcher(config: config, spool: spool, slots: slots, budget: budget, stats: stats, logger: logger, parse: parse)

        // Beside the pipeline: what reads it and what commands change.
        let state = RunState()
        let queries = ArticleQueries(conninfo: config.databaseURL, connectTimeoutSeconds: config.connectTimeoutSeconds)
        let follows = FollowHub(queries: queries)
        let reclassifier = Reclassifier(conninfo: config.databaseURL, connectTimeoutSeconds: config.connectTimeoutSeconds, logger: logger)
        let retention = Retention(spool: spool, config: config, logger: logger)
        let rebuilder = SearchRebuilder(
            conninfo: config.databaseURL, connectTimeoutSeconds: config.connectTimeoutSeconds, batchSize: config.searchRebuildBatchSize,
            logger: logger)
        status = StatusReporter(
            config: running, state: state, stats: stats, slots: slots, budget: budget, spool: spool, parse: parse, writer: writer,
            watcher: watcher, reclassifier: reclassifier, rebuilder: rebuilder, metrics: metrics)
        let reloader = Reloader(
            load: reload, config: running, parse: parse, writer: writer, watcher: watcher, retention: retention, logLevel: logLevel,
            readiness: readiness, state: state, status: status, stats: stats, logger: logger)
        let commands = CommandHandler(
            state: state, watcher: watcher, spool: spool, parse: parse, queries: queries, follows: follows,
            reclassifier: reclassifier, reloader: reloader, status: status, logger: logger)
        control = ControlServer(
            path: config.socketPath, mode: config.socketMode, group: config.socketGroup, policy: policy, maxClients: maxClients,
            logger: logger, handler: commands)
        metricsHTTP = config.metricsListen.isEmpty ? nil : try MetricsHTTPServer(listen: config.metricsListen, logger: logger, status: status)

        // Started in this order, stopped in the reverse one: claiming stops first, the parse
        // workers and the writer finish what is claimed, the sockets close last.
        let deadline = ShutdownDeadline(milliseconds: config.shutdownTimeoutMilliseconds)
        services = [
            metricsHTTP.map { MetricsService(server: $0) } as (any Service)?,
            ControlService(server: control, follows: follows),
            InstanceHeartbeatService(
                heartbeat: InstanceHeartbeat(
                    queries: ArticleQueries(
                        conninfo: config.databaseURL, connectTimeoutSeconds: config.connectTimeoutSeconds, statementTimeout: "2s",
                        lockTimeout: "2s"),
                    status: status, boot: boot, logger: logger)),
            FingerprintLoaderService(
                loader: FingerprintLoader(
                    conninfo: config.databaseURL, connectTimeoutSeconds: config.connectTimeoutSeconds,
                    windowDays: config.duplicateWindowDays, tracker: writer.duplicates, logger: logger)),
            PeerFingerprintsService(
                peers: PeerFingerprints(
                    conninfo: config.databaseURL, connectTimeoutSeconds: config.connectTimeoutSeconds, instance: config.instanceName,
                    boot: boot, tracker: writer.duplicates, logger: logger)),
            WriterService(writer: writer, slots: slots, deadline: deadline, logger: logger),
            ParseService(parse: parse, deadline: deadline),
            // Before the inbox, so it stops after it: a reload in progress at SIGTERM finishes
            // while claiming has already stopped.
            HangupReloadService(reloader: reloader),
            ReclassifyService(reclassifier: reclassifier),
            SearchRebuildService(rebuilder: rebuilder),
            InboxService(watcher: watcher, state: state),
            RetentionService(retention: retention),
            SystemdStatusService(notifier: notifier, status: status),
        ].compactMap { $0 }
        drain = DrainService(state: state, status: status, deadline: deadline, logger: logger)
        startMetadata = [
            "version": "\(NewsdVersion.current)", "inbox": "\(config.inboxPath)", "spool": "\(config.spoolPath)",
            "workers": "\(config.workers)", "batch_size": "\(config.batchSize)", "max_in_flight": "\(config.maxInFlight)",
            "writer_connections": "\(config.writerConnections)", "instance": "\(config.instanceName)",
        ]
    }

    private let drain: DrainService
    private let startMetadata: Logger.Metadata

    /// How many control clients the open-file limit leaves room for (`control.maxClients` at most).
    private static func controlClients(_ config: NewsdConfig, _ logger: Logger) throws -> Int {
        let descriptors = DescriptorBudget(
            limit: DescriptorBudget.currentLimit(), workers: config.workers, writerConnections: config.writerConnections)
        guard let maxClients = descriptors.maxClients(configured: config.controlMaxClients) else {
            throw DescriptorLimitError(budget: descriptors, workers: config.workers)
        }
        if maxClients < config.controlMaxClients {
            logger.warning(
                "control.maxClients lowered to fit the open-file limit",
                metadata: ["configured": "\(config.controlMaxClients)", "max_clients": "\(maxClients)", "open_file_limit": "\(descriptors.limit)",
                           "kept_for_newsd": "\(descriptors.ownUse)"])
        }
        return maxClients
    }

    /// Binds the control socket (and the metrics port), then runs the group until SIGTERM,
    /// SIGINT or a finished `newsctl drain`, and returns once every service has stopped.
    public func run() async throws {
        ProcessSignals.ignoreBrokenPipes()
        try control.start()
        try metricsHTTP?.start()
        var configured = services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) }
        // A finished drain shuts the group down as SIGTERM would.
        configured.append(.init(service: drain, successTerminationBehavior: .gracefullyShutdownGroup))
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(services: configured, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        logger.notice("newsd started", metadata: startMetadata)
        try await group.run()
        logger.notice("newsd stopped", metadata: ["claimed_left": "\(slots.snapshot.used)"])
    }

    /// Answers one request line as the control socket would for `peer` (the libFuzzer target
    /// and the unit tests drive this without a socket).
    public func answer(line: Data, peer: PeerCredentials) -> ControlResponse {
        control.answer(line, peer)
    }
}
