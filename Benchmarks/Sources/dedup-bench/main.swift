import ArgumentParser
import Foundation
import NewsCore

/// Measures near-duplicate lookup at scale: the multi-index SimHash index against a full scan
/// (the exact answer, and the cost the index avoids) over the same fingerprints, in one run.
@main
struct DedupBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dedup-bench",
        abstract: "Benchmark near-duplicate lookup over N stored SimHash fingerprints.")

    @Option(help: "Stored fingerprints.")
    var count = 1_000_000

    @Option(help: "Lookups of each kind (near-duplicates, unrelated).")
    var queries = 20_000

    @Option(help: "Hamming radius (0...11).")
    var distance = NearDuplicateIndex.defaultMaxDistance

    @Option(help: "Lookups checked against a full scan (each scan reads every fingerprint).")
    var scans = 200

    @Flag(help: "Print JSON.")
    var json = false

    @Option(help: "Instead: count article pairs of this folder (any depth, any format) by SimHash distance.")
    var corpus: String?

    func run() throws {
        if let corpus { return try pairs(corpus) }
        var rng = SplitMix64(seed: 2024)
        let rssBefore = residentBytes()
        var index = NearDuplicateIndex(maxDistance: distance)
        var stored: [UInt64] = []
        stored.reserveCapacity(count)
        let insertStart = ContinuousClock.now
        for id in 0..<count {
            let f = rng.next()
            stored.append(f)
            index.insert(f, id: Int64(id + 1))
        }
        let insertSeconds = seconds(ContinuousClock.now - insertStart)
        let rssAfter = residentBytes()

        // Near-duplicates: a stored fingerprint with 1...distance bits flipped.
        let near: [UInt64] = (0..<queries).map { i in
            var f = stored[Int(rng.next() % UInt64(count))]
            var flipped = Set<Int>()
            let bits = 1 + i % max(1, distance)
            while flipped.count < bits { flipped.insert(Int(rng.next() % 64)) }
            for b in flipped { f ^= 1 << UInt64(b) }
            return f
        }
        let unrelated: [UInt64] = (0..<queries).map { _ in rng.next() }

        func timeLookups(_ qs: [UInt64]) -> (perSecond: Double, found: Int) {
            var found = 0
            let start = ContinuousClock.now
            for q in qs where index.nearest(to: q) != nil { found += 1 }
            return (Double(qs.count) / seconds(ContinuousClock.now - start), found)
        }
        let nearResult = timeLookups(near)
        let unrelatedResult = timeLookups(unrelated)

        // The ceiling: a full scan gives the exact answer; the index must agree with it.
        var disagreements = 0
        let scanStart = ContinuousClock.now
        let checked = Array(near.prefix(scans / 2) + unrelated.prefix(scans / 2))
        for q in checked {
            let a = index.nearest(to: q), b = index.nearestByScan(to: q)
            if a?.id != b?.id || a?.distance != b?.distance { disagreements += 1 }
        }
        let scanPerSecond = Double(checked.count) / seconds(ContinuousClock.now - scanStart)

        let report: [String: Double] = [
            "stored": Double(count), "distance": Double(distance), "insert_per_second": Double(count) / insertSeconds,
            "index_megabytes": Double(rssAfter - rssBefore) / 1_048_576,
            "near_lookups_per_second": nearResult.perSecond, "near_found_share": Double(nearResult.found) / Double(queries),
            "unrelated_lookups_per_second": unrelatedResult.perSecond,
            "unrelated_found_share": Double(unrelatedResult.found) / Double(queries),
            "full_scan_lookups_per_second": scanPerSecond, "disagreements_with_scan": Double(disagreements),
            "checked_against_scan": Double(checked.count),
        ]
        if json {
            let data = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys, .prettyPrinted])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("stored \(count) fingerprints, radius \(distance) bits; index built at \(Int(report["insert_per_second"]!))/s, \(String(format: "%.0f", report["index_megabytes"]!)) MB resident")
            print(String(format: "near-duplicate lookups: %.0f/s (found %.1f%%)", nearResult.perSecond, 100 * report["near_found_share"]!))
            print(String(format: "unrelated lookups:      %.0f/s (found %.2f%%)", unrelatedResult.perSecond, 100 * report["unrelated_found_share"]!))
            print(String(format: "full scan (ceiling):    %.0f/s; index agreed with the scan on %d of %d lookups", scanPerSecond, checked.count - disagreements, checked.count))
        }
        if disagreements > 0 { throw ExitCode(1) }
    }

    /// How many pairs of real articles fall within each distance: the false-match rate a
    /// radius would give (some close pairs are true near-duplicates: check them with --json).
    func pairs(_ root: String) throws {
        let parser = DocumentParser()
        var fingerprints: [(String, UInt64)] = []
        let e = FileManager.default.enumerator(atPath: root)
        while let path = e?.nextObject() as? String {
            guard let data = FileManager.default.contents(atPath: root + "/" + path),
                let doc = try? parser.parse(bytes: Array(data))
            else { continue }
            for a in doc.articles where a.wordCount >= 20 {
                fingerprints.append((path, SimHash.fingerprint(a.title + "\n" + a.body)))
            }
        }
        fingerprints.sort { $0.0 < $1.0 }
        var histogram = [Int](repeating: 0, count: 65)
        var close: [String] = []
        for i in 0..<fingerprints.count {
            for j in (i + 1)..<fingerprints.count {
                let d = SimHash.distance(fingerprints[i].1, fingerprints[j].1)
                histogram[d] += 1
                if d <= distance { close.append("\(d) \(fingerprints[i].0) \(fingerprints[j].0)") }
            }
        }
        let total = fingerprints.count * (fingerprints.count - 1) / 2
        if json {
            let data = try JSONSerialization.data(
                withJSONObject: ["articles": fingerprints.count, "pairs": total, "histogram": histogram, "within_radius": close],
                options: [.sortedKeys, .prettyPrinted])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        print("\(fingerprints.count) articles, \(total) pairs")
        print("pairs by distance 0…16: " + histogram[0...16].map(String.init).joined(separator: " "))
        print("within \(distance) bits: \(close.count) pairs")
    }

    func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        return fields.count > 1 ? (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE))) : 0
    }
}
