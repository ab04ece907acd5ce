/// A value bound to a `$n` placeholder.
public enum PostgresBind: Sendable, Equatable {
    /// SQL NULL.
    case null
    /// Text, sent in text format.
    case text(String)
    /// An integer, sent in text format.
    case int(Int64)
    /// A boolean, sent in text format.
    case bool(Bool)
    /// Raw bytes for a `bytea` parameter, sent in binary format.
    case bytes([UInt8])
    /// A text array (`text[]`), sent in PostgreSQL's array literal form.
    case textArray([String])
    /// A text array whose nil elements are SQL NULL.
    case nullableTextArray([String?])
}

/// A parameterized SQL command. String interpolation becomes `$1 … $n` placeholders with
/// bound values, so values never enter the SQL text:
///
///     let q: PostgresQuery = "SELECT id FROM articles WHERE content_hash = \(hash)"
public struct PostgresQuery: Sendable, ExpressibleByStringInterpolation {
    /// The SQL text with `$n` placeholders.
    public private(set) var sql: String
    /// The values, in placeholder order.
    public private(set) var binds: [PostgresBind]

    /// A command with explicit placeholders and values.
    public init(unsafeSQL sql: String, binds: [PostgresBind] = []) {
        self.sql = sql
        self.binds = binds
    }

    public init(stringLiteral value: String) {
        self.init(unsafeSQL: value)
    }

    public init(stringInterpolation: StringInterpolation) {
        self.init(unsafeSQL: stringInterpolation.sql, binds: stringInterpolation.binds)
    }

    /// Builds SQL text and binds from an interpolated literal.
    public struct StringInterpolation: StringInterpolationProtocol {
        var sql = ""
        var binds: [PostgresBind] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            sql.reserveCapacity(literalCapacity + interpolationCount * 3)
        }

        public mutating func appendLiteral(_ literal: String) { sql += literal }

        /// Binds a value.
        public mutating func appendInterpolation(_ value: PostgresBind) {
            binds.append(value)
            sql += "$\(binds.count)"
        }

        /// Binds a string.
        public mutating func appendInterpolation(_ value: String) { appendInterpolation(.text(value)) }

        /// Binds an optional string (nil is NULL).
        public mutating func appendInterpolation(_ value: String?) {
            appendInterpolation(value.map(PostgresBind.text) ?? .null)
        }

        /// Binds an integer.
        public mutating func appendInterpolation(_ value: Int) { appendInterpolation(.int(Int64(value))) }

        /// Binds an optional integer (nil is NULL).
        public mutating func appendInterpolation(_ value: Int?) {
            appendInterpolation(value.map { .int(Int64($0)) } ?? .null)
        }

        /// Binds an Int64.
        public mutating func appendInterpolation(_ value: Int64) { appendInterpolation(.int(value)) }

        /// Binds a bool.
        public mutating func appendInterpolation(_ value: Bool) { appendInterpolation(.bool(value)) }

        /// Binds bytes as `bytea`.
        public mutating func appendInterpolation(_ value: [UInt8]) { appendInterpolation(.bytes(value)) }

        /// Binds a text array.
        public mutating func appendInterpolation(_ value: [String]) { appendInterpolation(.textArray(value)) }

        /// Inserts trusted SQL text (identifiers chosen by the program, never user values).
        public mutating func appendInterpolation(unescaped sql: String) { self.sql += sql }
    }
}

extension PostgresBind {
    /// The parameter's wire form for PQexecParams: bytes and whether the format is binary.
    var wire: (bytes: [UInt8], binary: Bool)? {
        switch self {
        case .null: return nil
        case .text(let s): return (Array(s.utf8), false)
        case .int(let i): return (Array(String(i).utf8), false)
        case .bool(let b): return (Array((b ? "t" : "f").utf8), false)
        case .bytes(let b): return (b, true)
        case .nullableTextArray(let items):
            return (CopyText.arrayLiteralBytes(items), false)
        case .textArray(let items):
            return PostgresBind.nullableTextArray(items).wire
        }
    }
}
