/// Caps the attributes of each element before libxml2 sees the markup. libxml2 checks each new
/// attribute against the element's earlier ones, so an element with n attributes costs n²: a
/// `<p>` with 40,000 of them held a worker for 11 s. One linear pass keeps the first
/// `maxPerElement` attributes of every tag and drops the rest of that tag up to its `>`.
/// Markup with no element over the cap is returned unchanged (the same array).
enum AttributeCap {
    /// Far more than any real page puts on one element.
    static let maxPerElement = 128

    static func apply(_ bytes: [UInt8], maxPerElement: Int = maxPerElement) -> [UInt8] {
        var out: [UInt8] = []
        var copiedUpTo = 0  // bytes before this index are in `out` (or nothing was cut yet)
        var cut = false
        var i = 0
        let n = bytes.count
        while i < n {
            // A tag starts at `<` followed by a letter; anything else is text.
            guard bytes[i] == 0x3C, i + 1 < n, isLetter(bytes[i + 1]) else {
                i += 1
                continue
            }
            i += 1
            while i < n, !isSpace(bytes[i]), bytes[i] != 0x3E { i += 1 }  // the element's name
            var attributes = 0
            var quote: UInt8 = 0
            var inToken = false
            while i < n {
                let b = bytes[i]
                if quote != 0 {
                    if b == quote {
                        quote = 0
                        inToken = false  // `a="1"b="2"`: a value's closing quote ends the attribute
                    }
                } else if b == 0x3E {
                    break
                } else if b == 0x22 || b == 0x27 {
                    quote = b
                } else if isSpace(b) {
                    inToken = false
                } else if !inToken {
                    inToken = true
                    if b != 0x3D && b != 0x2F { attributes += 1 }  // not `=` of `a = "1"`, not `/>`
                    if attributes > maxPerElement {
                        // Drop from here to the tag's end (outside quotes), keeping the `>`.
                        if !cut {
                            out.reserveCapacity(n)
                            cut = true
                        }
                        out.append(contentsOf: bytes[copiedUpTo..<i])
                        var q: UInt8 = 0
                        while i < n {
                            let c = bytes[i]
                            if q != 0 {
                                if c == q { q = 0 }
                            } else if c == 0x22 || c == 0x27 {
                                q = c
                            } else if c == 0x3E {
                                break
                            }
                            i += 1
                        }
                        copiedUpTo = i
                        break
                    }
                }
                i += 1
            }
        }
        guard cut else { return bytes }
        out.append(contentsOf: bytes[copiedUpTo...])
        return out
    }

    private static func isLetter(_ b: UInt8) -> Bool { (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A }
    private static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == 0x0C }
}
