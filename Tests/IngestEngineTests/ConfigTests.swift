import Foundation
import Testing

@testable import IngestEngine

@Suite struct ConfigTests {
    func write(_ json: String) throws -> String {
        let path = NSTemporaryDirectory() + "newsd-config-\(UUID().uuidString).json"
        try json.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func defaultsHangOffTheStateDirectory() async throws {
        let c = try await NewsdConfig.load(file: nil, environment: [:], overrides: ["stateDirectory": "/srv/news"])
        #expect(c.inboxPath == "/srv/news/inbox")
        #expect(c.spoolPath == "/srv/news/spool")
        #expect(c.failedPath == "/srv/news/failed")
        #expect(c.archivePath == "/srv/news/archive")
        #expect(c.maxFileBytes == 10 * 1024 * 1024)
        #expect(c.ignorePatterns == [".*", "*.tmp", "*.part", "*~"])
        #expect(c.socketMode == 0o660)
        #expect(c.archiveMode == .archive)
        #expect(c.searchRebuildBatchSize == 500)
    }

    @Test func fileThenEnvironmentThenFlags() async throws {
        let path = try write(#"{"pipeline": {"batchSize": 50, "workers": 3}, "inbox": {"path": "/from/file"}, "archive": {"mode": "delete"}}"#)
        let c = try await NewsdConfig.load(
            file: path, environment: ["NEWSD_PIPELINE_BATCH_SIZE": "70"], overrides: ["inbox.path": "/from/flag"])
        #expect(c.batchSize == 70)
        #expect(c.workers == 3)
        #expect(c.inboxPath == "/from/flag")
        #expect(c.archiveMode == .delete)
    }

    /// `instance.name` defaults to the host name (as `hostname` prints it, cut to what the key
    /// allows) and takes only a host name's characters.
    @Test func instanceNameIsTheHostNameOrAHostLikeName() async throws {
        let c = try await NewsdConfig.load(file: nil, environment: [:])
        let host = try String(contentsOfFile: "/proc/sys/kernel/hostname", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(c.instanceName == String(host.prefix(NewsdConfig.maxInstanceNameBytes)))
        #expect(try await NewsdConfig.load(file: nil, environment: ["NEWSD_INSTANCE_NAME": "ingest-2.eu_west"]).instanceName == "ingest-2.eu_west")
        for bad in ["", "two words", "tab\there", "ünï", "quote'd", String(repeating: "x", count: 65)] {
            do {
                _ = try await NewsdConfig.load(file: nil, environment: ["NEWSD_INSTANCE_NAME": bad])
                Issue.record("accepted instance.name \(bad)")
            } catch let e as ConfigLoadError {
                #expect(e.key == "instance.name")
                #expect(e.problem.contains("letters, digits"))
            }
        }
        #expect(try await NewsdConfig.load(file: nil, environment: ["NEWSD_INSTANCE_NAME": String(repeating: "x", count: 64)]).instanceName.count == 64)
    }

    @Test func wrongTypeNamesTheKey() async throws {
        let path = try write(#"{"pipeline": {"batchSize": "lots"}}"#)
        do {
            _ = try await NewsdConfig.load(file: path, environment: [:])
            Issue.record("loaded a string batch size")
        } catch let e as ConfigLoadError {
            #expect(e.key == "pipeline.batchSize")
        }
    }

    @Test func badEnvironmentValueNamesTheKey() async throws {
        do {
            _ = try await NewsdConfig.load(file: nil, environment: ["NEWSD_INBOX_MAX_FILE_BYTES": "ten"])
            Issue.record("loaded a non-number")
        } catch let e as ConfigLoadError {
            #expect(e.key == "inbox.maxFileBytes")
        }
    }

    @Test func outOfRangeAndBadEnumsNameTheKey() async throws {
        for (json, key) in [
            (#"{"pipeline": {"batchSize": 0}}"#, "pipeline.batchSize"),
            (#"{"archive": {"mode": "shred"}}"#, "archive.mode"),
            (#"{"control": {"mode": "rw"}}"#, "control.mode"),
            (#"{"log": {"level": "loud"}}"#, "log.level"),
            (#"{"inbox": {"path": "relative/inbox"}}"#, "inbox.path"),
            (#"{"retry": {"initialMs": 500, "maxMs": 100}}"#, "retry.maxMs"),
            (#"{"search": {"rebuildBatchSize": 5}}"#, "search.rebuildBatchSize"),
            (#"{"search": {"rebuildBatchSize": 20000}}"#, "search.rebuildBatchSize"),
        ] {
            #expect(try await loadError(json)?.key == key, "for \(json)")
        }
    }

    /// The error loading a file of `json` throws (nil, recorded as an issue, if it loads).
    private func loadError(_ json: String) async throws -> ConfigLoadError? {
        do {
            _ = try await NewsdConfig.load(file: try write(json), environment: [:])
            Issue.record("accepted \(json)")
            return nil
        } catch let e as ConfigLoadError {
            return e
        }
    }

    /// A key newsd does not read is refused with its path and the nearest known key; before,
    /// `pipline` or a setting of another version was silently ignored.
    @Test func unknownKeysAreRefusedWithTheNearestKnownOne() async throws {
        for (json, key, hint) in [
            (#"{"pipline": {"workers": 2}}"#, "pipline", #"did you mean "pipeline"?"#),
            (#"{"pipeline": {"workrs": 2}}"#, "pipeline.workrs", #"did you mean "pipeline.workers"?"#),
            (#"{"control": {"adminGroups": "ops"}}"#, "control.adminGroups", #"did you mean "control.adminGroup"?"#),
            (#"{"inbox": {"path": "/x/inbox", "settle": 5}}"#, "inbox.settle", ""),
        ] {
            let e = try await loadError(json)
            #expect(e?.key == key, "for \(json)")
            #expect(e?.problem.hasPrefix("not a setting newsd knows") == true, "for \(json): \(String(describing: e))")
            #expect(e?.problem.hasSuffix(hint) == true, "for \(json): \(String(describing: e))")
        }
        // A section given a value, not settings.
        let section = try await loadError(#"{"inbox": 5}"#)
        #expect(section?.key == "inbox" && section?.problem.hasPrefix("must be an object of settings (inbox.") == true, "\(String(describing: section))")
    }

    @Test func malformedOrMissingFileIsAnError() async throws {
        let path = try write("{ not json")
        await #expect(throws: ConfigLoadError.self) { try await NewsdConfig.load(file: path, environment: [:]) }
        await #expect(throws: ConfigLoadError.self) { try await NewsdConfig.load(file: "/nonexistent/newsd.json", environment: [:]) }
    }

    @Test func theShippedExampleLoadsAndMatchesTheDefaults() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let example = root.appendingPathComponent("config/newsd.example.json").path
        let c = try await NewsdConfig.load(file: example, environment: [:])
        var expected = NewsdConfig.defaults()
        expected.databaseURL = c.databaseURL
        expected.classifierModel = "/usr/share/newsd/topics-bbc.model"  // the packaged model (deploy/)
        #expect(c == expected)
    }
}
