import Foundation
import PostgresNIO
import TrustModel
import TrustServices

// MARK: - Identity

extension PostgresRepositories {
    func person(id: String) throws -> PersonRecord? {
        try one(PersonRecord.self, "SELECT * FROM person WHERE id = $1", [.text(id)])
    }
    func person(idHash: String) throws -> PersonRecord? {
        try one(PersonRecord.self, "SELECT * FROM person WHERE id_hash = $1", [.text(idHash)])
    }
    func insert(_ person: PersonRecord) throws { try insertRecord(person, into: "person") }
    func update(_ person: PersonRecord) throws { try updateRecord(person, in: "person") }
    func organization(id: String) throws -> OrganizationRecord? {
        try one(OrganizationRecord.self, "SELECT * FROM organization WHERE id = $1", [.text(id)])
    }
    func organization(creditCode: String) throws -> OrganizationRecord? {
        try one(OrganizationRecord.self, "SELECT * FROM organization WHERE credit_code = $1", [.text(creditCode)])
    }
    func organizations(legalRepresentative personID: String) throws -> [OrganizationRecord] {
        try all(
            OrganizationRecord.self, "SELECT * FROM organization WHERE legal_representative_id = $1 ORDER BY id",
            [.text(personID)])
    }
    func insert(_ organization: OrganizationRecord) throws { try insertRecord(organization, into: "organization") }
    func update(_ organization: OrganizationRecord) throws { try updateRecord(organization, in: "organization") }
    func evidence(id: String) throws -> EvidenceRecord? {
        try one(EvidenceRecord.self, "SELECT * FROM evidence WHERE id = $1", [.text(id)])
    }
    func evidence(subject: SubjectKind, id: String) throws -> [EvidenceRecord] {
        try all(
            EvidenceRecord.self,
            "SELECT * FROM evidence WHERE subject_kind = $1 AND subject_id = $2 ORDER BY verified_at",
            [.text(subject.rawValue), .text(id)])
    }
    func insert(_ evidence: EvidenceRecord) throws { try insertRecord(evidence, into: "evidence") }
    func update(_ evidence: EvidenceRecord) throws { try updateRecord(evidence, in: "evidence") }
    func otp(id: String) throws -> OTPRecord? {
        try one(OTPRecord.self, "SELECT * FROM otp WHERE id = $1", [.text(id)])
    }
    func insert(_ otp: OTPRecord) throws { try insertRecord(otp, into: "otp") }
    func update(_ otp: OTPRecord) throws { try updateRecord(otp, in: "otp") }
    func challenge(id: String) throws -> ChallengeRecord? {
        try one(ChallengeRecord.self, "SELECT * FROM challenge WHERE id = $1", [.text(id)])
    }
    func insert(_ challenge: ChallengeRecord) throws { try insertRecord(challenge, into: "challenge") }
    func update(_ challenge: ChallengeRecord) throws { try updateRecord(challenge, in: "challenge") }
    func authorization(id: String) throws -> AuthorizationRecord? {
        try one(AuthorizationRecord.self, "SELECT * FROM \"authorization\" WHERE id = $1", [.text(id)])
    }
    func authorizations(personID: String) throws -> [AuthorizationRecord] {
        try all(
            AuthorizationRecord.self, "SELECT * FROM \"authorization\" WHERE person_id = $1 ORDER BY created_at",
            [.text(personID)])
    }
    func authorizations(organizationID: String, personID: String?) throws -> [AuthorizationRecord] {
        if let personID {
            return try all(
                AuthorizationRecord.self,
                "SELECT * FROM \"authorization\" WHERE organization_id = $1 AND person_id = $2 ORDER BY created_at",
                [.text(organizationID), .text(personID)])
        }
        return try all(
            AuthorizationRecord.self,
            "SELECT * FROM \"authorization\" WHERE organization_id = $1 ORDER BY created_at", [.text(organizationID)])
    }
    func insert(_ authorization: AuthorizationRecord) throws { try insertRecord(authorization, into: "authorization") }
    func update(_ authorization: AuthorizationRecord) throws { try updateRecord(authorization, in: "authorization") }

    func registryPersonName(idHash: String) throws -> String? {
        try scalar(String.self, "SELECT name FROM registry_person WHERE id_hash = $1", [.text(idHash)])
    }

    func registryOrganization(creditCode: String) throws -> RegistryOrganization? {
        guard
            let row = try session.rows(
                """
                SELECT name, legal_representative_name, legal_representative_id_hash FROM registry_organization
                WHERE credit_code = $1
                """, [.text(creditCode)]
            ).first
        else { return nil }
        let (name, representative, hash) = try row.decode((String, String, String).self)
        return RegistryOrganization(name: name, representative: representative, representativeHash: hash)
    }

    func registryRealName(method: VerificationMethod, subjectKey: String) throws -> RegistryRealName? {
        guard
            let row = try session.rows(
                "SELECT name, reference FROM registry_realname WHERE method = $1 AND subject_key = $2",
                [.text(method.rawValue), .text(subjectKey)]
            ).first
        else { return nil }
        let (name, reference) = try row.decode((String, String).self)
        return RegistryRealName(name: name, reference: reference)
    }

    func replaceRegistry(
        people: [(idHash: String, name: String)], organizations: [(creditCode: String, entry: RegistryOrganization)],
        realNames: [(method: VerificationMethod, subjectKey: String, entry: RegistryRealName)]
    ) throws {
        try session.execute("DELETE FROM registry_person")
        try session.execute("DELETE FROM registry_organization")
        try session.execute("DELETE FROM registry_realname")
        for person in people {
            try session.execute(
                """
                INSERT INTO registry_person (id_hash, name) VALUES ($1, $2)
                ON CONFLICT (id_hash) DO UPDATE SET name = EXCLUDED.name
                """, [.text(person.idHash), .text(person.name)])
        }
        for org in organizations {
            try session.execute(
                """
                INSERT INTO registry_organization (credit_code, name, legal_representative_name,
                                                   legal_representative_id_hash)
                VALUES ($1, $2, $3, $4)
                ON CONFLICT (credit_code) DO UPDATE SET name = EXCLUDED.name,
                    legal_representative_name = EXCLUDED.legal_representative_name,
                    legal_representative_id_hash = EXCLUDED.legal_representative_id_hash
                """,
                [
                    .text(org.creditCode), .text(org.entry.name), .text(org.entry.representative),
                    .text(org.entry.representativeHash),
                ])
        }
        for real in realNames {
            try session.execute(
                """
                INSERT INTO registry_realname (method, subject_key, name, reference) VALUES ($1, $2, $3, $4)
                ON CONFLICT (method, subject_key) DO UPDATE SET name = EXCLUDED.name, reference = EXCLUDED.reference
                """,
                [
                    .text(real.method.rawValue), .text(real.subjectKey), .text(real.entry.name),
                    .text(real.entry.reference),
                ])
        }
    }
}

// MARK: - Seals and signing keys

extension PostgresRepositories {
    func seal(id: String) throws -> SealRecord? {
        try one(SealRecord.self, "SELECT * FROM seal WHERE id = $1", [.text(id)])
    }
    func seal(esID: String) throws -> SealRecord? {
        try one(SealRecord.self, "SELECT * FROM seal WHERE es_id = $1", [.text(esID)])
    }
    func seal(filingNumber: String) throws -> SealRecord? {
        try one(SealRecord.self, "SELECT * FROM seal WHERE filing_number = $1 LIMIT 1", [.text(filingNumber)])
    }
    func seals(organizationID: String?, state: SealState?, limit: Int) throws -> [SealRecord] {
        // NULL parameters mean "any": one statement, no SQL assembled from the filters.
        try all(
            SealRecord.self,
            """
            SELECT * FROM seal WHERE ($1::text IS NULL OR organization_id = $1)
            AND ($2::text IS NULL OR state = $2) ORDER BY created_at LIMIT $3
            """,
            [
                organizationID.map { .text($0) } ?? .null, state.map { .text($0.rawValue) } ?? .null,
                .integer(Int64(limit)),
            ])
    }
    func insert(_ seal: SealRecord) throws { try insertRecord(seal, into: "seal") }
    func update(_ seal: SealRecord) throws { try updateRecord(seal, in: "seal") }
    func sealEvents(sealID: String) throws -> [SealEventRecord] {
        try all(SealEventRecord.self, "SELECT * FROM seal_event WHERE seal_id = $1 ORDER BY seq", [.text(sealID)])
    }
    func insert(_ event: SealEventRecord) throws { try insertRecord(event, into: "seal_event") }
    func sealGrant(id: String) throws -> SealGrantRecord? {
        try one(SealGrantRecord.self, "SELECT * FROM seal_grant WHERE id = $1", [.text(id)])
    }
    func sealGrants(sealID: String) throws -> [SealGrantRecord] {
        try all(
            SealGrantRecord.self, "SELECT * FROM seal_grant WHERE seal_id = $1 ORDER BY created_at", [.text(sealID)])
    }
    func insert(_ grant: SealGrantRecord) throws { try insertRecord(grant, into: "seal_grant") }
    func update(_ grant: SealGrantRecord) throws { try updateRecord(grant, in: "seal_grant") }

    /// One statement: PostgreSQL re-checks the condition on the locked row, so no two nodes pass the limit.
    func countGrantUse(_ id: String) throws -> Bool {
        try session.changes(
            """
            UPDATE seal_grant SET usage_count = usage_count + 1
            WHERE id = $1 AND (usage_limit IS NULL OR usage_count < usage_limit)
            """, [.text(id)]) == 1
    }

    func signingKey(id: String) throws -> SigningKeyRecord? {
        try one(SigningKeyRecord.self, "SELECT * FROM signing_key WHERE id = $1", [.text(id)])
    }
    func signingKeys(personID: String) throws -> [SigningKeyRecord] {
        try all(
            SigningKeyRecord.self, "SELECT * FROM signing_key WHERE person_id = $1 ORDER BY created_at",
            [.text(personID)])
    }
    func insert(_ key: SigningKeyRecord) throws { try insertRecord(key, into: "signing_key") }
    func update(_ key: SigningKeyRecord) throws { try updateRecord(key, in: "signing_key") }
}
