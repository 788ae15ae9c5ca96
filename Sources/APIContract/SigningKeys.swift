import Foundation

// Personal and organisation signing keys: `/v1/keys`.

/// `POST /v1/keys`: `{"owner":"person"|"organization","personId","organizationId"?,"keyType"}`.
public struct SigningKeyRequest: Codable, Sendable {
    public let owner: String
    public let personId: String
    public let organizationId: String?
    public let keyType: String
    public init(owner: String, personId: String, organizationId: String? = nil, keyType: String) {
        self.owner = owner
        self.personId = personId
        self.organizationId = organizationId
        self.keyType = keyType
    }
}

public struct SigningKeyView: Codable, Sendable {
    public let id, owner, personId, keyType, state, certificateSerial, certificateStatus, certificate, createdAt: String
    public let organizationId, revokedAt: String?
    public init(
        id: String, owner: String, personId: String, organizationId: String?, keyType: String, state: String,
        certificateSerial: String,
        certificateStatus: String, certificate: String, createdAt: String, revokedAt: String?
    ) {
        self.id = id
        self.owner = owner
        self.personId = personId
        self.organizationId = organizationId
        self.keyType = keyType
        self.state = state
        self.certificateSerial = certificateSerial
        self.certificateStatus = certificateStatus
        self.certificate = certificate
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }
}

/// `POST /v1/keys/{id}/revoke`: `{"reason"?}` (RFC 5280 reason name; default unspecified).
public struct SigningKeyRevokeRequest: Codable, Sendable {
    public let reason: String?
    public init(reason: String?) { self.reason = reason }
}

extension SigningKeyRequest: APIRequest {
    public func validate() throws(RequestError) {
        try Field.identifier(personId, "personId")
        if let organizationId { try Field.identifier(organizationId, "organizationId") }
        switch (owner, organizationId) {
        case ("person", nil), ("organization", _?): break
        default:
            throw RequestError("owner must be person (without organizationId) or organization (with organizationId)")
        }
        try Field.text(keyType, "keyType", max: 16)
    }
}

extension SigningKeyRevokeRequest: APIRequest {
    public func validate() throws(RequestError) { try Field.optionalText(reason, "reason", max: 64) }
}
