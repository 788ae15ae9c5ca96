import Foundation
import GRDB
import TrustModel

/// trustd's persistence: SQLite through GRDB (WAL, `synchronous = FULL` so a commit is durable), versioned
/// migrations, and repositories reached through ``StoreTransaction`` / ``StoreReader`` so every state change and its
/// audit record are one transaction and no caller touches SQL.
public final class TrustStore: Sendable {
    let writer: any DatabaseWriter
    private let groupCommit = GroupCommit()

    /// Opens (creating and migrating) the database file at `path`.
    public init(path: String) throws {
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        configuration.busyMode = .timeout(10)
        do {
            writer = try DatabasePool(path: path, configuration: configuration)
            try Schema.migrator.migrate(writer)
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
        try Schema.migrator.migrate(writer)
    }

    /// Runs `body` in one write transaction: all of it commits, or (if it throws) none of it.
    public func write<T>(_ body: (StoreTransaction) throws -> T) throws -> T {
        try translate { try writer.write { db in try body(StoreTransaction(db: db)) } }
    }

    /// Runs `body` in a write transaction shared with other concurrent callers (group commit): while one batch commits,
    /// new callers queue; the next batch runs each body in its own savepoint and commits once, so one fsync serves
    /// many signatures. A body that throws rolls back only its own savepoint and gets its own error; the call returns
    /// after the commit, so what it wrote is durable. For hot paths called from many threads (signing).
    public func writeGrouped<T>(_ body: @escaping (StoreTransaction) throws -> T) throws -> T {
        try translate { try groupCommit.run(body, writer: writer) }
    }

    /// Runs `body` with a consistent read snapshot.
    public func read<T>(_ body: (StoreReader) throws -> T) throws -> T {
        try translate { try writer.read { db in try body(StoreReader(db: db)) } }
    }

    private func translate<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as TrustError {
            throw error
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            throw TrustError.conflict("the change conflicts with stored data: \(error.message ?? "constraint violated")")
        } catch let error as DatabaseError {
            throw TrustError(.unavailable, "database error: \(error.message ?? "\(error.resultCode)")")
        }
    }
}

/// Read access to every repository.
public struct StoreReader {
    let db: Database

    // MARK: Settings
    public func setting(_ key: String) throws -> String? {
        try SettingRecord.fetchOne(db, key: key)?.value
    }

    // MARK: CAs
    public func ca(_ name: String) throws -> CARecord? { try CARecord.fetchOne(db, key: name) }
    public func cas() throws -> [CARecord] { try CARecord.order(Column("created_at"), Column("name")).fetchAll(db) }

    // MARK: Certificates
    public func certificate(serial: String) throws -> CertificateRecord? {
        try CertificateRecord.fetchOne(db.cachedStatement(sql: "SELECT * FROM certificate WHERE serial = ?"),
                                       arguments: [serial.lowercased()])
    }

    public func certificateCount() throws -> Int { try CertificateRecord.fetchCount(db) }

    public func revokedCount() throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM certificate WHERE status IN ('revoked', 'hold')") ?? 0
    }

    /// Calls `body` for every revoked or on-hold certificate of `issuer`: serial (hex), revocation time in whole
    /// seconds since 1970 (what a CRL carries), and reason code. Streams rows without building records.
    public func forEachRevoked(issuer: String, _ body: (String, Int64, Int?) throws -> Void) throws {
        let rows = try Row.fetchCursor(db, sql: """
            SELECT serial, CAST(revoked_at AS INTEGER), revocation_reason FROM certificate
            WHERE issuer = ? AND status IN ('revoked', 'hold')
            """, arguments: [issuer])
        while let row = try rows.next() {
            try body(row[0], row[1], row[2])
        }
    }

    /// Certificates of `issuer` whose status changed after CRL `number` was issued (for delta CRLs). The times are
    /// compared inside SQLite, stored value against stored value, so no Date round trip can blur the boundary.
    public func statusChanges(issuer: String, sinceCRL number: Int64) throws -> [CertificateRecord] {
        try CertificateRecord.fetchAll(db, sql: """
            SELECT * FROM certificate WHERE issuer = ?
            AND status_changed_at > (SELECT this_update FROM crl WHERE issuer = ? AND number = ?) ORDER BY serial
            """, arguments: [issuer, issuer, number])
    }

    // MARK: Principals and tokens
    public func principal(id: String) throws -> PrincipalRecord? {
        try PrincipalRecord.fetchOne(db.cachedStatement(sql: "SELECT * FROM principal WHERE id = ?"), arguments: [id])
    }
    public func principal(name: String) throws -> PrincipalRecord? {
        try PrincipalRecord.filter(Column("name") == name).fetchOne(db)
    }
    public func principals() throws -> [PrincipalRecord] { try PrincipalRecord.order(Column("name")).fetchAll(db) }
    public func token(hash: String) throws -> TokenRecord? {
        try TokenRecord.fetchOne(db.cachedStatement(sql: "SELECT * FROM token WHERE hash = ?"), arguments: [hash])
    }
    public func token(id: String) throws -> TokenRecord? { try TokenRecord.fetchOne(db, key: id) }
    public func clientCertificate(fingerprint: String) throws -> PrincipalCertificateRecord? {
        try PrincipalCertificateRecord.fetchOne(db, key: fingerprint)
    }
    public func clientCertificates(principalID: String) throws -> [PrincipalCertificateRecord] {
        try PrincipalCertificateRecord.filter(Column("principal_id") == principalID).order(Column("fingerprint")).fetchAll(db)
    }

    // MARK: CRLs
    public func latestCRL(issuer: String, delta: Bool = false) throws -> CRLRecord? {
        try CRLRecord.filter(Column("issuer") == issuer && (delta ? Column("delta_base") != nil : Column("delta_base") == nil))
            .order(Column("number").desc).fetchOne(db)
    }

    // MARK: Audit
    public func auditRecords(after seq: Int64 = 0, limit: Int = 100) throws -> [AuditRecord] {
        try AuditRecord.filter(Column("seq") > seq).order(Column("seq")).limit(limit).fetchAll(db)
    }

    public func auditCount() throws -> Int { try AuditRecord.fetchCount(db) }

    public func auditHead() throws -> AuditRecord? { try AuditRecord.order(Column("seq").desc).fetchOne(db) }

    public func auditCheckpoints() throws -> [AuditCheckpointRecord] {
        try AuditCheckpointRecord.order(Column("seq")).fetchAll(db)
    }
}

/// Write access; everything done through one value commits together.
public struct StoreTransaction {
    let db: Database
    public var reader: StoreReader { StoreReader(db: db) }

    public func setSetting(_ key: String, _ value: String) throws {
        try SettingRecord(key: key, value: value).save(db)
    }

    public func insert(_ ca: CARecord) throws { try ca.insert(db) }
    public func update(_ ca: CARecord) throws { try ca.update(db) }
    /// Inserts an issued certificate (a cached statement: this is the issuance hot path).
    public func insert(_ certificate: CertificateRecord) throws {
        try db.cachedStatement(sql: """
            INSERT INTO certificate (serial, issuer, subject, profile, not_before, not_after, status, revoked_at,
                                     revocation_reason, status_changed_at, der, fingerprint, issued_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [certificate.serial, certificate.issuer, certificate.subject, certificate.profile,
                                     certificate.notBefore.timeIntervalSince1970, certificate.notAfter.timeIntervalSince1970,
                                     certificate.status.rawValue, certificate.revokedAt?.timeIntervalSince1970,
                                     certificate.revocationReason, certificate.statusChangedAt.timeIntervalSince1970, certificate.der,
                                     certificate.fingerprint, certificate.issuedAt.timeIntervalSince1970])
    }
    public func update(_ certificate: CertificateRecord) throws { try certificate.update(db) }
    public func insert(_ crl: CRLRecord) throws { try crl.insert(db) }
    public func insert(_ checkpoint: AuditCheckpointRecord) throws { try checkpoint.insert(db) }
    public func insert(_ principal: PrincipalRecord) throws { try principal.insert(db) }
    public func insert(_ token: TokenRecord) throws { try token.insert(db) }
    public func update(_ token: TokenRecord) throws { try token.update(db) }
    public func insert(_ binding: PrincipalCertificateRecord) throws { try binding.insert(db) }

    /// Appends an audit record chained to the current head, inside this transaction.
    @discardableResult
    public func appendAudit(_ entry: AuditEntry, at date: Date = Date()) throws -> AuditRecord {
        let head = try Row.fetchOne(db.cachedStatement(sql: "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1"))
        let seq: Int64 = (head?["seq"] ?? 0) + 1
        let previous: String = head?["hash"] ?? AuditChain.genesis
        let time = AuditChain.timestamp(date)
        let details = AuditChain.json(entry.details)
        let record = AuditRecord(seq: seq, time: time, actor: entry.actor, action: entry.action, object: entry.object,
                                 outcome: entry.outcome, details: details, prevHash: previous,
                                 hash: AuditChain.hash(previous: previous, seq: seq, time: time, actor: entry.actor,
                                                       action: entry.action, object: entry.object, outcome: entry.outcome,
                                                       details: details))
        try db.cachedStatement(sql: """
            INSERT INTO audit_log (seq, time, actor, action, object, outcome, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [record.seq, record.time, record.actor, record.action, record.object, record.outcome,
                                     record.details, record.prevHash, record.hash])
        return record
    }
}

/// Leader/follower group commit: the first waiting caller commits everything queued so far in one transaction.
final class GroupCommit: @unchecked Sendable {
    private final class Item: @unchecked Sendable {
        let work: (StoreTransaction) throws -> Void
        var done = false
        var error: (any Error)?
        init(_ work: @escaping (StoreTransaction) throws -> Void) { self.work = work }
    }

    private let condition = NSCondition()
    private var pending: [Item] = []
    private var committing = false

    func run<T>(_ body: @escaping (StoreTransaction) throws -> T, writer: any DatabaseWriter) throws -> T {
        var result: T? = nil
        let item = Item { tx in result = try body(tx) }
        condition.lock()
        pending.append(item)
        while !item.done {
            if committing {
                condition.wait()
                continue
            }
            committing = true
            let batch = pending
            pending = []
            condition.unlock()
            var failure: (any Error)? = nil
            do {
                try writer.write { db in
                    for entry in batch {
                        do {
                            try db.inSavepoint {
                                try entry.work(StoreTransaction(db: db))
                                return .commit
                            }
                        } catch {
                            entry.error = error
                        }
                    }
                }
            } catch {
                failure = error
            }
            condition.lock()
            for entry in batch {
                if let failure, entry.error == nil { entry.error = failure }
                entry.done = true
            }
            committing = false
            condition.broadcast()
        }
        condition.unlock()
        if let error = item.error { throw error }
        guard let result else { throw TrustError(.integrity, "a grouped write produced no result") }
        return result
    }
}
