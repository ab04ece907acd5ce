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
}
