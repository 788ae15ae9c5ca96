import GRDB
import TrustServices

/// Moves a ``SealRecordsStamp`` after every commit that changed a seal, its events, a grant, a certificate or an
/// organisation — seen on the writer connection, through which every change of this process goes. A grant update
/// that sets only its usage count (each signature's `countGrantUse`) does not move it. A change rolled back with its
/// savepoint may still move it: that only costs a fresh read.
final class SealRecordsObserver: TransactionObserver {
    private let stamp: SealRecordsStamp
    /// Touched only on the writer's queue, which GRDB runs one access at a time.
    private var changed = false

    init(_ stamp: SealRecordsStamp) { self.stamp = stamp }

    func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool {
        switch eventKind {
        case .insert(let table), .delete(let table): return SealRecordsTables.names.contains(table)
        case .update(let table, let columns):
            let counted = SealRecordsTables.usageCount
            return SealRecordsTables.names.contains(table)
                && !(table == counted.table && columns == [counted.column])
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

/// The tables whose committed changes move a ``SealRecordsStamp``, for every engine; a grant's usage count alone does
/// not (each signature moves it).
public enum SealRecordsTables {
    public static let names: Set<String> = ["seal", "seal_event", "seal_grant", "certificate", "organization"]
    public static let usageCount = (table: "seal_grant", column: "usage_count")
}
