/// Tests on eight bytes at once (a little-endian `UInt64` of them): the word-at-a-time scans of
/// text decoding and line splitting share these.
enum SWAR {
    /// Whether any of the eight bytes of `x` equals `byte`.
    @inline(__always)
    static func hasByte(_ x: UInt64, _ byte: UInt8) -> Bool {
        hasByteBelow(x ^ (0x0101_0101_0101_0101 &* UInt64(byte)), 1)
    }

    /// Whether any of the eight bytes of `x` is below `bound` (1…128). Exact for "any"; which
    /// byte it is cannot be read from the result.
    @inline(__always)
    static func hasByteBelow(_ x: UInt64, _ bound: UInt8) -> Bool {
        (x &- 0x0101_0101_0101_0101 &* UInt64(bound)) & ~x & 0x8080_8080_8080_8080 != 0
    }
}
