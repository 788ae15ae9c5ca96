import Foundation
import GRDB
import TrustModel

extension SQLiteStore {
    /// Every row of a described table, in primary-key order, each value typed by the description (SQLite keeps a
    /// declared type only as an affinity: booleans are integers, and a double may have been stored as an integer).
    /// Streamed in one read transaction: for copying the installation to another engine.
    public func forEachRow(
        of table: SchemaDescription.Table, _ body: ([SchemaDescription.Value]) throws -> Void
    ) throws {
        let columns = table.columns.map { "\"\($0.name)\"" }.joined(separator: ", ")
        let order = table.primaryKey.map { "\"\($0)\"" }.joined(separator: ", ")
        try writer.read { db in
            let rows = try Row.fetchCursor(db, sql: "SELECT \(columns) FROM \"\(table.name)\" ORDER BY \(order)")
            while let row = try rows.next() {
                var values: [SchemaDescription.Value] = []
                for (index, column) in table.columns.enumerated() {
                    values.append(try Self.value(row[index] as DatabaseValue, column: column, table: table.name))
                }
                try body(values)
            }
        }
    }

    private static func value(
        _ stored: DatabaseValue, column: SchemaDescription.Column, table: String
    ) throws -> SchemaDescription.Value {
        switch (column.type, stored.storage) {
        case (_, .null): return .null
        case (.text, .string(let text)): return .text(text)
        case (.blob, .blob(let data)): return .blob(data)
        case (.integer, .int64(let number)): return .integer(number)
        case (.double, .double(let number)): return .double(number)
        case (.double, .int64(let number)): return .double(Double(number))
        case (.boolean, .int64(let number)) where number == 0 || number == 1: return .boolean(number == 1)
        default:
            throw TrustError(
                .integrity, "\(table).\(column.name) holds \(stored), not the \(column.type.rawValue) described")
        }
    }
}
