import ArgumentParser
import Foundation
import NewsCore

/// The entity recognizer's speed on real news text: every article of a labeled corpus
/// (../shared/corpus/bbc-train by default) parsed once, then recognized again and again on one
/// core. Prints articles per second and microseconds per article for the model and, on the same
/// articles, the rules it replaced; the issue's bar is 10,000 articles per second per core. Each
/// line also gives the best pass's CPU time an article (this thread's), which a busy machine
/// inflates less than the rate: a pass that lost its core to another process is slow by the
/// clock, not by CPU time (a neighbour taking the shared cache still slows both).
@main
struct EntityBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "entity-bench", abstract: "Entity recognition speed on a corpus, one core (docs/PERFORMANCE.md).")

    @Option(help: "Folder of articles (searched recursively), in any format newsd reads.")
    var corpus = "../shared/corpus/bbc-train"

    @Option(help: "The entity model.")
    var model = "config/entities-gum.model"

    @Option(help: "Seconds to time each recognizer for (best pass counts).")
    var seconds = 5.0

    func run() throws {
        guard let walker = FileManager.default.enumerator(atPath: corpus) else {
            print("entity-bench: no corpus at \(corpus); skipped (it holds third-party data, see ../shared/corpus/README.md)")
            return
        }
        let parser = DocumentParser()
        var articles: [Article] = []
        for case let file as String in walker where !file.hasPrefix(".") {
            guard let data = FileManager.default.contents(atPath: corpus + "/" + file) else { continue }
            if let parsed = try? parser.parse(bytes: Array(data)) { articles += parsed.articles }
        }
        guard !articles.isEmpty else {
            print("entity-bench: no articles under \(corpus); skipped")
            return
        }
        let loaded = try LoadedEntityModel(path: model)
        let words = articles.reduce(0) { $0 + $1.wordCount }
        print("\(articles.count) articles from \(corpus), \(words / articles.count) words on average; model \(loaded.id)")
        func measure(_ name: String, _ body: (Article) -> Int) {
            var found = 0
            for a in articles.prefix(200) { found &+= body(a) }  // warm-up
            var best = 0.0
            var bestCPU = Double.infinity
            let began = Date()
            var passes = 0
            while passes < 3 || Date().timeIntervalSince(began) < seconds {
                passes += 1
                let start = Date()
                let cpuStart = threadCPUSeconds()
                for a in articles { found &+= body(a) }
                bestCPU = min(bestCPU, (threadCPUSeconds() - cpuStart) / Double(articles.count))
                best = max(best, Double(articles.count) / Date().timeIntervalSince(start))
            }
            print(
                "  \(name.padding(toLength: 8, withPad: " ", startingAt: 0)) \(String(format: "%8.0f", best)) articles/s  "
                    + "\(String(format: "%6.1f", 1e6 / best)) µs/article  \(String(format: "%6.1f", 1e6 * bestCPU)) µs CPU  "
                    + "(best of \(passes) passes, one core)")
        }
        measure("model") { loaded.model.recognize(title: $0.title, paragraphs: $0.paragraphs).count }
        measure("rules") { EntityExtractor.extract(title: $0.title, paragraphs: $0.paragraphs).count }
    }
}

/// CPU seconds this thread has used (user and system): unlike the wall clock, not counting
/// time the thread waited for a core another process held.
func threadCPUSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}
