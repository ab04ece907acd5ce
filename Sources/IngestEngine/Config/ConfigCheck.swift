import Foundation
import NewsCore
import NewsSystem

extension NewsdConfig {
    /// What `newsd check-config` checks beyond the values' types and ranges, by doing what
    /// start-up would do with them: the junk patterns compile, the topic model file loads,
    /// the users and groups named in `control.*` exist, `metrics.listen` is a loopback
    /// HOST:PORT. Every problem, each naming its key.
    public func problems() -> [ConfigLoadError] {
        var found: [ConfigLoadError] = []
        do {
            _ = try JunkRules(patterns: junkPatterns)
        } catch {
            found.append(ConfigLoadError(key: "parser.junkPatterns", problem: "\(error)"))
        }
        if !classifierModel.isEmpty {
            do {
                _ = try LoadedModel(path: classifierModel)
            } catch {
                found.append(ConfigLoadError(key: "classifier.model", problem: error.message))
            }
        }
        if !entitiesModel.isEmpty {
            do {
                _ = try LoadedEntityModel(path: entitiesModel)
            } catch {
                found.append(ConfigLoadError(key: "entities.model", problem: error.message))
            }
        }
        do {
            _ = try AccessPolicy(adminUsers: adminUsers, adminGroup: adminGroup)
        } catch let error as ConfigLoadError {
            found.append(error)
        } catch {
            found.append(ConfigLoadError(key: "control.adminUsers", problem: "\(error)"))
        }
        if !socketGroup.isEmpty, UInt32(socketGroup) == nil, UserDatabase.groupID(named: socketGroup) == nil {
            found.append(ConfigLoadError(key: "control.group", problem: "no group named \"\(socketGroup)\""))
        }
        if !metricsListen.isEmpty {
            do {
                _ = try MetricsHTTPServer.address(metricsListen)
            } catch {
                found.append(error)
            }
        }
        return found
    }

    /// The effective settings as `check-config` prints them: every key, the database URL
    /// withheld (it may hold a password).
    public var effectiveSettings: [(key: String, value: String)] {
        [
            ("stateDirectory", stateDirectory),
            ("inbox.path", inboxPath), ("inbox.ignore", ignorePatterns.joined(separator: " ")),
            ("inbox.settleMs", "\(settleMilliseconds)"), ("inbox.rescanIntervalMs", "\(rescanIntervalMilliseconds)"),
            ("inbox.maxFileBytes", "\(maxFileBytes)"), ("spool.path", spoolPath),
            ("archive.mode", archiveMode.rawValue), ("archive.path", archivePath),
            ("archive.retainDays", "\(retention.archiveDays)"),
            ("failed.path", failedPath), ("failed.retainDays", "\(retention.failedDays)"),
            ("database.url", databaseURL.isEmpty ? "(empty: PG* environment, or the local server's socket)" : "(set, not shown)"),
            ("database.connectTimeoutSeconds", "\(connectTimeoutSeconds)"),
            ("database.writerConnections", "\(writerConnections)"),
            ("ingestLog.retainDays", "\(retention.ingestLogDays)"),
            ("pipeline.workers", "\(workers)"), ("pipeline.batchSize", "\(batchSize)"),
            ("pipeline.flushIntervalMs", "\(flushIntervalMilliseconds)"), ("pipeline.maxInFlight", "\(maxInFlight)"),
            ("pipeline.maxInFlightBytes", "\(maxInFlightBytes)"),
            ("retry.initialMs", "\(retryInitialMilliseconds)"), ("retry.maxMs", "\(retryMaxMilliseconds)"),
            ("parser.junkPatterns", "\(junkPatterns.count) patterns"), ("parser.maxSeconds", "\(parserMaxSeconds)"),
            ("classifier.model", classifierModel.isEmpty ? "(none)" : classifierModel),
            ("classifier.minConfidence", "\(classifierMinConfidence)"), ("classifier.keywords", "\(keywordCount)"),
            ("entities.model", entitiesModel.isEmpty ? "(none: the built-in rules)" : entitiesModel),
            ("duplicates.maxDistance", "\(duplicateMaxDistance)"),
            ("duplicates.windowDays", "\(duplicateWindowDays)"), ("search.rebuildBatchSize", "\(searchRebuildBatchSize)"),
            ("control.socket", socketPath), ("control.mode", String(socketMode, radix: 8)),
            ("control.group", socketGroup.isEmpty ? "(newsd's own)" : socketGroup),
            ("control.adminUsers", adminUsers.joined(separator: " ")), ("control.adminGroup", adminGroup),
            ("control.maxClients", "\(controlMaxClients)"),
            ("metrics.listen", metricsListen.isEmpty ? "(off)" : metricsListen),
            ("log.level", logLevel), ("shutdown.timeoutMs", "\(shutdownTimeoutMilliseconds)"),
        ]
    }
}
