import TrustServices
import TrustStore

/// The seal records stamp on PostgreSQL: one row that every transaction changing a watched table moves (a trigger),
/// so the move commits or rolls back with the change, whichever node made it. A node keeps a seal's records for as
/// long as the row still reads what it read before them (see ``SealRecordsStamp``); a signature then reads this
/// small row instead of the seal with its picture, its grants and its certificate.
///
/// Every write transaction already holds the appliance's write lock, so the row adds no wait between writers. The
/// trigger moves the row once per transaction (a transaction-local setting remembers it; a rolled-back savepoint
/// forgets both), so a bulk import does not rewrite it per row.
///
/// It belongs to the engine, as `trustd_schema` does, not to the records' schema described for both engines (a move
/// from SQLite does not copy it; pg_dump carries it with the database): created once, under the migration lock, on a
/// database that lacks it.
enum StoredSealRecordsStamp {
    static let table = "trustd_seal_records_stamp"
    static let function = "trustd_move_seal_records_stamp"

    static let readStatement = "SELECT value FROM \(table)"

    static let existsStatement = "SELECT to_regclass('\(table)') IS NOT NULL"

    /// The table, its one row, the trigger function and a trigger on each watched table.
    static func createStatements() -> [String] {
        var statements = [
            "CREATE TABLE \(table) (one boolean PRIMARY KEY DEFAULT true CHECK (one), value bigint NOT NULL)",
            "INSERT INTO \(table) (value) VALUES (0)",
            """
            CREATE OR REPLACE FUNCTION \(function)() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF current_setting('trustd.seal_records_moved', true) IS DISTINCT FROM 'yes' THEN
                PERFORM set_config('trustd.seal_records_moved', 'yes', true);
                UPDATE \(table) SET value = value + 1;
              END IF;
              RETURN NULL;
            END
            $$
            """,
        ]
        let counted = SealRecordsTables.usageCount
        for name in SealRecordsTables.names.sorted() {
            let quoted = PostgresSchema.quoted(name)
            let trigger = "\(table)_\(name)"
            statements.append(
                "CREATE TRIGGER \(trigger)_truncate AFTER TRUNCATE ON \(quoted) "
                    + "FOR EACH STATEMENT EXECUTE FUNCTION \(function)()")
            guard name == counted.table else {
                statements.append(
                    "CREATE TRIGGER \(trigger) AFTER INSERT OR UPDATE OR DELETE ON \(quoted) "
                        + "FOR EACH ROW EXECUTE FUNCTION \(function)()")
                continue
            }
            // A grant's row moves the stamp unless only its usage count changed (every signature counts one).
            statements.append(
                "CREATE TRIGGER \(trigger) AFTER INSERT OR DELETE ON \(quoted) "
                    + "FOR EACH ROW EXECUTE FUNCTION \(function)()")
            statements.append(
                "CREATE TRIGGER \(trigger)_update AFTER UPDATE ON \(quoted) FOR EACH ROW "
                    + "WHEN ((to_jsonb(OLD) - '\(counted.column)') IS DISTINCT FROM (to_jsonb(NEW) - '\(counted.column)')) "
                    + "EXECUTE FUNCTION \(function)()")
        }
        return statements
    }
}
