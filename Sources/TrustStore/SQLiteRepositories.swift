import Foundation
import GRDB
import TrustCrypto
import TrustModel
import TrustServices

/// The repositories of one SQLite transaction. Hot paths use cached statements.
struct SQLiteRepositories: Repositories {
    let db: Database
}

// MARK: - Settings

extension SQLiteRepositories {
    func setting(_ key: String) throws -> String? { try SettingRecord.fetchOne(db, key: key)?.value }
    func setSetting(_ key: String, _ value: String) throws { try SettingRecord(key: key, value: value).save(db) }
}

// MARK: - CAs, certificates, CRLs

extension SQLiteRepositories {
    func ca(_ name: String) throws -> CARecord? { try CARecord.fetchOne(db, key: name) }
    func cas() throws -> [CARecord] { try CARecord.order(Column("created_at"), Column("name")).fetchAll(db) }
    func insert(_ ca: CARecord) throws { try ca.insert(db) }
    func update(_ ca: CARecord) throws { try ca.update(db) }

    func certificate(serial: String) throws -> CertificateRecord? {
        try CertificateRecord.fetchOne(
            db.cachedStatement(sql: "SELECT * FROM certificate WHERE serial = ?"), arguments: [serial.lowercased()])
    }

    /// A cached statement: this is the issuance hot path.
    func insert(_ certificate: CertificateRecord) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO certificate (serial, issuer, subject, profile, not_before, not_after, status, revoked_at,
                                         revocation_reason, status_changed_at, der, fingerprint, issued_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            certificate.serial, certificate.issuer, certificate.subject, certificate.profile,
            certificate.notBefore.timeIntervalSince1970, certificate.notAfter.timeIntervalSince1970,
            certificate.status.rawValue, certificate.revokedAt?.timeIntervalSince1970,
            certificate.revocationReason?.rawValue, certificate.statusChangedAt.timeIntervalSince1970, certificate.der,
            certificate.fingerprint, certificate.issuedAt.timeIntervalSince1970,
        ])
    }

    func update(_ certificate: CertificateRecord) throws { try certificate.update(db) }
    func certificateCount() throws -> Int { try CertificateRecord.fetchCount(db) }

    func revokedCount() throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM certificate WHERE status IN ('revoked', 'hold')") ?? 0
    }

    func expiringCertificates(from: Date, before: Date) throws -> [ExpiringCertificates] {
        try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT profile, COUNT(*) AS n, MIN(not_after) AS soonest FROM certificate
                    WHERE status = 'valid' AND not_after >= ? AND not_after < ? GROUP BY profile ORDER BY profile
                    """), arguments: [from.timeIntervalSince1970, before.timeIntervalSince1970]
        ).map {
            ExpiringCertificates(
                profile: $0["profile"], count: $0["n"], soonest: Date(timeIntervalSince1970: $0["soonest"]))
        }
    }

    func forEachRevoked(issuer: String, _ body: (RevokedCertificate) throws -> Void) throws {
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT serial, CAST(revoked_at AS INTEGER), revocation_reason FROM certificate
                WHERE issuer = ? AND status IN ('revoked', 'hold')
                """, arguments: [issuer])
        while let row = try rows.next() {
            let reason: Int? = row[2]
            try body(
                RevokedCertificate(
                    serial: row[0], revokedAt: row[1], reason: reason.flatMap(RevocationReason.init(rawValue:))))
        }
    }

    /// The times are compared inside SQLite, stored value against stored value, so no Date round trip blurs the boundary.
    func statusChanges(issuer: String, sinceCRL number: Int64) throws -> [CertificateRecord] {
        try CertificateRecord.fetchAll(
            db,
            sql: """
                SELECT * FROM certificate WHERE issuer = ?
                AND status_changed_at > (SELECT this_update FROM crl WHERE issuer = ? AND number = ?) ORDER BY serial
                """, arguments: [issuer, issuer, number])
    }

    /// SQLite groups the status records (spilling to temporary files when large), so memory stays bounded.
    func forEachCertificateWithStatusRecord(_ body: (String, CertificateStatus, AuditRecord?) throws -> Void) throws {
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT c.serial AS certificate_serial, c.status AS certificate_status, a.*
                FROM certificate c
                LEFT JOIN (SELECT object, MAX(seq) AS last FROM audit_log
                           WHERE action IN ('certificate.revoke', 'certificate.release-hold') GROUP BY object) changes
                       ON changes.object = 'certificate:' || c.serial
                LEFT JOIN audit_log a ON a.seq = changes.last
                ORDER BY c.serial
                """)
        while let row = try rows.next() {
            let text: String = row["certificate_status"]
            guard let status = CertificateStatus(rawValue: text) else {
                throw TrustError(
                    .integrity, "certificate \(row["certificate_serial"] as String) has an unknown status '\(text)'")
            }
            let last = (row["seq"] as Int64?) == nil ? nil : try AuditRecord(row: row)
            try body(row["certificate_serial"], status, last)
        }
    }

    func certificateStatusRecordsWithoutCertificate(limit: Int) throws -> [AuditRecord] {
        try AuditRecord.fetchAll(
            db,
            sql: """
                SELECT * FROM audit_log WHERE action IN ('certificate.revoke', 'certificate.release-hold')
                AND substr(object, 13) NOT IN (SELECT serial FROM certificate) ORDER BY seq LIMIT ?
                """, arguments: [limit])
    }

    func latestCRL(issuer: String, delta: Bool) throws -> CRLRecord? {
        try CRLRecord.filter(
            Column("issuer") == issuer && (delta ? Column("delta_base") != nil : Column("delta_base") == nil)
        )
        .order(Column("number").desc).fetchOne(db)
    }

    func insert(_ crl: CRLRecord) throws { try crl.insert(db) }
}

// MARK: - Principals

extension SQLiteRepositories {
    func principal(id: String) throws -> PrincipalRecord? {
        try PrincipalRecord.fetchOne(db.cachedStatement(sql: "SELECT * FROM principal WHERE id = ?"), arguments: [id])
    }
    func principal(name: String) throws -> PrincipalRecord? {
        try PrincipalRecord.filter(Column("name") == name).fetchOne(db)
    }
    func principals() throws -> [PrincipalRecord] { try PrincipalRecord.order(Column("name")).fetchAll(db) }
    func insert(_ principal: PrincipalRecord) throws { try principal.insert(db) }
    func token(hash: String) throws -> TokenRecord? {
        try TokenRecord.fetchOne(db.cachedStatement(sql: "SELECT * FROM token WHERE hash = ?"), arguments: [hash])
    }
    func token(id: String) throws -> TokenRecord? { try TokenRecord.fetchOne(db, key: id) }
    func insert(_ token: TokenRecord) throws { try token.insert(db) }
    func update(_ token: TokenRecord) throws { try token.update(db) }
    func clientCertificate(fingerprint: String) throws -> PrincipalCertificateRecord? {
        try PrincipalCertificateRecord.fetchOne(
            db.cachedStatement(sql: "SELECT * FROM principal_certificate WHERE fingerprint = ?"),
            arguments: [fingerprint])
    }
    func clientCertificates(principalID: String) throws -> [PrincipalCertificateRecord] {
        try PrincipalCertificateRecord.filter(Column("principal_id") == principalID).order(Column("fingerprint"))
            .fetchAll(db)
    }
    func insert(_ binding: PrincipalCertificateRecord) throws { try binding.insert(db) }
}

// MARK: - Audit

extension SQLiteRepositories {
    /// SQLite has one writer at a time, so the head read in a write transaction cannot change under it.
    func lockAuditHead() throws -> (seq: Int64, hash: String)? {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1"))
        else { return nil }
        return (row[0], row[1])
    }

    func insert(_ record: AuditRecord) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO audit_log (seq, time, actor, action, object, outcome, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            record.seq, record.time, record.actor, record.action, record.object, record.outcome.rawValue,
            record.details, record.prevHash, record.hash,
        ])
    }

    func auditHead() throws -> AuditRecord? { try AuditRecord.order(Column("seq").desc).fetchOne(db) }
    func auditRecords(after seq: Int64, limit: Int) throws -> [AuditRecord] {
        try AuditRecord.filter(Column("seq") > seq).order(Column("seq")).limit(limit).fetchAll(db)
    }
    func auditCount() throws -> Int { try AuditRecord.fetchCount(db) }

    func forEachAuditRecord(_ body: (AuditRecord) throws -> Void) throws {
        let cursor = try AuditRecord.order(Column("seq")).fetchCursor(db)
        while let record = try cursor.next() { try body(record) }
    }

    func auditCheckpoints() throws -> [AuditCheckpointRecord] {
        try AuditCheckpointRecord.order(Column("seq")).fetchAll(db)
    }
    func insert(_ checkpoint: AuditCheckpointRecord) throws { try checkpoint.insert(db) }
}

// MARK: - Key journal

extension SQLiteRepositories {
    func keyJournal(node: String) throws -> [KeyJournalRecord] {
        try KeyJournalRecord.filter(Column("node") == node).order(Column("created_at")).fetchAll(db)
    }
    func journal(_ entry: KeyJournalRecord) throws { try entry.save(db) }
    func settleJournal(keyID: String) throws -> Bool { try KeyJournalRecord.deleteOne(db, key: keyID) }
}
