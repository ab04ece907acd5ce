import NewsCore
import Testing

@testable import IngestEngine

@Suite struct NearDuplicateTrackerTests {
    /// `match` from an answer prepared before other transactions committed (what a writer does)
    /// finds what a search of the whole index finds: across thousands of commits, past the
    /// recent-commit log's limit, and for answers older than the log reaches.
    @Test func matchingFromAnEarlierAnswerFindsWhatASearchFinds() {
        let tracker = NearDuplicateTracker(maxDistance: 8)
        var rng = SplitMix64(seed: 5)
        let families = (0..<40).map { _ in rng.next() }
        func near(_ rng: inout SplitMix64) -> UInt64 {
            var f = families[Int(rng.next() % UInt64(families.count))]
            for _ in 0..<Int(rng.next() % 7) { f ^= 1 << (rng.next() % 64) }
            return f
        }
        var id: Int64 = 0
        var prepared: [(fingerprint: UInt64, seen: NearDuplicateTracker.Committed)] = []
        var compared = 0
        var fromLog = 0
        for _ in 0..<3_000 {
            let f = near(&rng)
            prepared.append((f, tracker.nearestCommitted(f)))
            tracker.acquire()
            for _ in 0..<Int(1 + rng.next() % 3) {
                id += 1
                tracker.add(near(&rng), id: id)
            }
            // Within the transaction: its own articles count too, with or without the answer.
            let (f0, seen0) = prepared[prepared.count - 1 - Int(rng.next() % UInt64(min(prepared.count, 400)))]
            #expect(tracker.match(f0, seen: seen0) == tracker.match(f0))
            tracker.commit()
            let (f1, seen1) = prepared[Int(rng.next() % UInt64(prepared.count))]
            tracker.acquire()
            let fast = tracker.match(f1, seen: seen1)
            #expect(fast == tracker.match(f1))
            tracker.rollback()
            compared += 1
            if seen1.generation + 200 > prepared.count { fromLog += 1 }
        }
        #expect(compared == 3_000)
        #expect(Int(id) > NearDuplicateTracker.recentLimit)  // the log was trimmed along the way
        #expect(fromLog > 0)
    }

    /// Another instance's committed articles (`addCommitted`) are found like this writer's own:
    /// by a batch prepared before they arrived, and by one prepared after; and without holding
    /// the tracker, while a transaction of this writer is in progress.
    @Test func peersCommitsAreMatchedLikeOwnOnes() {
        let tracker = NearDuplicateTracker(maxDistance: 8)
        let original: UInt64 = 0x0123_4567_89ab_cdef
        let nearCopy = original ^ 0b1011  // 3 bits away
        let unrelated = ~original
        let before = tracker.nearestCommitted(nearCopy)
        #expect(before.nearest == nil)
        tracker.acquire()
        tracker.add(unrelated, id: 1)
        tracker.addCommitted([(original, 2), (unrelated ^ 1, 3)])
        #expect(tracker.match(nearCopy, seen: before) == 2)
        tracker.commit()
        #expect(tracker.count == 3)
        #expect(tracker.nearestCommitted(nearCopy).nearest?.id == 2)
        #expect(tracker.nearestCommitted(nearCopy).nearest?.distance == 3)
        #expect(tracker.addCommitted([]) == 0)
        // Read back again (a catch-up, a repeated or forged notification): nothing is added,
        // so repeats cannot grow the index.
        for _ in 0..<100 { #expect(tracker.addCommitted([(original, 2), (unrelated ^ 1, 3), (unrelated, 1)]) == 0) }
        #expect(tracker.count == 3)
        #expect(tracker.addCommitted([(original ^ 1, 4), (original ^ 1, 4)]) == 1)
        #expect(tracker.count == 4)
    }

    /// Writes begin before the stored fingerprints are loaded. When the load is merged in, each
    /// article committed meanwhile is matched again against the loaded ones, by the same rule
    /// (nearest, then lowest id): a nearer or equally near but older loaded article is the
    /// better link; a farther one is not. Loaded articles that were also committed meanwhile
    /// are not counted twice, and afterwards lookups see both.
    @Test func articlesCommittedDuringTheLoadAreMatchedAgainstIt() {
        let tracker = NearDuplicateTracker(maxDistance: 8)
        let a: UInt64 = 0x0123_4567_89ab_cdef
        let b: UInt64 = 0xfedc_ba98_7654_3210
        let c: UInt64 = 0x0f0f_0f0f_f0f0_f0f0
        #expect(!tracker.loaded)
        func commit(_ f: UInt64, _ id: Int64) {
            tracker.acquire()
            let link = tracker.nearest(f)
            tracker.add(f, id: id, link: link)
            tracker.commit()
        }
        commit(a ^ 0b111, 100)  // nothing stored to link to yet; loaded: a (id 5) at 3 bits
        commit(b ^ 0b11, 101)  // nothing yet; loaded: b ^ 0xF0 (id 6) at 6 bits
        commit(b ^ 0b1, 102)  // linked to 101 at 1 bit, nearer than 6 at 5 bits
        commit(c, 103)  // nothing yet; loaded: c ^ 0x101 (id 7) at 2 bits
        commit(c ^ 0b1, 104)  // linked to 103 at 1 bit; 7 is also 1 bit away, and older
        tracker.acquire()
        tracker.add(a, id: 105, link: nil)
        tracker.rollback()  // never committed: not matched again
        var loaded = NearDuplicateIndex(maxDistance: 8)
        loaded.insert(contentsOf: [(a, 5), (b ^ 0xF0, 6), (c ^ 0x101, 7), (a ^ 0b111, 100)])  // 100: read by the load too
        var load: NearDuplicateTracker.Load? = .init(index: loaded, through: 100)
        let late = tracker.finishLoad(&load)
        #expect(load == nil)
        #expect(late.map(\.id) == [100, 101, 103, 104])
        #expect(late.map(\.target) == [5, 6, 7, 7])
        #expect(tracker.loaded)
        #expect(tracker.count == 8)  // 4 loaded + 101...104
        #expect(tracker.nearestCommitted(a ^ 1).nearest?.id == 5)
        #expect(tracker.nearestCommitted(c).nearest?.id == 103)
        // A second load changes nothing.
        var again: NearDuplicateTracker.Load? = .init(index: loaded, through: 100)
        #expect(tracker.finishLoad(&again).isEmpty)
        #expect(tracker.count == 8)
    }
}
