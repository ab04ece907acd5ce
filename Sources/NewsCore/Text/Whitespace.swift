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

    /// `normalizeLine` over the line's UTF-8 bytes (native strings): ASCII costs a comparison
    /// or two per byte; only other scalars are decoded and looked up.
    static func normalize(utf8 bytes: UnsafeBufferPointer<UInt8>) -> String {
        var needsNFC = false
        // The result is never longer than the line: written straight into the String's storage.
        let normalized = String(unsafeUninitializedCapacity: bytes.count) { out in
            var count = 0
            var pendingSpace = false
            var i = 0
            let n = bytes.count
            while i < n {
                let b = bytes[i]
                if b < 0x80 {
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
                default:
                    break
                }
                guard let scalar = Unicode.Scalar(v) else { continue }
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
