/// Turns a fragment of HTML (as JSON exports often carry in their body field) into plain text:
/// block ends become blank lines, other tags are dropped, character references are decoded.
/// Whole pages go through the HTML extractor instead.
public enum HTMLText {
    /// Whether `text` looks like it carries HTML markup.
    public static func looksLikeHTML(_ text: String) -> Bool {
        let lower = text.prefix(4096).lowercased()
        return ["<p>", "<p ", "<br", "</p>", "<div", "</div>", "<li>", "<h1", "<h2", "<span"].contains { lower.contains($0) }
    }

    /// Plain text of an HTML fragment.
    public static func plainText(_ html: String) -> String {
        var out = ""
        out.reserveCapacity(html.utf8.count)
        var i = html.startIndex
        let blockTags: Set<String> = ["p", "/p", "br", "div", "/div", "li", "/li", "h1", "h2", "h3", "h4", "h5", "h6",
                                      "/h1", "/h2", "/h3", "/h4", "/h5", "/h6", "blockquote", "/blockquote", "tr", "/tr"]
        var skipUntil: String? = nil
        while i < html.endIndex {
            let c = html[i]
            if c == "<", let close = html[i...].firstIndex(of: ">") {
                let inner = html[html.index(after: i)..<close].lowercased()
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

    private static let named: [String: String] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": "\u{00A0}", "ndash": "–", "mdash": "—",
        "lsquo": "‘", "rsquo": "’", "ldquo": "“", "rdquo": "”", "hellip": "…", "copy": "©", "reg": "®", "euro": "€",
        "pound": "£", "laquo": "«", "raquo": "»", "shy": "\u{00AD}", "eacute": "é", "egrave": "è", "uuml": "ü",
        "ouml": "ö", "auml": "ä", "szlig": "ß", "ccedil": "ç", "aacute": "á", "iacute": "í", "oacute": "ó", "uacute": "ú",
        "ntilde": "ñ",
    ]

    /// Decodes `&amp;`, `&#39;`, `&#x2019;` and the common named references.
    public static func decodeEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var out = ""
        var i = text.startIndex
        while i < text.endIndex {
            if text[i] == "&", let semi = text[i...].prefix(12).firstIndex(of: ";") {
                let ref = text[text.index(after: i)..<semi]
                var replacement: String?
                if ref.hasPrefix("#x") || ref.hasPrefix("#X") {
                    replacement = UInt32(ref.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init).map { String($0) }
                } else if ref.hasPrefix("#") {
                    replacement = UInt32(ref.dropFirst()).flatMap(Unicode.Scalar.init).map { String($0) }
                } else {
                    replacement = named[String(ref)]
                }
                if let replacement {
                    out += replacement
                    i = text.index(after: semi)
                    continue
                }
            }
            out.append(text[i])
            i = text.index(after: i)
        }
        return out
    }
}
