import Testing

@testable import IngestEngine

/// The writer's coordination without a database or a thread (Writer/WriterStateMachine.swift).
struct WriterStateMachineTests {
    typealias Machine = WriterStateMachine<Int>

    private func machine(lanes: Int = 1, batch: Int = 3, flushMs: Int = 50, capacity: Int = 100) -> Machine {
        Machine(lanes: lanes, capacity: capacity, batchSize: batch, flushIntervalMilliseconds: flushMs, retryInitialMilliseconds: 100, retryMaxMilliseconds: 800)
    }

    /// Absorbs `items`, then schedules: what a wake-up after `submit` does.
    private func submit(_ m: inout Machine, _ items: [Int]) -> [Machine.Action] {
        #expect(m.absorb(items).isEmpty)
        return m.schedule()
    }

    @Test func aFullBatchGoesAtOnceAndAPartialOneWaitsForTheTimer() {
        var m = machine()
        #expect(submit(&m, [1]) == [.armTimer(milliseconds: 50)])
        #expect(submit(&m, [2]) == [])  // one timer only
        #expect(submit(&m, [3, 4]) == [.cancelTimer, .write([1, 2, 3], lane: 0)])
        #expect(m.timerArmed == false && m.pending.count == 1)
        #expect(m.laneFinished(0, failed: false) == [.armTimer(milliseconds: 50)])
        #expect(m.timerFired() == [.write([4], lane: 0)])
        #expect(m.willLook)  // the only lane is busy: its end looks again
    }

    @Test func withNoFlushIntervalEveryFileGoesWhenALaneIsFree() {
        var m = machine(lanes: 2, flushMs: 0)
        #expect(submit(&m, [1]) == [.write([1], lane: 0)])
        #expect(submit(&m, [2]) == [.write([2], lane: 1)])
        #expect(submit(&m, [3]) == [])  // both lanes busy
        #expect(m.laneFinished(1, failed: false) == [.write([3], lane: 1)])
    }

    @Test func fullBatchesFillEveryIdleLaneAndTheRestWaits() {
        var m = machine(lanes: 2)
        #expect(submit(&m, Array(1...8)) == [.write([1, 2, 3], lane: 0), .write([4, 5, 6], lane: 1)])
        #expect(m.pending.count == 2 && m.idle.isEmpty)
        #expect(m.laneFinished(0, failed: false) == [.armTimer(milliseconds: 50)])
    }

    @Test func aFailureKeepsTheFilesInOrderAndOnePauseServesEveryLane() {
        var m = machine(lanes: 2)
        #expect(submit(&m, Array(1...7)) == [.write([1, 2, 3], lane: 0), .write([4, 5, 6], lane: 1)])
        // Lane 0 fails having written nothing: its batch goes back in front of 7.
        #expect(m.laneFinished(0, failed: true, unwritten: [1, 2, 3]) == [.backOff(milliseconds: 100)])
        #expect(m.pending.count == 4 && m.backingOff && m.willLook)
        // Lane 1 fails too during the pause, having written 4: 5 and 6 go in front, no second pause.
        #expect(m.laneFinished(1, failed: true, unwritten: [5, 6]) == [])
        #expect(submit(&m, [8]) == [])  // nothing is written while backing off
        #expect(m.backoffEnded() == [.write([5, 6, 1], lane: 1), .write([2, 3, 7], lane: 0)])
        #expect(m.pending.count == 1)
    }

    @Test func thePauseDoublesUpToTheMaximumAndASuccessResetsIt() {
        var m = machine()
        #expect(submit(&m, [1, 2, 3]) == [.write([1, 2, 3], lane: 0)])
        var pauses: [Machine.Action] = []
        for _ in 0..<5 {
            pauses += m.laneFinished(0, failed: true, unwritten: [1, 2, 3])
            #expect(m.backoffEnded() == [.write([1, 2, 3], lane: 0)])  // a pause's end writes the batch again at once
        }
        #expect(pauses == [100, 200, 400, 800, 800].map { .backOff(milliseconds: $0) })
        #expect(m.laneFinished(0, failed: false) == [])
        #expect(m.backoffMilliseconds == 100)
        #expect(submit(&m, [4, 5, 6]) == [.write([4, 5, 6], lane: 0)])
        #expect(m.laneFinished(0, failed: true, unwritten: [6]) == [.backOff(milliseconds: 100)])
    }

    @Test func aPauseWithNothingToWriteEndsByReconnectingALane() {
        var m = machine()
        #expect(m.connectEarly() == [.connect(lane: 0)])
        #expect(m.connectEarly() == [])  // no idle lane left
        #expect(m.connectFinished(0, failed: true) == [.backOff(milliseconds: 100)])
        #expect(m.backoffEnded() == [.connect(lane: 0)])
        #expect(m.connectFinished(0, failed: true) == [.backOff(milliseconds: 200)])
        #expect(submit(&m, [1]) == [])
        #expect(m.backoffEnded() == [.write([1], lane: 0)])  // a file waits: it goes at once, no reconnect first
    }

    @Test func shutdownWritesPartialBatchesAtOnceOnEveryLane() {
        var m = machine(lanes: 2, batch: 10)
        #expect(submit(&m, [1, 2]) == [.armTimer(milliseconds: 50)])
        #expect(m.beginShutdown() == [.cancelTimer, .write([1, 2], lane: 0)])
        #expect(submit(&m, [3]) == [.write([3], lane: 1)])
        #expect(submit(&m, [4]) == [])
        #expect(m.laneFinished(0, failed: false) == [.write([4], lane: 0)])
    }

    @Test func aReloadedBatchSizeAppliesToWhatWaits() {
        var m = machine(batch: 10)
        #expect(submit(&m, [1, 2, 3, 4]) == [.armTimer(milliseconds: 50)])
        #expect(m.reconfigure(batchSize: 2, flushIntervalMilliseconds: 50) == [.cancelTimer, .write([1, 2], lane: 0)])
        #expect(m.laneFinished(0, failed: false) == [.write([3, 4], lane: 0)])
    }

    @Test func filesBeyondTheQueuesCapacityAreKeptInFront() {
        var m = machine(capacity: 2)
        #expect(m.absorb([1, 2, 3, 4]) == [3, 4])
        #expect(m.pending.count == 4)
        #expect(m.schedule() == [.write([3, 4, 1], lane: 0)])
    }

    @Test func submitWakesTheCoordinatorOnlyWhenNothingElseWill() {
        var m = machine()
        var intake = WriterIntake<Int>(batchSize: 3)
        var wakes: [Bool] = []
        wakes.append(intake.append(1))  // idle coordinator: wake it
        #expect(submit(&m, intake.take()) == [.armTimer(milliseconds: 50)])
        wakes.append(intake.publish(m))
        wakes.append(intake.append(2))  // 1 waiting + 1 < 3: the timer will look
        wakes.append(intake.append(3))  // 1 + 2 ≥ 3: a full batch waits, wake now
        wakes.append(intake.append(4))  // woken already
        #expect(submit(&m, intake.take()) == [.cancelTimer, .write([1, 2, 3], lane: 0)])
        wakes.append(intake.publish(m))  // 4 waits, but the busy lane's end looks
        wakes.append(intake.append(5))
        #expect(wakes == [true, false, false, true, false, false, false])
        #expect(m.laneFinished(0, failed: false) == [.armTimer(milliseconds: 50)])
        #expect(m.pending.count == 1 && intake.take() == [5])
    }
}
