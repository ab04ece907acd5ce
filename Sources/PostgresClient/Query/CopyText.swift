/// Rows in the text format of `COPY … FROM STDIN`: columns separated by tabs, rows ended by a
/// newline, `\N` for NULL, and backslash, tab, newline and carriage return escaped.
public struct CopyText: Sendable {
    /// The encoded rows so far.
    public private(set) var bytes: [UInt8] = []
    private var columnsInRow = 0

    /// An empty buffer with room for about `capacity` bytes.
    public init(capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    /// Appends one column value (nil is NULL).
    public mutating func append(_ value: String?) {
        if columnsInRow > 0 { bytes.append(0x09) }
        columnsInRow += 1
        guard let value else {
            bytes.append(0x5C)
            bytes.append(0x4E)
            return
        }
        var copy = value
        copy.withUTF8 { utf8 in
            guard let base = utf8.baseAddress else { return }
            let n = utf8.count
            // Runs between the bytes that need escaping are copied whole; the bytes are looked
            // at eight at a time while none of the eight needs escaping (most of a text).
            var start = 0
            var i = 0
            while i < n {
                if n - i >= 8, !Self.mayNeedEscaping(UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)) {
                    i += 8
                    continue
                }
                let escaped: UInt8
                switch base[i] {
                case 0x5C: escaped = 0x5C
                case 0x09: escaped = 0x74
                case 0x0A: escaped = 0x6E
                case 0x0D: escaped = 0x72
                default:
                    i += 1
                    continue
                }
                bytes.append(contentsOf: UnsafeBufferPointer(start: base + start, count: i - start))
                bytes.append(0x5C)
                bytes.append(escaped)
                i += 1
                start = i
            }
            bytes.append(contentsOf: UnsafeBufferPointer(start: base + start, count: n - start))
        }
    }

    /// Whether any of the eight bytes of `word` is a backslash, tab, newline or carriage
    /// return (never false when one is).
    @inline(__always)
    static func mayNeedEscaping(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        @inline(__always) func hasZeroByte(_ x: UInt64) -> UInt64 { (x &- ones) & ~x & highs }
        return hasZeroByte(word ^ (ones &* 0x5C)) | hasZeroByte(word ^ (ones &* 0x09)) | hasZeroByte(word ^ (ones &* 0x0A))
            | hasZeroByte(word ^ (ones &* 0x0D)) != 0
    }

    /// Ends the current row.
    public mutating func endRow() {
        bytes.append(0x0A)
        columnsInRow = 0
    }

    /// A PostgreSQL array literal of `items` (for a `text[]` column): each element quoted, with
    /// quotes and backslashes escaped. Append it like any other value.
    public static func arrayLiteral(_ items: [String]) -> String {
        String(decoding: arrayLiteralBytes(items), as: UTF8.self)
    }

    /// The array literal's bytes; nil elements are NULL. Built as bytes: quotes and
    /// backslashes are ASCII, so UTF-8 needs no decoding.
    static func arrayLiteralBytes(_ items: [String?]) -> [UInt8] {
        var out: [UInt8] = [0x7B]
        out.reserveCapacity(items.reduce(2) { $0 + ($1?.utf8.count ?? 4) + 3 })
        for (i, item) in items.enumerated() {
            if i > 0 { out.append(0x2C) }
            guard let item else {
                out.append(contentsOf: [0x4E, 0x55, 0x4C, 0x4C])  // NULL
                continue
            }
            out.append(0x22)
            for b in item.utf8 {
                if b == 0x22 || b == 0x5C { out.append(0x5C) }
                out.append(b)
            }
            out.append(0x22)
        }
        out.append(0x7D)
        return out
    }
}
