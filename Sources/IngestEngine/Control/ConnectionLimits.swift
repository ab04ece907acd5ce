/// Who gets a control connection. `control.maxClients` connections in all, and a quarter of
/// that for any one user who is not an admin, so one hostile user cannot shut the others out.
/// Root, newsd's user and the admins have `adminReserve` more, so `status` gets through. Past a
/// limit, the connection of that scope idle longest is closed to make room; if none is idle
/// (every one is being answered or has data waiting), the new one is refused. A value: the
/// control server asks it at each accept.
struct ConnectionLimits: Sendable {
    /// Connections beyond `maxClients` that only admins may open.
    static let adminReserve = 16

    let maxClients: Int

    /// Connections one user who is not an admin may hold at once.
    var perUserLimit: Int { max(1, maxClients / 4) }

    /// A connection held now.
    struct Held: Sendable {
        var id: Int32
        var uid: UInt32
        var admin: Bool
        /// Its request is complete and being answered: never closed to make room.
        var answered: Bool
        var acceptedAt: ContinuousClock.Instant
    }

    enum Decision: Equatable {
        case accept
        /// Close `id` (with `busy`), then accept.
        case evictThenAccept(Int32)
        case refuse
    }

    /// What to do with a new connection of `uid`. `inputWaiting` says whether a held connection
    /// has data (or EOF) waiting to be read: asked only of candidates for eviction.
    func admit(uid: UInt32, admin: Bool, held: [Held], inputWaiting: (Int32) -> Bool) -> Decision {
        let own = admin ? 0 : held.count { $0.uid == uid }
        let full = held.count >= maxClients + (admin ? Self.adminReserve : 0)
        guard full || own >= perUserLimit else { return .accept }
        let onlyUID: UInt32? = full ? nil : uid
        // The one accepted longest ago that is not being answered and has nothing waiting to be
        // read (idle, or a request sent in part and stalled), of `onlyUID` if given. An admin's
        // is closed only to make room for an admin.
        for c in held.filter({ !$0.answered }).sorted(by: { $0.acceptedAt < $1.acceptedAt }) {
            if let onlyUID, c.uid != onlyUID { continue }
            if !admin && c.admin { continue }
            if inputWaiting(c.id) { continue }
            return .evictThenAccept(c.id)
        }
        return .refuse
    }
}
