import Foundation

/// Line-level text normalization shared by the parsers.
public enum Whitespace {
    /// Collapses every run of Unicode white space (including no-break and other fixed-width
    /// spaces) to one ASCII space, removes zero-width and control characters, trims, and puts
    /// the result in Unicode NFC (so "é" as one or two code points hashes the same).
    public static func normalizeLine<S: StringProtocol>(_ line: S) -> String {
        if let normalized = line.utf8.withContiguousStorageIfAvailable(normalize(utf8:)) { return normalized }
        var native = String(line)  // e.g. a bridged string: made contiguous once
        return native.withUTF8(normalize(utf8:))
    }

    /// `normalizeLine` over the line's UTF-8 bytes (native strings): eight bytes at a time
    /// where they are printable ASCII with single spaces between words (most of a text), a
    /// comparison or two per byte for other ASCII; only other scalars are decoded and looked up.
    static func normalize(utf8 bytes: UnsafeBufferPointer<UInt8>) -> String {
        var needsNFC = false
        // The result is never longer than the line: written straight into the String's storage.
        let normalized = String(unsafeUninitializedCapacity: bytes.count) { out in
            var count = 0
            var pendingSpace = false
            // Combining marks in a row. NFC sorts a run of them, in time that grows with the
            // square of its length (80,000 alternating marks: 29 s); like Unicode's Stream-Safe
            // Text Format (UAX #15), at most 30 in a row are kept. No language needs more.
            var marks = 0
            var i = 0
            let n = bytes.count
            while i < n {
                if i &+ 8 <= n {
                    let x = UnsafeRawPointer(bytes.baseAddress! + i).loadUnaligned(as: UInt64.self)
                    let spaces = plainSpaces(x)
                    // Plain, no space opening the chunk after a space or at the line's start,
                    // none closing it (what follows may be more white space): copied as it is.
                    if spaces != notPlain, spaces & 0x8000_0000_0000_0000 == 0,
                        spaces & 0x80 == 0 || (count > 0 && !pendingSpace)
                    {
                        if pendingSpace && count > 0 {
                            out[count] = 0x20
                            count += 1
                        }
                        pendingSpace = false
                        UnsafeMutableRawPointer(out.baseAddress! + count).storeBytes(of: x, as: UInt64.self)
                        count += 8
                        i += 8
                        marks = 0
                        continue
                    }
                }
                let b = bytes[i]
                if b < 0x80 {
                    marks = 0
                    if b == 0x20 || (b >= 0x09 && b <= 0x0D) {
                        pendingSpace = true
                    } else if b >= 0x20 && b != 0x7F {
                        if pendingSpace && count > 0 {
                            out[count] = 0x20
                            count += 1
                        }
                        pendingSpace = false
                        out[count] = b
                        count += 1
                    }
                    i += 1
                    continue
                }
                let (v, width) = UTF8Scalar.decode(bytes, i)
                defer { i += width }
                switch v {
                case 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD:
                    continue  // zero-width characters and soft hyphens carry no text
                case 0x200E, 0x200F, 0x061C, 0x202A...0x202E, 0x2066...0x2069:
                    continue  // bidirectional controls: U+202E can make a title read backwards
                default:
                    break
                }
                guard let scalar = Unicode.Scalar(v) else { continue }
                if v >= 0x300, scalar.properties.canonicalCombiningClass.rawValue != 0 {
                    marks += 1
                    if marks > 30 { continue }
                } else {
                    marks = 0
                }
                if scalar.properties.isWhitespace {
                    pendingSpace = true
                    continue
                }
                if scalar.properties.generalCategory == .control { continue }
                // A dropped space never outgrows the line: the space stood for skipped bytes.
                if pendingSpace && count > 0 {
                    out[count] = 0x20
                    count += 1
                }
                pendingSpace = false
                for k in 0..<width { out[count + k] = bytes[i + k] }
                count += width
                if v >= 0x300 { needsNFC = true }
            }
            return count
        }
        return needsNFC ? normalized.precomposedStringWithCanonicalMapping : normalized
    }

    /// `plainSpaces` of a chunk that is not plain.
    private static let notPlain: UInt64 = 1

    /// For eight bytes (little-endian) that are all printable ASCII (0x20–0x7E) with no two
    /// spaces side by side: 0x80 in the byte of each space. `notPlain` for any other bytes.
    @inline(__always)
    private static func plainSpaces(_ x: UInt64) -> UInt64 {
        let high: UInt64 = 0x8080_8080_8080_8080
        let low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        // Bit 6 or bit 5 set in every byte: each is 0x20 or above (given it is below 0x80).
        guard x & high == 0, (x | (x << 1)) & 0x4040_4040_4040_4040 == 0x4040_4040_4040_4040 else { return notPlain }
        // Exact masks of the bytes equal to 0x7F and to 0x20: 0x80 where a byte is zero.
        let del = x ^ low7
        guard ~(((del & low7) &+ low7) | del | low7) == 0 else { return notPlain }
        let sp = x ^ 0x2020_2020_2020_2020
        let spaces = ~(((sp & low7) &+ low7) | sp | low7)
        guard spaces & (spaces << 8) == 0 else { return notPlain }
        return spaces
    }

    /// Calls `body` with each line of `text` (LF, CRLF and lone CR line ends), normalized as
    /// `normalizeLine` does, without making a String of the raw line.
    public static func forEachNormalizedLine(_ text: String, _ body: (String) -> Void) {
        var text = text
        text.withUTF8 { bytes in
            let n = bytes.count
            var start = 0
            var i = 0
            while i < n {
                // Line ends are rare: skip eight bytes at a time while none holds LF or CR.
                while i &+ 8 <= n {
                    let x = UnsafeRawPointer(bytes.baseAddress! + i).loadUnaligned(as: UInt64.self)
                    if SWAR.hasByte(x, 0x0A) || SWAR.hasByte(x, 0x0D) { break }
                    i += 8
                }
                guard i < n else { break }
                let b = bytes[i]
                if b == 0x0A || b == 0x0D {
                    body(normalize(utf8: UnsafeBufferPointer(rebasing: bytes[start..<i])))
                    i += b == 0x0D && i + 1 < n && bytes[i + 1] == 0x0A ? 2 : 1
                    start = i
                } else {
                    i += 1
                }
            }
            body(normalize(utf8: UnsafeBufferPointer(rebasing: bytes[start..<n])))
        }
    }

    /// Splits text into lines, accepting LF, CRLF and lone CR line ends.
    public static func lines(_ text: String) -> [Substring] {
        var result: [Substring] = []
        // Line ends are ASCII bytes, so UTF-8 positions are scalar boundaries.
        let utf8 = text.utf8
        var start = utf8.startIndex
        var i = utf8.startIndex
        while i < utf8.endIndex {
            let b = utf8[i]
            if b == 0x0A || b == 0x0D {
                result.append(text[start..<i])
                var next = utf8.index(after: i)
                if b == 0x0D, next < utf8.endIndex, utf8[next] == 0x0A { next = utf8.index(after: next) }
                start = next
                i = next
                continue
            }
            i = utf8.index(after: i)
        }
        result.append(text[start..<utf8.endIndex])
        return result
    }
}
