/// A document cut into tokens for the entity model (docs/ENRICHMENT.md, "Named entities").
///
/// Words are split at white space; quotes, brackets and closing punctuation become tokens of
/// their own, and so does a possessive "'s", as in the Penn Treebank style the training data
/// uses. A full stop stays on an abbreviation ("St.", "Mr.", "U.S.", "J.") and does not end the
/// sentence there. Everything is done on the UTF-8 bytes: a token is a byte range of `bytes`,
/// with hashes of its lowercased and exact forms made on the way; a String is built only for a
/// name the model finds.
struct EntityTokens {
    /// One token.
    struct Token {
        var start: Int32
        var end: Int32
        /// FNV-1a of the token with ASCII letters lowercased.
        var lower: UInt64
        /// FNV-1a of the token as written (gazetteer look-ups are case-sensitive).
        var exact: UInt64
        /// The word's shape: letters as X or x, digits as d, runs collapsed ("Xx", "X.X.").
        var shape: UInt64
        var flags: Flags
    }

    struct Flags: OptionSet {
        let rawValue: UInt16
        /// The first letter is uppercase.
        static let capitalized = Flags(rawValue: 1 << 0)
        /// No lowercase letter and at least one uppercase one.
        static let allCaps = Flags(rawValue: 1 << 1)
        /// The first token of a sentence (or of a paragraph).
        static let sentenceStart = Flags(rawValue: 1 << 2)
        /// No letter or digit: punctuation.
        static let punctuation = Flags(rawValue: 1 << 3)
        /// Holds a digit.
        static let digit = Flags(rawValue: 1 << 4)
        /// Holds a byte outside ASCII.
        static let nonASCII = Flags(rawValue: 1 << 5)
        /// The same word occurs in the document starting with a lowercase letter.
        static let seenLowercase = Flags(rawValue: 1 << 6)
        /// The first token of a paragraph (or of the title).
        static let paragraphStart = Flags(rawValue: 1 << 7)
        /// A word of a citation: inside brackets that hold a year ("(Boot, Kramer, & Gratton,
        /// 2008)"), or just before brackets that open with one ("Gass (1997)").
        static let cited = Flags(rawValue: 1 << 8)
    }

    /// The paragraphs' bytes, each paragraph followed by a newline.
    private(set) var bytes: [UInt8] = []
    private(set) var tokens: [Token] = []
    /// Where each paragraph's tokens start, and one past the last token.
    private(set) var paragraphStarts: [Int] = []

    init(paragraphs: [String]) {
        self.init(title: "", paragraphs: paragraphs)
    }

    /// An article's tokens: its title (if not empty) as the first paragraph.
    init(title: String, paragraphs: [String]) {
        var total = title.utf8.count + 1
        for p in paragraphs { total += p.utf8.count + 1 }
        bytes.reserveCapacity(total)
        tokens.reserveCapacity(total / 5)
        if !title.isEmpty { add(paragraph: title) }
        for p in paragraphs { add(paragraph: p) }
        paragraphStarts.append(tokens.count)
        markLowercaseSeen()
        markCitations()
    }

    private mutating func add(paragraph: String) {
        paragraphStarts.append(tokens.count)
        let from = bytes.count
        var p = paragraph
        p.withUTF8 { bytes.append(contentsOf: $0) }
        let to = bytes.count
        bytes.append(0x0A)
        bytes.withUnsafeBufferPointer { scan($0, from, to) }
    }

    var count: Int { tokens.count }

    /// The text of tokens `from..<to` as written (with the spaces between them), line breaks
    /// and runs of white space as one space.
    func text(_ from: Int, _ to: Int) -> String {
        let lo = Int(tokens[from].start)
        let hi = Int(tokens[to - 1].end)
        var out: [UInt8] = []
        out.reserveCapacity(hi - lo)
        var space = false
        for i in lo..<hi {
            let b = bytes[i]
            if b == 0x20 || b == 0x0A || b == 0x09 || b == 0x0D {
                space = true
                continue
            }
            // NBSP (C2 A0) as a space.
            if b == 0xC2, i + 1 < hi, bytes[i + 1] == 0xA0 {
                space = true
                continue
            }
            if b == 0xA0, i > lo, bytes[i - 1] == 0xC2 { continue }
            if space, !out.isEmpty { out.append(0x20) }
            space = false
            out.append(b)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The text of one token.
    func text(_ i: Int) -> String { text(i, i + 1) }

    /// Whether token `i` is the one byte `b` ("(", ",").
    @inline(__always)
    func isByte(_ i: Int, _ b: UInt8) -> Bool {
        tokens[i].end - tokens[i].start == 1 && bytes[Int(tokens[i].start)] == b
    }

    /// Whether token `i` is `word`, byte for byte ("and", "al.").
    func isWord(_ i: Int, _ word: StaticString) -> Bool {
        let t = tokens[i]
        guard Int(t.end - t.start) == word.utf8CodeUnitCount else { return false }
        for k in 0..<word.utf8CodeUnitCount where bytes[Int(t.start) + k] != word.utf8Start[k] { return false }
        return true
    }

    // MARK: Scanning

    private mutating func scan(_ buf: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) {
        var i = from
        var sentenceStart = true
        var paragraphStart = true
        while i < to {
            let b = buf[i]
            if b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D {
                i += 1
                continue
            }
            if b == 0xC2, i + 1 < to, buf[i + 1] == 0xA0 {
                i += 2
                continue
            }
            var end = i
            while end < to {
                let c = buf[end]
                if c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D { break }
                if c == 0xC2, end + 1 < to, buf[end + 1] == 0xA0 { break }
                end += 1
            }
            chunk(buf, i, end, &sentenceStart, &paragraphStart)
            i = end
        }
    }

    /// Splits one white-space-delimited chunk into tokens.
    private mutating func chunk(_ buf: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int, _ sentenceStart: inout Bool, _ paragraphStart: inout Bool) {
        var lo = from
        var hi = to
        // Opening quotes and brackets.
        while lo < hi, let w = Self.openingWidth(buf, lo, hi) {
            add(buf, lo, lo + w, &sentenceStart, &paragraphStart)
            lo += w
        }
        // Closing marks, peeled from the end and added after the word.
        let end = hi
        while lo < hi, let w = Self.closingWidth(buf, lo, hi) {
            if w == 1, buf[hi - 1] == 0x2E, Self.keepsFullStop(buf, lo, hi - 1) { break }
            hi -= w
        }
        let closingFrom = hi
        // A possessive: "Russia's", "Russia’s".
        var possessive = hi
        if hi - lo > 2, buf[hi - 1] == 0x73 || buf[hi - 1] == 0x53, buf[hi - 2] == 0x27 {
            possessive = hi - 2
        } else if hi - lo > 4, buf[hi - 1] == 0x73 || buf[hi - 1] == 0x53, buf[hi - 4] == 0xE2, buf[hi - 3] == 0x80, buf[hi - 2] == 0x99 {
            possessive = hi - 4
        }
        if lo < possessive { add(buf, lo, possessive, &sentenceStart, &paragraphStart) }
        if possessive < hi { add(buf, possessive, hi, &sentenceStart, &paragraphStart) }
        // The closing marks again, forwards: one byte, or two or three of UTF-8.
        var p = closingFrom
        while p < end {
            let w = buf[p] < 0x80 ? 1 : buf[p] == 0xC2 ? 2 : 3
            add(buf, p, min(p + w, end), &sentenceStart, &paragraphStart)
            p += w
        }
    }

    /// Appends the token `buf[from..<to]`.
    private mutating func add(_ buf: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int, _ sentenceStart: inout Bool, _ paragraphStart: inout Bool) {
        var lower: UInt64 = 0xcbf2_9ce4_8422_2325
        var exact: UInt64 = 0xcbf2_9ce4_8422_2325
        var shape: UInt64 = 0xcbf2_9ce4_8422_2325
        var lastClass: UInt8 = 0
        var shapeLength = 0
        var flags: Flags = []
        var uppers = 0
        var lowers = 0
        var letters = 0
        var digits = 0
        var nonASCII = false
        for i in from..<to {
            let b = buf[i]
            var l = b
            let cls: UInt8
            if b >= 0x41 && b <= 0x5A {
                l = b | 0x20
                cls = 0x58  // X
                uppers += 1
            } else if b >= 0x61 && b <= 0x7A {
                cls = 0x78  // x
                lowers += 1
            } else if b >= 0x30 && b <= 0x39 {
                cls = 0x64  // d
                digits += 1
            } else if b >= 0x80 {
                // A lead byte is a letter of unknown case (the first one is decided below);
                // continuation bytes add nothing to the shape.
                if b & 0xC0 == 0x80 {
                    cls = lastClass
                } else if b == 0xC2 || (b == 0xE2 && i + 1 < to && buf[i + 1] == 0x80) {
                    cls = 0x2D  // U+0080–U+00BF, U+2000–U+203F: punctuation (« » – — “ ” …)
                    nonASCII = true
                } else {
                    cls = 0x75  // u
                    letters += 1
                }
            } else {
                cls = b
            }
            lower = (lower ^ UInt64(l)) &* 0x100_0000_01b3
            exact = (exact ^ UInt64(b)) &* 0x100_0000_01b3
            if cls != lastClass, shapeLength < 6 {
                shape = (shape ^ UInt64(cls)) &* 0x100_0000_01b3
                shapeLength += 1
                lastClass = cls
            }
        }
        if letters > 0 || nonASCII { flags.insert(.nonASCII) }
        let first = buf[from]
        if first >= 0x41 && first <= 0x5A {
            flags.insert(.capitalized)
        } else if first >= 0x80 {
            var it = UnsafeBufferPointer(rebasing: buf[from..<to]).makeIterator()
            var decoder = UTF8()
            if case .scalarValue(let s) = decoder.decode(&it), s.properties.isUppercase {
                flags.insert(.capitalized)
                uppers += 1
            }
        }
        // "al-Assad", "d'Estaing": a name's word, though its particle is lowercase.
        if first >= 0x61, first <= 0x7A, Self.particleBeforeCapital(buf, from, to) { flags.insert(.capitalized) }
        if uppers > 0, lowers == 0, !(first >= 0x80 && !flags.contains(.capitalized)) { flags.insert(.allCaps) }
        if digits > 0 { flags.insert(.digit) }
        if uppers + lowers + digits + letters == 0 { flags.insert(.punctuation) }
        if sentenceStart, !flags.contains(.punctuation) { flags.insert(.sentenceStart) }
        if paragraphStart { flags.insert(.paragraphStart) }
        paragraphStart = false
        let n = to - from
        tokens.append(
            Token(
                start: Int32(from), end: Int32(to), lower: lower, exact: exact, shape: shape &+ UInt64(min(n, 4)),
                flags: flags))
        if flags.contains(.punctuation) {
            // ". ! ?" end a sentence; quotes and brackets after them keep it ended.
            if n == 1, first == 0x2E || first == 0x21 || first == 0x3F { sentenceStart = true }
            if n == 3, first == 0xE2, buf[from + 1] == 0x80, buf[from + 2] == 0xA6 { sentenceStart = true }  // …
            if n == 1, first == 0x3A { sentenceStart = true }  // "Share:" lists, headings
        } else {
            sentenceStart = false
        }
    }

    /// Hashes of a token's ends, lowercased: the last three bytes, the first three (0 for a
    /// word of three bytes or fewer: the word says it), the last two and the last four (0 for
    /// four bytes or fewer). Made only for the tokens the model scores, from the bytes.
    @inline(__always)
    static func affixes(_ buf: UnsafeBufferPointer<UInt8>, _ token: Token) -> (suffix: UInt64, prefix: UInt64, suffix2: UInt64, suffix4: UInt64) {
        let from = Int(token.start)
        let to = Int(token.end)
        @inline(__always) func hash(_ seed: UInt64, _ lo: Int, _ hi: Int) -> UInt64 {
            var h = seed
            for i in lo..<hi {
                let b = buf[i]
                h = (h ^ UInt64(b >= 0x41 && b <= 0x5A ? b | 0x20 : b)) &* 0x100_0000_01b3
            }
            return h
        }
        let n = to - from
        return (
            hash(0x8422_2325, max(from, to - 3), to), n <= 3 ? 0 : hash(0x8422_2325, from, from + 3),
            hash(0x8422_2327, max(from, to - 2), to), n > 4 ? hash(0x8422_2329, to - 4, to) : 0
        )
    }

    /// Marks the capitalized words also written in lowercase somewhere in the document. The
    /// lowercase words go into an open-addressing table of hashes (0 is empty) at most half
    /// full: a `Set` hashed each with SipHash cost more than the rest of the tokenizing.
    private mutating func markLowercaseSeen() {
        var size = 64
        while size < tokens.count * 2 { size <<= 1 }
        let mask = size - 1
        var table = [UInt64](repeating: 0, count: size)
        @inline(__always) func slot(_ h: UInt64) -> Int { Int(truncatingIfNeeded: (h &* 0x9e37_79b9_7f4a_7c15) >> 40) & mask }
        var any = false
        for t in tokens where t.flags.isDisjoint(with: [.capitalized, .punctuation, .digit]) {
            let h = t.lower | 1
            var s = slot(h)
            while table[s] != 0, table[s] != h { s = (s + 1) & mask }
            table[s] = h
            any = true
        }
        guard any else { return }
        for i in tokens.indices where tokens[i].flags.contains(.capitalized) {
            let h = tokens[i].lower | 1
            var s = slot(h)
            while table[s] != 0 {
                if table[s] == h {
                    tokens[i].flags.insert(.seenLowercase)
                    break
                }
                s = (s + 1) & mask
            }
        }
    }

    /// Marks the words of citations (`Flags.cited`): brackets of at most `citationReach`
    /// tokens, in one paragraph, holding a year (four digits from 1 or 2, a letter may follow:
    /// "2010a"), and the words before brackets that open with a year. Each bracket is walked
    /// once, at most `citationReach` tokens, so the pass is linear.
    private mutating func markCitations() {
        let n = tokens.count
        @inline(__always) func isYear(_ i: Int) -> Bool {
            let t = tokens[i]
            let len = Int(t.end - t.start)
            guard t.flags.contains(.digit), len == 4 || len == 5 else { return false }
            let first = bytes[Int(t.start)]
            return first == 0x31 || first == 0x32
        }
        var i = 0
        while i < n {
            guard isByte(i, 0x28) else {
                i += 1
                continue
            }
            var j = i + 1
            var year = false
            while j < n, j - i <= Self.citationReach, !tokens[j].flags.contains(.paragraphStart), !isByte(j, 0x29), !isByte(j, 0x28) {
                if isYear(j) { year = true }
                j += 1
            }
            if year, j < n, isByte(j, 0x29) {
                for k in (i + 1)..<j where tokens[k].flags.contains(.capitalized) { tokens[k].flags.insert(.cited) }
                if i + 1 < j, isYear(i + 1), !tokens[i].flags.contains(.paragraphStart) {
                    // "Gass (1997)", "Thorell and Lindqvist (2009)", "Li et al. (2010)".
                    // A sentence's first word only next to the bracket or before "and":
                    // "Gass and Mackey (1997)", not "As" in "As Gass (1997) found".
                    var k = i - 1
                    while k >= 0, i - k <= 6 {
                        let capitalized = tokens[k].flags.contains(.capitalized)
                        if tokens[k].flags.contains(.sentenceStart), k < i - 1, !isByte(k + 1, 0x26), !isWord(k + 1, "and") { break }
                        if capitalized { tokens[k].flags.insert(.cited) }
                        guard capitalized || isByte(k, 0x26) || isWord(k, "and") || isWord(k, "et") || isWord(k, "al."),
                            !tokens[k].flags.contains(.paragraphStart) else { break }
                        k -= 1
                    }
                }
            }
            i = max(j, i + 1)
        }
    }

    /// How many tokens a citation's brackets may hold.
    static let citationReach = 40

    /// Bytes of an opening quote or bracket at `buf[lo..<hi]`'s start: " ' ( [ “ ‘ «.
    private static func openingWidth(_ buf: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int) -> Int? {
        let b = buf[lo]
        if b == 0x22 || b == 0x27 || b == 0x28 || b == 0x5B || b == 0x7B { return hi - lo > 1 || b != 0x27 ? 1 : nil }
        if b == 0xE2, hi - lo >= 3, buf[lo + 1] == 0x80, buf[lo + 2] == 0x9C || buf[lo + 2] == 0x98 { return 3 }
        if b == 0xC2, hi - lo >= 2, buf[lo + 1] == 0xAB { return 2 }
        return nil
    }

    /// Bytes of a closing mark at `buf[lo..<hi]`'s end: . , ; : ! ? " ' ) ] } ” ’ » …
    private static func closingWidth(_ buf: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int) -> Int? {
        switch buf[hi - 1] {
        case 0x2E, 0x2C, 0x3B, 0x3A, 0x21, 0x3F, 0x22, 0x29, 0x5D, 0x7D: return 1
        case 0x27: return hi - lo > 1 ? 1 : nil
        case 0x9D, 0x99, 0xA6:
            guard hi - lo >= 3, buf[hi - 3] == 0xE2, buf[hi - 2] == 0x80 else { return nil }
            return 3
        case 0xBB: return hi - lo >= 2 && buf[hi - 2] == 0xC2 ? 2 : nil
        default: return nil
        }
    }

    /// Whether the word `buf[lo..<hi]` keeps the full stop after it: a single letter ("J."),
    /// an abbreviation with inner full stops ("U.S"), or a known short form ("St", "Mr").
    private static func keepsFullStop(_ buf: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int) -> Bool {
        let n = hi - lo
        guard n > 0 else { return false }
        let first = buf[lo]
        if n == 1 { return first >= 0x41 && first <= 0x5A }
        var inner = false
        for i in lo..<hi where buf[i] == 0x2E { inner = true }
        if inner { return true }
        guard n <= 5, first >= 0x41 && first <= 0x5A else { return false }
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for i in lo..<hi { h = (h ^ UInt64(buf[i])) &* 0x100_0000_01b3 }
        return abbreviationHashes.contains(h)
    }

    /// Short forms whose full stop is not a sentence's end.
    static let abbreviations = [
        "Mr", "Mrs", "Ms", "Dr", "St", "Jr", "Sr", "Gen", "Sen", "Rep", "Gov", "Prof", "Capt", "Col", "Lt", "Sgt",
        "Maj", "Adm", "Rev", "Hon", "Mt", "Ft", "Inc", "Ltd", "Co", "Corp", "Bros", "No", "Vol", "Jan", "Feb",
        "Mar", "Apr", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec", "Ave", "Blvd",
    ]
    static let abbreviationHashes: Set<UInt64> = Set(abbreviations.map { word in
        word.utf8.reduce(UInt64(0xcbf2_9ce4_8422_2325)) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
    })
}

extension EntityTokens {
    /// The particles that a name's word is written against in lowercase: "d'Estaing",
    /// "al-Assad", "dell'Utri", "bin-Talal".
    static let particles: Set<String> = ["d", "l", "dell", "dall", "nell", "all", "al", "el", "ad", "an", "ar", "as", "ash", "at", "az", "ud", "ul", "ibn", "bin", "bint"]

    /// Whether `buf[from..<to]` is a lowercase particle, an apostrophe or a hyphen, and a
    /// capital ("al-Qaeda", "d'Alembert"): a name's word, though it begins in lowercase.
    static func particleBeforeCapital(_ buf: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) -> Bool {
        particleWidth(buf, from, to, particles, hyphen: true) != nil
    }

    /// Elided articles and prepositions written against the next word: French "l'", "d'",
    /// "qu'", Italian "dell'", "all'", Catalan "l'", "d'" ("l'Élysée", "d'Emmanuel Macron",
    /// "dell'Inter"). Not part of the name that follows.
    static let elisions: Set<String> = [
        "l", "d", "qu", "j", "n", "s", "c", "m", "t", "jusqu", "lorsqu", "puisqu", "quoiqu",
        "dell", "dall", "nell", "all", "sull", "coll", "un", "quell",
    ]

    /// Bytes of an elision (`elisions`) and its apostrophe at the start of `buf[from..<to]`
    /// when a capital follows ("l'" of "l'Élysée"); nil otherwise.
    static func elisionWidth(_ buf: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) -> Int? {
        particleWidth(buf, from, to, elisions, hyphen: false)
    }

    /// Bytes of a lowercase particle of `set` (at most 6 letters) and the apostrophe (' or ’)
    /// or, when `hyphen`, the hyphen after it at the start of `buf[from..<to]`, when a capital
    /// follows; nil otherwise.
    static func particleWidth(_ buf: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int, _ set: Set<String>, hyphen: Bool) -> Int? {
        var p = from
        while p < to, p - from < 6, buf[p] >= 0x61, buf[p] <= 0x7A { p += 1 }
        guard p > from, p < to else { return nil }
        var next = p + 1
        if buf[p] == 0xE2, p + 2 < to, buf[p + 1] == 0x80, buf[p + 2] == 0x99 {
            next = p + 3  // ’
        } else if buf[p] != 0x27, !(hyphen && buf[p] == 0x2D) {
            return nil
        }
        guard next < to, startsUppercase(buf, next, to),
            set.contains(String(decoding: UnsafeBufferPointer(rebasing: buf[from..<p]), as: UTF8.self))
        else { return nil }
        return next - from
    }

    /// Whether `buf[from..<to]` starts with an uppercase letter (ASCII or not).
    static func startsUppercase(_ buf: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) -> Bool {
        if buf[from] >= 0x41, buf[from] <= 0x5A { return true }
        guard buf[from] >= 0xC0 else { return false }
        var it = UnsafeBufferPointer(rebasing: buf[from..<to]).makeIterator()
        var decoder = UTF8()
        if case .scalarValue(let s) = decoder.decode(&it) { return s.properties.isUppercase }
        return false
    }

    /// FNV-1a of `word` with ASCII letters lowercased, as `Token.lower` hashes a token.
    static func lowerHash(_ word: String) -> UInt64 {
        word.utf8.reduce(UInt64(0xcbf2_9ce4_8422_2325)) { h, b in
            (h ^ UInt64(b >= 0x41 && b <= 0x5A ? b | 0x20 : b)) &* 0x100_0000_01b3
        }
    }

    /// FNV-1a of `word` as written, as `Token.exact` hashes a token.
    static func exactHash(_ word: String) -> UInt64 {
        word.utf8.reduce(UInt64(0xcbf2_9ce4_8422_2325)) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
    }
}
