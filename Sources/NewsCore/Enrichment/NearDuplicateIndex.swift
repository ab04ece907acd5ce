/// An in-memory index of SimHash fingerprints that finds the nearest stored fingerprint within
/// a Hamming radius without scanning them all (multi-index hashing, Norouzi et al.).
///
/// The 64 bits are cut into three bands (21, 21 and 22 bits). Two fingerprints at most `d`
/// bits apart differ in at most ⌊d/3⌋ bits of some band (pigeonhole), so probing, in each band,
/// every value within ⌊d/3⌋ bits of the query's finds every candidate; candidates are then
/// checked on all 64 bits. Each band's table is keyed by the band's low `k` bits, k ≈ log2 of
/// the entry count (at most the band's width), so about one entry shares a key and the tables
/// stay small: a flip outside the keyed bits leaves the key unchanged, so nothing is missed.
///
/// Each band's table holds, sorted by key (counting sort) with an offset per key, 32 bits of
/// each fingerprint (those after the band's own): a probe reads the candidates where the
/// offset points and rejects nearly all of them on those 32 bits (a fingerprint within the
/// radius is within it on any part), so only the few that pass read the whole fingerprint
/// from the list of all. Past a few hundred thousand entries the tables outgrow the CPU's
/// caches and each extra load is a miss (Benchmarks/dedup-bench at 520,000: 38,000 → 53,000
/// look-ups/s when the tables began to hold the fingerprints); 32 bits keep that and cost
/// about 50 bytes an entry in all, not 70 (2,500,000 entries: 124 MB, not 177). Tables are
/// rebuilt when the entries added since the last build exceed an eighth of the total or
/// 8,192, whichever is less; newer entries are scanned one by one meanwhile.
public struct NearDuplicateIndex: Sendable {
    /// The largest radius the index answers exactly (⌊11/3⌋ = 3 bits per band).
    public static let maxSupportedDistance = 11
    /// Default radius: the rewritten sample is 7 bits from the original; in bbc-train 34 of
    /// 1.4 million article pairs are within 8 bits (docs/ENRICHMENT.md).
    public static let defaultMaxDistance = 8

    static let bands: [(shift: UInt64, width: Int)] = [(0, 21), (21, 21), (42, 22)]

    /// Fingerprints within this many bits are near-duplicates.
    public let maxDistance: Int
    private var fingerprints: [UInt64] = []
    private var ids: [Int64] = []
    /// Entries below this position are in the tables; the rest are scanned.
    private var built = 0
    private var keyBits = 0
    private var offsets: [[Int32]] = [[], [], []]
    /// Each band's 32 filter bits (`filterBits`) in key order (`keyed`), and the entry each
    /// one is (`slots`).
    private var keyed: [[UInt32]] = [[], [], []]
    private var slots: [[Int32]] = [[], [], []]
    private var probes: [UInt32] = [0]

    /// Creates an empty index; `maxDistance` is clamped to 0…11.
    public init(maxDistance: Int = defaultMaxDistance) {
        self.maxDistance = max(0, min(maxDistance, Self.maxSupportedDistance))
    }

    /// Number of fingerprints stored.
    public var count: Int { fingerprints.count }

    /// Adds a fingerprint for the article `id`.
    public mutating func insert(_ fingerprint: UInt64, id: Int64) {
        fingerprints.append(fingerprint)
        ids.append(id)
        if fingerprints.count - built > max(1024, min(built / 8, 8192)) { rebuild() }
    }

    /// Adds many entries and builds the tables once (a load); with `buildTables` false the
    /// new entries wait, scanned one by one, for `buildTables()`.
    public mutating func insert(contentsOf entries: [(fingerprint: UInt64, id: Int64)], buildTables: Bool = true) {
        if fingerprints.capacity < fingerprints.count + entries.count {
            // Grows by half, not double: a load of millions keeps little spare capacity.
            let capacity = max(fingerprints.count + entries.count, fingerprints.count + fingerprints.count / 2)
            fingerprints.reserveCapacity(capacity)
            ids.reserveCapacity(capacity)
        }
        for e in entries {
            fingerprints.append(e.fingerprint)
            ids.append(e.id)
        }
        if buildTables { self.buildTables() }
    }

    /// Every entry, in the order added.
    public var entries: Zip2Sequence<[UInt64], [Int64]> { zip(fingerprints, ids) }

    /// Makes room for `n` entries in all (a load that knows its size keeps no spare capacity).
    public mutating func reserveCapacity(_ n: Int) {
        fingerprints.reserveCapacity(n)
        ids.reserveCapacity(n)
    }

    /// Puts every entry waiting to be scanned in the tables.
    public mutating func buildTables() {
        if fingerprints.count > built { rebuild() }
    }

    /// Bytes the index holds (its arrays' capacities): what `count` entries cost in memory.
    public var bytes: Int {
        var total = fingerprints.capacity * 8 + ids.capacity * 8 + probes.capacity * 4
        for band in 0..<3 { total += offsets[band].capacity * 4 + keyed[band].capacity * 4 + slots[band].capacity * 4 }
        return total
    }

    /// The 32 bits after band `band`'s own (wrapping): they hold no key bits, so they sift
    /// the candidates a key gathered.
    @inline(__always)
    static func filterBits(_ fingerprint: UInt64, band: Int) -> UInt32 {
        let start = (bands[band].shift + UInt64(bands[band].width)) & 63
        return UInt32(truncatingIfNeeded: (fingerprint >> start) | (fingerprint << ((64 - start) & 63)))
    }

    /// The stored entry nearest to `fingerprint` within `maxDistance`, the lowest id on a tie;
    /// only entries with ids below `before`, if given.
    public func nearest(to fingerprint: UInt64, before: Int64 = .max) -> (id: Int64, distance: Int)? {
        var best: (id: Int64, distance: Int)? = nil
        @inline(__always) func consider(_ slot: Int, _ d: Int) {
            if ids[slot] >= before { return }
            if let b = best, (b.distance, b.id) <= (d, ids[slot]) { return }
            best = (ids[slot], d)
        }
        if built > 0 {
            let keyMask = UInt32((1 << keyBits) - 1)
            for band in 0..<3 {
                let key = UInt32(truncatingIfNeeded: fingerprint >> Self.bands[band].shift) & keyMask
                let filter = Self.filterBits(fingerprint, band: band)
                offsets[band].withUnsafeBufferPointer { off in
                    keyed[band].withUnsafeBufferPointer { fp in
                        for mask in probes {
                            let k = Int(key ^ mask)
                            for i in Int(off[k])..<Int(off[k + 1]) where (fp[i] ^ filter).nonzeroBitCount <= maxDistance {
                                let slot = Int(slots[band][i])
                                let d = (fingerprints[slot] ^ fingerprint).nonzeroBitCount
                                if d <= maxDistance { consider(slot, d) }
                            }
                        }
                    }
                }
            }
        }
        for slot in built..<fingerprints.count {
            let d = (fingerprints[slot] ^ fingerprint).nonzeroBitCount
            if d <= maxDistance { consider(slot, d) }
        }
        return best
    }

    /// Brute force over every entry: the reference `nearest` must agree with (tests, benchmark).
    public func nearestByScan(to fingerprint: UInt64) -> (id: Int64, distance: Int)? {
        var best: (id: Int64, distance: Int)? = nil
        for slot in 0..<fingerprints.count {
            let d = (fingerprints[slot] ^ fingerprint).nonzeroBitCount
            guard d <= maxDistance else { continue }
            if let b = best, (b.distance, b.id) <= (d, ids[slot]) { continue }
            best = (ids[slot], d)
        }
        return best
    }

    /// Puts every entry in the tables, with keys sized to the entry count.
    private mutating func rebuild() {
        let n = fingerprints.count
        var bits = 1
        while (1 << bits) < n && bits < 21 { bits += 1 }
        keyBits = bits
        let keys = 1 << bits
        let keyMask = UInt64(keys - 1)
        for band in 0..<3 {
            // The old tables go first, and the offsets double as fill cursors: a rebuild needs
            // no more memory than the tables it makes (peak RSS is what the backlog bar reads).
            offsets[band] = []
            keyed[band] = []
            slots[band] = []
            let shift = Self.bands[band].shift
            var off = [Int32](repeating: 0, count: keys + 1)
            for f in fingerprints { off[Int((f >> shift) & keyMask) + 1] += 1 }
            for k in 0..<keys { off[k + 1] += off[k] }
            var sl = [Int32](repeating: 0, count: n)
            var fp = [UInt32](repeating: 0, count: n)
            // off[k] is where key k's next entry goes; once filled, it is where key k + 1 starts.
            for (slot, f) in fingerprints.enumerated() {
                let k = Int((f >> shift) & keyMask)
                sl[Int(off[k])] = Int32(slot)
                fp[Int(off[k])] = Self.filterBits(f, band: band)
                off[k] += 1
            }
            for k in stride(from: keys, to: 0, by: -1) { off[k] = off[k - 1] }
            off[0] = 0
            offsets[band] = off
            keyed[band] = fp
            slots[band] = sl
        }
        // Every key mask of at most ⌊d/3⌋ bits.
        let radius = maxDistance / 3
        var masks: [UInt32] = [0]
        var frontier: [(mask: UInt32, highest: Int)] = [(0, -1)]
        for _ in 0..<radius {
            var next: [(mask: UInt32, highest: Int)] = []
            for (m, h) in frontier {
                for b in (h + 1)..<bits {
                    next.append((m | 1 << UInt32(b), b))
                }
            }
            masks.append(contentsOf: next.map(\.mask))
            frontier = next
        }
        probes = masks
        built = n
    }
}
