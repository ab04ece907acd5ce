/// A linear check of JSON syntax, without building anything: NDJSON lines that are not JSON
/// are told apart from those that are before Foundation's parser sees them, since its error
/// path (an NSError with a description per line) made a file of 260,000 broken lines cost 12
/// times a normal article. It accepts what JSONSerialization accepts (trailing commas
/// included; a test holds the two equal on random lines), so no line Foundation would read is
/// refused. Nesting deeper than `maxDepth` counts as invalid.
enum JSONSyntax {
    static let maxDepth = 512

    static func isValid(_ b: ArraySlice<UInt8>) -> Bool {
        var i = b.startIndex
        let end = b.endIndex
        // Containers open: true for an object, false for an array.
        var stack: [Bool] = []
        func skipSpace() {
            while i < end, b[i] == 0x20 || b[i] == 0x09 || b[i] == 0x0A || b[i] == 0x0D { i += 1 }
        }
        func literal(_ word: StaticString) -> Bool {
            let n = word.utf8CodeUnitCount
            guard end - i >= n else { return false }
            for k in 0..<n where b[i + k] != word.utf8Start[k] { return false }
            i += n
            return true
        }
        func string() -> Bool {
            guard i < end, b[i] == 0x22 else { return false }
            i += 1
            while i < end {
                let c = b[i]
                if c == 0x22 {
                    i += 1
                    return true
                }
                if c < 0x20 { return false }
                if c == 0x5C {
                    i += 1
                    guard i < end else { return false }
                    switch b[i] {
                    case 0x22, 0x5C, 0x2F, 0x62, 0x66, 0x6E, 0x72, 0x74: i += 1
                    case 0x75:
                        guard end - i > 4 else { return false }
                        for k in 1...4 where !isHex(b[i + k]) { return false }
                        i += 5
                    default: return false
                    }
                    continue
                }
                i += 1
            }
            return false
        }
        func number() -> Bool {
            if i < end, b[i] == 0x2D { i += 1 }
            guard i < end, isDigit(b[i]) else { return false }
            if b[i] == 0x30 { i += 1 } else { while i < end, isDigit(b[i]) { i += 1 } }
            if i < end, b[i] == 0x2E {
                i += 1
                guard i < end, isDigit(b[i]) else { return false }
                while i < end, isDigit(b[i]) { i += 1 }
            }
            if i < end, b[i] | 0x20 == 0x65 {
                i += 1
                if i < end, b[i] == 0x2B || b[i] == 0x2D { i += 1 }
                guard i < end, isDigit(b[i]) else { return false }
                while i < end, isDigit(b[i]) { i += 1 }
            }
            return true
        }
        // Reads one value; containers push and are closed below.
        func value() -> Bool {
            skipSpace()
            guard i < end else { return false }
            switch b[i] {
            case 0x7B, 0x5B:  // { or [: an object's first member, an array's first value
                let isObject = b[i] == 0x7B
                guard stack.count < maxDepth else { return false }
                stack.append(isObject)
                i += 1
                skipSpace()
                if i < end, b[i] == (isObject ? 0x7D : 0x5D) {
                    i += 1
                    stack.removeLast()
                    return true
                }
                return isObject ? member() : value()
            case 0x22: return string()
            case 0x74: return literal("true")
            case 0x66: return literal("false")
            case 0x6E: return literal("null")
            default: return number()
            }
        }
        // `"key": ` then a value.
        func member() -> Bool {
            skipSpace()
            guard string() else { return false }
            skipSpace()
            guard i < end, b[i] == 0x3A else { return false }
            i += 1
            return value()
        }
        guard value() else { return false }
        // After each value: a comma and the next element, or the close of its container.
        while let object = stack.last {
            skipSpace()
            guard i < end else { return false }
            if b[i] == 0x2C {
                i += 1
                skipSpace()
                // Foundation accepts a trailing comma (`[1,]`, `{"a":1,}`), so this does too.
                if i < end, b[i] == (object ? 0x7D : 0x5D) {
                    i += 1
                    stack.removeLast()
                    continue
                }
                guard object ? member() : value() else { return false }
            } else if b[i] == (object ? 0x7D : 0x5D) {
                i += 1
                stack.removeLast()
            } else {
                return false
            }
        }
        skipSpace()
        return i == end
    }

    private static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    private static func isHex(_ c: UInt8) -> Bool { isDigit(c) || (c | 0x20 >= 0x61 && c | 0x20 <= 0x66) }
}
