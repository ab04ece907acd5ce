// Extraction benchmark: runs newsd's HTML extractor over an evaluation set laid out like
// ../shared/corpus/html-dev (evaldata.json + pages/) and prints precision, recall and F1 by the
// published method: over all snippets, a `with` snippet found is a true positive, missing a
// false negative; a `without` snippet found is a false positive, absent a true negative.
import Foundation
import NewsCore

let args = CommandLine.arguments
if args.contains("--help") || args.contains("-h") {
    print("""
        USAGE: extract-bench [CORPUS] [--json] [--misses]

          CORPUS     evaldata.json + pages/ (default: ../shared/corpus/html-dev)
          --json     Print JSON.
          --misses   List the snippets missed and the ones wrongly kept.
        """)
    exit(0)
}
let corpus = args.dropFirst().first { !$0.hasPrefix("--") } ?? "../shared/corpus/html-dev"
let jsonOut = args.contains("--json")
let showMisses = args.contains("--misses")
guard let data = FileManager.default.contents(atPath: corpus + "/evaldata.json"),
    let eval = try? JSONSerialization.jsonObject(with: data) as? [String: [String: Any]]
else {
    FileHandle.standardError.write(Data("extract-bench: cannot read \(corpus)/evaldata.json\n".utf8))
    exit(66)
}

func normalize(_ s: String) -> String {
    Whitespace.normalizeLine(s.replacingOccurrences(of: "\n", with: " "))
}

let parser = DocumentParser()
var tp = 0, fn = 0, fp = 0, tn = 0, pages = 0, failures = 0
var seconds = 0.0
for (_, entry) in eval.sorted(by: { $0.key < $1.key }) {
    guard let file = entry["file"] as? String, let page = FileManager.default.contents(atPath: corpus + "/pages/" + file) else { continue }
    let bytes = Array(page)
    let start = Date()
    var text = ""
    do {
        let doc = try parser.parse(bytes: bytes)
        text = doc.articles.map { ([$0.title] + $0.paragraphs).joined(separator: "\n") }.joined(separator: "\n")
    } catch {
        failures += 1
    }
    seconds += Date().timeIntervalSince(start)
    pages += 1
    let extracted = normalize(text)
    for snippet in entry["with"] as? [String] ?? [] {
        if extracted.contains(normalize(snippet)) { tp += 1 } else {
            fn += 1
            if showMisses { print("FN \(file): \(snippet.prefix(80))") }
        }
    }
    for snippet in entry["without"] as? [String] ?? [] {
        if extracted.contains(normalize(snippet)) {
            fp += 1
            if showMisses { print("FP \(file): \(snippet.prefix(80))") }
        } else { tn += 1 }
    }
}
let precision = Double(tp) / Double(max(1, tp + fp))
let recall = Double(tp) / Double(max(1, tp + fn))
let f1 = 2 * precision * recall / max(1e-9, precision + recall)
let accuracy = Double(tp + tn) / Double(max(1, tp + tn + fp + fn))
let rate = Double(pages) / max(seconds, 1e-9)
if jsonOut {
    print(String(format: #"{"pages":%d,"failed_pages":%d,"tp":%d,"fn":%d,"fp":%d,"tn":%d,"precision":%.4f,"recall":%.4f,"f1":%.4f,"accuracy":%.4f,"pages_per_second":%.1f}"#,
                 pages, failures, tp, fn, fp, tn, precision, recall, f1, accuracy, rate))
} else {
    print("pages \(pages) (no article: \(failures)); snippets: TP \(tp) FN \(fn) FP \(fp) TN \(tn)")
    print(String(format: "precision %.3f  recall %.3f  F1 %.3f  accuracy %.3f", precision, recall, f1, accuracy))
    print(String(format: "%.1f pages/s (parse + extract, one core)", rate))
}
