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
/// Each band's table holds the fingerprints themselves, sorted by key (counting sort), with an
/// offset per key, so a probe reads the candidates where the offset points rather than their
/// positions in a list of all fingerprints: past a few hundred thousand entries the tables
/// outgrow the CPU's caches and each extra load is a miss (Benchmarks/dedup-bench at 520,000,
/// same day: 38,000 → 53,000 look-ups/s). Tables are rebuilt when the entries added since the
/// last build exceed an eighth of the total or 8,192, whichever is less; newer entries are
/// scanned one by one meanwhile.
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
    /// Each band's fingerprints in key order (`keyed`), and the entry each one is (`slots`).
    private var keyed: [[UInt64]] = [[], [], []]
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

    /// The stored entry nearest to `fingerprint` within `maxDistance`, the lowest id on a tie.
    public func nearest(to fingerprint: UInt64) -> (id: Int64, distance: Int)? {
        var best: (id: Int64, distance: Int)? = nil
        @inline(__always) func consider(_ slot: Int, _ d: Int) {
            if let b = best, (b.distance, b.id) <= (d, ids[slot]) { return }
            best = (ids[slot], d)
        }
        if built > 0 {
            let keyMask = UInt32((1 << keyBits) - 1)
            for band in 0..<3 {
                let key = UInt32(truncatingIfNeeded: fingerprint >> Self.bands[band].shift) & keyMask
                offsets[band].withUnsafeBufferPointer { off in
                    keyed[band].withUnsafeBufferPointer { fp in
                        for mask in probes {
                            let k = Int(key ^ mask)
                            for i in Int(off[k])..<Int(off[k + 1]) {
                                let d = (fp[i] ^ fingerprint).nonzeroBitCount
                                if d <= maxDistance { consider(Int(slots[band][i]), d) }
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
            var fp = [UInt64](repeating: 0, count: n)
            // off[k] is where key k's next entry goes; once filled, it is where key k + 1 starts.
            for (slot, f) in fingerprints.enumerated() {
                let k = Int((f >> shift) & keyMask)
                sl[Int(off[k])] = Int32(slot)
                fp[Int(off[k])] = f
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
