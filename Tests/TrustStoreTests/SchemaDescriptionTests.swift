import Foundation
import TestSupport
import Testing
import TrustStore
import TrustStorePostgres

/// One schema for both engines: SQLite's shipped migrations and PostgreSQL's generated DDL both leave exactly what
/// `SchemaDescription` says — read back from each database's own catalogue with its own command-line client.
@Suite struct SchemaDescriptionTests {
    /// `table.column type [not null] [unique] [-> table] [pk]`, one line per column, in a common vocabulary.
    static func described() -> Set<String> {
        var lines: Set<String> = []
        for table in SchemaDescription.tables {
            for column in table.columns {
                let primary = table.primaryKey.contains(column.name)
                lines.insert(
                    line(
                        table.name, column.name, column.type.rawValue, notNull: column.notNull || primary,
                        unique: column.unique, references: column.references, primary: primary))
            }
        }
        return lines
    }

    static func line(
        _ table: String, _ column: String, _ type: String, notNull: Bool, unique: Bool, references: String?,
        primary: Bool
    ) -> String {
        "\(table).\(column) \(type)\(notNull ? " not null" : "")\(unique ? " unique" : "")"
            + "\(references.map { " -> \($0)" } ?? "")\(primary ? " pk" : "")"
    }

    @Test func sqliteMigrationsLeaveTheDescribedSchema() throws {
        let dir = try TemporaryDirectory("trustd-schema")
        let path = dir.file("t.sqlite")
        _ = try SQLiteStore(path: path)
        func query(_ sql: String) throws -> [[String]] {
            let result = try Subprocess.run("sqlite3", ["-separator", "|", path, sql])
            guard result.succeeded else { throw TestSupportError(result.stderr) }
            return result.stdout.split(separator: "\n").map {
                $0.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            }
        }
        let tables = try query(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'grdb_migrations'"
        ).map { $0[0] }
        #expect(Set(tables) == Set(SchemaDescription.tables.map(\.name)))
        var lines: Set<String> = []
        for table in tables {
            let uniques = Set(
                try query(
                    "SELECT ii.name FROM pragma_index_list('\(table)') il, pragma_index_info(il.name) ii WHERE il.[unique] = 1 AND il.origin = 'u'"
                ).map { $0[0] })
            var references: [String: String] = [:]
            for row in try query("SELECT [from], [table] FROM pragma_foreign_key_list('\(table)')") {
                references[row[0]] = row[1]
            }
            for row in try query("SELECT name, lower(type), [notnull], pk FROM pragma_table_info('\(table)')") {
                let primary = row[3] != "0"
                lines.insert(
                    Self.line(
                        table, row[0], row[1], notNull: row[2] == "1" || primary, unique: uniques.contains(row[0]),
                        references: references[row[0]], primary: primary))
            }
        }
        #expect(lines.subtracting(Self.described()).sorted() == [], "in SQLite, not described")
        #expect(Self.described().subtracting(lines).sorted() == [], "described, not in SQLite")
    }

    @Test(.enabled(if: PostgresCluster.available, "needs PostgreSQL: run .ci/install-deps"))
    func postgresMigrationsLeaveTheDescribedSchema() throws {
        let cluster = try PostgresCluster.sharedCluster()
        let database = try cluster.createDatabase()
        let store = try PostgresStore(
            settings: try PostgresSettings(url: cluster.url(database: database), passwordFile: cluster.passwordFile))
        #expect(try store.appliedVersions() == Array(8...SchemaDescription.version))
        // A second node opening the same database applies nothing again.
        _ = try PostgresStore(
            settings: try PostgresSettings(url: cluster.url(database: database), passwordFile: cluster.passwordFile))
        #expect(try store.appliedVersions() == Array(8...SchemaDescription.version))

        func query(_ sql: String) throws -> [[String]] {
            try cluster.psql(sql, database: database).split(separator: "\n").map {
                $0.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            }
        }
        let types = [
            "text": "text", "bytea": "blob", "bigint": "integer", "double precision": "double", "boolean": "boolean",
        ]
        func constrained(_ kind: String) throws -> Set<String> {
            Set(
                try query(
                    """
                    SELECT k.table_name || '.' || k.column_name FROM information_schema.table_constraints c
                    JOIN information_schema.key_column_usage k ON k.constraint_name = c.constraint_name
                    WHERE c.table_schema = 'public' AND c.constraint_type = '\(kind)'
                    """
                ).map { $0[0] })
        }
        let uniques = try constrained("UNIQUE")
        let primaries = try constrained("PRIMARY KEY")
        var references: [String: String] = [:]
        for row in try query(
            """
            SELECT k.table_name || '.' || k.column_name, u.table_name FROM information_schema.referential_constraints r
            JOIN information_schema.key_column_usage k ON k.constraint_name = r.constraint_name
            JOIN information_schema.constraint_column_usage u ON u.constraint_name = r.unique_constraint_name
            """)
        {
            references[row[0]] = row[1]
        }
        var lines: Set<String> = []
        for row in try query(
            """
            SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
            WHERE table_schema = 'public' AND table_name NOT IN ('trustd_schema', 'trustd_seal_records_stamp')
            """)
        {
            let key = "\(row[0]).\(row[1])"
            lines.insert(
                Self.line(
                    row[0], row[1], types[row[2]] ?? row[2], notNull: row[3] == "NO", unique: uniques.contains(key),
                    references: references[key], primary: primaries.contains(key)))
        }
        #expect(lines.subtracting(Self.described()).sorted() == [], "in PostgreSQL, not described")
        #expect(Self.described().subtracting(lines).sorted() == [], "described, not in PostgreSQL")
    }
}
