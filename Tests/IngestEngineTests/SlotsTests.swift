import Synchronization
import Testing

@testable import IngestEngine

/// The pipeline's bound (Queue/Slots.swift).
struct SlotsTests {
    @Test func reservesUpToTheCapacityAndToldOfEveryReleaseButNotOfAnUnreserve() {
        let slots = Slots(capacity: 2)
        let told = Atomic<Int>(0)
        slots.onRelease { told.add(1, ordering: .relaxed) }
        #expect(slots.reserve() && slots.reserve())
        #expect(!slots.reserve())
        #expect(slots.snapshot == (2, 2))
        slots.unreserve()  // the claimer had nothing to claim: nobody is woken
        #expect(told.load(ordering: .relaxed) == 0 && slots.snapshot.used == 1)
        slots.release(1)
        slots.release(0)  // bytes freed, no slot: the claimer is told all the same
        #expect(told.load(ordering: .relaxed) == 2 && slots.snapshot.used == 0)
        #expect(slots.reserve())
    }
}
