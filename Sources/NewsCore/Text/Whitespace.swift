import Foundation

/// Line-level text normalization shared by the parsers.
public enum Whitespace {
    /// Collapses every run of Unicode white space (including no-break and other fixed-width
    /// spaces) to one ASCII space, removes zero-width and control characters, trims, and puts
    /// the result in Unicode NFC (so "é" as one or two code points hashes the same).
    public static func normalizeLine<S: StringProtocol>(_ line: S) -> String {
        var out = String.UnicodeScalarView()
        var pendingSpace = false
        var needsNFC = false
        for scalar in line.unicodeScalars {
            let v = scalar.value
            // ASCII fast path: Unicode property look-ups are slow and ASCII needs none.
            if v < 0x80 {
                if v == 0x20 || (v >= 0x09 && v <= 0x0D) {
                    pendingSpace = true
                } else if v >= 0x20 && v != 0x7F {
                    if pendingSpace && !out.isEmpty { out.append(" ") }
                    pendingSpace = false
                    out.append(scalar)
                }
                continue
            }
            switch v {
            case 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD:
                continue  // zero-width characters and soft hyphens carry no text
            default:
                break
            }
            if scalar.properties.isWhitespace {
                pendingSpace = true
                continue
            }
            if scalar.properties.generalCategory == .control { continue }
            if pendingSpace && !out.isEmpty { out.append(" ") }
            pendingSpace = false
            out.append(scalar)
            if scalar.value >= 0x300 { needsNFC = true }
        }
        let line = String(out)
        return needsNFC ? line.precomposedStringWithCanonicalMapping : line
    }

    /// Splits text into lines, accepting LF, CRLF and lone CR line ends.
    public static func lines(_ text: String) -> [Substring] {
        var result: [Substring] = []
        var start = text.startIndex
        var i = text.startIndex
        // Iterate by unicode scalars: "\r\n" is one Character, which would hide the split.
        let scalars = text.unicodeScalars
        var si = scalars.startIndex
        while si < scalars.endIndex {
            let s = scalars[si]
            if s == "\n" || s == "\r" {
                i = si
                result.append(text[start..<i])
                var next = scalars.index(after: si)
                if s == "\r", next < scalars.endIndex, scalars[next] == "\n" { next = scalars.index(after: next) }
                start = next
                si = next
                continue
            }
            si = scalars.index(after: si)
        }
        result.append(text[start..<text.endIndex])
        return result
    }
}
