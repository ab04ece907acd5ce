/// Turns a fragment of HTML (as JSON exports often carry in their body field) into plain text:
/// block ends become blank lines, other tags are dropped, character references are decoded.
/// Whole pages go through the HTML extractor instead.
public enum HTMLText {
    /// Whether `text` looks like it carries HTML markup.
    public static func looksLikeHTML(_ text: String) -> Bool {
        let lower = text.prefix(4096).lowercased()
        return ["<p>", "<p ", "<br", "</p>", "<div", "</div>", "<li>", "<h1", "<h2", "<span"].contains { lower.contains($0) }
    }

    /// Plain text of an HTML fragment. Linear in the input, and over its UTF-8 bytes: text runs
    /// are copied whole, and each `<` looks for its `>` only up to the last `>` of the text, so a
    /// text of many `<` and no `>` is read once, not once per `<`.
    public static func plainText(_ html: String) -> String {
        let b = Array(html.utf8)
        let n = b.count
        var out: [UInt8] = []
        out.reserveCapacity(n)
        let lastClose = b.lastIndex(of: 0x3E) ?? -1
        var skipUntil: [UInt8]? = nil
        var i = 0
        while i < n {
            guard let open = b[i...].firstIndex(of: 0x3C) else {
                if skipUntil == nil { out.append(contentsOf: b[i...]) }
                break
            }
            if skipUntil == nil { out.append(contentsOf: b[i..<open]) }
            guard open < lastClose, let close = b[(open + 1)...].firstIndex(of: 0x3E) else {
                // A `<` with no `>` after it is text.
                if skipUntil == nil { out.append(0x3C) }
                i = open + 1
                continue
            }
            let bare = tagName(b[(open + 1)..<close])
            if let end = skipUntil {
                if bare == end { skipUntil = nil }
            } else if bare == Array("script".utf8) || bare == Array("style".utf8) {
                skipUntil = [0x2F] + bare
            } else if blockTags.contains(bare) {
                out.append(contentsOf: [0x0A, 0x0A])
            }
            i = close + 1
        }
        return decodeEntities(String(decoding: out, as: UTF8.self))
    }

    /// The lowercased name of a tag from what stands between `<` and `>` (`/p` for a closing
    /// tag, `br` for `br/`), at most 12 bytes.
    private static func tagName(_ inner: ArraySlice<UInt8>) -> [UInt8] {
        var name: [UInt8] = []
        let closing = inner.first == 0x2F
        for (k, c) in inner.prefix(16).enumerated() {
            if c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D || (c == 0x2F && !(closing && k == 0)) { break }
            name.append(c >= 0x41 && c <= 0x5A ? c | 0x20 : c)
            if name.count == 12 { break }
        }
        return name
    }

    private static let blockTags: Set<[UInt8]> = Set(
        ["p", "/p", "br", "div", "/div", "li", "/li", "h1", "h2", "h3", "h4", "h5", "h6",
         "/h1", "/h2", "/h3", "/h4", "/h5", "/h6", "blockquote", "/blockquote", "tr", "/tr"].map { Array($0.utf8) })

    /// Decodes numeric references (`&#39;`, `&#x2019;`) and every HTML5 named reference
    /// (`&amp;`, `&frac12;`, `&NotSquareSupersetEqual;`). A reference that names nothing, or a
    /// code point that is not a character (a surrogate, past U+10FFFF, NUL), stays as written.
    public static func decodeEntities(_ text: String) -> String {
        guard text.utf8.contains(0x26) else { return text }
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var copied = 0  // bytes before this index are in `out`
        var i = 0
        let n = bytes.count
        while i < n {
            guard bytes[i] == 0x26 else {
                i += 1
                continue
            }
            // A reference is `&`, a name or number of at most maxNameLength bytes, then `;`.
            var semi = i + 1
            let limit = min(n, i + 2 + HTMLEntities.maxNameLength)
            while semi < limit, bytes[semi] != 0x3B, bytes[semi] != 0x26 { semi += 1 }
            guard semi < limit, bytes[semi] == 0x3B, semi > i + 1 else {
                i += 1
                continue
            }
            let ref = bytes[(i + 1)..<semi]
            let replacement: String?
            if ref.first == 0x23 {  // #
                let hex = ref.count > 1 && (ref[ref.startIndex + 1] | 0x20) == 0x78  // x or X
                let digits = String(decoding: ref.dropFirst(hex ? 2 : 1), as: UTF8.self)
                replacement = UInt32(digits, radix: hex ? 16 : 10).flatMap(character)
            } else {
                replacement = HTMLEntities.table[Substring(String(decoding: ref, as: UTF8.self))]
            }
            guard let replacement else {
                i += 1
                continue
            }
            out.append(contentsOf: bytes[copied..<i])
            out.append(contentsOf: replacement.utf8)
            i = semi + 1
            copied = i
        }
        if copied == 0 { return text }
        out.append(contentsOf: bytes[copied...])
        return String(decoding: out, as: UTF8.self)
    }

    private static func character(_ code: UInt32) -> String? {
        guard code != 0, let scalar = Unicode.Scalar(code) else { return nil }
        return String(scalar)
    }
}
