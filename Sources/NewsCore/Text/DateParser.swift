import Foundation

/// Reads the publication dates scrapers and feeds write: ISO 8601 / RFC 3339
/// (`2026-11-24`, `2026-11-24T10:15:00Z`, `2026-11-24 10:15:00+01:00`), RFC 2822
/// (`Tue, 24 Nov 2026 10:15:00 GMT`, `+0100`) and written forms (`24 November 2026`,
/// `Nov 24, 2026`, `November 24, 2026 10:15`). A date without a zone is taken as UTC.
public enum DateParser {
    private static let months: [String: Int] = [
        "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
        "oct": 10, "nov": 11, "dec": 12,
    ]
    /// Zone abbreviations whose offset (minutes east of UTC) is not in doubt. RFC 2822's US
    /// zones and BST keep their usual meaning; names used for several offsets (IST: India,
    /// Ireland or Israel; AST: Atlantic or Arabia; ET, PT) are not here, so a date naming one is
    /// left absent rather than stored hours off.
    private static let zones: [String: Int] = [
        "utc": 0, "gmt": 0, "z": 0, "ut": 0, "wet": 0, "west": 60, "bst": 60, "cet": 60, "cest": 120, "met": 60,
        "mest": 120, "eet": 120, "eest": 180, "msk": 180, "wat": 60, "cat": 120, "eat": 180, "sast": 120,
        "pkt": 300, "npt": 345, "ict": 420, "wib": 420, "hkt": 480, "sgt": 480, "awst": 480, "pht": 480, "wita": 480,
        "jst": 540, "kst": 540, "wit": 540, "acst": 570, "acdt": 630, "aest": 600, "aedt": 660, "nzst": 720, "nzdt": 780,
        "est": -300, "edt": -240, "cst": -360, "cdt": -300, "mst": -420, "mdt": -360, "pst": -480, "pdt": -420,
        "akst": -540, "akdt": -480, "hst": -600, "nst": -210, "ndt": -150, "brt": -180, "art": -180,
    ]
    private static let weekdays: Set<String> = [
        "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun", "monday", "tuesday", "wednesday",
        "thursday", "friday", "saturday", "sunday",
    ]

    /// The instant `text` names, or nil if it is not a date this parser knows.
    public static func parse(_ text: String) -> Date? {
        let s = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !s.isEmpty, s.count < 100 else { return nil }
        if let d = iso(s) { return d }
        return written(s)
    }

    private static func iso(_ s: String) -> Date? {
        let u = Array(s.utf8)
        func num(_ from: Int, _ len: Int) -> Int? {
            guard from + len <= u.count else { return nil }
            var v = 0
            for i in from..<from + len {
                guard u[i] >= 48 && u[i] <= 57 else { return nil }
                v = v * 10 + Int(u[i] - 48)
            }
            return v
        }
        guard u.count >= 10, let y = num(0, 4), u[4] == 45, let m = num(5, 2), u[7] == 45, let d = num(8, 2) else { return nil }
        var h = 0, mi = 0, sec = 0.0, offset = 0
        var i = 10
        if i < u.count, u[i] == 84 || u[i] == 116 || u[i] == 32 {  // T, t or space
            guard let hh = num(i + 1, 2), i + 3 < u.count, u[i + 3] == 58, let mm = num(i + 4, 2) else { return nil }
            h = hh
            mi = mm
            i += 6
            if i < u.count, u[i] == 58 {
                guard let ss = num(i + 1, 2) else { return nil }
                sec = Double(ss)
                i += 3
                if i < u.count, u[i] == 46 || u[i] == 44 {  // fraction
                    var j = i + 1
                    var frac = 0.0, scale = 0.1
                    while j < u.count, u[j] >= 48 && u[j] <= 57 {
                        frac += Double(u[j] - 48) * scale
                        scale /= 10
                        j += 1
                    }
                    sec += frac
                    i = j
                }
            }
            if i < u.count {
                if u[i] == 90 || u[i] == 122 {
                    i += 1
                } else if u[i] == 43 || u[i] == 45 {
                    let sign = u[i] == 43 ? 1 : -1
                    guard let oh = num(i + 1, 2) else { return nil }
                    var om = 0
                    if let m2 = num(i + 3, 2) { om = m2; i += 5 } else if i + 3 < u.count, u[i + 3] == 58, let m2 = num(i + 4, 2) { om = m2; i += 6 } else { i += 3 }
                    offset = sign * (oh * 60 + om)
                }
            }
        }
        guard i == u.count else { return nil }
        return make(y, m, d, h, mi, sec, offset)
    }

    private static func written(_ s: String) -> Date? {
        // Tokens of letters, digits, or a signed zone offset; punctuation separates.
        var tokens: [String] = []
        var current = ""
        for ch in s {
            if ch.isLetter || ch.isNumber || ch == ":" || ((ch == "+" || ch == "-") && current.isEmpty) {
                current.append(ch)
            } else {
                if !current.isEmpty { tokens.append(current) }
                current = ""
            }
        }
        if !current.isEmpty { tokens.append(current) }
        var day: Int?, month: Int?, year: Int?, h = 0, mi = 0, sec = 0.0, offset = 0
        var pm: Bool?
        for original in tokens {
            let t = original.lowercased()
            if let m = months[String(t.prefix(4))] ?? months[String(t.prefix(3))], t.first!.isLetter, t.count >= 3 {
                if month == nil { month = m }
                continue
            }
            if t.contains(":") {
                let parts = t.split(separator: ":").map { Int($0) }
                guard parts.count >= 2, let hh = parts[0], let mm = parts[1] else { return nil }
                h = hh
                mi = mm
                if parts.count > 2, let ss = parts[2] { sec = Double(ss) }
                continue
            }
            if t == "am" || t == "pm" { pm = t == "pm"; continue }
            if let z = zones[t] { offset = z; continue }
            // Another capitalized abbreviation after the time is a zone this parser cannot place
            // for certain (JST is known; IST is not): no date rather than a wrong one.
            if (2...5).contains(original.count), original.allSatisfy({ $0.isASCII && $0.isUppercase }), !weekdays.contains(t) {
                return nil
            }
            if (t.hasPrefix("+") || t.hasPrefix("-")), t.count == 5, let v = Int(t.dropFirst()) {
                offset = (t.hasPrefix("+") ? 1 : -1) * ((v / 100) * 60 + v % 100)
                continue
            }
            let digits = t.hasSuffix("st") || t.hasSuffix("nd") || t.hasSuffix("rd") || t.hasSuffix("th") ? String(t.dropLast(2)) : t
            if let n = Int(digits) {
                if digits.count == 4 { year = n } else if day == nil, (1...31).contains(n) { day = n } else { return nil }
                continue
            }
            // Weekday names and words such as "published", "updated", "on", "at" are skipped.
        }
        if let pm {
            if pm && h < 12 { h += 12 }
            if !pm && h == 12 { h = 0 }
        }
        guard let day, let month, let year else { return nil }
        return make(year, month, day, h, mi, sec, offset)
    }

    private static func make(_ y: Int, _ m: Int, _ d: Int, _ h: Int, _ mi: Int, _ s: Double, _ offsetMinutes: Int) -> Date? {
        guard (1...12).contains(m), (1...31).contains(d), (0...23).contains(h), (0...59).contains(mi), s < 61, (1000...9999).contains(y) else {
            return nil
        }
        var c = DateComponents()
        c.year = y
        c.month = m
        c.day = d
        c.hour = h
        c.minute = mi
        c.second = Int(s)
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(secondsFromGMT: 0)!
        guard let base = cal.date(from: c), cal.component(.day, from: base) == d else { return nil }
        return base.addingTimeInterval(s - Double(Int(s)) - Double(offsetMinutes * 60))
    }
}
