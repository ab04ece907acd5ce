/// Turns a fragment of HTML (as JSON exports often carry in their body field) into plain text:
/// block ends become blank lines, other tags are dropped, character references are decoded.
/// Whole pages go through the HTML extractor instead.
public enum HTMLText {
    /// Whether `text` looks like it carries HTML markup.
    public static func looksLikeHTML(_ text: String) -> Bool {
        let lower = text.prefix(4096).lowercased()
        return ["<p>", "<p ", "<br", "</p>", "<div", "</div>", "<li>", "<h1", "<h2", "<span"].contains { lower.contains($0) }
    }

    /// Plain text of an HTML fragment. Linear in the input: each `<` looks for its `>` only up
    /// to the last `>` of the text, so a text of many `<` and no `>` is read once, not once per `<`.
    public static func plainText(_ html: String) -> String {
        var out = ""
        out.reserveCapacity(html.utf8.count)
        var i = html.startIndex
        let lastClose = html.lastIndex(of: ">")
        var skipUntil: String? = nil
        while i < html.endIndex {
            let c = html[i]
            if c == "<", let lastClose, i < lastClose, let close = html[i...].firstIndex(of: ">") {
                let inner = html[html.index(after: i)..<close].prefix(16).lowercased()
                let name = String(inner.prefix { !$0.isWhitespace && $0 != "/" || $0 == "/" && inner.first == "/" }.prefix(12))
                let bare = name.hasSuffix("/") ? String(name.dropLast()) : name
                if let end = skipUntil {
                    if bare == end { skipUntil = nil }
                } else if bare == "script" || bare == "style" {
                    skipUntil = "/" + bare
                } else if blockTags.contains(bare) {
                    out += "\n\n"
                }
                i = html.index(after: close)
                continue
            }
            if skipUntil == nil { out.append(c) }
            i = html.index(after: i)
        }
        return decodeEntities(out)
    }

    private static let blockTags: Set<String> = [
        "p", "/p", "br", "div", "/div", "li", "/li", "h1", "h2", "h3", "h4", "h5", "h6",
        "/h1", "/h2", "/h3", "/h4", "/h5", "/h6", "blockquote", "/blockquote", "tr", "/tr",
    ]

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
