import Foundation
import PostgresNIO
import TrustCrypto
import TrustModel
import TrustServices

/// The repositories of one PostgreSQL transaction. Write transactions hold the appliance's write lock (see
/// ``PostgresStore``), so a read followed by a write inside one sees no other node's change in between.
struct PostgresRepositories: Repositories {
    let session: PostgresSession
}

// MARK: - Changes other nodes must see

extension PostgresRepositories {
    /// Delivered to every listening node when (and only if) this transaction commits.
    func announce(_ change: StateChange) throws {
        try session.execute("SELECT pg_notify($1, $2)", [.text(ChangeListener.channel), .text(change.payload)])
    }
}

// MARK: - Settings

extension PostgresRepositories {
    func setting(_ key: String) throws -> String? {
        try scalar(String.self, "SELECT value FROM setting WHERE key = $1", [.text(key)])
    }
    func setSetting(_ key: String, _ value: String) throws {
        try session.execute(
            "INSERT INTO setting (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            [.text(key), .text(value)])
    }
}

// MARK: - CAs, certificates, CRLs

extension PostgresRepositories {
    func ca(_ name: String) throws -> CARecord? {
        try one(CARecord.self, "SELECT * FROM ca WHERE name = $1", [.text(name)])
    }
    func cas() throws -> [CARecord] { try all(CARecord.self, "SELECT * FROM ca ORDER BY created_at, name") }
    func insert(_ ca: CARecord) throws { try insertRecord(ca, into: "ca") }
    func update(_ ca: CARecord) throws { try updateRecord(ca, in: "ca") }

    func certificate(serial: String) throws -> CertificateRecord? {
        try one(CertificateRecord.self, "SELECT * FROM certificate WHERE serial = $1", [.text(serial.lowercased())])
    }
    func insert(_ certificate: CertificateRecord) throws { try insertRecord(certificate, into: "certificate") }
    func update(_ certificate: CertificateRecord) throws { try updateRecord(certificate, in: "certificate") }
    func certificateCount() throws -> Int {
        Int(try scalar(Int64.self, "SELECT COUNT(*) FROM certificate") ?? 0)
    }
    func revokedCount() throws -> Int {
        Int(try scalar(Int64.self, "SELECT COUNT(*) FROM certificate WHERE status IN ('revoked', 'hold')") ?? 0)
    }

    /// `trunc` as SQLite's CAST does: a CRL carries whole seconds, never rounded up past the revocation.
    func expiringCertificates(from: Date, before: Date) throws -> [ExpiringCertificates] {
        try session.rows(
            """
            SELECT profile, COUNT(*) AS n, MIN(not_after) AS soonest FROM certificate
            WHERE status = 'valid' AND not_after >= $1 AND not_after < $2 GROUP BY profile ORDER BY profile
            """, [.double(from.timeIntervalSince1970), .double(before.timeIntervalSince1970)]
        ).map { row in
            let (profile, count, soonest) = try row.decode((String, Int64, Double).self)
            return ExpiringCertificates(
                profile: profile, count: Int(count), soonest: Date(timeIntervalSince1970: soonest))
        }
    }

    func forEachRevoked(issuer: String, _ body: (RevokedCertificate) throws -> Void) throws {
        try forEachRow(
            """
            SELECT serial, CAST(trunc(revoked_at) AS bigint) AS revoked, revocation_reason FROM certificate
            WHERE issuer = $1 AND status IN ('revoked', 'hold')
            """, [.text(issuer)]
        ) { row in
            let (serial, revoked, reason) = try row.decode((String, Int64?, Int64?).self)
            guard let revoked else { throw TrustError(.integrity, "certificate \(serial) is revoked with no time") }
            try body(
                RevokedCertificate(
                    serial: serial, revokedAt: revoked,
                    reason: reason.flatMap { RevocationReason(rawValue: Int($0)) }))
        }
    }

    func statusChanges(issuer: String, sinceCRL number: Int64) throws -> [CertificateRecord] {
        try all(
            CertificateRecord.self,
            """
            SELECT * FROM certificate WHERE issuer = $1
            AND status_changed_at > (SELECT this_update FROM crl WHERE issuer = $1 AND number = $2) ORDER BY serial
            """, [.text(issuer), .integer(number)])
    }

    func forEachCertificateWithStatusRecord(_ body: (String, CertificateStatus, AuditRecord?) throws -> Void) throws {
        try forEachRow(
            """
            SELECT c.serial AS certificate_serial, c.status AS certificate_status, a.*
            FROM certificate c
            LEFT JOIN (SELECT object, MAX(seq) AS last FROM audit_log
                       WHERE action IN ('certificate.revoke', 'certificate.release-hold') GROUP BY object) changes
                   ON changes.object = 'certificate:' || c.serial
            LEFT JOIN audit_log a ON a.seq = changes.last
            ORDER BY c.serial
            """
        ) { row in
            let cells = row.makeRandomAccess()
            let serial = try cells["certificate_serial"].decode(String.self)
            let text = try cells["certificate_status"].decode(String.self)
            guard let status = CertificateStatus(rawValue: text) else {
                throw TrustError(.integrity, "certificate \(serial) has an unknown status '\(text)'")
            }
            let last = cells["seq"].bytes == nil ? nil : try RowDecoder.decode(AuditRecord.self, from: row)
            try body(serial, status, last)
        }
    }

    func certificateStatusRecordsWithoutCertificate(limit: Int) throws -> [AuditRecord] {
        try all(
            AuditRecord.self,
            """
            SELECT * FROM audit_log WHERE action IN ('certificate.revoke', 'certificate.release-hold')
            AND substr(object, 13) NOT IN (SELECT serial FROM certificate) ORDER BY seq LIMIT $1
            """, [.integer(Int64(limit))])
    }

    func latestCRL(issuer: String, delta: Bool) throws -> CRLRecord? {
        try one(
            CRLRecord.self,
            delta
                ? "SELECT * FROM crl WHERE issuer = $1 AND delta_base IS NOT NULL ORDER BY number DESC LIMIT 1"
                : "SELECT * FROM crl WHERE issuer = $1 AND delta_base IS NULL ORDER BY number DESC LIMIT 1",
            [.text(issuer)])
    }
    func insert(_ crl: CRLRecord) throws { try insertRecord(crl, into: "crl") }
}

// MARK: - Principals

extension PostgresRepositories {
    func principal(id: String) throws -> PrincipalRecord? {
        try one(PrincipalRecord.self, "SELECT * FROM principal WHERE id = $1", [.text(id)])
    }
    func principal(name: String) throws -> PrincipalRecord? {
        try one(PrincipalRecord.self, "SELECT * FROM principal WHERE name = $1", [.text(name)])
    }
    func principals() throws -> [PrincipalRecord] {
        try all(PrincipalRecord.self, "SELECT * FROM principal ORDER BY name")
    }
    func insert(_ principal: PrincipalRecord) throws { try insertRecord(principal, into: "principal") }
    func token(hash: String) throws -> TokenRecord? {
        try one(TokenRecord.self, "SELECT * FROM token WHERE hash = $1", [.text(hash)])
    }
    func token(id: String) throws -> TokenRecord? {
        try one(TokenRecord.self, "SELECT * FROM token WHERE id = $1", [.text(id)])
    }
    func insert(_ token: TokenRecord) throws { try insertRecord(token, into: "token") }
    func update(_ token: TokenRecord) throws { try updateRecord(token, in: "token") }
    func clientCertificate(fingerprint: String) throws -> PrincipalCertificateRecord? {
        try one(
            PrincipalCertificateRecord.self, "SELECT * FROM principal_certificate WHERE fingerprint = $1",
            [.text(fingerprint)])
    }
    func clientCertificates(principalID: String) throws -> [PrincipalCertificateRecord] {
        try all(
            PrincipalCertificateRecord.self,
            "SELECT * FROM principal_certificate WHERE principal_id = $1 ORDER BY fingerprint", [.text(principalID)])
    }
    func insert(_ binding: PrincipalCertificateRecord) throws {
        try insertRecord(binding, into: "principal_certificate")
    }
}

// MARK: - Audit

extension PostgresRepositories {
    /// The write transaction already holds the appliance's write lock (taken at BEGIN by the store), so the head
    /// cannot move under it on any node.
    func lockAuditHead() throws -> (seq: Int64, hash: String)? {
        if let head = session.auditHead { return head }
        guard let row = try session.rows("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").first else {
            return nil
        }
        return try row.decode((Int64, String).self)
    }
    func insert(_ record: AuditRecord) throws {
        try insertRecord(record, into: "audit_log")
        session.auditHead = (record.seq, record.hash)
    }
    func auditHead() throws -> AuditRecord? {
        try one(AuditRecord.self, "SELECT * FROM audit_log ORDER BY seq DESC LIMIT 1")
    }
    func auditRecords(after seq: Int64, limit: Int) throws -> [AuditRecord] {
        try all(
            AuditRecord.self, "SELECT * FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2",
            [.integer(seq), .integer(Int64(limit))])
    }
    func auditCount() throws -> Int { Int(try scalar(Int64.self, "SELECT COUNT(*) FROM audit_log") ?? 0) }
    func forEachAuditRecord(_ body: (AuditRecord) throws -> Void) throws {
        try forEachRow("SELECT * FROM audit_log ORDER BY seq") {
            try body(RowDecoder.decode(AuditRecord.self, from: $0))
        }
    }
    func auditCheckpoints() throws -> [AuditCheckpointRecord] {
        try all(AuditCheckpointRecord.self, "SELECT * FROM audit_checkpoint ORDER BY seq")
    }
    func insert(_ checkpoint: AuditCheckpointRecord) throws { try insertRecord(checkpoint, into: "audit_checkpoint") }
}

// MARK: - Key journal

extension PostgresRepositories {
    func keyJournal(node: String) throws -> [KeyJournalRecord] {
        try all(KeyJournalRecord.self, "SELECT * FROM key_journal WHERE node = $1 ORDER BY created_at", [.text(node)])
    }
    func journal(_ entry: KeyJournalRecord) throws { try insertRecord(entry, into: "key_journal", upsert: true) }
    func settleJournal(keyID: String) throws -> Bool {
        try session.changes("DELETE FROM key_journal WHERE key_id = $1", [.text(keyID)]) == 1
    }
}
