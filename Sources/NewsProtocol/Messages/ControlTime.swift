import Foundation

/// The times the control protocol takes (`--since`, `--until`): a day, `2026-11-24` (midnight
/// UTC), or an RFC 3339 time, `2026-11-24T10:00:00Z`, `2026-11-24T10:00:00.5+02:00` (seconds
/// optional). Read strictly, by hand: every field in range (no `2026-02-30`, no `24:30`, no
/// leap second), a zone required with a time, nothing after it; Foundation's readers roll
/// fields over or drop what they do not understand. newsctl and newsd both read with it.
public enum ControlTime {
    /// The instant `text` names, or nil if it is not one of the forms above.
    public static func parse(_ text: String) -> Date? {
        let b = Array(text.utf8)
        var i = 0
        func digits(_ count: Int) -> Int? {
            guard i + count <= b.count else { return nil }
            var n = 0
            for c in b[i..<(i + count)] {
                guard c >= 0x30 && c <= 0x39 else { return nil }
                n = n * 10 + Int(c - 0x30)
            }
            i += count
            return n
        }
        func take(_ c: UInt8) -> Bool {
            guard i < b.count, b[i] == c else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), year >= 1, take(0x2D), let month = digits(2), (1...12).contains(month), take(0x2D),
            let day = digits(2), (1...daysIn(month, year)).contains(day)
        else { return nil }
        var seconds = Double(daysFromCivil(year, month, day)) * 86_400
        if i == b.count { return Date(timeIntervalSince1970: seconds) }
        guard take(0x54), let hour = digits(2), hour <= 23, take(0x3A), let minute = digits(2), minute <= 59 else { return nil }
        var second = 0
        if take(0x3A) {
            guard let s = digits(2), s <= 59 else { return nil }
            second = s
        }
        var fraction = 0.0
        if take(0x2E) {
            var scale = 0.1
            let start = i
            while i < b.count, b[i] >= 0x30 && b[i] <= 0x39, i - start < 9 {
                fraction += Double(b[i] - 0x30) * scale
                scale /= 10
                i += 1
            }
            guard i > start else { return nil }
        }
        seconds += Double(hour * 3600 + minute * 60 + second) + fraction
        if take(0x5A) {
            // Z: UTC
        } else if i < b.count, b[i] == 0x2B || b[i] == 0x2D {
            let sign = b[i] == 0x2B ? 1.0 : -1.0
            i += 1
            guard let zh = digits(2), zh <= 23, take(0x3A), let zm = digits(2), zm <= 59 else { return nil }
            seconds -= sign * Double(zh * 3600 + zm * 60)
        } else {
            return nil  // a time needs its zone
        }
        return i == b.count ? Date(timeIntervalSince1970: seconds) : nil
    }

    static func daysIn(_ month: Int, _ year: Int) -> Int {
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    }

    /// Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil).
    static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
