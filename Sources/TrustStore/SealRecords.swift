import Foundation
import GRDB

/// An electronic seal in the registry: application data, state, and once made its key, certificate and SESeal.
public struct SealRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy { .timeIntervalSince1970 }
    public static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy { .timeIntervalSince1970 }
    public static let databaseTableName = "seal"

    public var id, organizationID, type, name, state, applicant, applicantPersonID, pictureFormat: String
    public var picture: Data
    public var widthMM, heightMM: Int
    public var keyType: String
    public var validFrom, validTo: Date
    public var esID: String
    public var keyID, certificateSerial: String?
    public var eseal: Data?
    public var filingNumber, filingAuthority: String?
    public var createdAt, updatedAt: Date

    public init(id: String, organizationID: String, type: String, name: String, state: String, applicant: String, applicantPersonID: String,
                pictureFormat: String, picture: Data, widthMM: Int, heightMM: Int, keyType: String, validFrom: Date, validTo: Date,
                esID: String, createdAt: Date) {
        self.id = id
        self.organizationID = organizationID
        self.type = type
        self.name = name
        self.state = state
        self.applicant = applicant
        self.applicantPersonID = applicantPersonID
        self.pictureFormat = pictureFormat
        self.picture = picture
        self.widthMM = widthMM
        self.heightMM = heightMM
        self.keyType = keyType
        self.validFrom = validFrom
        self.validTo = validTo
        self.esID = esID
        self.createdAt = createdAt
        self.updatedAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, organizationID = "organization_id", type, name, state, applicant, applicantPersonID = "applicant_person_id"
        case pictureFormat = "picture_format", picture, widthMM = "width_mm", heightMM = "height_mm", keyType = "key_type"
        case validFrom = "valid_from", validTo = "valid_to", esID = "es_id", keyID = "key_id", certificateSerial = "certificate_serial"
        case eseal, filingNumber = "filing_number", filingAuthority = "filing_authority", createdAt = "created_at", updatedAt = "updated_at"
    }
}

/// One lifecycle step of a seal (the history `trustctl seal show` prints).
public struct SealEventRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy { .timeIntervalSince1970 }
    public static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy { .timeIntervalSince1970 }
    public static let databaseTableName = "seal_event"

    public var seq: Int64?
    public var sealID, step: String
    public var fromState: String?
    public var toState, actor: String
    public var comment: String?
    public var time: Date

    public init(sealID: String, step: String, fromState: String?, toState: String, actor: String, comment: String?, time: Date) {
        self.sealID = sealID
        self.step = step
        self.fromState = fromState
        self.toState = toState
        self.actor = actor
        self.comment = comment
        self.time = time
    }

    enum CodingKeys: String, CodingKey {
        case seq, sealID = "seal_id", step, fromState = "from_state", toState = "to_state", actor, comment, time
    }
}

/// Who may sign with a seal: a person (with a minimum assurance level) or a platform principal, in a window,
/// optionally a limited number of times.
public struct SealGrantRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy { .timeIntervalSince1970 }
    public static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy { .timeIntervalSince1970 }
    public static let databaseTableName = "seal_grant"

    public var id, sealID, granteeKind, granteeID, minLevel: String
    public var validFrom, validTo: Date
    public var usageLimit: Int?
    public var usageCount: Int
    public var withdrawnAt: Date?
    public var createdAt: Date

    public init(id: String, sealID: String, granteeKind: String, granteeID: String, minLevel: String, validFrom: Date, validTo: Date,
                usageLimit: Int?, createdAt: Date) {
        self.id = id
        self.sealID = sealID
        self.granteeKind = granteeKind
        self.granteeID = granteeID
        self.minLevel = minLevel
        self.validFrom = validFrom
        self.validTo = validTo
        self.usageLimit = usageLimit
        self.usageCount = 0
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, sealID = "seal_id", granteeKind = "grantee_kind", granteeID = "grantee_id", minLevel = "min_level"
        case validFrom = "valid_from", validTo = "valid_to", usageLimit = "usage_limit", usageCount = "usage_count"
        case withdrawnAt = "withdrawn_at", createdAt = "created_at"
    }
}

extension StoreReader {
    public func seal(id: String) throws -> SealRecord? {
        try SealRecord.fetchOne(db.cachedStatement(sql: "SELECT * FROM seal WHERE id = ?"), arguments: [id])
    }
    public func seals(organizationID: String? = nil, state: String? = nil, limit: Int = 500) throws -> [SealRecord] {
        var request = SealRecord.all()
        if let organizationID { request = request.filter(Column("organization_id") == organizationID) }
        if let state { request = request.filter(Column("state") == state) }
        return try request.order(Column("created_at")).limit(limit).fetchAll(db)
    }
    public func sealEvents(sealID: String) throws -> [SealEventRecord] {
        try SealEventRecord.filter(Column("seal_id") == sealID).order(Column("seq")).fetchAll(db)
    }
    public func sealGrants(sealID: String) throws -> [SealGrantRecord] {
        try SealGrantRecord.fetchAll(db.cachedStatement(sql: "SELECT * FROM seal_grant WHERE seal_id = ? ORDER BY created_at"), arguments: [sealID])
    }
    public func sealGrant(id: String) throws -> SealGrantRecord? { try SealGrantRecord.fetchOne(db, key: id) }
}

extension StoreReader {
    public func seal(esID: String) throws -> SealRecord? {
        try SealRecord.fetchOne(db.cachedStatement(sql: "SELECT * FROM seal WHERE es_id = ?"), arguments: [esID])
    }
}

/// A personal or organisation signing key (`POST /v1/keys`): the key in custody, its certificate, who owns it and which
/// platform principal may sign with it. `personID` is the owner (person keys) or the person who holds the key for the
/// organisation (organisation keys).
public struct SigningKeyRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy { .timeIntervalSince1970 }
    public static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy { .timeIntervalSince1970 }
    public static let databaseTableName = "signing_key"

    public var id, ownerKind, personID: String
    public var organizationID: String?
    public var principalID, keyID, keyType, certificateSerial, state: String
    public var createdAt: Date
    public var revokedAt: Date?

    public init(id: String, ownerKind: String, personID: String, organizationID: String?, principalID: String, keyID: String, keyType: String,
                certificateSerial: String, createdAt: Date) {
        self.id = id
        self.ownerKind = ownerKind
        self.personID = personID
        self.organizationID = organizationID
        self.principalID = principalID
        self.keyID = keyID
        self.keyType = keyType
        self.certificateSerial = certificateSerial
        self.state = "active"
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, ownerKind = "owner_kind", personID = "person_id", organizationID = "organization_id", principalID = "principal_id"
        case keyID = "key_id", keyType = "key_type", certificateSerial = "certificate_serial", state, createdAt = "created_at", revokedAt = "revoked_at"
    }
}

extension StoreReader {
    public func signingKey(id: String) throws -> SigningKeyRecord? {
        try SigningKeyRecord.fetchOne(db.cachedStatement(sql: "SELECT * FROM signing_key WHERE id = ?"), arguments: [id])
    }
    public func signingKeys(personID: String) throws -> [SigningKeyRecord] {
        try SigningKeyRecord.filter(Column("person_id") == personID).order(Column("created_at")).fetchAll(db)
    }
}

extension StoreTransaction {
    /// Counts one signature against a seal grant; `false` when the grant's usage limit is reached (nothing changes).
    public func countGrantUse(_ id: String) throws -> Bool {
        try db.execute(sql: "UPDATE seal_grant SET usage_count = usage_count + 1 WHERE id = ? AND (usage_limit IS NULL OR usage_count < usage_limit)",
                       arguments: [id])
        return db.changesCount == 1
    }
}
