/// Turns a file's bytes into text, or says why they are not text.
///
/// UTF-8 (with or without byte-order mark) is taken as is; UTF-16 is decoded when it has a
/// byte-order mark or the unmistakable zero-byte pattern of ASCII text in UTF-16; anything else
/// that is not valid UTF-8 is read as Windows-1252, the usual encoding of such files. NUL bytes
/// are removed. Data with known binary signatures or many control bytes is rejected.
public enum TextDecoder {
    /// The result of decoding.
    public struct Decoded: Sendable, Equatable {
        /// The text, NULs removed, line ends untouched.
        public var text: String
        /// The encoding that was used: `utf-8`, `utf-16le`, `utf-16be` or `windows-1252`.
        public var encoding: String
    }

    /// Decodes `bytes`, or throws `IngestFailure` with code `.notText`.
    public static func decode(_ bytes: [UInt8]) throws(IngestFailure) -> Decoded {
        if let magic = binarySignature(bytes) {
            throw IngestFailure(.notText, "the file is binary data (\(magic)), not text")
        }
        if bytes.count >= 2 {
            if bytes[0] == 0xFF && bytes[1] == 0xFE { return utf16(bytes.dropFirst(2), littleEndian: true) }
            if bytes[0] == 0xFE && bytes[1] == 0xFF { return utf16(bytes.dropFirst(2), littleEndian: false) }
        }
        let census = Census(bytes)
        if let littleEndian = census.bomlessUTF16 {
            return utf16(bytes[...], littleEndian: littleEndian)
        }
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        // (The byte-order mark holds no control or NUL byte: the census of all bytes is the body's.)
        let controls = census.controls
        let nuls = census.nuls
        // A few stray NULs are repaired; a file that is mostly NULs or control bytes is binary.
        if !body.isEmpty && (controls + nuls) * 20 > body.count {
            throw IngestFailure(
                .notText, "the file is not text: \(controls + nuls) of \(body.count) bytes are control or NUL bytes")
        }
        let clean = nuls > 0 ? body.filter { $0 != 0 } : Array(body)
        if let text = String(validating: clean, as: UTF8.self) {
            return Decoded(text: text, encoding: "utf-8")
        }
        return Decoded(text: windows1252(clean), encoding: "windows-1252")
    }

    private static func binarySignature(_ b: [UInt8]) -> String? {
        let signatures: [([UInt8], String)] = [
            ([0x89, 0x50, 0x4E, 0x47], "PNG image"), ([0x7F, 0x45, 0x4C, 0x46], "ELF executable"),
            ([0xFF, 0xD8, 0xFF], "JPEG image"), ([0x47, 0x49, 0x46, 0x38], "GIF image"),
            ([0x50, 0x4B, 0x03, 0x04], "ZIP archive"), ([0x1F, 0x8B], "gzip data"),
            ([0x25, 0x50, 0x44, 0x46, 0x2D], "PDF document"), ([0x42, 0x5A, 0x68], "bzip2 data"),
            ([0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00], "xz data"), ([0x28, 0xB5, 0x2F, 0xFD], "zstd data"),
        ]
        for (magic, name) in signatures where b.starts(with: magic) { return name }
        return nil
    }

    /// Nil unless at least 90% of even (big-endian) or odd (little-endian) bytes are zero and
    /// almost none of the others are: ASCII-range text saved as UTF-16 without a BOM.
    /// NUL bytes at even and odd offsets, and control bytes other than tab, line feed, form
    /// feed and carriage return, counted in one pass: eight bytes at a time where none of them
    /// is below 0x20 (most of a text), byte by byte in the words that have one.
    struct Census: Equatable {
        var evenZero = 0
        var oddZero = 0
        var controls = 0
        var count = 0

        var nuls: Int { evenZero + oddZero }

        init(_ bytes: [UInt8]) {
            count = bytes.count
            bytes.withUnsafeBytes { raw in
                let n = raw.count
                var i = 0
                while i + 8 <= n {
                    let word = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                    if SWAR.hasByteBelow(word, 0x20) {
                        for j in i..<(i + 8) { tally(raw[j], at: j) }
                    }
                    i += 8
                }
                while i < n {
                    tally(raw[i], at: i)
                    i += 1
                }
            }
        }

        @inline(__always)
        private mutating func tally(_ b: UInt8, at i: Int) {
            if b == 0 {
                if i & 1 == 0 { evenZero += 1 } else { oddZero += 1 }
            } else if b < 0x20 && b != 0x09 && b != 0x0A && b != 0x0D && b != 0x0C {
                controls += 1
            }
        }

        /// UTF-16 without a byte-order mark: true for little-endian (every odd byte NUL, few even
        /// ones: ASCII text), false for big-endian, nil for neither.
        var bomlessUTF16: Bool? {
            guard count >= 8, count % 2 == 0 else { return nil }
            let pairs = count / 2
            if oddZero * 10 >= pairs * 9 && evenZero * 20 < pairs { return true }
            if evenZero * 10 >= pairs * 9 && oddZero * 20 < pairs { return false }
            return nil
        }
    }

    private static func utf16(_ bytes: ArraySlice<UInt8>, littleEndian: Bool) -> Decoded {
        var units: [UInt16] = []
        units.reserveCapacity(bytes.count / 2)
        var i = bytes.startIndex
        while i + 1 < bytes.endIndex {
            let a = UInt16(bytes[i])
            let b = UInt16(bytes[i + 1])
            let unit = littleEndian ? (b << 8 | a) : (a << 8 | b)
            if unit != 0 { units.append(unit) }
            i += 2
        }
        return Decoded(
            text: String(decoding: units, as: UTF16.self), encoding: littleEndian ? "utf-16le" : "utf-16be")
    }

    /// Windows-1252: Latin-1 with printable characters in 0x80–0x9F.
    static func windows1252(_ bytes: [UInt8]) -> String {
        let high: [UInt32] = [
            0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
            0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD,
            0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
            0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178,
        ]
        var scalars = String.UnicodeScalarView()
        for b in bytes {
            let value: UInt32 = (0x80...0x9F).contains(b) ? high[Int(b) - 0x80] : UInt32(b)
            scalars.append(Unicode.Scalar(value)!)
        }
        return String(scalars)
    }
}
