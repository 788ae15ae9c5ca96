import Foundation
import TrustModel
import TrustServices
import TrustStore

/// Copies an installation's records from its SQLite file to an empty PostgreSQL database: every described table in
/// dependency order, in one transaction (all of it or nothing), then checks that every table holds as many rows on
/// both sides. The caller verifies the audit chain before and after (``AuditService``), with the daemon stopped.
public enum StoreMigration {
    /// Rows per INSERT statement (well under PostgreSQL's 65,535 parameters for the widest table).
    static let batch = 100

    /// Copies `source` into `target` and returns the rows copied per table. `progress` is told each table's count.
    @discardableResult
    public static func copy(
        from source: SQLiteStore, to target: PostgresStore, progress: (String, Int) -> Void = { _, _ in }
    ) throws -> [(table: String, rows: Int)] {
        var copied: [(table: String, rows: Int)] = []
        try target.withWriteSession { session in
            for table in SchemaDescription.tables {
                let existing = try session.rows("SELECT COUNT(*) FROM \(PostgresSchema.quoted(table.name))")
                guard try existing.first?.decode(Int64.self) == 0 else {
                    throw TrustError.conflict(
                        "the PostgreSQL database already holds \(table.name) records: migrate into an empty database")
                }
            }
            for table in SchemaDescription.tables {
                var pending: [[SchemaDescription.Value]] = []
                var count = 0
                func flush() throws {
                    guard !pending.isEmpty else { return }
                    try session.execute(insert(table, rows: pending.count), pending.flatMap { $0 })
                    count += pending.count
                    pending.removeAll(keepingCapacity: true)
                }
                try source.forEachRow(of: table) { values in
                    pending.append(values)
                    if pending.count == batch { try flush() }
                }
                try flush()
                if table.autoIncrement, let key = table.primaryKey.first {
                    // The identity continues after the copied numbers.
                    try session.execute(
                        """
                        SELECT setval(pg_get_serial_sequence('\(table.name)', '\(key)'),
                                      COALESCE((SELECT MAX(\(PostgresSchema.quoted(key))) FROM \(PostgresSchema.quoted(table.name))), 0) + 1, false)
                        """)
                }
                progress(table.name, count)
                copied.append((table.name, count))
            }
        }
        for (table, rows) in copied {
            let stored = try target.count(table)
            guard stored == rows else {
                throw TrustError(.integrity, "\(table): \(rows) rows copied but \(stored) stored")
            }
        }
        return copied
    }

    static func insert(_ table: SchemaDescription.Table, rows: Int) -> String {
        let q = PostgresSchema.quoted
        let width = table.columns.count
        let tuples = (0..<rows).map { row in
            "(" + (1...width).map { "$\(row * width + $0)" }.joined(separator: ", ") + ")"
        }
        let overriding = table.autoIncrement ? " OVERRIDING SYSTEM VALUE" : ""
        return "INSERT INTO \(q(table.name)) (\(table.columns.map { q($0.name) }.joined(separator: ", ")))"
            + "\(overriding) VALUES \(tuples.joined(separator: ", "))"
    }
}

extension PostgresStore {
    /// Rows in a described table.
    public func count(_ table: String) throws -> Int {
        return try withReadSession { session in
            Int(try session.rows("SELECT COUNT(*) FROM \(PostgresSchema.quoted(table))").first?.decode(Int64.self) ?? 0)
        }
    }
}
