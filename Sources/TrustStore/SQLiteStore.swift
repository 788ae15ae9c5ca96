import Foundation
import GRDB
import TrustModel
import TrustServices

/// trustd's embedded store engine: SQLite through GRDB (WAL, `synchronous = FULL` so a commit is durable), versioned
/// migrations, and the repositories of ``TrustServices`` over one connection per transaction.
public final class SQLiteStore: TransactionalStore {
    let writer: any DatabaseWriter
    private let groupCommit: GroupCommit
    /// Reads are page-cache reads of a WAL database in this process: they never wait on a writer or the network.
    public let readsInProcess = true
    /// This daemon is the database's one writer (the data directory is its alone), so it sees every change.
    private let stamp = SealRecordsStamp()
    public var sealRecordsStamp: SealRecordsStamp? { stamp }

    /// Opens (creating and migrating) the database file at `path`; the files are made owner-only.
    public init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        do {
            let pool = try DatabasePool(path: path, configuration: configuration)
            // GRDB turns WAL on after `prepareDatabase` has run, and with it `synchronous = NORMAL`: a commit would
            // then reach the disk only at the next checkpoint, and power loss could take acknowledged signatures'
            // audit records with it. FULL syncs the WAL at every commit (one per group-commit batch). Only the
            // writer connection commits; it lives as long as the pool.
            try pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA synchronous = FULL") }
            writer = pool
            groupCommit = Self.groupCommit(writer)
            try Schema.migrator.migrate(writer)
            observeSealRecords()
            // The database holds the audit log and identity data: owner-only, whatever the umask was.
            for file in [path, "\(path)-wal", "\(path)-shm"] where FileManager.default.fileExists(atPath: file) {
                chmod(file, 0o600)
            }
        } catch {
            throw TrustError(.unavailable, "cannot open the database at \(path): \(error)")
        }
    }

    /// An in-memory database (tests).
    public init(inMemory: Void = ()) throws {
        writer = try DatabaseQueue()
        groupCommit = Self.groupCommit(writer)
        try Schema.migrator.migrate(writer)
        observeSealRecords()
    }

    private func observeSealRecords() {
        writer.add(transactionObserver: SealRecordsObserver(stamp), extent: .databaseLifetime)
    }

    public func read<T>(_ body: (any Repositories) throws -> T) throws -> T {
        try translate { try writer.read { db in try body(SQLiteRepositories(db: db)) } }
    }

    public func write<T>(_ body: (any Repositories) throws -> T) throws -> T {
        try translate { try writer.write { db in try body(SQLiteRepositories(db: db)) } }
    }

    public func writeGrouped<T>(_ body: @escaping (any Repositories) throws -> T) throws -> T {
        try translate { try groupCommit.run(body) }
    }

    public func writeGrouped<T: Sendable>(_ body: @escaping @Sendable (any Repositories) throws -> T) async throws -> T
    {
        do { return try await groupCommit.run(body) } catch { return try translate { throw error } }
    }

    /// Each batch in one transaction. A work that throws is rare (a refused signature is an answer, not an error), so
    /// the batch first runs without savepoints, which cost two statements and GRDB's bookkeeping per work; only if a
    /// work throws is that transaction rolled back and the batch run again with each work in its own savepoint, so
    /// that the others still commit. The works only touch the database, so running one again after the rollback is
    /// the same as running it once.
    private static func groupCommit(_ writer: any DatabaseWriter) -> GroupCommit {
        GroupCommit { batch in
            do {
                try writer.write { db in
                    let tx = SQLiteRepositories(db: db)
                    for work in batch { try work(tx) }
                }
                return Array(repeating: nil, count: batch.count)
            } catch {
                return try commitIsolated(batch, writer)
            }
        }
    }

    private static func commitIsolated(_ batch: [GroupCommit.Work], _ writer: any DatabaseWriter) throws
        -> [(any Error)?]
    {
        var errors: [(any Error)?] = []
        try writer.write { db in
            for work in batch {
                do {
                    try db.inSavepoint {
                        try work(SQLiteRepositories(db: db))
                        return .commit
                    }
                    errors.append(nil)
                } catch {
                    errors.append(error)
                }
            }
        }
        return errors
    }

    private func translate<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as TrustError {
            throw error
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            throw TrustError.conflict(
                "the change conflicts with stored data: \(error.message ?? "constraint violated")")
        } catch let error as DatabaseError {
            throw TrustError(.unavailable, "database error: \(error.message ?? "\(error.resultCode)")")
        } catch let error as RowDecodingError {
            throw TrustError(.integrity, "a stored row does not read back: \(error)")
        } catch let error as DecodingError {
            // A column holding a value trustd does not know (an unknown state or kind): never read as a default,
            // and never mistaken for a client's malformed request.
            throw TrustError.unreadableRow(error)
        }
    }

}

extension ApplianceEngines {
    /// The embedded default: SQLite in `DIR/trustd.sqlite` and the software key store.
    public static let embedded = ApplianceEngines(store: { directory in try SQLiteStore(path: directory.databasePath) })
}
