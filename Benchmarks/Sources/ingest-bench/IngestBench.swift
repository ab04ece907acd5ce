import ArgumentParser
import Foundation
import NewsCore
import PostgresClient
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// The pipeline benchmark (issue 7): a private PostgreSQL, N distinct realistic articles, and
/// in one run the burst rate of newsd, the ceiling (one COPY stream of the same rows into the
/// same schema), drop-to-commit latency at a steady trickle, newsd's peak memory, and parse +
/// classify alone. Prints a table and writes JSON.
@main
struct IngestBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest-bench",
        abstract: "Benchmark newsd against the PostgreSQL COPY ceiling on this machine.")

    @Option(help: "Articles in the burst.")
    var count = 20_000

    @Option(help: "Labeled corpus whose articles shape the generated ones.")
    var corpus = "../shared/corpus/bbc-train"

    @Option(help: "Topic model newsd uses (classification is part of the pipeline).")
    var model = "config/topics-bbc.model"

    @Option(help: "Entity model newsd uses; empty (the default, as newsd's): the entity rules.")
    var entityModel = ""

    /// The enricher newsd runs with the benchmark's models.
    func makeEnricher() throws -> Enricher {
        Enricher(model: try LoadedModel(path: model), entityModel: entityModel.isEmpty ? nil : try LoadedEntityModel(path: entityModel))
    }

    @Option(help: "Rounds of the ceiling and the burst, alternating: the figures are their medians, the ratio the median of each round's own (this machine's speed drifts from minute to minute).")
    var rounds = 5

    @Option(help: "Files dropped per second in the trickle phase, and its length in seconds (0: skip).")
    var trickleRate = 50
    @Option var trickleSeconds = 10

    @Option(help: "Backlog sizes: files waiting when newsd starts; time to the first commit and peak RSS for each (0: skip).")
    var backlogs: [Int] = [10_000, 100_000]

    @Option(help: "Articles preloaded (by COPY) before a second burst, to see the rate as the table grows (0: skip).")
    var growth = 0

    @Option(help: "An existing database for --growth (keyword form, with dbname=), kept between runs: preloaded up to --growth articles if it holds none, used as it is if it holds --growth or more. The paired empty tables are made on its server.")
    var growthUrl: String?

    @Option(help: "The preloaded articles' ingested_at spread over this many days before now (as a feed stores them).")
    var growthDays = 365

    @Flag(help: "Also measure where the time goes at the database: the burst's rows COPYed into newsd's schema with parts of it taken away or added (the search vector, the GIN indexes, the other indexes, the entities, the log), in --rounds rounds.")
    var databaseCosts = false

    @Option(help: "Also measure the burst split over this many newsd on one database (repeat the option: --instances 1 --instances 2), in --rounds rounds.")
    var instances: [Int] = []

    @Option(help: "Rounds of the growth burst, each paired with a burst of the same articles into an empty table just before it: the ratio is the median of each pair's own. Each round adds its articles to the preloaded table.")
    var growthRounds = 5

    @Flag(inversion: .prefixedNo, help: "Also measure a burst whose articles repeat the corpus's bodies (nearly all near-duplicates).")
    var nearDuplicates = true

    @Flag(help: "Measure parse + classify and its stages only (no PostgreSQL, no newsd).")
    var cpuOnly = false

    @Option(help: ArgumentHelp("Repeat one stage this many times (for a profiler), then stop.", visibility: .hidden))
    var profileRounds = 0

    @Option(help: ArgumentHelp("Write every corpus file's parse and enrichment to this file (to compare builds), then stop.", visibility: .hidden))
    var dump: String?

    @Option(help: ArgumentHelp("Write `count` generated articles as the growth preload's COPY rows to this file (for experiments on the side), then stop.", visibility: .hidden))
    var rows: String?

    @Flag(help: "Time parse + enrichment of each pathological file (docs/GUARANTEES.md) next to a normal article of the same size, then stop.")
    var pathological = false

    @Option(help: "Size in bytes of each pathological file and of the normal article.")
    var pathologicalBytes = 1 << 20

    @Option(help: ArgumentHelp("With --pathological: parse only this shape, 20 times (for a profiler).", visibility: .hidden))
    var pathologicalShape: String?

    @Option(help: "Drop this many 10 MB NDJSON files of 200,000 records each into a newsd whose articles table is locked, and report its peak RSS over --big-ndjson-seconds, then stop (0: skip).")
    var bigNdjson = 0

    @Option(help: "How long to watch newsd's RSS with the table locked.")
    var bigNdjsonSeconds = 40

    @Option(help: "Where to write the JSON report.")
    var json = "ingest-bench.json"

    @Option(help: "Folder holding the newsd and newsctl to measure (default: the main package's .build/release, or .build/debug for a debug build of this program).")
    var binDir: String?

    /// Where newsd and newsctl are: --bin-dir, or the main package's own build folder (the
    /// repository root's .build, not Benchmarks/.build, where this program is built), in the
    /// same configuration as this program. They must have been built there first
    /// (`swift build -c release --product newsd`, then `--product newsctl`, at the root).
    func newsdBinDir() throws -> String {
        if let binDir { return binDir }
        #if DEBUG
        let configuration = "debug"
        #else
        let configuration = "release"
        #endif
        let dir = repositoryRoot.appendingPathComponent(".build/" + configuration).path
        for program in ["newsd", "newsctl"] where !FileManager.default.isExecutableFile(atPath: dir + "/" + program) {
            throw ValidationError(
                "no \(program) in \(dir): build it at the repository's root (swift build -c \(configuration) --product newsd, then --product newsctl) or pass --bin-dir")
        }
        return dir
    }

    func run() throws {
        if pathological {
            try timePathological()
            return
        }
        if bigNdjson > 0 {
            try measureBigNDJSON()
            return
        }
        if let dump {
            try writeDump(to: dump)
            return
        }
        if let rows {
            try copyFile(generate(count), parser: DocumentParser(), enricher: try makeEnricher(), to: rows)
            return
        }
        let bin = try newsdBinDir()
        var report: [String: Double] = ["articles": Double(count)]
        let articles = try generate(count)
        let meanBytes = articles.map { $0.utf8.count }.reduce(0, +) / max(1, articles.count)
        report["article_bytes_mean"] = Double(meanBytes)
        // How many are near-duplicates of an earlier one (newsd links those with duplicate_of).
        var index = NearDuplicateIndex()
        var nearCount = 0
        let fingerprintParser = DocumentParser()
        for (i, text) in articles.enumerated() {
            guard let a = try fingerprintParser.parse(bytes: Array(text.utf8)).articles.first else { continue }
            let f = SimHash.fingerprint(a.title + "\n" + a.body)
            if index.nearest(to: f) != nil { nearCount += 1 }
            index.insert(f, id: Int64(i))
        }
        report["generated_near_duplicates"] = Double(nearCount)
        print("generated \(count) articles, \(meanBytes) bytes on average, \(nearCount) near-duplicates of an earlier one")

        // Parse + classify (language and topic), and parse + everything newsd derives from an
        // article (also keywords, entities, SimHash), one core.
        let enricher = try makeEnricher()
        let parser = DocumentParser()
        let sample = Array(articles.prefix(5000))
        let loaded = enricher.model!.model
        // The entity stage: the model if one is given, else the rules.
        let recognizeEntities: (Article) -> [NamedEntity] = enricher.entityModel.map { m in { m.model.recognize(title: $0.title, paragraphs: $0.paragraphs) } }
            ?? { EntityExtractor.extract(title: $0.title, paragraphs: $0.paragraphs) }
        func perSecond(_ body: (Article) -> Void) throws -> Double {
            // A first pass warms caches and lazily built tables; then the best of the timed
            // passes (a shared machine's other work only ever slows a pass down): at least five,
            // and for at least four seconds, since this VM has slow phases of a few seconds.
            for text in sample.prefix(500) {
                for a in try parser.parse(bytes: Array(text.utf8)).articles { body(a) }
            }
            var best = 0.0
            let began = Date()
            var passes = 0
            while passes < 5 || Date().timeIntervalSince(began) < 4 {
                passes += 1
                let start = Date()
                for text in sample {
                    for a in try parser.parse(bytes: Array(text.utf8)).articles { body(a) }
                }
                best = max(best, Double(sample.count) / Date().timeIntervalSince(start))
            }
            return best
        }
        report["parse_classify_per_second"] = try perSecond { a in
            let text = a.title + "\n" + a.body
            _ = Enricher.language(of: text, declared: a.metadata.language)
            _ = loaded.predict(WordTokens(text))
        }
        report["parse_enrich_per_second"] = try perSecond { _ = enricher.enrich($0) }
        // Where the time goes, per stage (articles per second of each alone). Topic, keywords
        // and SimHash read the one tokenization `tokens` measures.
        let parsed = try sample.map { try parser.parse(bytes: Array($0.utf8)).articles[0] }
        let texts = parsed.map { $0.title + "\n" + $0.body }
        let tokens = texts.map(WordTokens.init)
        // As the Enricher has them: keywords are grouped by stem in the article's language.
        let languages = parsed.indices.map { Enricher.language(of: texts[$0], declared: parsed[$0].metadata.language).language }
        func rate(_ name: String, _ body: (Int) -> Void) {
            // Articles per second (wall clock), and CPU time an article (this thread's): on a
            // shared machine the second moves less, since waiting for a core is not counted.
            var r = 0.0
            var cpu = Double.infinity
            for _ in 0..<3 {
                let start = Date()
                let cpuStart = threadCPUSeconds()
                for i in 0..<parsed.count { body(i) }
                cpu = min(cpu, (threadCPUSeconds() - cpuStart) / Double(parsed.count))
                r = max(r, Double(parsed.count) / Date().timeIntervalSince(start))
            }
            report["stage_\(name)_per_second"] = r
            report["stage_\(name)_cpu_us"] = cpu * 1e6
            print("  \(name.padding(toLength: 10, withPad: " ", startingAt: 0)) \(String(format: "%9.0f articles/s %8.1f µs CPU an article", r, cpu * 1e6))")
        }
        for _ in 0..<profileRounds {
            rate("entities") { _ = recognizeEntities(parsed[$0]) }
            rate("classify") { i in
                guard let a = try? parser.parse(bytes: Array(sample[i].utf8)).articles[0] else { return }
                let text = a.title + "\n" + a.body
                _ = Enricher.language(of: text, declared: a.metadata.language)
                _ = loaded.predict(WordTokens(text))
            }
        }
        rate("parse") { _ = try? parser.parse(bytes: Array(sample[$0].utf8)) }
        rate("language") { _ = Enricher.language(of: texts[$0], declared: parsed[$0].metadata.language) }
        rate("tokens") { _ = WordTokens(texts[$0]) }
        rate("topic") { _ = loaded.predict(tokens[$0]) }
        rate("keywords") { _ = loaded.keywords(tokens[$0], language: languages[$0]) }
        rate("entities") { _ = recognizeEntities(parsed[$0]) }
        rate("simhash") { _ = SimHash.fingerprint(tokens[$0]) }
        rate("words") { _ = parsed[$0].wordCount }

        if cpuOnly {
            print(String(format: "parse + classify (language, topic): %.0f articles/s on one core", report["parse_classify_per_second"]!))
            print(String(format: "parse + all enrichment:             %.0f articles/s on one core", report["parse_enrich_per_second"]!))
            return
        }
        let pg = try TestPostgres.makePrivate()

        // The ceiling: one COPY stream of the same article rows into the same schema; then the
        // burst: N files renamed into the inbox of a running newsd at once. Alternating rounds,
        // each on fresh databases, dropped afterwards.
        let tsv = NSTemporaryDirectory() + "ingest-bench-\(getpid()).tsv"
        defer { unlink(tsv) }
        try copyFile(articles, parser: parser, enricher: enricher, to: tsv)
        var ceilings: [Double] = []
        var bursts: [Double] = []
        var ratios: [Double] = []
        var burstPeak = 0.0
        // CPU seconds of the whole machine in each phase, and of newsd in the burst.
        var ceilingCPU: [Double] = []
        var burstCPU: [Double] = []
        var newsdCPU: [Double] = []
        for round in 1...max(1, rounds) {
            let ceilingURL = try pg.createDatabase(prefix: "ceiling")
            try migrate(bin, ceilingURL)
            let copyStart = Date()
            let copyBusy = machineBusySeconds()
            let copied = try runCommand(
                "/usr/bin/psql",
                ["-X", "-q", "-v", "ON_ERROR_STOP=1", ceilingURL, "-c",
                 "\\copy articles (title, body, paragraph_count, word_count, content_hash, source_file, language, category, confidence, keywords, simhash) FROM '\(tsv)'"])
            guard copied.status == 0 else { throw ValidationError("COPY failed: \(copied.output)") }
            let ceiling = Double(count) / Date().timeIntervalSince(copyStart)
            ceilingCPU.append(machineBusySeconds() - copyBusy)
            try drop(ceilingURL, on: pg)

            let burstURL = try pg.createDatabase(prefix: "burst")
            let burst = try runNewsd(bin, burstURL, files: articles, tag: "burst")
            try drop(burstURL, on: pg)
            ceilings.append(ceiling)
            bursts.append(Double(count) / burst.seconds)
            ratios.append(bursts.last! / ceiling)
            burstPeak = max(burstPeak, burst.peakRSSMB)
            burstCPU.append(burst.machineCPU)
            newsdCPU.append(burst.newsdCPU)
            report["copy_per_second_round_\(round)"] = ceiling
            report["burst_per_second_round_\(round)"] = bursts.last!
            print(String(
                format: "round %d: COPY %.0f articles/s, burst %.0f articles/s (%.0f%%); CPU s: COPY %.1f, burst %.1f (newsd %.1f)",
                round, ceiling, bursts.last!, 100 * ratios.last!, ceilingCPU.last!, burstCPU.last!, newsdCPU.last!))
        }
        // CPU per article (µs): what the ratio comes down to on a machine both phases keep busy.
        report["copy_cpu_us_per_article"] = median(ceilingCPU) * 1e6 / Double(count)
        report["burst_cpu_us_per_article"] = median(burstCPU) * 1e6 / Double(count)
        report["newsd_cpu_us_per_article"] = median(newsdCPU) * 1e6 / Double(count)
        report["copy_per_second"] = median(ceilings)
        report["burst_per_second"] = median(bursts)
        report["burst_peak_rss_mb"] = burstPeak
        report["burst_vs_copy"] = median(ratios)
        let roundRatios = ratios.map { String(format: "%.0f%%", 100 * $0) }.joined(separator: ", ")

        // The same burst when nearly every article is a near-duplicate of an earlier one: each
        // is linked to its nearest (`duplicate_of`), which costs index look-ups and a key check.
        var nearRows: [(String, String)] = []
        if nearDuplicates {
            let url = try pg.createDatabase(prefix: "near")
            let near = try runNewsd(bin, url, files: try generate(count, repeatingBodies: true), tag: "near")
            report["near_duplicate_burst_per_second"] = Double(count) / near.seconds
            report["near_duplicate_burst_vs_copy"] = report["near_duplicate_burst_per_second"]! / report["copy_per_second"]!
            nearRows.append((
                "burst of \(count), nearly all near-duplicates",
                String(
                    format: "%.0f articles/s (%.0f%% of COPY)", report["near_duplicate_burst_per_second"]!,
                    100 * report["near_duplicate_burst_vs_copy"]!)))
        }

        // The trickle: a steady rate, drop-to-commit latency from the commit notifications.
        var trickleRows: [(String, String)] = []
        if trickleRate > 0 && trickleSeconds > 0 {
            let trickleURL = try pg.createDatabase(prefix: "trickle")
            let latencies = try trickle(bin, trickleURL, articles: Array(articles.prefix(trickleRate * trickleSeconds)))
            report["trickle_p50_ms"] = percentile(latencies, 0.5)
            report["trickle_p99_ms"] = percentile(latencies, 0.99)
            trickleRows.append((
                "trickle \(trickleRate)/s drop-to-commit",
                String(format: "p50 %.0f ms, p99 %.0f ms", report["trickle_p50_ms"]!, report["trickle_p99_ms"]!)))
        }

        // Backlogs: files already waiting when newsd starts.
        var backlogRows: [(String, String)] = []
        for size in backlogs where size > 0 {
            let url = try pg.createDatabase(prefix: "backlog")
            let many = size <= articles.count ? Array(articles.prefix(size)) : try generate(size)
            let r = try runNewsd(bin, url, files: many, tag: "backlog\(size)", preload: true)
            report["backlog_\(size)_first_commit_s"] = r.firstCommit
            report["backlog_\(size)_peak_rss_mb"] = r.peakRSSMB
            report["backlog_\(size)_per_second"] = Double(size) / r.seconds
            backlogRows.append((
                "backlog of \(size): first commit, peak RSS",
                String(format: "%.2f s, %.0f MiB (%.0f articles/s)", r.firstCommit, r.peakRSSMB, Double(size) / r.seconds)))
        }
        // Growth: bursts into a table already holding `growth` articles, each paired with the
        // same articles into an empty table just before it (this machine's speed drifts over
        // the minutes the preload takes). Round r drops its own `count` distinct articles (the
        // first round's are the main burst's), so the table grows by `count` a round.
        if databaseCosts {
            for (name, perSecond) in try measureDatabaseCosts(bin, pg: pg, articles: articles, parser: parser, enricher: enricher) {
                report["cost_" + name.filter { $0.isLetter || $0 == " " }.replacingOccurrences(of: " ", with: "_")] = perSecond
                backlogRows.append(("COPY: " + name, String(format: "%.0f articles/s (%.0f µs an article)", perSecond, 1e6 / perSecond)))
            }
        }
        if !instances.isEmpty {
            for r in try measureInstances(bin, pg: pg, articles: articles) {
                report["instances_\(r.n)_per_second"] = r.perSecond
                report["instances_\(r.n)_machine_cpu_us"] = r.cpuPerArticleMicros
                backlogRows.append((
                    "burst of \(articles.count) over \(r.n) newsd on one database",
                    String(format: "%.0f articles/s, machine CPU %.0f µs an article", r.perSecond, r.cpuPerArticleMicros)))
            }
        }
        if growth > 0 {
            let rounds = max(1, growthRounds)
            let all = try generate(count * rounds)
            // The grown database: --growth-url's (kept between runs: a preload of millions
            // takes most of an hour), or one on the benchmark's own server. The empty tables
            // each round is paired with are made on the same server.
            let server = GrowthServer(url: growthUrl ?? pg.conninfo(), pg: growthUrl == nil ? pg : nil)
            let url: String
            if let growthUrl { url = growthUrl } else { url = try pg.createDatabase(prefix: "growth") }
            try migrate(bin, url)
            try preloadGrowth(url, rows: growth, days: growthDays, parser: parser, enricher: enricher)
            let stored = Int(try PostgresConnection(conninfo: url).query("SELECT count(*) FROM articles").scalar ?? "0") ?? 0
            var ratios: [Double] = []
            var grown: [Double] = []
            var empty: [Double] = []
            var ready: [Double] = []
            var peaks: [Double] = []
            for round in 0..<rounds {
                let files = Array(all[(round * count)..<((round + 1) * count)])
                let emptyURL = try server.create()
                let e = try runNewsd(bin, emptyURL, files: files, tag: "growth-empty")
                try server.drop(emptyURL)
                // Distinct from every other round's and from the preload's.
                let g = try runNewsd(bin, url, files: files.map { "Grown \(getpid()) " + $0 }, tag: "growth")
                empty.append(Double(count) / e.seconds)
                grown.append(Double(count) / g.seconds)
                ratios.append(grown.last! / empty.last!)
                ready.append(g.ready)
                peaks.append(g.peakRSSMB)
                print(String(
                    format: "growth round %d: into %d stored articles %.0f articles/s, into an empty table %.0f articles/s (%.0f%%); connected %.2f s after start, peak RSS %.0f MiB",
                    round + 1, stored + round * count, grown.last!, empty.last!, 100 * ratios.last!, g.ready, g.peakRSSMB))
            }
            // Files waiting when newsd starts on the grown table: the time to the first commit.
            let waiting = try generate(min(count, 5_000)).map { "Waiting \(getpid()) " + $0 }
            let backlog = try runNewsd(bin, url, files: waiting, tag: "growth-backlog", preload: true)
            print(String(format: "growth backlog: %d files waiting at start-up, first commit %.2f s after start, peak RSS %.0f MiB", waiting.count, backlog.firstCommit, backlog.peakRSSMB))
            report["growth_rows"] = Double(stored)
            report["growth_burst_per_second"] = median(grown)
            report["growth_empty_burst_per_second"] = median(empty)
            report["growth_vs_empty"] = median(ratios)
            report["growth_ready_s"] = median(ready)
            report["growth_peak_rss_mb"] = max(peaks.max() ?? 0, backlog.peakRSSMB)
            report["growth_first_commit_s"] = backlog.firstCommit
            backlogRows.append((
                "burst into \(stored) stored articles",
                String(
                    format: "%.0f articles/s (%.0f%% of the same into an empty table; rounds %@); connected %.2f s after start",
                    report["growth_burst_per_second"]!, 100 * report["growth_vs_empty"]!,
                    ratios.map { String(format: "%.0f%%", 100 * $0) }.joined(separator: ", "), report["growth_ready_s"]!)))
            backlogRows.append((
                "start-up on \(stored) stored articles: first commit, peak RSS",
                String(format: "%.2f s, %.0f MiB (bursts and backlog)", backlog.firstCommit, report["growth_peak_rss_mb"]!)))
        }

        let rows: [(String, String)] = [
            ("parse + classify (language, topic), one core", String(format: "%.0f articles/s", report["parse_classify_per_second"]!)),
            ("parse + all enrichment, one core", String(format: "%.0f articles/s", report["parse_enrich_per_second"]!)),
            ("ceiling: one COPY stream", String(format: "%.0f articles/s", report["copy_per_second"]!)),
            ("newsd burst of \(count)", String(
                format: "%.0f articles/s (%.0f%% of COPY; rounds %@)", report["burst_per_second"]!, 100 * report["burst_vs_copy"]!,
                roundRatios)),
            ("newsd peak RSS in the burst", String(format: "%.0f MiB", report["burst_peak_rss_mb"]!)),
            ("CPU per article (all processes, µs)", String(
                format: "COPY %.0f, burst %.0f, of which newsd %.0f", report["copy_cpu_us_per_article"]!,
                report["burst_cpu_us_per_article"]!, report["newsd_cpu_us_per_article"]!)),
        ]
        for (k, v) in rows + nearRows + trickleRows + backlogRows { print(k.padding(toLength: 48, withPad: " ", startingAt: 0) + v) }
        let data = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys, .prettyPrinted])
        try data.write(to: URL(fileURLWithPath: json))
        print("wrote \(json)")
    }

    /// N distinct articles built from the corpus: its titles and paragraphs, each made unique by
    /// a sentence naming its number.
    /// One line per article of every file under `corpus`'s parent: what parsing and enrichment
    /// produced, for comparing two builds (a faster one must give the same answers).
    func writeDump(to path: String) throws {
        let parser = DocumentParser()
        let enricher = try makeEnricher()
        let root = (corpus as NSString).deletingLastPathComponent
        let files = (FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? []).sorted()
        var out = ""
        for file in files {
            guard let data = FileManager.default.contents(atPath: root + "/" + file), !data.isEmpty else { continue }
            guard let document = try? parser.parse(bytes: Array(data)) else {
                out += "\(file)\tfailed\n"
                continue
            }
            for a in document.articles {
                let e = enricher.enrich(a)
                let entities = e.entities.map { "\($0.kind.rawValue):\($0.name):\($0.mentions)" }.joined(separator: "|")
                // Every label's probability, exactly: a faster scorer must not move a bit.
                let topic = e.topic.map { t in
                    "\(t.category) " + t.scores.keys.sorted().map { "\($0)=\(t.scores[$0]!.bitPattern)" }.joined(separator: ",")
                } ?? "-"
                let hash = a.contentHash.prefix(8).map { String(format: "%02x", $0) }.joined()
                out += "\(file)\t\(hash)\t\(a.paragraphs.count)\t\(a.wordCount)\t\(e.language ?? "-")\t\(topic)\t"
                out += "\(e.keywords.joined(separator: ","))\t\(entities)\t\(String(e.simhash, radix: 16))\n"
            }
        }
        try out.write(toFile: path, atomically: true, encoding: .utf8)
        print("wrote \(files.count) files to \(path)")
    }

    /// The first articles are the corpus's own (with a numbered title and first line). Past
    /// those, each takes a corpus article's title and draws random paragraphs of articles with
    /// the same label (seeded) until its body is about that article's size: distinct stories,
    /// not near-duplicates of one another, with the corpus's sizes, shapes and vocabulary. With `repeatingBodies`,
    /// article i repeats the body of corpus article i mod the corpus size instead: nearly every
    /// article is then a near-duplicate of an earlier one (the heavy end of a syndicated feed).
    func generate(_ n: Int, repeatingBodies: Bool = false) throws -> [String] {
        var base: [(title: String, paragraphs: [String], label: Int)] = []
        var byLabel: [[Int]] = []
        let parser = DocumentParser()
        let fm = FileManager.default
        for label in try fm.contentsOfDirectory(atPath: corpus).sorted() {
            var members: [Int] = []
            for file in (try? fm.contentsOfDirectory(atPath: corpus + "/" + label).sorted()) ?? [] {
                guard let data = fm.contents(atPath: "\(corpus)/\(label)/\(file)"),
                    let a = try? parser.parse(bytes: Array(data)).articles.first
                else { continue }
                members.append(base.count)
                base.append((a.title, a.paragraphs, byLabel.count))
            }
            byLabel.append(members)
        }
        guard !base.isEmpty else { throw ValidationError("no articles in \(corpus)") }
        var rng = SplitMix64(seed: 2026)
        return (0..<n).map { i in
            let source = base[i % base.count]
            var paragraphs = source.paragraphs
            if i >= base.count && !repeatingBodies {
                // Random paragraphs of the label until the body is about the source's size.
                let members = byLabel[source.label]
                let target = source.paragraphs.reduce(0) { $0 + $1.utf8.count + 2 }
                var size = 0
                paragraphs = []
                while size < target {
                    let other = base[members[Int(rng.next() % UInt64(members.count))]].paragraphs
                    let paragraph = other[Int(rng.next() % UInt64(other.count))]
                    let bytes = paragraph.utf8.count + 2
                    if !paragraphs.isEmpty && size + bytes / 2 > target { break }  // nearer without it
                    paragraphs.append(paragraph)
                    size += bytes
                }
            }
            return "\(source.title) (\(i))\n\nDispatch \(i) of the benchmark run.\n\n" + paragraphs.joined(separator: "\n\n") + "\n"
        }
    }

    /// The middle value (the mean of the two middle ones for an even count).
    func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    /// Drops the database `url` names (a round's tables would otherwise fill the disk).
    func drop(_ url: String, on pg: TestPostgres) throws {
        guard let name = url.split(separator: " ").first(where: { $0.hasPrefix("dbname=") })?.dropFirst("dbname=".count) else { return }
        let r = try runCommand("/usr/bin/psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", pg.conninfo(), "-c", "DROP DATABASE \(name)"])
        guard r.status == 0 else { throw ValidationError("DROP DATABASE failed: \(r.output)") }
    }

    func migrate(_ bin: String, _ url: String) throws {
        let r = try runCommand(bin + "/newsd", ["migrate", "--database-url", url])
        guard r.status == 0 else { throw ValidationError("newsd migrate failed: \(r.output)") }
    }

    /// The rows newsd would store, as COPY text.
    func copyFile(_ articles: [String], parser: DocumentParser, enricher: Enricher, to path: String) throws {
        func esc(_ s: String) -> String {
            s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\t", with: "\\t")
                .replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\r", with: "\\r")
        }
        var out = ""
        for (i, text) in articles.enumerated() {
            guard let a = try parser.parse(bytes: Array(text.utf8)).articles.first else { continue }
            let e = enricher.enrich(a)
            let hash = "\\\\x" + a.contentHash.map { String(format: "%02x", $0) }.joined()
            let keywords = "{" + e.keywords.map { "\"\($0)\"" }.joined(separator: ",") + "}"
            out += [
                esc(a.title), esc(a.body), String(a.paragraphs.count), String(a.wordCount), hash, "bench-\(i).txt",
                e.language ?? "\\N", e.topic?.category ?? "\\N", e.topic.map { String($0.confidence) } ?? "\\N", esc(keywords),
                String(Int64(bitPattern: e.simhash)),
            ].joined(separator: "\t") + "\n"
        }
        try out.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// Starts newsd on a fresh state folder, renames `files` into its inbox at once, and waits
    /// until every one is recorded.
    /// With `preload`, the files are in the inbox before newsd starts (a backlog), and the
    /// clock starts with newsd.
    /// Runs newsd over `files`: dropped into a running newsd once it is connected, or already
    /// waiting (`preload`). Returns the time to record them all, peak RSS, the time to the first
    /// commit (preload) and from launch to connected (otherwise).
    func runNewsd(_ bin: String, _ url: String, files: [String], tag: String, preload: Bool = false) throws -> (
        seconds: Double, peakRSSMB: Double, firstCommit: Double, ready: Double, machineCPU: Double, newsdCPU: Double
    ) {
        let state = NSTemporaryDirectory() + "ingest-bench-\(tag)-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: state) }
        let staging = state + "/staging"
        try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
        for (i, text) in files.enumerated() {
            try Data(text.utf8).write(to: URL(fileURLWithPath: "\(staging)/\(tag)-\(i).txt"))
        }
        if preload {
            try FileManager.default.createDirectory(atPath: state + "/inbox", withIntermediateDirectories: true)
            for i in 0..<files.count { rename("\(staging)/\(tag)-\(i).txt", "\(state)/inbox/\(tag)-\(i).txt") }
            try migrate(bin, url)
        }
        // Files an earlier run recorded in the same database (the growth rounds share one).
        let db = try PostgresConnection(conninfo: url)
        // (None in a database newsd has not migrated yet.)
        let before = Int(((try? db.query("SELECT count(*) FROM ingest_log"))?.scalar ?? "0") ?? "0") ?? 0
        let top = Int(((try? db.query("SELECT coalesce(max(id), 0) FROM ingest_log"))?.scalar ?? "0") ?? "0") ?? 0
        let launched = Date()
        let (pid, socket) = try launchNewsd(bin, url, state: state)
        defer {
            kill(pid, SIGTERM)
            _ = waitFor(pid)
        }
        if preload {
            var first = 0.0
            var peak = 0.0
            while true {
                peak = max(peak, rssMB(pid))
                if first == 0, (Int(try db.query("SELECT coalesce(max(id), 0) FROM ingest_log").scalar ?? "0") ?? 0) > top {
                    first = Date().timeIntervalSince(launched)
                }
                if try committedFiles(db, atLeast: before + files.count) >= before + files.count { break }
                usleep(10_000)
            }
            return (Date().timeIntervalSince(launched), max(peak, hwmMB(pid)), first, 0, 0, 0)
        }
        // Ready: newsd is connected (migrations applied, the near-duplicate index loaded from
        // the stored articles), so the burst measures ingestion, not start-up.
        let ready = Date().addingTimeInterval(300)
        while Date() < ready {
            if let r = try? runCommand(bin + "/newsctl", ["status", "--json", "--socket", socket]), r.status == 0,
                r.output.contains(#""state":"connected""#) || r.output.contains(#""state" : "connected""#)
            {
                break
            }
            usleep(50_000)
        }
        let readyAfter = Date().timeIntervalSince(launched)
        let start = Date()
        let busy = machineBusySeconds()
        let newsdBusy = processCPUSeconds(pid)
        for i in 0..<files.count { rename("\(staging)/\(tag)-\(i).txt", "\(state)/inbox/\(tag)-\(i).txt") }
        var peak = 0.0
        while true {
            peak = max(peak, rssMB(pid))
            if try committedFiles(db, atLeast: before + files.count) >= before + files.count { break }
            usleep(20_000)
        }
        let seconds = Date().timeIntervalSince(start)
        return (
            seconds, max(peak, hwmMB(pid)), 0, readyAfter, machineBusySeconds() - busy, processCPUSeconds(pid) - newsdBusy
        )
    }

    /// Files recorded in the ingest log, cheaply: `max(id)` reads one index page, and only
    /// once it reaches `target` does a `count(*)` (a scan PostgreSQL would otherwise repeat
    /// fifty times a second, competing with newsd for the CPU) confirm that none is missing.
    func committedFiles(_ db: PostgresConnection, atLeast target: Int) throws -> Int {
        let top = Int(try db.query("SELECT coalesce(max(id), 0) FROM ingest_log").scalar ?? "0") ?? 0
        guard top >= target else { return top }
        return Int(try db.query("SELECT count(*) FROM ingest_log").scalar ?? "0") ?? 0
    }

    /// Starts newsd on `state` with the benchmark's model, logging warnings only.
    func launchNewsd(_ bin: String, _ url: String, state: String, environment: [String: String] = [:]) throws -> (pid: pid_t, socket: String) {
        let socket = state + "/newsd.sock"
        var env = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        env["NEWSD_CLASSIFIER_MODEL"] = model.hasPrefix("/") ? model : FileManager.default.currentDirectoryPath + "/" + model
        if !entityModel.isEmpty {
            env["NEWSD_ENTITIES_MODEL"] = entityModel.hasPrefix("/") ? entityModel : FileManager.default.currentDirectoryPath + "/" + entityModel
        }
        env["NEWSD_LOG_LEVEL"] = "warning"
        let pid = try spawn(
            bin + "/newsd", ["run", "--state-dir", state, "--socket", socket, "--database-url", url], environment: env,
            output: state + "/newsd.log")
        return (pid, socket)
    }

    /// Drops `articles` at `trickleRate` per second into a running newsd; returns each one's
    /// drop-to-commit time in ms, the commit seen as its id's NOTIFY.
    func trickle(_ bin: String, _ url: String, articles: [String]) throws -> [Double] {
        let state = NSTemporaryDirectory() + "ingest-bench-trickle-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: state) }
        try FileManager.default.createDirectory(atPath: state + "/staging", withIntermediateDirectories: true)
        let (pid, _) = try launchNewsd(bin, url, state: state)
        defer {
            kill(pid, SIGTERM)
            _ = waitFor(pid)
        }
        let db = try PostgresConnection(conninfo: url)
        while (try? db.query("SELECT count(*) FROM ingest_log")) == nil { usleep(50_000) }
        try db.query("LISTEN newsd_articles")
        var dropped: [String: Date] = [:]
        var committed: [Int64: Date] = [:]
        let interval = 1.0 / Double(trickleRate)
        let begin = Date()
        for (i, text) in articles.enumerated() {
            let name = "trickle-\(i).txt"
            try Data(text.utf8).write(to: URL(fileURLWithPath: "\(state)/staging/\(name)"))
            while let n = try db.nextNotification(timeoutSeconds: 0) { note(n, &committed) }
            let due = begin.addingTimeInterval(Double(i) * interval).timeIntervalSinceNow
            if due > 0 {
                while let n = try db.nextNotification(timeoutSeconds: due) {
                    note(n, &committed)
                    if begin.addingTimeInterval(Double(i) * interval).timeIntervalSinceNow <= 0 { break }
                }
            }
            dropped[name] = Date()
            rename("\(state)/staging/\(name)", "\(state)/inbox/\(name)")
        }
        let deadline = Date().addingTimeInterval(30)
        while committed.count < articles.count, Date() < deadline {
            if let n = try db.nextNotification(timeoutSeconds: 1) { note(n, &committed) }
        }
        let names = try db.query("SELECT id, source_file FROM articles").rows
        var latencies: [Double] = []
        for row in names {
            guard let id = row[0].flatMap({ Int64($0) }), let file = row[1], let d = dropped[file], let c = committed[id] else { continue }
            latencies.append(c.timeIntervalSince(d) * 1000)
        }
        return latencies
    }

    func note(_ n: PostgresConnection.Notification, _ committed: inout [Int64: Date]) {
        let now = Date()
        let digits = n.payload.split { !$0.isNumber }.compactMap { Int64($0) }
        for id in digits { committed[id] = now }
    }

    func percentile(_ values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * p + 0.5))]
    }

    /// CPU seconds this thread has used (user and system).
    func threadCPUSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }

    /// CPU time the machine spent on anything but idling, over all cores (/proc/stat).
    func machineBusySeconds() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") })
        else { return 0 }
        // user nice system idle iowait irq softirq steal …: all but idle and iowait.
        let ticks = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard ticks.count >= 8 else { return 0 }
        let busy = ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6] + ticks[7]
        return busy / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// User and system CPU time of process `pid` so far (/proc/PID/stat).
    func processCPUSeconds(_ pid: pid_t) -> Double {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return 0 }
        // After "pid (comm)": state is field 3, utime and stime fields 14 and 15.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    func rssMB(_ pid: pid_t) -> Double { statusField(pid, "VmRSS:") }
    func hwmMB(_ pid: pid_t) -> Double { statusField(pid, "VmHWM:") }
    func statusField(_ pid: pid_t, _ field: String) -> Double {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix(field) }),
            let kb = line.split(separator: " ").dropFirst().first.flatMap({ Double($0) })
        else { return 0 }
        return kb / 1024
    }
}

extension IngestBench {
    /// Each pathological file's parse + enrichment (what a worker does with a file) against a
    /// normal article of the same size: the rule is that none takes over ten times as long.
    func timePathological() throws {
        let parser = DocumentParser()
        let enricher = try makeEnricher()
        func seconds(_ bytes: [UInt8]) -> (Double, String) {
            var best = Double.infinity
            var outcome = ""
            for _ in 0..<3 {
                let start = ContinuousClock.now
                do {
                    let doc = try parser.parse(bytes: bytes)
                    for a in doc.articles { _ = enricher.enrich(a) }
                    outcome = "\(doc.format.rawValue), \(doc.articles.count) article(s)"
                } catch {
                    outcome = error.code.rawValue
                }
                let d = ContinuousClock.now - start
                best = min(best, Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18)
                if best > 2 { break }  // one pass tells enough
            }
            return (best, outcome)
        }
        if let shape = pathologicalShape, let input = Pathological.all(size: pathologicalBytes).first(where: { $0.name == shape }) {
            for _ in 0..<20 { _ = try? parser.parse(bytes: input.bytes) }
            return
        }
        let (normal, normalOutcome) = seconds(Pathological.normalArticle(size: pathologicalBytes))
        print(String(format: "%-30@ %9.1f ms  (%@)", "normal article" as NSString, normal * 1000, normalOutcome as NSString))
        var worst = 0.0
        var report: [String: Double] = ["normal_ms": normal * 1000]
        for input in Pathological.all(size: pathologicalBytes) {
            let (t, outcome) = seconds(input.bytes)
            worst = max(worst, t / normal)
            report[input.name + "_ms"] = t * 1000
            print(String(format: "%-30@ %9.1f ms  %6.1f×  (%@)", input.name as NSString, t * 1000, t / normal, outcome as NSString))
        }
        report["worst_ratio"] = worst
        print(String(format: "worst: %.1f× a normal article (ceiling 10×: %@)", worst, worst <= 10 ? "holds" : "DOES NOT HOLD"))
        let data = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys, .prettyPrinted])
        try data.write(to: URL(fileURLWithPath: json))
        if worst > 10 { throw ExitCode(1) }
    }
}

extension IngestBench {
    /// Item 12's bound: `bigNdjson` files of 10 MB / 200,000 records each, dropped while the
    /// articles table is locked, so nothing is written and everything parsed waits. newsd's
    /// peak RSS must stay under 512 MiB (the byte budget is 256 MiB), whatever the number of files.
    func measureBigNDJSON() throws {
        let bin = try newsdBinDir()
        let pg = try TestPostgres.makePrivate()
        let url = try pg.createDatabase()
        try migrate(bin, url)
        let state = NSTemporaryDirectory() + "ingest-bench-ndjson-\(getpid())"
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: state) }
        let (pid, _) = try launchNewsd(bin, url, state: state)
        defer {
            kill(pid, SIGKILL)
            _ = waitFor(pid)
        }
        usleep(2_000_000)
        let baseline = rssMB(pid)
        let locker = try PostgresConnection(conninfo: url)
        try locker.execute("BEGIN")
        try locker.execute("LOCK TABLE articles IN ACCESS EXCLUSIVE MODE")
        for f in 0..<bigNdjson {
            var text = ""
            text.reserveCapacity(10_500_000)
            for i in 0..<200_000 { text += #"{"title":"F\#(f) r\#(i)","body":"Text \#(i) of \#(f)."}"# + "\n" }
            let tmp = state + "/inbox/.big\(f).tmp"
            try Data(text.utf8).write(to: URL(fileURLWithPath: tmp))
            rename(tmp, state + "/inbox/big\(f).ndjson")
        }
        var peak = baseline
        let start = Date()
        while Date().timeIntervalSince(start) < Double(bigNdjsonSeconds) {
            peak = max(peak, rssMB(pid))
            usleep(100_000)
        }
        peak = max(peak, hwmMB(pid))
        try locker.execute("COMMIT")
        print(String(format: "%d NDJSON files of 10 MB (200,000 records each), articles table locked %d s: newsd RSS %.0f MiB before, peak %.0f MiB (ceiling 512 MiB: %@)",
                     bigNdjson, bigNdjsonSeconds, baseline, peak, (peak <= 512 ? "holds" : "DOES NOT HOLD") as NSString))
        let report: [String: Double] = ["files": Double(bigNdjson), "rss_before_mb": baseline, "rss_peak_mb": peak]
        try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys, .prettyPrinted]).write(to: URL(fileURLWithPath: json))
        if peak > 512 { throw ExitCode(1) }
    }
}
