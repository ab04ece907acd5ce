import Foundation
import Testing
import TestSupport

/// deploy/monitoring against a running newsd: promtool accepts its /metrics text, the alert
/// rules and their unit tests pass, and every metric the rules and the dashboard name is one
/// newsd exports (a renamed metric would leave an alert that never fires).
@Suite struct MonitoringTests {
    static let promtool = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let monitoring = repositoryRoot.appendingPathComponent("deploy/monitoring").path

    @Test func metricsHaveHelpBuildInfoAndProcessGaugesAndPassPromtool() throws {
        let (newsd, _, port, _) = try startWithMetrics(portOffset: 7)
        let response = try httpGet(port: port, path: "/metrics")
        let text = String(response[response.range(of: "\r\n\r\n")!.upperBound...])

        // Every family has a HELP line, and the values a dashboard needs are there.
        let families = Set(text.split(separator: "\n").compactMap { line -> String? in
            line.hasPrefix("# TYPE ") ? String(line.split(separator: " ")[2]) : nil
        })
        let helped = Set(text.split(separator: "\n").compactMap { line -> String? in
            line.hasPrefix("# HELP ") ? String(line.split(separator: " ")[2]) : nil
        })
        #expect(families.count >= 15, "\(families.sorted())")
        #expect(families == helped, "without HELP: \(families.subtracting(helped).sorted())")
        #expect(text.contains(#"newsd_build_info{version="0.1.0",protocol="1"} 1"#) || text.contains(#"newsd_build_info{protocol="1",version="0.1.0"} 1"#), "\(text)")
        #expect(text.contains(#"newsd_files_total{outcome="ingested"} 1"#))
        let value = { (name: String) -> Double? in
            text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ")[1]) }
        }
        let rss = try #require(value("process_resident_memory_bytes"))
        #expect(rss > 1_000_000 && rss < 4_000_000_000)
        let fds = try #require(value("process_open_fds")), limit = try #require(value("process_max_fds"))
        #expect(fds >= 5 && fds < limit)
        let start = try #require(value("process_start_time_seconds"))
        #expect(abs(start - Date().timeIntervalSince1970) < 600, "start time \(start)")
        #expect(try #require(value("process_threads")) >= 2)
        #expect(try #require(value("process_cpu_seconds_total")) > 0)

        guard let promtool = Self.promtool else {
            #expect(ProcessInfo.processInfo.environment["CI"] != "true", "promtool is missing; scripts/install-deps installs it (Debian's prometheus package)")
            print("MonitoringTests: skipped the promtool checks: promtool is not installed (apt install prometheus)")
            return
        }
        let file = newsd.state + "/metrics.txt"
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        let check = try runCommand("/bin/sh", ["-c", "'\(promtool)' check metrics < '\(file)'"])
        #expect(check.status == 0, "\(check.output)")
        #expect(check.output.isEmpty, "promtool's lint: \(check.output)")
        let rules = try runCommand(promtool, ["check", "rules", Self.monitoring + "/newsd-alerts.yml"])
        #expect(rules.status == 0 && rules.output.contains("SUCCESS: 8 rules found"), "\(rules.output)")
        let unit = try runCommand("/bin/sh", ["-c", "cd '\(Self.monitoring)' && '\(promtool)' test rules newsd-alerts.test.yml"])
        #expect(unit.status == 0 && unit.output.contains("SUCCESS"), "\(unit.output)")

        // Each metric named by a rule or a panel is exported (histograms by their _bucket,
        // _sum and _count series; `up` is Prometheus's own).
        var named = Set<String>()
        for source in ["newsd-alerts.yml", "newsd-dashboard.json"] {
            let body = try String(contentsOfFile: Self.monitoring + "/" + source, encoding: .utf8)
            let pattern = try NSRegularExpression(pattern: #"\b((?:newsd|process)_[a-z_]+)\b"#)
            for m in pattern.matches(in: body, range: NSRange(body.startIndex..., in: body)) {
                named.insert(String(body[Range(m.range(at: 1), in: body)!]))
            }
        }
        let exported = { (name: String) in
            families.contains(name) || ["_bucket", "_sum", "_count"].contains { name.hasSuffix($0) && families.contains(String(name.dropLast($0.count))) }
        }
        #expect(named.count >= 12, "\(named.sorted())")
        #expect(named.filter { !exported($0) }.isEmpty, "named but not exported: \(named.filter { !exported($0) }.sorted())")
        let dashboard = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.monitoring + "/newsd-dashboard.json"))) as? [String: Any]
        #expect((dashboard?["panels"] as? [Any])?.count == 10)
    }
}

/// `newsd check-config`: every problem in words, naming its key, without the configuration
/// library's or Foundation's internals; `--json` for scripts; exit 78 or 0.
@Suite struct CheckConfigTests {
    func check(_ body: String, json: Bool = false, env: [String: String]? = nil) throws -> CommandResult {
        let dir = NSTemporaryDirectory() + "newsd-check-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try body.write(toFile: dir + "/newsd.json", atomically: true, encoding: .utf8)
        return try runCommand(binDir + "/newsd", ["check-config", "--config", dir + "/newsd.json"] + (json ? ["--json"] : []), environment: env)
    }

    @Test func problemsAreNamedInWordsWithTheirKeys() throws {
        let cases: [(String, String)] = [
            (#"{"pipeline": {"workers": "many"}}"#, "pipeline.workers: must be a whole number, not a string (in "),
            (#"{"parser": {"maxSeconds": "slow"}}"#, "parser.maxSeconds: must be a number, not a string (in "),
            (#"{"pipeline": {"#, "is not valid JSON: Unexpected end of file"),
            (#"[1, 2]"#, "must hold a JSON object"),
            (#"{"pipline": {"workers": 2}}"#, #"pipline: not a setting newsd knows"#),
            (#"{"archive": {"retainDays": -1}}"#, "archive.retainDays: -1 is out of range 0...36500"),
            (#"{"classifier": {"model": "/nonexistent/topics.model"}}"#, "classifier.model: cannot read /nonexistent/topics.model"),
            (#"{"metrics": {"listen": "0.0.0.0:9464"}}"#, #"metrics.listen: "0.0.0.0" is not a loopback address"#),
            (#"{"parser": {"junkPatterns": ["(unclosed"]}}"#, "parser.junkPatterns:"),
            // Values of the wrong kind that the configuration library would take or skip.
            (#"{"archive": {"retainDays": true}}"#, "archive.retainDays: must be a whole number, not true"),
            (#"{"database": {"url": {"x": "postgres://h/db"}}}"#, "database.url: must be a string, not an object"),
            (#"{"inbox": {"ignore": ["*.tmp", 1]}}"#, "inbox.ignore: must be a list of strings; item 2 is the number 1"),
            (#"{"database": [1, 2]}"#, "database: must be an object of settings"),
            (#"{"control": {"adminGroup": "no-such-group-here"}}"#, #"control.adminGroup: no group named "no-such-group-here""#),
        ]
        for (body, expected) in cases {
            let r = try check(body)
            #expect(r.status == 78, "\(body): \(r.status) \(r.output)")
            #expect(r.output.contains(expected), "\(body): \(r.output)")
            for leak in ["NSCocoaErrorDomain", "FileProvider", "KeyMapping", "JSONSnapshot", "Error Domain"] {
                #expect(!r.output.contains(leak), "\(body): \(r.output)")
            }
        }
        #expect(try check(#"{"pipline": {"workers": 2}}"#).output.contains(#"did you mean "pipeline"?"#))
        // Not a regular file (a FIFO would block a reader), or too big to be a configuration.
        let dir = try runCommand(binDir + "/newsd", ["check-config", "--config", NSTemporaryDirectory()])
        #expect(dir.status == 78 && dir.output.contains("is not a regular file"), "\(dir.output)")
        let big = try check("{" + String(repeating: " ", count: 1 << 20) + "}")
        #expect(big.status == 78 && big.output.contains("a configuration file is at most 1 MiB"), "\(big.output)")
        // Values from the environment say so.
        let env = try check("{}", env: ["NEWSD_PIPELINE_BATCH_SIZE": "lots", "PATH": "/usr/bin:/bin"])
        #expect(env.status == 78 && env.output.contains("pipeline.batchSize: must be a whole number (in the environment: NEWSD_PIPELINE_BATCH_SIZE)"), "\(env.output)")
    }

    @Test func jsonListsEveryProblemOrEverySetting() throws {
        let bad = try check(#"{"classifier": {"model": "/nonexistent.model"}, "metrics": {"listen": "10.1.1.1:99"}}"#, json: true)
        #expect(bad.status == 78)
        let b = try #require(try JSONSerialization.jsonObject(with: Data(bad.output.utf8)) as? [String: Any], "\(bad.output)")
        #expect(b["ok"] as? Bool == false)
        let errors = try #require(b["errors"] as? [[String: String]])
        #expect(errors.map { $0["key"] ?? "" } == ["classifier.model", "metrics.listen"])

        let model = repositoryRoot.appendingPathComponent("config/topics-bbc.model").path
        let good = try check(#"{"classifier": {"model": "\#(model)"}, "archive": {"retainDays": 30}}"#, json: true)
        #expect(good.status == 0, "\(good.output)")
        let g = try #require(try JSONSerialization.jsonObject(with: Data(good.output.utf8)) as? [String: Any], "\(good.output)")
        #expect(g["ok"] as? Bool == true)
        let settings = try #require(g["settings"] as? [String: String])
        #expect(settings["archive.retainDays"] == "30" && settings["classifier.model"] == model)
        #expect(settings["database.url"]?.hasPrefix("(") == true)  // never the URL itself
        // Every key the example configuration lists is reported.
        let example = try JSONSerialization.jsonObject(
            with: Data(contentsOf: repositoryRoot.appendingPathComponent("config/newsd.example.json"))) as! [String: Any]
        var keys: [String] = []
        for (k, v) in example {
            if let inner = v as? [String: Any] { keys += inner.keys.map { k + "." + $0 } } else { keys.append(k) }
        }
        #expect(keys.filter { settings[$0] == nil }.isEmpty, "not reported: \(keys.filter { settings[$0] == nil })")
    }
}
