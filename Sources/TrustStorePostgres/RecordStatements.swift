import Foundation
import PostgresNIO
import TrustModel
import TrustStore

/// Insert, update and fetch of whole records, with the column lists taken from ``SchemaDescription``: every
/// described column is written (a nil optional as NULL), and a record field the table does not describe is a
/// programming error reported as an integrity failure, not silently dropped.
extension PostgresRepositories {
    func table(_ name: String) throws -> SchemaDescription.Table {
        guard let table = SchemaDescription.table(name) else {
            throw TrustError(.integrity, "no table '\(name)' in the schema description")
        }
        return table
    }

    private func values<T: Encodable>(of record: T, table: SchemaDescription.Table) throws -> [String: ColumnValue] {
        var values: [String: ColumnValue] = [:]
        for (name, value) in try RowEncoder.columns(of: record) {
            guard table.column(name) != nil else {
                throw TrustError(
                    .integrity, "\(T.self) has a field '\(name)' that table \(table.name) does not describe")
            }
            values[name] = value
        }
        return values
    }

    func insertRecord<T: Encodable>(_ record: T, into tableName: String, upsert: Bool = false) throws {
        let table = try table(tableName)
        let values = try values(of: record, table: table)
        var names: [String] = []
        var bound: [ColumnValue] = []
        for column in table.columns {
            let value = values[column.name] ?? .null
            if table.autoIncrement, table.primaryKey == [column.name], case .null = value { continue }
            names.append(column.name)
            bound.append(value)
        }
        let q = PostgresSchema.quoted
        var sql =
            "INSERT INTO \(q(table.name)) (\(names.map(q).joined(separator: ", "))) VALUES ("
            + (1...bound.count).map { "$\($0)" }.joined(separator: ", ") + ")"
        if upsert {
            let updates = names.filter { !table.primaryKey.contains($0) }.map { "\(q($0)) = EXCLUDED.\(q($0))" }
            sql +=
                " ON CONFLICT (\(table.primaryKey.map(q).joined(separator: ", "))) DO UPDATE SET "
                + updates.joined(separator: ", ")
        }
        try session.execute(sql, bound)
    }

    /// Updates the row with the record's primary key; a record that is not stored is `notFound`.
    func updateRecord<T: Encodable>(_ record: T, in tableName: String) throws {
        let table = try table(tableName)
        let values = try values(of: record, table: table)
        let q = PostgresSchema.quoted
        var assignments: [String] = []
        var bound: [ColumnValue] = []
        for column in table.columns where !table.primaryKey.contains(column.name) {
            bound.append(values[column.name] ?? .null)
            assignments.append("\(q(column.name)) = $\(bound.count)")
        }
        var conditions: [String] = []
        for key in table.primaryKey {
            guard let value = values[key] else {
                throw TrustError(.integrity, "\(T.self) has no primary key \(key)")
            }
            bound.append(value)
            conditions.append("\(q(key)) = $\(bound.count)")
        }
        let sql =
            "UPDATE \(q(table.name)) SET \(assignments.joined(separator: ", ")) WHERE "
            + conditions.joined(separator: " AND ")
        guard try session.changes(sql, bound) == 1 else {
            throw TrustError.notFound("no \(table.name) record to update")
        }
    }

    func one<T: Decodable>(_ type: T.Type, _ sql: String, _ values: [ColumnValue] = []) throws -> T? {
        guard let row = try session.rows(sql, values).first else { return nil }
        return try RowDecoder.decode(T.self, from: row)
    }

    func all<T: Decodable>(_ type: T.Type, _ sql: String, _ values: [ColumnValue] = []) throws -> [T] {
        try session.rows(sql, values).map { try RowDecoder.decode(T.self, from: $0) }
    }

    /// Rows of a large result, a batch at a time through a cursor (a CRL of a million entries is never in memory).
    func forEachRow(_ sql: String, _ values: [ColumnValue] = [], _ body: (PostgresRow) throws -> Void) throws {
        let cursor = "trustd_cursor_\(UInt32.random(in: 0...UInt32.max))"
        try session.execute("DECLARE \(cursor) NO SCROLL CURSOR FOR \(sql)", values)
        defer { _ = try? session.execute("CLOSE \(cursor)") }
        while true {
            let rows = try session.rows("FETCH 1000 FROM \(cursor)")
            for row in rows { try body(row) }
            if rows.count < 1000 { return }
        }
    }

    func scalar<T: PostgresDecodable>(_ type: T.Type, _ sql: String, _ values: [ColumnValue] = []) throws -> T? {
        guard let row = try session.rows(sql, values).first else { return nil }
        let cell = row.makeRandomAccess()[0]
        if cell.bytes == nil { return nil }
        do {
            return try cell.decode(T.self)
        } catch {
            throw TrustError(.integrity, "column \(cell.columnName) does not read back as \(T.self)")
        }
    }
}
