import CCLD2

/// What the language detector found in a text.
public struct DetectedLanguage: Sendable, Equatable {
    /// ISO 639 code of the text's main language (`LanguageIdentifier.isoCode`), nil when CLD2
    /// could not tell.
    public var language: String?
    /// Whether CLD2 calls `language` reliable: clearly ahead of the runner-up language for the
    /// amount of text it saw. Short texts are seldom reliable.
    public var reliable: Bool
    /// Share of the text's letters in `language`, 0–100.
    public var percent: Int

    /// Creates a result (tests).
    public init(language: String?, reliable: Bool, percent: Int) {
        self.language = language
        self.reliable = reliable
        self.percent = percent
    }
}

/// Identifies the language of a text with CLD2 (Compact Language Detector 2, Debian's
/// libcld2: naive Bayes over character 4-grams, with some languages known by their script
/// alone). Thread-safe; no state between calls.
///
/// Cost is linear in the bytes CLD2 reads, about 60 ns a byte on the 2-core development
/// machine, so it reads a bounded prefix (docs/ENRICHMENT.md): the first `probeBytes`, and
/// only when CLD2 is not sure of those (not reliable, or less than `probePercent`% of their
/// letters in one language), the first `maxBytes`. Both cuts fall on a scalar boundary.
public enum LanguageIdentifier {
    /// CLD2 never reads more than this: a 10 MB article costs what 64 KiB do.
    public static let maxBytes = 64 * 1024
    /// What CLD2 reads first. A news article's opening 512 bytes (about 80 words) name its
    /// language as surely as the whole text does: on all 1,701 bbc-train articles the answers
    /// and their reliability are the same as on the whole text (ten are short enough to be
    /// read whole).
    public static let probeBytes = 512
    /// The probe's answer stands when it is reliable and covers at least this share of the
    /// probe's letters; otherwise (a quotation in another language at the top) the longer
    /// prefix decides.
    public static let probePercent = 80

    /// The language of `text`.
    public static func detect(_ text: String) -> DetectedLanguage {
        var copy = text
        return copy.withUTF8 { detect(utf8: $0) }
    }

    /// `detect` on the bytes of a String (valid UTF-8 by construction); without `probing`,
    /// on the first `maxBytes` at once (tests compare the two).
    static func detect(utf8 bytes: UnsafeBufferPointer<UInt8>, probing: Bool = true) -> DetectedLanguage {
        let whole = prefixLength(bytes, maxBytes)
        // Probing costs a second call when it fails, so a text not much longer than the probe
        // is read whole at once.
        if probing && whole > probeBytes + probeBytes / 2 {
            let probe = run(bytes, prefixLength(bytes, probeBytes))
            if probe.reliable && probe.percent >= probePercent { return probe }
        }
        return run(bytes, whole)
    }

    /// The length of the longest prefix of at most `limit` bytes that ends on a scalar
    /// boundary: a cut inside a scalar moves back to the scalar's first byte.
    static func prefixLength(_ bytes: UnsafeBufferPointer<UInt8>, _ limit: Int) -> Int {
        guard bytes.count > limit else { return bytes.count }
        var n = limit
        while n > 0 && bytes[n] & 0xC0 == 0x80 { n -= 1 }
        return n
    }

    /// CLD2 on the first `length` bytes. CLD2 refuses bytes that are valid UTF-8 but not
    /// "interchange-valid" (most control characters, noncharacters); a text holding one is
    /// detected again with each such scalar replaced by spaces.
    ///
    /// CLD2 reads a little past the length it is given (its scanners look ahead for a word's
    /// end), so it is handed a copy followed by `padding`: what follows a probe's cut, or
    /// whatever memory lies after an array, never changes its answer. (Without the copy the
    /// same text was detected differently from run to run.)
    private static func run(_ bytes: UnsafeBufferPointer<UInt8>, _ length: Int) -> DetectedLanguage {
        guard length > 0 else { return DetectedLanguage(language: nil, reliable: false, percent: 0) }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(length + padding.count)
        buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[0..<length]))
        buffer.append(contentsOf: padding)
        func detect(_ n: Int) -> newsd_cld2_result {
            var result = newsd_cld2_result()
            buffer.withUnsafeBufferPointer { b in
                b.baseAddress!.withMemoryRebound(to: CChar.self, capacity: b.count) { newsd_cld2_detect($0, Int32(n), &result) }
            }
            return result
        }
        var result = detect(length)
        if Int(result.valid_prefix) < length {
            blankNonInterchange(&buffer)
            result = detect(length)
            // Anything CLD2 still refuses is left out (the prefix before it is valid).
            if Int(result.valid_prefix) < length {
                let valid = Int(result.valid_prefix)
                buffer.replaceSubrange(valid..<length, with: repeatElement(0x20, count: length - valid))
                result = detect(valid)
            }
        }
        return DetectedLanguage(
            language: isoCodes[Int(result.language)], reliable: result.reliable != 0, percent: Int(result.percent))
    }

    /// Spaces and a NUL after the text CLD2 reads.
    static let padding = [UInt8](repeating: 0x20, count: 32) + [0]

    /// Replaces each scalar CLD2 does not accept with as many spaces as it has bytes: C0
    /// controls other than tab, line feed, form feed and carriage return; DEL and the C1
    /// controls; the noncharacters U+FDD0–U+FDEF and U+xFFFE/U+xFFFF. `bytes` is valid UTF-8.
    static func blankNonInterchange(_ bytes: inout [UInt8]) {
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            let width = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4
            var scalar = UInt32(b)
            if width > 1 {
                scalar &= 0x7F >> UInt32(width)
                for k in 1..<width { scalar = (scalar << 6) | UInt32(bytes[i + k] & 0x3F) }
            }
            let refused =
                (scalar < 0x20 && scalar != 0x09 && scalar != 0x0A && scalar != 0x0C && scalar != 0x0D)
                || (scalar >= 0x7F && scalar <= 0x9F) || (scalar >= 0xFDD0 && scalar <= 0xFDEF)
                || scalar & 0xFFFE == 0xFFFE
            if refused { for k in 0..<width { bytes[i + k] = 0x20 } }
            i += width
        }
    }

    /// CLD2's code for each of its `Language` numbers, as an ISO 639 code (`isoCode`).
    static let isoCodes: [String?] = (0..<Int(newsd_cld2_language_count())).map {
        isoCode(cld2: String(cString: newsd_cld2_language_code(Int32($0))))
    }

    /// CLD2's language code as an ISO 639 code, or nil for "unknown".
    ///
    /// - Two-letter codes are ISO 639-1 and kept, except CLD2's old codes for Hebrew (`iw` →
    ///   `he`) and Javanese (`jw` → `jv`). Norwegian is `no` (Bokmål and the macrolanguage),
    ///   Nynorsk `nn`.
    /// - A region or script after a hyphen is dropped: `zh-Hant` (traditional characters) is
    ///   `zh`, `sr-ME` is `sr`.
    /// - Languages without a two-letter code keep CLD2's three-letter ISO 639-2/3 code (`haw`,
    ///   `ceb`, `chr`…): there is no shorter name for them.
    /// - nil: `un` and `xxx` (unknown), `xx-…` (text in a script CLD2 has no language for), and
    ///   CLD2's joke languages (`zzb`, `zzp`, `zzh`, `zze`, `tlh`).
    public static func isoCode(cld2 code: String) -> String? {
        let base = code.split(separator: "-", maxSplits: 1).first.map(String.init) ?? ""
        switch base {
        case "", "un", "xxx", "xx", "tlh": return nil
        case "iw": return "he"
        case "jw": return "jv"
        default: return base.hasPrefix("zz") ? nil : base
        }
    }
}
