import Foundation
import NewsProtocol
import PostgresClient
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

private let shippedModel = repositoryRoot.appendingPathComponent("config/topics-bbc.model").path

/// A labeled corpus written by the test itself: `count` short articles under each label, each
/// built from that label's sentences (and a few shared ones) in a seeded order.
private func writeCorpus(_ root: String, count: Int) throws {
    let shared = ["It happened on Saturday afternoon.", "More details are expected later this week.", "Local people followed the news closely."]
    let sentences: [String: [String]] = [
        "games": [
            "The team won the match after a goal in the second half.", "The striker scored twice before the break.",
            "The coach praised his players after the final whistle.", "Fans filled the stadium for the derby.",
            "The captain lifted the trophy in front of the supporters.", "The referee awarded a penalty in injury time.",
            "The club climbed to second place in the league table.", "The goalkeeper saved a late shot from close range.",
        ],
        "money": [
            "The central bank raised interest rates by a quarter point.", "Shares fell on the stock market after the results.",
            "The company reported higher profits for the quarter.", "Investors worried about inflation and prices.",
            "The bank said lending to businesses had slowed.", "Tax revenue rose faster than the government expected.",
            "The currency weakened against the dollar and the euro.", "Economists expect the economy to grow next year.",
        ],
    ]
    var random = SeededRandom(state: 42)
    for (label, own) in sentences {
        try FileManager.default.createDirectory(atPath: "\(root)/\(label)", withIntermediateDirectories: true)
        for i in 0..<count {
            let pick = { (n: Int) in (0..<n).map { _ in own[random.below(own.count)] } }
            let text = ([pick(1)[0], ""] + [pick(3) + [shared[random.below(shared.count)]], pick(3)].map { $0.joined(separator: " ") })
                .joined(separator: "\n\n")
            try Data(text.utf8).write(to: URL(fileURLWithPath: "\(root)/\(label)/\(i).txt"))
        }
    }
}

private func rewrittenSample() throws -> [UInt8] {
    Array(rewriteSample(String(decoding: try sampleArticleBytes(), as: UTF8.self)).utf8)
}

/// Starts newsd with `model` as its classifier.model; returns it, its config file and a connection.
private func startWithModel(_ model: String) throws -> (NewsdInstance, String, PostgresConnection) {
    let url = try TestPostgres.start().createDatabase()
    let newsd = try NewsdInstance(databaseURL: url)
    let config = newsd.state + "/newsd.json"
    try #"{"classifier": {"model": "\#(model)"}}"#.write(toFile: config, atomically: true, encoding: .utf8)
    try newsd.start(["--config", config])
    return (newsd, config, try PostgresConnection(conninfo: url))
}

@Suite struct ClassificationEndToEndTests {
    @Test func theSampleIsPoliticsInEnglishWithItsEntitiesAndARewriteIsItsNearDuplicate() throws {
        let (newsd, _, db) = try startWithModel(shippedModel)

        try newsd.drop("seed.txt", try sampleArticleBytes())
        #expect(try eventually { try newsd.status().totals.ingested == 1 })
        let row = try db.query(
            """
            SELECT id, category, language, confidence > 0.5, (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(scores) k),
                   'ferry' = ANY(keywords), cardinality(keywords), simhash IS NOT NULL, duplicate_of IS NULL, model_id
            FROM articles
            """).rows[0]
        #expect(row[1] == "politics")
        #expect(row[2] == "en")
        #expect(row[3] == "t")
        #expect(row[4] == "{business,entertainment,politics,sport,tech}")
        #expect(row[5] == "t")
        #expect(row[6] == "10")
        #expect(row[7] == "t")
        #expect(row[8] == "t")
        #expect(row[9]?.count == 16)
        func entities(_ kind: String) throws -> Set<String> {
            Set(try db.query("SELECT name FROM article_entities WHERE kind = \(kind)").rows.compactMap { $0[0] })
        }
        #expect(try entities("person") == ["Margaret Okafor", "David Brennan", "Sarah Lind", "Tom Achebe"])
        #expect(try entities("place") == ["Belfast", "Norway", "Edinburgh"])
        #expect(try entities("organization") == ["Kingsport City Council", "Northern Isles Authority", "Department for Transport"])
        #expect(try db.query("SELECT mentions FROM article_entities WHERE name = 'Margaret Okafor'").scalar == "2")

        try newsd.drop("rewritten.txt", try rewrittenSample())
        #expect(try eventually { try newsd.status().totals.ingested == 2 })
        #expect(try db.query("SELECT duplicate_of = \(row[0]!)::bigint FROM articles WHERE source_file = 'rewritten.txt'").scalar == "t")

        // A German article: language de, and no topic from an English-only model.
        let german = """
            Regierung plant neue Regeln für den Handel

            Die Regierung hat am Montag erklärt, dass sie die Regeln für den Handel mit Energie ändern wird. \
            Die Opposition kritisiert den Plan und sagt, dass er für die Verbraucher zu teuer sei. \
            Nach Angaben des Ministeriums sollen die neuen Regeln im nächsten Jahr gelten.
            """
        try newsd.drop("german.txt", Array(german.utf8))
        #expect(try eventually { try newsd.status().totals.ingested == 3 })
        let g = try db.query("SELECT language, category IS NULL, scores IS NULL FROM articles WHERE source_file = 'german.txt'").rows[0]
        #expect(g == ["de", "t", "t"])
    }

    @Test func aModelTrainedOnAnotherTaxonomyIsPickedUpOnSighup() throws {
        // Another labeled folder, written here: sport and money stories under new label names.
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("newsd-taxonomy-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: work) }
        try writeCorpus(work + "/corpus", count: 60)
        let trained = try runCommand(binDir + "/newsctl", ["model", "train", "--corpus", work + "/corpus", "--out", work + "/custom.model"])
        #expect(trained.status == 0, "\(trained.output)")

        let (newsd, config, db) = try startWithModel(shippedModel)
        let sport = try exampleBytes("cup-final.txt")
        try newsd.drop("before.txt", sport)
        #expect(try eventually { try newsd.status().totals.ingested == 1 })
        #expect(try db.query("SELECT category FROM articles WHERE source_file = 'before.txt'").scalar == "sport")

        try #"{"classifier": {"model": "\#(work)/custom.model"}}"#.write(toFile: config, atomically: true, encoding: .utf8)
        kill(newsd.pid, SIGHUP)
        #expect(eventually { newsd.logText.contains("topic model loaded") && newsd.logText.contains("custom.model") })
        var changed = sport
        changed.append(contentsOf: Array("\n\nA later paragraph makes this a different file.\n".utf8))
        try newsd.drop("after.txt", changed)
        #expect(try eventually { try newsd.status().totals.ingested == 2 })
        #expect(try db.query("SELECT category FROM articles WHERE source_file = 'after.txt'").scalar == "games")

        // Reclassify re-scores only what the new model has not scored: the article from before.
        let r = try newsd.newsctl(["reclassify", "--json"])
        #expect(r.status == 0, "\(r.output)")
        let progress = try JSONDecoder().decode(ReclassifyProgress.self, from: Data(r.output.utf8))
        #expect(progress.state == .done && progress.scanned == 1 && progress.updated == 1)
        #expect(try db.query("SELECT count(*) FROM articles WHERE category = 'games'").scalar == "2")
        #expect(try db.query("SELECT count(DISTINCT model_id) FROM articles").scalar == "1")
        // --since a future day reads nothing; --all re-scores both.
        let none = try newsd.newsctl(["reclassify", "--since", "2999-01-01", "--all", "--json"])
        #expect(try JSONDecoder().decode(ReclassifyProgress.self, from: Data(none.output.utf8)).scanned == 0)
        let every = try newsd.newsctl(["reclassify", "--all", "--json"])
        #expect(try JSONDecoder().decode(ReclassifyProgress.self, from: Data(every.output.utf8)).updated == 2)
        #expect(try newsd.newsctl(["reclassify", "--since", "yesterday"]).status == 64)
        #expect(try newsd.status().reclassify?.state == .done)
        #expect(try newsd.status().model?.labels == ["games", "money"])

        // A model file that cannot be read is refused; the running model stays.
        try Data("not a model".utf8).write(to: URL(fileURLWithPath: work + "/custom.model"))
        kill(newsd.pid, SIGHUP)
        #expect(eventually { newsd.logText.contains("configuration reload failed") && newsd.logText.contains("bad magic") })
        #expect(try newsd.status().state == .running)
    }

    @Test func aMissingModelFileStopsStartUpWithExitCode78() throws {
        let newsd = try NewsdInstance(databaseURL: "postgresql:///unused?host=/nonexistent")
        let config = newsd.state + "/newsd.json"
        try #"{"classifier": {"model": "/nonexistent/topics.model"}}"#.write(toFile: config, atomically: true, encoding: .utf8)
        let bad = try runCommand(
            binDir + "/newsd",
            ["run", "--config", config, "--state-dir", newsd.state, "--socket", newsd.socket, "--database-url", newsd.databaseURL])
        #expect(bad.status == 78)
        #expect(bad.output.contains("cannot read /nonexistent/topics.model"))
    }

    /// The rules find entities until SIGHUP loads `entities.model`; then the model does and each
    /// row names it in `entity_model_id`; a damaged model file is refused and the running one
    /// kept; a file that is no entity model stops start-up with 78.
    @Test func anEntityModelIsLoadedOnSighupAndNamedInEachRow() throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("newsd-entities-\(getpid())").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let shipped = repositoryRoot.appendingPathComponent("config/entities-gum.model").path
        try FileManager.default.copyItem(atPath: shipped, toPath: work + "/entities.model")
        let (newsd, config, db) = try startWithModel(shippedModel)
        let sample = try sampleArticleBytes()
        try newsd.drop("rules.txt", sample)
        #expect(try eventually { try newsd.status().totals.ingested == 1 })
        #expect(try db.query("SELECT entity_model_id IS NULL FROM articles WHERE source_file = 'rules.txt'").scalar == "t")

        try #"{"classifier": {"model": "\#(shippedModel)"}, "entities": {"model": "\#(work)/entities.model"}}"#
            .write(toFile: config, atomically: true, encoding: .utf8)
        kill(newsd.pid, SIGHUP)
        #expect(eventually { newsd.logText.contains("entity model loaded") })
        let id = try runCommand("/usr/bin/sha256sum", [work + "/entities.model"]).output.prefix(16)
        var changed = sample
        changed.append(contentsOf: Array("\n\nA later paragraph makes this a different file.\n".utf8))
        try newsd.drop("model.txt", changed)
        #expect(try eventually { try newsd.status().totals.ingested == 2 })
        #expect(try db.query("SELECT entity_model_id FROM articles WHERE source_file = 'model.txt'").scalar == String(id))
        let people = try db.query(
            "SELECT count(*) FROM article_entities e JOIN articles a ON a.id = e.article_id WHERE a.source_file = 'model.txt' AND e.kind = 'person'")
        #expect(Int(people.scalar ?? "") ?? 0 > 0)

        // A damaged model: the reload fails and the model loaded before goes on.
        try Data("NWSDENTS but not a model".utf8).write(to: URL(fileURLWithPath: work + "/entities.model"))
        kill(newsd.pid, SIGHUP)
        #expect(eventually { newsd.logText.contains("configuration reload failed") && newsd.logText.contains("this newsd reads version 5") })
        changed.append(contentsOf: Array("Another paragraph.\n".utf8))
        try newsd.drop("kept.txt", changed)
        #expect(try eventually { try newsd.status().totals.ingested == 3 })
        #expect(try db.query("SELECT entity_model_id FROM articles WHERE source_file = 'kept.txt'").scalar == String(id))

        // A topic model named as the entity model: check-config names the key and the reason.
        try #"{"entities": {"model": "\#(shippedModel)"}}"#.write(toFile: config, atomically: true, encoding: .utf8)
        let check = try runCommand(binDir + "/newsd", ["check-config", "--config", config, "--state-dir", newsd.state])
        #expect(check.status == 78, "\(check.output)")
        #expect(check.output.contains("entities.model") && check.output.contains("bad magic"), "\(check.output)")
    }
}

