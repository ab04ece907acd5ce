/// 64-bit SimHash fingerprints (Charikar) over word shingles, for near-duplicate detection.
///
/// Each shingle (`shingleSize` consecutive lowercased words) is hashed to 64 bits; every bit
/// position sums +1 or -1 over the shingles, and the fingerprint keeps the sign. Texts that
/// share most shingles get fingerprints a few bits apart.
public enum SimHash {
    /// Words per shingle.
    public static let defaultShingleSize = 2

    /// The fingerprint of `text` (title and body). Zero for a text with no words.
    public static func fingerprint(_ text: String, shingleSize: Int = defaultShingleSize) -> UInt64 {
        fingerprint(WordTokens(text), shingleSize: shingleSize)
    }

    /// The fingerprint of an already tokenized text.
    public static func fingerprint(_ tokens: WordTokens, shingleSize: Int = defaultShingleSize) -> UInt64 {
        let words = tokens.hashes
        guard !words.isEmpty else { return 0 }
        let k = max(1, min(shingleSize, words.count))
        // Count the one bits of each position; a bit is set when ones outnumber zeros.
        var ones = [Int32](repeating: 0, count: 64)
        let shingles = words.count - k + 1
        // Bit counts in byte lanes: eight UInt64s, lane j of sums[b] counting bit 8b + j, each
        // shingle adding one spread byte per word (a byte never passes 255: flushed before).
        var sums: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
        let spread = Self.spreadBits
        ones.withUnsafeMutableBufferPointer { ones in
            func flush() {
                withUnsafeBytes(of: sums) { lanes in
                    for bit in 0..<64 { ones[bit] &+= Int32(lanes[bit]) }  // little-endian: byte 8b + j
                }
                sums = (0, 0, 0, 0, 0, 0, 0, 0)
            }
            var pending = 0
            for start in 0..<shingles {
                var h: UInt64 = 0
                for w in words[start..<start + k] { h = mix(h &* 0x100_0000_01b3 ^ w) }
                sums.0 &+= spread[Int(h & 0xFF)]
                sums.1 &+= spread[Int((h >> 8) & 0xFF)]
                sums.2 &+= spread[Int((h >> 16) & 0xFF)]
                sums.3 &+= spread[Int((h >> 24) & 0xFF)]
                sums.4 &+= spread[Int((h >> 32) & 0xFF)]
                sums.5 &+= spread[Int((h >> 40) & 0xFF)]
                sums.6 &+= spread[Int((h >> 48) & 0xFF)]
                sums.7 &+= spread[Int(h >> 56)]
                pending += 1
                if pending == 255 {
                    flush()
                    pending = 0
                }
            }
            flush()
        }
        var out: UInt64 = 0
        for bit in 0..<64 where Int(ones[bit]) * 2 > shingles { out |= 1 << UInt64(bit) }
        return out
    }

    /// Byte b's eight bits, one per byte lane (bit j in byte j).
    static let spreadBits: [UInt64] = (0..<256).map { b in
        (0..<8).reduce(UInt64(0)) { $0 | (UInt64((b >> $1) & 1) << (8 * UInt64($1))) }
    }

    /// Number of differing bits.
    @inline(__always)
    public static func distance(_ a: UInt64, _ b: UInt64) -> Int { (a ^ b).nonzeroBitCount }

    /// SplitMix64's finalizer: spreads every input bit over the whole word.
    @inline(__always)
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9e37_79b9_7f4a_7c15
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
