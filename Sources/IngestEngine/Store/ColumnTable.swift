import Foundation
import PostgresClient

/// The columns of a table that newsd writes, in the order its rows hold their values as text.
/// COPY sends that text as it is; the INSERT path unnests one text array per column and turns
/// each into the column's type with `fromText`. Both paths read this one list, so they cannot
/// disagree about which value goes where.
struct ColumnTable: Sendable {
    struct Column: Sendable {
        /// The column's name.
        let name: StaticString
        /// SQL turning the text value, written `$`, into the column's value (INSERT path).
        let fromText: String

        init(_ name: StaticString, _ fromText: String = "$") {
            self.name = name
            self.fromText = fromText
        }
    }

    let table: StaticString
    let columns: [Column]

    /// The column names, for COPY.
    var names: [StaticString] { columns.map(\.name) }

    /// `INSERT INTO table (…) SELECT … FROM unnest($1::text[], …) AS t(v0, …) <suffix>`: one
    /// row per element of the arrays in `values` (one array per column, all of one length).
    func insert(_ values: [[String?]], suffix: String = "") -> PostgresQuery {
        precondition(values.count == columns.count, "one value array per column")
        let aliases = columns.indices.map { "v\($0)" }
        let selected = zip(columns, aliases).map { column, alias in column.fromText.replacingOccurrences(of: "$", with: "t.\(alias)") }
        let sql = """
            INSERT INTO \(table) (\(names.map { "\($0)" }.joined(separator: ", ")))
            SELECT \(selected.joined(separator: ", "))
            FROM unnest(\(columns.indices.map { "$\($0 + 1)::text[]" }.joined(separator: ", "))) AS t(\(aliases.joined(separator: ", ")))
            \(suffix)
            """
        return PostgresQuery(unsafeSQL: sql, binds: values.map { .nullableTextArray($0) })
    }
}
