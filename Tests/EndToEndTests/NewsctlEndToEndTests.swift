import Foundation
import NewsProtocol
import PostgresClient
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

private let shippedModel = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("config/topics-bbc.model").path

private func decode<T: Decodable>(_ type: T.Type, _ r: CommandResult) throws -> T {
    guard r.status == 0 else { throw TestPostgresError(message: "newsctl exited \(r.status): \(r.output)") }
    return try JSONDecoder().decode(T.self, from: Data(r.output.utf8))
}

@Suite struct NewsctlEndToEndTests {
    /// `newsctl model train-entities` reads a gazetteer folder's lists, a list in files by
    /// source ("places.iso.txt" adds to places), says which files it read, saves them in the
    /// model file, and refuses a file of no list it knows or a source that is not one word.
    @Test func trainEntitiesReadsListsBySource() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("newsctl-lists-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/corpus", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir + "/lists", withIntermediateDirectories: true)
        let doc = [
            "# newpar", "1\tAna\tAna\tPROPN\tNNP\t_\t3\tnsubj\t_\tEntity=(1-person-new-sssss-cf1-1,2-coref",
            "2\tRuiz\tRuiz\tPROPN\tNNP\t_\t1\tflat\t_\tEntity=1)", "3\tvisited\tvisit\tVERB\tVBD\t_\t0\troot\t_\t_",
            "4\tZorbazia\tZorbazia\tPROPN\tNNP\t_\t3\tobj\t_\tEntity=(2-place-new-sssss-cf2-1-coref)|SpaceAfter=No",
            "5\t.\t.\tPUNCT\t.\t_\t3\tpunct\t_\t_", "",
        ].joined(separator: "\n")
        try doc.write(toFile: dir + "/corpus/one.conllu", atomically: true, encoding: .utf8)
        try "# test\nZorbazia\n".write(toFile: dir + "/lists/places.iso.txt", atomically: true, encoding: .utf8)
        try "Oslo\n".write(toFile: dir + "/lists/places.txt", atomically: true, encoding: .utf8)
        let model = dir + "/one.model"
        let trained = try runCommand(
            binDir + "/newsctl", ["model", "train-entities", "--corpus", dir + "/corpus", "--gazetteers", dir + "/lists", "--out", model, "--runs", "1"])
        #expect(trained.status == 0, "\(trained.output)")
        #expect(trained.output.contains("trained on 1 documents (2 names), lists from \(dir)/lists (places.iso.txt, places.txt)"))
        let bytes = try Data(contentsOf: URL(fileURLWithPath: model))
        #expect(bytes.range(of: Data("Zorbazia".utf8)) != nil)
        // A file of no list, or a list's file with an empty or two-part source, is refused.
        for (file, message) in [
            ("bogus.words.txt", "bogus.words.txt is no list the model knows"),
            ("places..txt", "places..txt: a list's file is LIST.txt or LIST.SOURCE.txt"),
            ("places.old.iso.txt", "places.old.iso.txt: a list's file is LIST.txt or LIST.SOURCE.txt"),
        ] {
            try "x\n".write(toFile: dir + "/lists/" + file, atomically: true, encoding: .utf8)
            let refused = try runCommand(
                binDir + "/newsctl", ["model", "train-entities", "--corpus", dir + "/corpus", "--gazetteers", dir + "/lists", "--out", model])
            #expect(refused.status == 64)
            #expect(refused.output.contains(message), "\(refused.output)")
            try FileManager.default.removeItem(atPath: dir + "/lists/" + file)
        }
    }

    /// Every newsctl command against a running newsd, in the order an operator would use them.
    @Test func everyCommandWorksEndToEnd() throws {
        let url = try TestPostgres.start().createDatabase()
        let newsd = try NewsdInstance(databaseURL: url)
        let config = newsd.state + "/newsd.json"
        try #"{"classifier": {"model": "\#(shippedModel)"}}"#.write(toFile: config, atomically: true, encoding: .utf8)
        try newsd.start(["--config", config])
        let listener = try PostgresConnection(conninfo: url)
        try listener.query("LISTEN newsd_articles")

        // A LISTEN client hears the new article's id once it is committed.
        try newsd.drop("seed.txt", try sampleArticleBytes())
        #expect(try eventually { try newsd.status().totals.ingested == 1 })
        let db = try PostgresConnection(conninfo: url)
        let id = try #require(try db.query("SELECT id FROM articles").scalar)
        let note = try listener.nextNotification(timeoutSeconds: 10)
        #expect(note?.channel == "newsd_articles")
        // The ids, and the instance.name of the newsd that stored them (the host name here).
        let host = try String(contentsOfFile: "/proc/sys/kernel/hostname", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(note?.payload.hasPrefix("{\"ids\":[\(id)],\"instance\":\"\(host)\",\"boot\":\"") == true)
        struct Payload: Decodable { var ids: [Int64]; var instance: String; var boot: String }
        let payload = try JSONDecoder().decode(Payload.self, from: Data((note?.payload ?? "").utf8))
        #expect(payload.ids == [Int64(id)!])
        #expect(payload.boot.count == 36)  // a UUID: this run of newsd

        // search finds the sample by "Marrow Village", with a highlighted snippet.
        let found = try decode([ArticleSummary].self, try newsd.newsctl(["search", "Marrow Village", "--json"]))
        #expect(found.map(\.id) == [Int64(id)!])
        #expect(found.first?.snippet?.contains("[Village]") == true)
        #expect(try decode([ArticleSummary].self, try newsd.newsctl(["search", "Marrow Village", "--category", "sport", "--json"])).isEmpty)
        #expect(try decode([ArticleSummary].self, try newsd.newsctl(["search", "Marrow", "--since", "2999-01-01", "--json"])).isEmpty)
        let text = try newsd.newsctl(["search", "Marrow", "Village"])
        #expect(text.status == 0 && text.output.contains("#\(id) Harbour ferry service to resume after council vote"))

        // show: the article with its topic, keywords and entities.
        let shown = try decode(ArticleSummary.self, try newsd.newsctl(["show", id, "--json"]))
        #expect(shown.category == "politics" && shown.language == "en")
        #expect(shown.entities?.contains(EntityCount(kind: "person", name: "Margaret Okafor", mentions: 2)) == true)
        #expect(shown.body?.hasPrefix("The ferry between Kingsport") == true)
        #expect(try newsd.newsctl(["show", "999999"]).status == 70)

        // stats: counts by category, day and source.
        let stats = try decode(ArticleStats.self, try newsd.newsctl(["stats", "--json"]))
        #expect(stats.total == 1)
        #expect(stats.byCategory == [.init(key: "politics", count: 1)])
        #expect(stats.byDay.map(\.count) == [1])

        // queue, retry, drop: a binary file fails; retry moves it back (it fails again); drop deletes it.
        try newsd.drop("blob.bin", [0, 1, 2, 3, 0, 0, 255, 254] + [UInt8](repeating: 0, count: 200))
        #expect(try eventually { try newsd.status().totals.failed == 1 })
        let queue = try decode([QueueEntry].self, try newsd.newsctl(["queue", "--json"]))
        #expect(queue.map(\.id) == ["blob.bin"])
        #expect(queue.first?.code == "not_text" && queue.first?.place == .failed && queue.first?.attempts == 1)
        let human = try newsd.newsctl(["queue"])
        #expect(human.output.contains("blob.bin") && human.output.contains("not_text:"))
        let retried = try decode([QueueEntry].self, try newsd.newsctl(["retry", "--code", "not_text", "--json"]))
        #expect(retried.map(\.id) == ["blob.bin"])
        #expect(try eventually { try newsd.status().totals.failed == 2 })
        #expect(try newsd.newsctl(["retry", "nonexistent"]).status == 70)
        #expect(try newsd.newsctl(["drop", "--all"]).status == 1)  // no "y" on standard input: nothing deleted
        let dropped = try decode([QueueEntry].self, try newsd.newsctl(["drop", "--all", "--yes", "--json"]))
        #expect(dropped.map(\.id) == ["blob.bin"])
        #expect(newsd.files(in: newsd.failed).isEmpty)
        #expect(try decode([QueueEntry].self, try newsd.newsctl(["queue", "--json"])).isEmpty)

        // pause keeps new files in the inbox; resume takes them.
        #expect(try newsd.newsctl(["pause"]).status == 0)
        #expect(try newsd.status().state == .paused)
        #expect(try newsd.newsctl(["pause"]).status == 70)
        try newsd.drop("later.txt", article(1))
        #expect(try eventually { try newsd.status().files.inbox == 1 })
        #expect(try newsd.status().totals.ingested == 1)
        let resumed = try newsd.newsctl(["resume", "--json"])
        #expect(resumed.status == 0 && resumed.output.contains(#""ok" : true"#))
        #expect(try eventually { try newsd.status().totals.ingested == 2 })

        // reload, and metrics in the Prometheus text format.
        let reload = try newsd.newsctl(["reload"])
        #expect(reload.status == 0 && reload.output.contains("reloaded"))
        let metrics = try newsd.newsctl(["metrics"])
        #expect(metrics.output.contains("newsd_files_total{outcome=\"ingested\"} 2"))
        #expect(metrics.output.contains("newsd_files_total{outcome=\"failed\"} 2"))
        #expect(metrics.output.contains("# TYPE newsd_stage_seconds histogram"))
        #expect(metrics.output.contains("newsd_queue_depth{stage=\"claimed\"} 0"))

        // follow streams articles committed after it started.
        let followOut = newsd.state + "/follow.out"
        let follower = try spawn(binDir + "/newsctl", ["follow", "--count", "1", "--json", "--socket", newsd.socket], output: followOut)
        usleep(500_000)
        try newsd.drop("followed.txt", article(2))
        #expect(waitFor(follower) == 0)
        let streamed = try JSONDecoder().decode(ArticleSummary.self, from: Data(contentsOf: URL(fileURLWithPath: followOut)))
        #expect(streamed.title == "Headline number 2")

        // Every command has --json, including the ones that only say what they did.
        #expect(try runCommand(binDir + "/newsctl", ["version", "--json"]).output.contains("\"protocol\""))

        // drain: finish the backlog, then exit 0.
        for i in 3...7 { try newsd.drop("drain-\(i).txt", article(i)) }
        let drain = try newsd.newsctl(["drain"])
        #expect(drain.status == 0)
        #expect(newsd.stop(0) == 0)  // waits for the exit drain causes (signal 0 only checks)
        #expect(try db.query("SELECT count(*) FROM articles").scalar == "8")
        #expect(newsd.files(in: newsd.inbox).isEmpty)
    }

    /// `newsctl search` stems the query as each article's language does: a German article is
    /// found by a German form of its words, an English one by an English form of its own, and
    /// `--language` keeps to one language.
    @Test func searchFindsEachArticleInItsOwnLanguage() throws {
        let url = try TestPostgres.start().createDatabase()
        let newsd = try NewsdInstance(databaseURL: url)
        try newsd.start()
        // Written for this test.
        try newsd.drop(
            "wahl.txt",
            Array("""
                Neue Bürgermeisterin in Hafenstadt gewählt

                Die Bürger der Hafenstadt haben am Sonntag eine neue Bürgermeisterin gewählt. Nach der Wahl \
                dankte sie den Wählern und sagte, dass sie die Fähre zum Festland erhalten will.

                Die Beteiligung war höher als vor vier Jahren, und der Stadtrat wird sich im Dezember neu bilden.
                """.utf8))
        try newsd.drop(
            "resigned.txt",
            Array("""
                Harbour minister resigned after ferry vote

                The harbour minister resigned on Tuesday after the council voted against his plan for the \
                ferry, and said that he would stay on as a councillor.

                His deputy will run the harbour until a new minister is chosen in the spring.
                """.utf8))
        #expect(try eventually { try newsd.status().totals.ingested == 2 })
        func search(_ args: [String]) throws -> [ArticleSummary] {
            try decode([ArticleSummary].self, try newsd.newsctl(["search"] + args + ["--json"]))
        }
        let wahlen = try search(["Wahlen"])
        #expect(wahlen.map(\.sourceFile) == ["wahl.txt"])
        #expect(wahlen.first?.language == "de")
        #expect(wahlen.first?.snippet?.contains("[Wahl]") == true)
        let resigning = try search(["resigning"])
        #expect(resigning.map(\.sourceFile) == ["resigned.txt"])
        #expect(resigning.first?.language == "en")
        #expect(try search(["Wahlen", "--language", "de"]).map(\.sourceFile) == ["wahl.txt"])
        #expect(try search(["resigning", "--language", "de"]).isEmpty)
        #expect(try search(["resigning", "--language", "EN"]).map(\.sourceFile) == ["resigned.txt"])
        let text = try newsd.newsctl(["search", "Wahlen"])
        #expect(text.output.contains("Neue Bürgermeisterin in Hafenstadt gewählt  [no topic, de, "), "\(text.output)")
        let bad = try newsd.newsctl(["search", "Wahlen", "--language", "german"])
        #expect(bad.status == 70 && bad.output.contains("argument \"language\": \"german\" is not a language code"), "\(bad.output)")

        // Both rows name their configuration; nothing was left to rebuild.
        let db = try PostgresConnection(conninfo: url)
        #expect(try db.query("SELECT source_file, search_config FROM articles ORDER BY source_file").rows
            == [["resigned.txt", "english"], ["wahl.txt", "german"]])
        #expect(try eventually { try newsd.status().searchRebuild == SearchRebuildProgress(state: .done, rowsLeft: 0, rebuilt: 0, batchSize: 500) })
        #expect(try newsd.newsctl(["status"]).output.contains("\nsearch:    rebuild done\n"))
    }

    /// Access control by SO_PEERCRED: another user may read but not change newsd's state.
    @Test(.enabled(if: getuid() == 0, "needs root to run newsctl as another user"))
    func aNonAdminUserMayReadButNotChangeState() throws {
        let (newsd, _, bin, _) = try startForOtherUsers(#"{"control": {"mode": "0666"}}"#)
        func asNobody(_ args: [String]) throws -> CommandResult {
            try runCommand("/usr/sbin/runuser", ["-u", "nobody", "--", bin + "/newsctl"] + args + ["--socket", newsd.socket])
        }
        // Healthy first (start returns once newsd answers, perhaps before the database is).
        #expect(try eventually { try newsd.newsctl(["status"]).status == 0 })
        let status = try asNobody(["status"])
        #expect(status.status == 0, "\(status.output)")
        #expect(status.output.contains("newsd "))
        let pause = try asNobody(["pause"])
        #expect(pause.status == 77)
        #expect(pause.output.contains("\"pause\" changes newsd's state and needs root"))
        #expect(pause.output.contains("you are uid \(getpwnam("nobody")!.pointee.pw_uid)"))
        #expect(try newsd.status().state == .running)
        // The same command as root (the daemon's own user here) is allowed.
        #expect(try newsd.newsctl(["pause"]).status == 0)
        #expect(newsd.logText.contains("control command refused"))
    }

    /// `control.adminGroup`: a member of the group (supplementary or primary, as the kernel
    /// reports it for the socket) may run the commands that change state; the same user
    /// without the group may not.
    @Test(.enabled(if: getuid() == 0, "needs root to run newsctl as another user"))
    func membersOfTheAdminGroupMayChangeState() throws {
        let (newsd, url, bin, config) = try startForOtherUsers(#"{"control": {"mode": "0666", "adminGroup": "4242"}}"#)
        let nobody = getpwnam("nobody")!.pointee.pw_uid
        func run(_ ids: [String], _ args: [String]) throws -> CommandResult {
            try runCommand("/usr/bin/setpriv", ["--reuid=\(nobody)"] + ids + ["--", bin + "/newsctl"] + args + ["--socket", newsd.socket])
        }
        let outsider = try run(["--regid=65534", "--clear-groups"], ["pause"])
        #expect(outsider.status == 77)
        #expect(outsider.output.contains("a member of control.adminGroup (4242)"), "\(outsider.output)")
        #expect(try run(["--regid=65534", "--clear-groups"], ["status", "--json"]).status != 77)
        let member = try run(["--regid=65534", "--groups=4242"], ["pause"])
        #expect(member.status == 0, "\(member.output)")
        #expect(try newsd.status().state == .paused)
        #expect(try run(["--regid=4242", "--clear-groups"], ["resume"]).status == 0)
        #expect(try newsd.status().state == .running)

        // The overflow group (what a user namespace shows for unmapped groups) is refused.
        try #"{"control": {"adminGroup": "65534"}}"#.write(toFile: config, atomically: true, encoding: .utf8)
        let other = try NewsdInstance(databaseURL: url)
        let refused = try runCommand(
            binDir + "/newsd", ["run", "--config", config, "--state-dir", other.state, "--socket", other.socket, "--database-url", url])
        #expect(refused.status == 78)
        #expect(refused.output.contains("control.adminGroup"), "\(refused.output)")
    }

    /// newsd started with `configJSON`, its state folder open to all, and a copy of newsctl
    /// that another user can run (wherever the build is): newsd, its database, the copy's
    /// folder and the configuration file.
    private func startForOtherUsers(_ configJSON: String) throws -> (NewsdInstance, String, String, String) {
        let url = try TestPostgres.start().createDatabase()
        let newsd = try NewsdInstance(databaseURL: url)
        chmod(newsd.state, 0o755)
        let config = newsd.state + "/newsd.json"
        try configJSON.write(toFile: config, atomically: true, encoding: .utf8)
        try newsd.start(["--config", config])
        let bin = newsd.state + "/bin"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        // cp in a process of its own: a copy written by this (multi-threaded, spawning) process
        // could be held open by a concurrently spawned child and fail to execute (ETXTBSY).
        #expect(try runCommand("/bin/cp", [binDir + "/newsctl", bin + "/newsctl"]).status == 0)
        chmod(bin, 0o755)
        chmod(bin + "/newsctl", 0o755)
        return (newsd, url, bin, config)
    }
}
