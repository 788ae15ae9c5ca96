import Foundation
import GRDB
import TrustModel
import TrustServices

// MARK: - Identity

extension SQLiteRepositories {
    // Cached statements on the signing and verification paths: `fetchOne(db, key:)` looks the primary key up in the
    // schema first, which a pool reader does afresh for each read (a third of a verification's reads).
    func person(id: String) throws -> PersonRecord? {
        try PersonRecord.fetchOne(db.cachedStatement(sql: "SELECT * FROM person WHERE id = ?"), arguments: [id])
    }
    func person(idHash: String) throws -> PersonRecord? {
        try PersonRecord.filter(Column("id_hash") == idHash).fetchOne(db)
    }
    func insert(_ person: PersonRecord) throws { try person.insert(db) }
    func update(_ person: PersonRecord) throws { try person.update(db) }
    func organization(id: String) throws -> OrganizationRecord? {
        try OrganizationRecord.fetchOne(
            db.cachedStatement(sql: "SELECT * FROM organization WHERE id = ?"), arguments: [id])
    }
    func organization(creditCode: String) throws -> OrganizationRecord? {
        try OrganizationRecord.filter(Column("credit_code") == creditCode).fetchOne(db)
    }
    func organizations(legalRepresentative personID: String) throws -> [OrganizationRecord] {
        try OrganizationRecord.filter(Column("legal_representative_id") == personID).fetchAll(db)
    }
    func insert(_ organization: OrganizationRecord) throws { try organization.insert(db) }
    func update(_ organization: OrganizationRecord) throws { try organization.update(db) }
    func evidence(id: String) throws -> EvidenceRecord? { try EvidenceRecord.fetchOne(db, key: id) }
    func evidence(subject: SubjectKind, id: String) throws -> [EvidenceRecord] {
        try EvidenceRecord.filter(Column("subject_kind") == subject.rawValue && Column("subject_id") == id).order(
            Column("verified_at")
        ).fetchAll(db)
    }
    func insert(_ evidence: EvidenceRecord) throws { try evidence.insert(db) }
    func update(_ evidence: EvidenceRecord) throws { try evidence.update(db) }
    func otp(id: String) throws -> OTPRecord? { try OTPRecord.fetchOne(db, key: id) }
    func insert(_ otp: OTPRecord) throws { try otp.insert(db) }
    func update(_ otp: OTPRecord) throws { try otp.update(db) }
    func challenge(id: String) throws -> ChallengeRecord? { try ChallengeRecord.fetchOne(db, key: id) }
    func insert(_ challenge: ChallengeRecord) throws { try challenge.insert(db) }
    func update(_ challenge: ChallengeRecord) throws { try challenge.update(db) }
    func authorization(id: String) throws -> AuthorizationRecord? { try AuthorizationRecord.fetchOne(db, key: id) }
    func authorizations(organizationID: String, personID: String?) throws -> [AuthorizationRecord] {
        var request = AuthorizationRecord.filter(Column("organization_id") == organizationID)
        if let personID { request = request.filter(Column("person_id") == personID) }
        return try request.order(Column("created_at")).fetchAll(db)
    }
    func authorizations(personID: String) throws -> [AuthorizationRecord] {
        try AuthorizationRecord.filter(Column("person_id") == personID).order(Column("created_at")).fetchAll(db)
    }
    func insert(_ authorization: AuthorizationRecord) throws { try authorization.insert(db) }
    func update(_ authorization: AuthorizationRecord) throws { try authorization.update(db) }

    func registryPersonName(idHash: String) throws -> String? {
        try String.fetchOne(db, sql: "SELECT name FROM registry_person WHERE id_hash = ?", arguments: [idHash])
    }

    func registryOrganization(creditCode: String) throws -> RegistryOrganization? {
        guard
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT name, legal_representative_name, legal_representative_id_hash FROM registry_organization WHERE credit_code = ?
                    """, arguments: [creditCode])
        else { return nil }
        return RegistryOrganization(name: row[0], representative: row[1], representativeHash: row[2])
    }

    func registryRealName(method: VerificationMethod, subjectKey: String) throws -> RegistryRealName? {
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT name, reference FROM registry_realname WHERE method = ? AND subject_key = ?",
                arguments: [method.rawValue, subjectKey])
        else { return nil }
        return RegistryRealName(name: row[0], reference: row[1])
    }

    func replaceRegistry(
        people: [(idHash: String, name: String)], organizations: [(creditCode: String, entry: RegistryOrganization)],
        realNames: [(method: VerificationMethod, subjectKey: String, entry: RegistryRealName)]
    ) throws {
        try db.execute(sql: "DELETE FROM registry_person")
        try db.execute(sql: "DELETE FROM registry_organization")
        try db.execute(sql: "DELETE FROM registry_realname")
        for person in people {
            try db.execute(
                sql: "INSERT OR REPLACE INTO registry_person (id_hash, name) VALUES (?, ?)",
                arguments: [person.idHash, person.name])
        }
        for org in organizations {
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO registry_organization (credit_code, name, legal_representative_name, legal_representative_id_hash)
                    VALUES (?, ?, ?, ?)
                    """,
                arguments: [org.creditCode, org.entry.name, org.entry.representative, org.entry.representativeHash])
        }
        for real in realNames {
            try db.execute(
                sql:
                    "INSERT OR REPLACE INTO registry_realname (method, subject_key, name, reference) VALUES (?, ?, ?, ?)",
                arguments: [real.method.rawValue, real.subjectKey, real.entry.name, real.entry.reference])
        }
    }
}

// MARK: - Seals and signing keys

extension SQLiteRepositories {
    func seal(id: String) throws -> SealRecord? {
        try SealRecord.fetchOne(db.cachedStatement(sql: "SELECT * FROM seal WHERE id = ?"), arguments: [id])
    }
    func seal(esID: String) throws -> SealRecord? {
        try SealRecord.fetchOne(db.cachedStatement(sql: "SELECT * FROM seal WHERE es_id = ?"), arguments: [esID])
    }
    func seal(filingNumber: String) throws -> SealRecord? {
        try SealRecord.fetchOne(
            db.cachedStatement(sql: "SELECT * FROM seal WHERE filing_number = ? LIMIT 1"), arguments: [filingNumber])
    }
    func seals(organizationID: String?, state: SealState?, limit: Int) throws -> [SealRecord] {
        var request = SealRecord.all()
        if let organizationID { request = request.filter(Column("organization_id") == organizationID) }
        if let state { request = request.filter(Column("state") == state.rawValue) }
        return try request.order(Column("created_at")).limit(limit).fetchAll(db)
    }
    func insert(_ seal: SealRecord) throws { try seal.insert(db) }
    func update(_ seal: SealRecord) throws { try seal.update(db) }
    func sealEvents(sealID: String) throws -> [SealEventRecord] {
        try SealEventRecord.filter(Column("seal_id") == sealID).order(Column("seq")).fetchAll(db)
    }
    func insert(_ event: SealEventRecord) throws { try event.insert(db) }
    func sealGrant(id: String) throws -> SealGrantRecord? { try SealGrantRecord.fetchOne(db, key: id) }
    func sealGrants(sealID: String) throws -> [SealGrantRecord] {
        try SealGrantRecord.fetchAll(
            db.cachedStatement(sql: "SELECT * FROM seal_grant WHERE seal_id = ? ORDER BY created_at"),
            arguments: [sealID])
    }
    func insert(_ grant: SealGrantRecord) throws { try grant.insert(db) }
    func update(_ grant: SealGrantRecord) throws { try grant.update(db) }

    func countGrantUse(_ id: String) throws -> Bool {
        try db.cachedStatement(
            sql: """
                UPDATE seal_grant SET usage_count = usage_count + 1 WHERE id = ? AND (usage_limit IS NULL OR usage_count < usage_limit)
                """
        ).execute(arguments: [id])
        return db.changesCount == 1
    }

    func signingKey(id: String) throws -> SigningKeyRecord? {
        try SigningKeyRecord.fetchOne(
            db.cachedStatement(sql: "SELECT * FROM signing_key WHERE id = ?"), arguments: [id])
    }
    func signingKeys(personID: String) throws -> [SigningKeyRecord] {
        try SigningKeyRecord.filter(Column("person_id") == personID).order(Column("created_at")).fetchAll(db)
    }
    func insert(_ key: SigningKeyRecord) throws { try key.insert(db) }
    func update(_ key: SigningKeyRecord) throws { try key.update(db) }
}
