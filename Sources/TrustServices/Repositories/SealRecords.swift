import Foundation
import TrustCrypto
import TrustModel

/// An electronic seal in the registry: application data, state, and once made its key, certificate and SESeal.
public struct SealRecord: Codable, Sendable, Hashable {
    public var id, organizationID: String
    /// The seal type's code in `policies/seal-types.yaml` (official, contract, …).
    public var type: String
    public var name: String
    public var state: SealState
    /// The applying principal's audit name.
    public var applicant: String
    public var applicantPersonID: String
    public var pictureFormat: SealPictureFormat
    public var picture: Data
    public var widthMM, heightMM: Int
    public var keyType: KeyType
    public var validFrom, validTo: Date
    public var esID: String
    public var keyID, certificateSerial: String?
    public var eseal: Data?
    public var filingNumber, filingAuthority: String?
    public var createdAt, updatedAt: Date

    public init(
        id: String, organizationID: String, type: String, name: String, state: SealState, applicant: String,
        applicantPersonID: String,
        pictureFormat: SealPictureFormat, picture: Data, widthMM: Int, heightMM: Int, keyType: KeyType, validFrom: Date,
        validTo: Date,
        esID: String, createdAt: Date
    ) {
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

    public enum CodingKeys: String, CodingKey {
        case id
        case organizationID = "organization_id"
        case type, name, state, applicant
        case applicantPersonID = "applicant_person_id"
        case pictureFormat = "picture_format"
        case picture
        case widthMM = "width_mm"
        case heightMM = "height_mm"
        case keyType = "key_type"
        case validFrom = "valid_from"
        case validTo = "valid_to"
        case esID = "es_id"
        case keyID = "key_id"
        case certificateSerial = "certificate_serial"
        case eseal
        case filingNumber = "filing_number"
        case filingAuthority = "filing_authority"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}

/// One step in a seal's history.
public struct SealEventRecord: Codable, Sendable, Hashable {
    /// Assigned by the store.
    public var seq: Int64?
    public var sealID: String
    public var step: SealStep
    public var fromState: SealState?
    public var toState: SealState
    public var actor: String
    public var comment: String?
    public var time: Date

    public init(
        sealID: String, step: SealStep, fromState: SealState?, toState: SealState, actor: String, comment: String?,
        time: Date
    ) {
        self.sealID = sealID
        self.step = step
        self.fromState = fromState
        self.toState = toState
        self.actor = actor
        self.comment = comment
        self.time = time
    }

    public enum CodingKeys: String, CodingKey {
        case seq
        case sealID = "seal_id"
        case step
        case fromState = "from_state"
        case toState = "to_state"
        case actor, comment, time
    }
}

/// A grant: who may sign with a seal, at which level, when, and how often.
public struct SealGrantRecord: Codable, Sendable, Hashable {
    public var id, sealID: String
    public var granteeKind: GranteeKind
    public var granteeID: String
    public var minLevel: AssuranceLevel
    public var validFrom, validTo: Date
    public var usageLimit: Int?
    public var usageCount: Int
    public var withdrawnAt: Date?
    public var createdAt: Date

    public init(
        id: String, sealID: String, granteeKind: GranteeKind, granteeID: String, minLevel: AssuranceLevel,
        validFrom: Date, validTo: Date,
        usageLimit: Int?, createdAt: Date
    ) {
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

    public enum CodingKeys: String, CodingKey {
        case id
        case sealID = "seal_id"
        case granteeKind = "grantee_kind"
        case granteeID = "grantee_id"
        case minLevel = "min_level"
        case validFrom = "valid_from"
        case validTo = "valid_to"
        case usageLimit = "usage_limit"
        case usageCount = "usage_count"
        case withdrawnAt = "withdrawn_at"
        case createdAt = "created_at"
    }
}

/// A person's or organisation's signing key: the key in custody, the certificate in the registry.
public struct SigningKeyRecord: Codable, Sendable, Hashable {
    public var id: String
    public var ownerKind: KeyOwnerKind
    public var personID: String
    public var organizationID: String?
    /// The platform principal that created the key (the only one that may use it).
    public var principalID: String
    public var keyID: String
    public var keyType: KeyType
    public var certificateSerial: String
    public var state: SigningKeyState
    public var createdAt: Date
    public var revokedAt: Date?

    public init(
        id: String, ownerKind: KeyOwnerKind, personID: String, organizationID: String?, principalID: String,
        keyID: String,
        keyType: KeyType, certificateSerial: String, createdAt: Date
    ) {
        self.id = id
        self.ownerKind = ownerKind
        self.personID = personID
        self.organizationID = organizationID
        self.principalID = principalID
        self.keyID = keyID
        self.keyType = keyType
        self.certificateSerial = certificateSerial
        self.state = .active
        self.createdAt = createdAt
    }

    public enum CodingKeys: String, CodingKey {
        case id
        case ownerKind = "owner_kind"
        case personID = "person_id"
        case organizationID = "organization_id"
        case principalID = "principal_id"
        case keyID = "key_id"
        case keyType = "key_type"
        case certificateSerial = "certificate_serial"
        case state
        case createdAt = "created_at"
        case revokedAt = "revoked_at"
    }
}
