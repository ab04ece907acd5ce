/// Decoding of the byte-level scanners (word tokens, language, line normalization), which
/// walk a String's UTF-8 directly.
enum UTF8Scalar {
    /// The scalar starting at `i` of valid UTF-8 (a String's bytes): its value and width.
    @inline(__always)
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>, _ i: Int) -> (value: UInt32, width: Int) {
        let b0 = bytes[i]
        if b0 < 0x80 { return (UInt32(b0), 1) }
        if b0 < 0xE0 { return ((UInt32(b0 & 0x1F) << 6) | UInt32(bytes[i + 1] & 0x3F), 2) }
        if b0 < 0xF0 {
            return ((UInt32(b0 & 0x0F) << 12) | (UInt32(bytes[i + 1] & 0x3F) << 6) | UInt32(bytes[i + 2] & 0x3F), 3)
        }
        return (
            (UInt32(b0 & 0x07) << 18) | (UInt32(bytes[i + 1] & 0x3F) << 12) | (UInt32(bytes[i + 2] & 0x3F) << 6)
                | UInt32(bytes[i + 3] & 0x3F), 4
        )
    }
}
