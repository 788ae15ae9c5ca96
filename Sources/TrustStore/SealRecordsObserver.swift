import GRDB
import TrustServices

/// Moves a ``SealRecordsStamp`` after every commit that changed a seal, its events, a grant, a certificate or an
/// organisation — seen on the writer connection, through which every change of this process goes. A grant update
/// that sets only its usage count (each signature's `countGrantUse`) does not move it. A change rolled back with its
/// savepoint may still move it: that only costs a fresh read.
final class SealRecordsObserver: TransactionObserver {
    static let tables: Set<String> = ["seal", "seal_event", "seal_grant", "certificate", "organization"]
    private let stamp: SealRecordsStamp
    /// Touched only on the writer's queue, which GRDB runs one access at a time.
    private var changed = false

    init(_ stamp: SealRecordsStamp) { self.stamp = stamp }

    func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool {
        switch eventKind {
        case .insert(let table), .delete(let table): return Self.tables.contains(table)
        case .update(let table, let columns):
            return Self.tables.contains(table) && !(table == "seal_grant" && columns == ["usage_count"])
        }
    }

    func databaseDidChange(with event: DatabaseEvent) {
        changed = true
        stopObservingDatabaseChangesUntilNextTransaction()
    }

    func databaseDidCommit(_ db: Database) {
        if changed { stamp.advance() }
        changed = false
    }

    func databaseDidRollback(_ db: Database) { changed = false }
}
