import Foundation
import Logging
import PostgresNIO
import TrustModel
import TrustServices
import TrustStore

/// The PostgreSQL engine behind the repositories, for one or several trustd nodes on one database.
///
/// Every write transaction first takes the appliance's write lock (a transaction-scoped advisory lock): the audit
/// log is one hash chain, and every state change appends to it in the same transaction, so writes are one sequence
/// across all nodes — as SQLite's single writer makes them on one node. This also makes read-then-write inside a
/// transaction exact (usage limits, single-use challenges, CRL numbers) and leaves no lock order to deadlock on.
/// Group commit amortises the lock and the commit over concurrent writers, as it does for SQLite.
public final class PostgresStore: TransactionalStore, @unchecked Sendable {
    /// Advisory lock keys ("trustd" in ASCII, then a number).
    static let writeLock: Int64 = 0x7472_7573_7464_0001
    static let migrationLock: Int64 = 0x7472_7573_7464_0002
    /// Taken first by every write transaction (sent with BEGIN; the server holds later statements until it is held).
    static let lockStatement = (sql: "SELECT pg_advisory_xact_lock($1)", values: [ColumnValue.integer(writeLock)])

    let settings: PostgresSettings
    private let pool: ConnectionPool
    private let groupCommit: GroupCommit
    /// Every read is a round trip to the server: services run them on their blocking executor.
    public let readsInProcess = false
    private let listener: ChangeListener
    private let lease: LeaderLease
    /// The database's own stamp (``StoredSealRecordsStamp``): seal records are kept on every node, exactly.
    public let sealRecordsStamp: SealRecordsStamp?

    /// Connects and brings the schema to ``SchemaDescription/version`` (once, whichever node starts first).
    public init(settings: PostgresSettings, logger: Logger = Logger(label: "trustd.postgres")) throws {
        self.settings = settings
        let configuration = try settings.connectionConfiguration()
        pool = ConnectionPool(configuration: configuration, size: settings.poolSize, logger: logger)
        groupCommit = Self.groupCommit(pool)
        listener = ChangeListener(configuration: configuration, logger: logger)
        lease = LeaderLease(configuration: configuration, logger: logger)
        sealRecordsStamp = SealRecordsStamp(stored: { [pool] in
            try Self.translate {
                try pool.withConnection { session in
                    guard let row = try session.rows(StoredSealRecordsStamp.readStatement).first else {
                        throw TrustError(.integrity, "the seal records stamp has no row")
                    }
                    return UInt64(bitPattern: try row.decode(Int64.self))
                }
            }
        })
        do {
            try migrate()
        } catch {
            pool.close()
            throw error
        }
    }

    deinit {
        lease.release()
        listener.stop()
        pool.close()
    }

    public func subscribe(_ handler: @escaping @Sendable (StateChange) -> Void) { listener.subscribe(handler) }

    public func holdsLeadership() -> Bool { lease.holds() }

    /// The schema versions applied, oldest first.
    public func appliedVersions() throws -> [Int] {
        try translate {
            try pool.withConnection { session in
                try session.rows("SELECT version FROM trustd_schema ORDER BY version").map {
                    Int(try $0.decode(Int64.self))
                }
            }
        }
    }

    private func migrate() throws {
        try translate {
            try pool.withConnection { session in
                try session.execute("SELECT pg_advisory_lock($1)", [.integer(Self.migrationLock)])
                defer { _ = try? session.execute("SELECT pg_advisory_unlock($1)", [.integer(Self.migrationLock)]) }
                try session.execute(
                    """
                    CREATE TABLE IF NOT EXISTS trustd_schema (version bigint PRIMARY KEY, applied_at double precision NOT NULL)
                    """)
                let applied = Set(
                    try session.rows("SELECT version FROM trustd_schema").map { Int(try $0.decode(Int64.self)) })
                if let newest = applied.max(), newest > SchemaDescription.version {
                    throw TrustError(
                        .unavailable,
                        "the database schema is version \(newest); this trustd knows up to \(SchemaDescription.version)"
                    )
                }
                for migration in PostgresSchema.migrations where !applied.contains(migration.version) {
                    try session.transaction("BEGIN") {
                        for statement in migration.statements { try session.execute(statement) }
                        try session.execute(
                            "INSERT INTO trustd_schema (version, applied_at) VALUES ($1, $2)",
                            [.integer(Int64(migration.version)), .double(Date().timeIntervalSince1970)])
                    }
                }
                try session.transaction("BEGIN") {
                    guard try session.rows(StoredSealRecordsStamp.existsStatement).first?.decode(Bool.self) == false
                    else { return }
                    for statement in StoredSealRecordsStamp.createStatements() { try session.execute(statement) }
                }
            }
        }
    }

    public func read<T>(_ body: (any Repositories) throws -> T) throws -> T {
        try translate {
            try pool.withConnection { session in
                try session.transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") {
                    try body(PostgresRepositories(session: session))
                }
            }
        }
    }

    public func write<T>(_ body: (any Repositories) throws -> T) throws -> T {
        try translate {
            try pool.withConnection { session in
                try session.transaction("BEGIN", then: Self.lockStatement) {
                    try body(PostgresRepositories(session: session))
                }
            }
        }
    }

    /// A write transaction on the session itself (the store's own tools: migration).
    func withWriteSession<T>(_ body: (PostgresSession) throws -> T) throws -> T {
        try translate {
            try pool.withConnection { session in
                try session.transaction("BEGIN", then: Self.lockStatement) { try body(session) }
            }
        }
    }

    func withReadSession<T>(_ body: (PostgresSession) throws -> T) throws -> T {
        try translate {
            try pool.withConnection { session in
                try session.transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") { try body(session) }
            }
        }
    }

    public func writeGrouped<T>(_ body: @escaping (any Repositories) throws -> T) throws -> T {
        try translate { try groupCommit.run(body) }
    }

    public func writeGrouped<T: Sendable>(_ body: @escaping @Sendable (any Repositories) throws -> T) async throws -> T
    {
        do { return try await groupCommit.run(body) } catch { return try translate { throw error } }
    }

    /// Each batch in one transaction under the write lock. A work that throws is rare, so a batch of several first
    /// runs without savepoints (two statements per work, and server work for each); only if a work throws is that
    /// transaction rolled back and the batch run again with each work in its own savepoint, so that the others still
    /// commit. Only a work's own failure leads to the rerun: a failed COMMIT may have committed after all (the answer
    /// lost with the connection), and running the works again then would count them twice.
    private static func groupCommit(_ pool: ConnectionPool) -> GroupCommit {
        GroupCommit { batch in
            guard batch.count > 1 else { return try commitIsolated(batch, pool) }
            var workFailed = false
            do {
                try pool.withConnection { session in
                    try session.transaction("BEGIN", then: Self.lockStatement) {
                        let repositories = PostgresRepositories(session: session)
                        for work in batch {
                            do { try work(repositories) } catch {
                                workFailed = true
                                throw error
                            }
                        }
                    }
                }
                return Array(repeating: nil, count: batch.count)
            } catch {
                guard workFailed else { throw error }
                return try commitIsolated(batch, pool)
            }
        }
    }

    /// The batch with each work in its own savepoint; a single work runs without one (its failure rolls the whole
    /// transaction back, which is all it holds).
    private static func commitIsolated(_ batch: [GroupCommit.Work], _ pool: ConnectionPool) throws -> [(any Error)?] {
        try pool.withConnection { session in
            try session.transaction("BEGIN", then: Self.lockStatement) {
                let repositories = PostgresRepositories(session: session)
                if batch.count == 1 {
                    try batch[0](repositories)
                    return [nil]
                }
                var errors: [(any Error)?] = []
                for work in batch {
                    try session.send("SAVEPOINT grouped")
                    let head = session.auditHead
                    do {
                        try work(repositories)
                        try session.send("RELEASE SAVEPOINT grouped")
                        errors.append(nil)
                    } catch {
                        // A failed statement aborts the transaction until the savepoint is rolled back.
                        session.auditHead = head
                        try session.execute("ROLLBACK TO SAVEPOINT grouped")
                        try session.send("RELEASE SAVEPOINT grouped")
                        errors.append(error)
                    }
                }
                return errors
            }
        }
    }

    private func translate<T>(_ body: () throws -> T) throws -> T { try Self.translate(body) }

    private static func translate<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as TrustError {
            throw error
        } catch let error as DecodingError {
            throw TrustError.unreadableRow(error)
        } catch {
            throw PostgresErrors.translate(error)
        }
    }

}

extension ApplianceEngines {
    /// These engines with the records in PostgreSQL (several nodes may share it); keys as before.
    public func withPostgres(_ settings: PostgresSettings) -> ApplianceEngines {
        var engines = self
        engines.store = { _ in try PostgresStore(settings: settings) }
        engines.storeName = "postgres"
        return engines
    }
}
