import Foundation
import TrustModel

/// A natural person. The ID number and mobile are stored sealed (AES-256-GCM) and as masks; `idHash` is a keyed
/// hash for lookups. `level` is a cache of the derived level, rewritten in the transaction that changes evidence.
public struct PersonRecord: Codable, Sendable, Hashable {
    public var id, name, idHash: String
    public var idSealed: Data
    public var idMasked: String
    public var mobileSealed: Data
    public var mobileMasked: String
    public var level: AssuranceLevel
    public var createdAt: Date

    public init(
        id: String, name: String, idHash: String, idSealed: Data, idMasked: String, mobileSealed: Data,
        mobileMasked: String,
        level: AssuranceLevel, createdAt: Date
    ) {
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

    public enum CodingKeys: String, CodingKey {
        case id, name
        case idHash = "id_hash"
        case idSealed = "id_sealed"
        case idMasked = "id_masked"
        case mobileSealed = "mobile_sealed"
        case mobileMasked = "mobile_masked"
        case level
        case createdAt = "created_at"
    }
}

/// A legal person with its unified social credit code and legal representative.
public struct OrganizationRecord: Codable, Sendable, Hashable {
    public var id, name, creditCode, legalRepresentativeID: String
    public var level: AssuranceLevel
    public var createdAt: Date

    public init(
        id: String, name: String, creditCode: String, legalRepresentativeID: String, level: AssuranceLevel,
        createdAt: Date
    ) {
        self.id = id
        self.name = name
        self.creditCode = creditCode
        self.legalRepresentativeID = legalRepresentativeID
        self.level = level
        self.createdAt = createdAt
    }

    public enum CodingKeys: String, CodingKey {
        case id, name
        case creditCode = "credit_code"
        case legalRepresentativeID = "legal_representative_id"
        case level
        case createdAt = "created_at"
    }
}

/// One verification as stored (see ``Evidence`` for the domain meaning).
public struct EvidenceRecord: Codable, Sendable, Hashable {
    public var id: String
    public var subjectKind: SubjectKind
    public var subjectID: String
    public var method: VerificationMethod
    public var passed: Bool
    public var verifiedAt: Date
    public var expiresAt: Date?
    public var source: String
    public var reference, operatorName: String?
    public var revokedAt: Date?
    public var revocationReason: String?

    public init(
        id: String, subjectKind: SubjectKind, subjectID: String, method: VerificationMethod, passed: Bool,
        verifiedAt: Date,
        expiresAt: Date?, source: String, reference: String?, operatorName: String?, revokedAt: Date? = nil,
        revocationReason: String? = nil
    ) {
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

    public enum CodingKeys: String, CodingKey {
        case id
        case subjectKind = "subject_kind"
        case subjectID = "subject_id"
        case method, passed
        case verifiedAt = "verified_at"
        case expiresAt = "expires_at"
        case source, reference
        case operatorName = "operator"
        case revokedAt = "revoked_at"
        case revocationReason = "revocation_reason"
    }

    public var evidence: Evidence {
        Evidence(
            id: id, subject: subjectKind, subjectID: subjectID, method: method, passed: passed, verifiedAt: verifiedAt,
            expiresAt: expiresAt, source: source, reference: reference, operatorName: operatorName,
            revokedAt: revokedAt,
            revocationReason: revocationReason)
    }
}

/// A one-time code sent to a person's mobile (only its keyed hash is kept).
public struct OTPRecord: Codable, Sendable, Hashable {
    public var id, personID, codeHash: String
    public var createdAt, expiresAt: Date
    public var attempts: Int
    public var usedAt: Date?

    public init(
        id: String, personID: String, codeHash: String, createdAt: Date, expiresAt: Date, attempts: Int = 0,
        usedAt: Date? = nil
    ) {
        self.id = id
        self.personID = personID
        self.codeHash = codeHash
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.attempts = attempts
        self.usedAt = usedAt
    }

    public enum CodingKeys: String, CodingKey {
        case id
        case personID = "person_id"
        case codeHash = "code_hash"
        case createdAt = "created_at"
        case expiresAt = "expires_at"
        case attempts
        case usedAt = "used_at"
    }
}

/// A single-use random challenge for a subject.
public struct ChallengeRecord: Codable, Sendable, Hashable {
    public var id: String
    public var subjectKind: SubjectKind
    public var subjectID: String
    public var purpose: ChallengePurpose
    public var nonce: Data
    public var createdAt, expiresAt: Date
    public var usedAt: Date?

    public init(
        id: String, subjectKind: SubjectKind, subjectID: String, purpose: ChallengePurpose, nonce: Data,
        createdAt: Date, expiresAt: Date,
        usedAt: Date? = nil
    ) {
        self.id = id
        self.subjectKind = subjectKind
        self.subjectID = subjectID
        self.purpose = purpose
        self.nonce = nonce
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.usedAt = usedAt
    }

    public enum CodingKeys: String, CodingKey {
        case id
        case subjectKind = "subject_kind"
        case subjectID = "subject_id"
        case purpose, nonce
        case createdAt = "created_at"
        case expiresAt = "expires_at"
        case usedAt = "used_at"
    }
}

/// An organisation's authorisation of a person for some actions (persisted as a comma-separated scope).
public struct AuthorizationRecord: Codable, Sendable, Hashable {
    public var id, organizationID, personID: String
    public var scope: [PolicyAction]
    public var validFrom, validTo: Date
    public var revokedAt: Date?
    public var createdAt: Date

    public init(
        id: String, organizationID: String, personID: String, scope: [PolicyAction], validFrom: Date, validTo: Date,
        revokedAt: Date? = nil, createdAt: Date
    ) {
        self.id = id
        self.organizationID = organizationID
        self.personID = personID
        self.scope = scope.sorted()
        self.validFrom = validFrom
        self.validTo = validTo
        self.revokedAt = revokedAt
        self.createdAt = createdAt
    }

    public enum CodingKeys: String, CodingKey {
        case id
        case organizationID = "organization_id"
        case personID = "person_id"
        case scope
        case validFrom = "valid_from"
        case validTo = "valid_to"
        case revokedAt = "revoked_at"
        case createdAt = "created_at"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        organizationID = try container.decode(String.self, forKey: .organizationID)
        personID = try container.decode(String.self, forKey: .personID)
        scope = try container.decode(String.self, forKey: .scope).split(separator: ",").map { name in
            guard let action = PolicyAction(rawValue: String(name)) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .scope, in: container, debugDescription: "unknown action '\(name)'")
            }
            return action
        }
        validFrom = try container.decode(Date.self, forKey: .validFrom)
        validTo = try container.decode(Date.self, forKey: .validTo)
        revokedAt = try container.decodeIfPresent(Date.self, forKey: .revokedAt)
        createdAt = try container.decode(Date.self, forKey: .createdAt)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(organizationID, forKey: .organizationID)
        try container.encode(personID, forKey: .personID)
        try container.encode(scope.map(\.rawValue).joined(separator: ","), forKey: .scope)
        try container.encode(validFrom, forKey: .validFrom)
        try container.encode(validTo, forKey: .validTo)
        try container.encodeIfPresent(revokedAt, forKey: .revokedAt)
        try container.encode(createdAt, forKey: .createdAt)
    }

    /// Whether the authorisation covers `action` at `time`.
    public func covers(_ action: PolicyAction, at time: Date) -> Bool {
        revokedAt == nil && validFrom <= time.addingTimeInterval(0.001) && validTo > time && scope.contains(action)
    }
}

/// What the stand-in business registry knows of an organisation.
public struct RegistryOrganization: Sendable, Hashable {
    public let name: String
    public let representative: String
    public let representativeHash: String

    public init(name: String, representative: String, representativeHash: String) {
        self.name = name
        self.representative = representative
        self.representativeHash = representativeHash
    }
}

/// What a stand-in real-name service (bank card, tax account) knows of a subject.
public struct RegistryRealName: Sendable, Hashable {
    public let name: String
    public let reference: String

    public init(name: String, reference: String) {
        self.name = name
        self.reference = reference
    }
}
