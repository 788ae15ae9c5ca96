import Foundation
import GRDB

/// A natural person. The ID number and mobile are stored sealed (AES-256-GCM) and as masks; `idHash` is a keyed
/// hash for lookups. `level` is a cache of the derived level, rewritten in the transaction that changes evidence.
public struct PersonRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy { .timeIntervalSince1970 }
    public static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy { .timeIntervalSince1970 }
    public static let databaseTableName = "person"

    public var id, name, idHash: String
    public var idSealed: Data
    public var idMasked: String
    public var mobileSealed: Data
    public var mobileMasked, level: String
    public var createdAt: Date

    public init(id: String, name: String, idHash: String, idSealed: Data, idMasked: String, mobileSealed: Data, mobileMasked: String,
                level: String, createdAt: Date) {
        self.id = id
        self.name = name
        self.idHash = idHash
        self.idSealed = idSealed
        self.idMasked = idMasked
        self.mobileSealed = mobileSealed
        self.mobileMasked = mobileMasked
        self.level = level
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, name, idHash = "id_hash", idSealed = "id_sealed", idMasked = "id_masked", mobileSealed = "mobile_sealed"
        case mobileMasked = "mobile_masked", level, createdAt = "created_at"
    }
}

public struct OrganizationRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy { .timeIntervalSince1970 }
    public static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy { .timeIntervalSince1970 }
    public static let databaseTableName = "organization"

    public var id, name, creditCode, legalRepresentativeID, level: String
    public var createdAt: Date

    public init(id: String, name: String, creditCode: String, legalRepresentativeID: String, level: String, createdAt: Date) {
        self.id = id
        self.name = name
        self.creditCode = creditCode
        self.legalRepresentativeID = legalRepresentativeID
        self.level = level
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, name, creditCode = "credit_code", legalRepresentativeID = "legal_representative_id", level, createdAt = "created_at"
    }
}

public struct EvidenceRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy { .timeIntervalSince1970 }
    public static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy { .timeIntervalSince1970 }
    public static let databaseTableName = "evidence"

    public var id, subjectKind, subjectID, method: String
    public var passed: Bool
    public var verifiedAt: Date
    public var expiresAt: Date?
    public var source: String
    public var reference, operatorName: String?
    public var revokedAt: Date?
    public var revocationReason: String?

    public init(id: String, subjectKind: String, subjectID: String, method: String, passed: Bool, verifiedAt: Date, expiresAt: Date?,
                source: String, reference: String?, operatorName: String?, revokedAt: Date? = nil, revocationReason: String? = nil) {
        self.id = id
        self.subjectKind = subjectKind
        self.subjectID = subjectID
        self.method = method
        self.passed = passed
        self.verifiedAt = verifiedAt
        self.expiresAt = expiresAt
        self.source = source
        self.reference = reference
        self.operatorName = operatorName
        self.revokedAt = revokedAt
        self.revocationReason = revocationReason
    }

    enum CodingKeys: String, CodingKey {
        case id, subjectKind = "subject_kind", subjectID = "subject_id", method, passed, verifiedAt = "verified_at"
        case expiresAt = "expires_at", source, reference, operatorName = "operator", revokedAt = "revoked_at"
        case revocationReason = "revocation_reason"
    }
}

/// A one-time code sent to a person's mobile: only its keyed hash is kept; limited attempts; single use.
public struct OTPRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy { .timeIntervalSince1970 }
    public static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy { .timeIntervalSince1970 }
    public static let databaseTableName = "otp"

    public var id, personID, codeHash: String
    public var createdAt, expiresAt: Date
    public var attempts: Int
    public var usedAt: Date?

    public init(id: String, personID: String, codeHash: String, createdAt: Date, expiresAt: Date, attempts: Int = 0, usedAt: Date? = nil) {
        self.id = id
        self.personID = personID
        self.codeHash = codeHash
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.attempts = attempts
        self.usedAt = usedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, personID = "person_id", codeHash = "code_hash", createdAt = "created_at", expiresAt = "expires_at", attempts
        case usedAt = "used_at"
    }
}

/// A random challenge a subject must sign (enterprise certificate, counter card): single use, expiring.
public struct ChallengeRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy { .timeIntervalSince1970 }
    public static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy { .timeIntervalSince1970 }
    public static let databaseTableName = "challenge"

    public var id, subjectKind, subjectID, purpose: String
    public var nonce: Data
    public var createdAt, expiresAt: Date
    public var usedAt: Date?

    public init(id: String, subjectKind: String, subjectID: String, purpose: String, nonce: Data, createdAt: Date, expiresAt: Date,
                usedAt: Date? = nil) {
        self.id = id
        self.subjectKind = subjectKind
        self.subjectID = subjectID
        self.purpose = purpose
        self.nonce = nonce
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.usedAt = usedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, subjectKind = "subject_kind", subjectID = "subject_id", purpose, nonce, createdAt = "created_at"
        case expiresAt = "expires_at", usedAt = "used_at"
    }
}

/// An organisation's authorisation for a person to act for it: actions in scope, validity window.
public struct AuthorizationRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy { .timeIntervalSince1970 }
    public static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy { .timeIntervalSince1970 }
    public static let databaseTableName = "authorization"

    public var id, organizationID, personID, scope: String
    public var validFrom, validTo: Date
    public var revokedAt: Date?
    public var createdAt: Date

    public init(id: String, organizationID: String, personID: String, scope: String, validFrom: Date, validTo: Date,
                revokedAt: Date? = nil, createdAt: Date) {
        self.id = id
        self.organizationID = organizationID
        self.personID = personID
        self.scope = scope
        self.validFrom = validFrom
        self.validTo = validTo
        self.revokedAt = revokedAt
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, organizationID = "organization_id", personID = "person_id", scope, validFrom = "valid_from", validTo = "valid_to"
        case revokedAt = "revoked_at", createdAt = "created_at"
    }
}

extension StoreReader {
    public func person(id: String) throws -> PersonRecord? { try PersonRecord.fetchOne(db, key: id) }
    public func person(idHash: String) throws -> PersonRecord? { try PersonRecord.filter(Column("id_hash") == idHash).fetchOne(db) }
    public func organization(id: String) throws -> OrganizationRecord? { try OrganizationRecord.fetchOne(db, key: id) }
    public func organization(creditCode: String) throws -> OrganizationRecord? {
        try OrganizationRecord.filter(Column("credit_code") == creditCode).fetchOne(db)
    }
    public func organizations(legalRepresentative personID: String) throws -> [OrganizationRecord] {
        try OrganizationRecord.filter(Column("legal_representative_id") == personID).fetchAll(db)
    }
    public func evidence(subjectKind: String, subjectID: String) throws -> [EvidenceRecord] {
        try EvidenceRecord.filter(Column("subject_kind") == subjectKind && Column("subject_id") == subjectID)
            .order(Column("verified_at")).fetchAll(db)
    }
    public func evidence(id: String) throws -> EvidenceRecord? { try EvidenceRecord.fetchOne(db, key: id) }
    public func otp(id: String) throws -> OTPRecord? { try OTPRecord.fetchOne(db, key: id) }
    public func challenge(id: String) throws -> ChallengeRecord? { try ChallengeRecord.fetchOne(db, key: id) }
    public func authorization(id: String) throws -> AuthorizationRecord? { try AuthorizationRecord.fetchOne(db, key: id) }
    public func authorizations(organizationID: String, personID: String? = nil) throws -> [AuthorizationRecord] {
        var request = AuthorizationRecord.filter(Column("organization_id") == organizationID)
        if let personID { request = request.filter(Column("person_id") == personID) }
        return try request.order(Column("created_at")).fetchAll(db)
    }
    /// Population-registry stand-in: the name registered for an ID-number hash.
    public func registryPersonName(idHash: String) throws -> String? {
        try String.fetchOne(db, sql: "SELECT name FROM registry_person WHERE id_hash = ?", arguments: [idHash])
    }
    /// Business-registry stand-in: name, legal representative's name and ID-number hash for a credit code.
    public func registryOrganization(creditCode: String) throws -> (name: String, representative: String, representativeHash: String)? {
        guard let row = try Row.fetchOne(db, sql: """
            SELECT name, legal_representative_name, legal_representative_id_hash FROM registry_organization WHERE credit_code = ?
            """, arguments: [creditCode]) else { return nil }
        return (row[0], row[1], row[2])
    }
    /// Real-name service stand-in (bank card, tax account): the name and reference on file for a subject key.
    public func registryRealName(method: String, subjectKey: String) throws -> (name: String, reference: String)? {
        guard let row = try Row.fetchOne(db, sql: "SELECT name, reference FROM registry_realname WHERE method = ? AND subject_key = ?",
                                         arguments: [method, subjectKey]) else { return nil }
        return (row[0], row[1])
    }
}

extension StoreTransaction {
    public func save(_ record: some PersistableRecord) throws { try record.save(db) }
    public func insertRecord(_ record: some PersistableRecord) throws { try record.insert(db) }

    /// Replaces the registry stand-in tables' contents (loading a CSV file is one transaction).
    public func replaceRegistry(people: [(idHash: String, name: String)],
                                organizations: [(creditCode: String, name: String, representative: String, representativeHash: String)],
                                realNames: [(method: String, subjectKey: String, name: String, reference: String)]) throws {
        try db.execute(sql: "DELETE FROM registry_person")
        try db.execute(sql: "DELETE FROM registry_organization")
        try db.execute(sql: "DELETE FROM registry_realname")
        for person in people {
            try db.execute(sql: "INSERT OR REPLACE INTO registry_person (id_hash, name) VALUES (?, ?)", arguments: [person.idHash, person.name])
        }
        for org in organizations {
            try db.execute(sql: """
                INSERT OR REPLACE INTO registry_organization (credit_code, name, legal_representative_name, legal_representative_id_hash)
                VALUES (?, ?, ?, ?)
                """, arguments: [org.creditCode, org.name, org.representative, org.representativeHash])
        }
        for entry in realNames {
            try db.execute(sql: "INSERT OR REPLACE INTO registry_realname (method, subject_key, name, reference) VALUES (?, ?, ?, ?)",
                           arguments: [entry.method, entry.subjectKey, entry.name, entry.reference])
        }
    }
}
