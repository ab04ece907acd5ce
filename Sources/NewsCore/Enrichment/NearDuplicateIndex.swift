/// An in-memory index of SimHash fingerprints that finds the nearest stored fingerprint within
/// a Hamming radius without scanning them all (multi-index hashing).
///
/// The 64 bits are cut into four 16-bit bands, each with a table from band value to the
/// entries holding it. Two fingerprints at most `d` bits apart differ in at most ⌊d/4⌋ bits
/// of some band (pigeonhole), so probing every band value within ⌊d/4⌋ bits of the query's
/// finds every candidate; candidates are then checked on all 64 bits. With d ≤ 11 a query
/// probes at most 4 × 137 table slots. Memory: about 24 bytes per entry plus 2 MiB of tables.
public struct NearDuplicateIndex: Sendable {
    /// The largest radius the index answers exactly (⌊11/4⌋ = 2 bits per band).
    public static let maxSupportedDistance = 11
    /// Default radius: the rewritten sample is 7 bits from the original; in bbc-train fewer
    /// than 40 of 1.4 million pairs are within 8 bits (docs/ENRICHMENT.md).
    public static let defaultMaxDistance = 8

    /// Fingerprints within this many bits are near-duplicates.
    public let maxDistance: Int
    private var fingerprints: [UInt64] = []
    private var ids: [Int64] = []
    private var tables: [[[Int32]]]
    private let probes: [UInt16]

    /// Creates an empty index; `maxDistance` is clamped to 0…11.
    public init(maxDistance: Int = defaultMaxDistance) {
        self.maxDistance = max(0, min(maxDistance, Self.maxSupportedDistance))
        tables = Array(repeating: Array(repeating: [], count: 1 << 16), count: 4)
        // Every 16-bit mask with at most ⌊d/4⌋ bits set.
        let radius = self.maxDistance / 4
        var masks: [UInt16] = [0]
        if radius >= 1 { for i in 0..<16 { masks.append(1 << UInt16(i)) } }
        if radius >= 2 { for i in 0..<16 { for j in (i + 1)..<16 { masks.append(1 << UInt16(i) | 1 << UInt16(j)) } } }
        probes = masks
    }

    /// Number of fingerprints stored.
    public var count: Int { fingerprints.count }

    /// Adds a fingerprint for the article `id`.
    public mutating func insert(_ fingerprint: UInt64, id: Int64) {
        let slot = Int32(fingerprints.count)
        fingerprints.append(fingerprint)
        ids.append(id)
        for band in 0..<4 {
            tables[band][Int(Self.band(fingerprint, band))].append(slot)
        }
    }

    /// The stored entry nearest to `fingerprint` within `maxDistance`, the lowest id on a tie.
    public func nearest(to fingerprint: UInt64) -> (id: Int64, distance: Int)? {
        var best: (id: Int64, distance: Int)? = nil
        for band in 0..<4 {
            let value = Self.band(fingerprint, band)
            for mask in probes {
                for slot in tables[band][Int(value ^ mask)] {
                    let d = (fingerprints[Int(slot)] ^ fingerprint).nonzeroBitCount
                    guard d <= maxDistance else { continue }
                    let id = ids[Int(slot)]
                    if let b = best, (b.distance, b.id) <= (d, id) { continue }
                    best = (id, d)
                }
            }
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

    @inline(__always)
    static func band(_ f: UInt64, _ band: Int) -> UInt16 { UInt16(truncatingIfNeeded: f >> UInt64(16 * band)) }
}
