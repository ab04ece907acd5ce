import Testing

@testable import IngestEngine

/// Who gets a control connection (Control/ConnectionLimits.swift).
struct ConnectionLimitsTests {
    let limits = ConnectionLimits(maxClients: 8)  // 2 per user, 16 more for admins
    let t0 = ContinuousClock.now

    private func held(_ id: Int32, uid: UInt32, admin: Bool = false, answered: Bool = false) -> ConnectionLimits.Held {
        .init(id: id, uid: uid, admin: admin, answered: answered, acceptedAt: t0 + .milliseconds(Int(id)))
    }

    @Test func oneUserGetsAQuarterAndThenTradesItsOldestIdleConnection() {
        let mine = [held(1, uid: 1000), held(2, uid: 1000)]
        #expect(limits.perUserLimit == 2)
        #expect(limits.admit(uid: 1000, admin: false, held: [held(1, uid: 1000)], inputWaiting: { _ in false }) == .accept)
        #expect(limits.admit(uid: 1000, admin: false, held: mine, inputWaiting: { _ in false }) == .evictThenAccept(1))
        // Its oldest has a request arriving: the next one goes.
        #expect(limits.admit(uid: 1000, admin: false, held: mine, inputWaiting: { $0 == 1 }) == .evictThenAccept(2))
        // Both being answered or busy: refused; another user is not affected.
        #expect(limits.admit(uid: 1000, admin: false, held: mine, inputWaiting: { _ in true }) == .refuse)
        #expect(limits.admit(uid: 1001, admin: false, held: mine, inputWaiting: { _ in true }) == .accept)
    }

    @Test func whenFullTheOldestIdleGoesButNeverAnAdminsForSomeoneElse() {
        var all = [held(1, uid: 0, admin: true)]
        for id in 2...8 { all.append(held(Int32(id), uid: UInt32(1000 + id))) }  // 8 users, one each
        #expect(limits.admit(uid: 2000, admin: false, held: all, inputWaiting: { _ in false }) == .evictThenAccept(2))
        let answered = all.map { c in var c = c; c.answered = c.id != 1; return c }
        #expect(limits.admit(uid: 2000, admin: false, held: answered, inputWaiting: { _ in false }) == .refuse)
        // An admin has 16 more: accepted while others are refused.
        #expect(limits.admit(uid: 0, admin: true, held: answered, inputWaiting: { _ in false }) == .accept)
        let adminsFull = answered + (100..<116).map { held(Int32($0), uid: 0, admin: true) }
        #expect(limits.admit(uid: 0, admin: true, held: adminsFull, inputWaiting: { _ in false }) == .evictThenAccept(1))
        #expect(limits.admit(uid: 0, admin: true, held: adminsFull, inputWaiting: { _ in true }) == .refuse)
    }

    @Test func anAdminHasNoPerUserLimit() {
        let admins = (1...5).map { held(Int32($0), uid: 0, admin: true) }
        #expect(limits.admit(uid: 0, admin: true, held: admins, inputWaiting: { _ in false }) == .accept)
        #expect(ConnectionLimits(maxClients: 1).perUserLimit == 1)
    }
}
