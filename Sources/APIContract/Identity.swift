import Foundation

// Tiered real-name identity: persons, organisations, verifications, authorisations, decisions.

public struct PersonRequest: Codable, Sendable {
    public let name, idNumber, mobile: String
    public init(name: String, idNumber: String, mobile: String) {
        self.name = name
        self.idNumber = idNumber
        self.mobile = mobile
    }
}

public struct EvidenceView: Codable, Sendable {
    public let id, method, source, verifiedAt: String
    public let passed: Bool
    /// Whether it counts now (passed, not expired, not revoked).
    public let counts: Bool
    public let expiresAt, reference, operatorName, revokedAt, revocationReason: String?
    public init(
        id: String, method: String, source: String, verifiedAt: String, passed: Bool, counts: Bool, expiresAt: String?,
        reference: String?, operatorName: String?, revokedAt: String?, revocationReason: String?
    ) {
        self.id = id
        self.method = method
        self.source = source
        self.verifiedAt = verifiedAt
        self.passed = passed
        self.counts = counts
        self.expiresAt = expiresAt
        self.reference = reference
        self.operatorName = operatorName
        self.revokedAt = revokedAt
        self.revocationReason = revocationReason
    }
}

/// A person; `idNumber` and `mobile` are always masked (`3401**********123X`, `138****5678`).
public struct PersonView: Codable, Sendable {
    public let id, name, idNumber, mobile, level: String
    /// When the level drops by itself (e.g. the end of an `advanced` live check), if ever.
    public let levelValidUntil: String?
    public let evidence: [EvidenceView]
    public init(
        id: String, name: String, idNumber: String, mobile: String, level: String, levelValidUntil: String?,
        evidence: [EvidenceView]
    ) {
        self.id = id
        self.name = name
        self.idNumber = idNumber
        self.mobile = mobile
        self.level = level
        self.levelValidUntil = levelValidUntil
        self.evidence = evidence
    }
}

public struct OrganizationRequest: Codable, Sendable {
    public let name, creditCode, legalRepresentativeId: String
    public init(name: String, creditCode: String, legalRepresentativeId: String) {
        self.name = name
        self.creditCode = creditCode
        self.legalRepresentativeId = legalRepresentativeId
    }
}

public struct AuthorizationView: Codable, Sendable {
    public let id, organizationId, personId, validFrom, validTo: String
    public let scope: [String]
    public let revokedAt: String?
    public let active: Bool
    public init(
        id: String, organizationId: String, personId: String, validFrom: String, validTo: String, scope: [String],
        revokedAt: String?, active: Bool
    ) {
        self.id = id
        self.organizationId = organizationId
        self.personId = personId
        self.validFrom = validFrom
        self.validTo = validTo
        self.scope = scope
        self.revokedAt = revokedAt
        self.active = active
    }
}

public struct OrganizationView: Codable, Sendable {
    public let id, name, creditCode, legalRepresentativeId, level: String
    public let levelValidUntil: String?
    public let evidence: [EvidenceView]
    public let authorizations: [AuthorizationView]
    public init(
        id: String, name: String, creditCode: String, legalRepresentativeId: String, level: String,
        levelValidUntil: String?,
        evidence: [EvidenceView], authorizations: [AuthorizationView]
    ) {
        self.id = id
        self.name = name
        self.creditCode = creditCode
        self.legalRepresentativeId = legalRepresentativeId
        self.level = level
        self.levelValidUntil = levelValidUntil
        self.evidence = evidence
        self.authorizations = authorizations
    }
}

/// `POST /v1/persons/{id}/verifications` and `/v1/organizations/{id}/verifications`. Fields by method:
/// `sms-otp` without `code` sends a code (answer: `OTPSent`), with `otpId` + `code` checks it;
/// `population-registry`, `bank-card`, `business-registry`, `tax-account`: no fields;
/// `liveness`, `live-check`: optional `session` (the liveness service's session reference);
/// `enterprise-certificate`: `challengeId`, `certificate` (PEM), optional `chain` (PEM), `signature` (base64 over the
/// challenge bytes).
public struct VerificationRequest: Codable, Sendable {
    public let method: String
    public let otpId, code, session, challengeId, certificate, signature: String?
    public let chain: [String]?
    public init(
        method: String, otpId: String? = nil, code: String? = nil, session: String? = nil, challengeId: String? = nil,
        certificate: String? = nil, chain: [String]? = nil, signature: String? = nil
    ) {
        self.method = method
        self.otpId = otpId
        self.code = code
        self.session = session
        self.challengeId = challengeId
        self.certificate = certificate
        self.chain = chain
        self.signature = signature
    }
}

public struct OTPSent: Codable, Sendable {
    public let otpId, expiresAt: String
    public init(otpId: String, expiresAt: String) {
        self.otpId = otpId
        self.expiresAt = expiresAt
    }
}

public struct ChallengeView: Codable, Sendable {
    public let id: String
    /// Base64 of the bytes to sign.
    public let challenge: String
    public let expiresAt: String
    public init(id: String, challenge: String, expiresAt: String) {
        self.id = id
        self.challenge = challenge
        self.expiresAt = expiresAt
    }
}

public struct AuthorizationRequest: Codable, Sendable {
    public let personId: String
    public let scope: [String]
    public let validFrom: String?
    public let validTo: String
    public init(personId: String, scope: [String], validFrom: String? = nil, validTo: String) {
        self.personId = personId
        self.scope = scope
        self.validFrom = validFrom
        self.validTo = validTo
    }
}

public struct ReasonRequest: Codable, Sendable {
    public let reason: String
    public init(reason: String) { self.reason = reason }
}

/// `POST /v1/decisions`: may this person (for this organisation) do this action now?
public struct DecisionRequest: Codable, Sendable {
    public let action: String
    public let personId, organizationId, grantLevel: String?
    public init(action: String, personId: String? = nil, organizationId: String? = nil, grantLevel: String? = nil) {
        self.action = action
        self.personId = personId
        self.organizationId = organizationId
        self.grantLevel = grantLevel
    }
}

public struct DecisionView: Codable, Sendable {
    public let allowed: Bool
    public let reason: String?
    public init(allowed: Bool, reason: String?) {
        self.allowed = allowed
        self.reason = reason
    }
}

extension PersonRequest: APIRequest {
    public func validate() throws(RequestError) {
        try Field.text(name, "name", max: 128)
        try Field.text(idNumber, "idNumber", max: 32)
        try Field.text(mobile, "mobile", max: 32)
    }
}

extension OrganizationRequest: APIRequest {
    public func validate() throws(RequestError) {
        try Field.text(name, "name", max: 128)
        try Field.text(creditCode, "creditCode", max: 32)
        try Field.identifier(legalRepresentativeId, "legalRepresentativeId")
    }
}

extension VerificationRequest: APIRequest {
    public func validate() throws(RequestError) {
        try Field.text(method, "method", max: 64)
        for (name, value) in [("otpId", otpId), ("challengeId", challengeId)] {
            if let value { try Field.identifier(value, name) }
        }
        try Field.optionalText(code, "code", max: 16)
        try Field.optionalText(session, "session", max: 256)
        if let certificate { try Field.pem(certificate, "certificate", label: "CERTIFICATE") }
        if let chain {
            guard chain.count <= 8 else { throw RequestError("chain has at most 8 certificates") }
            for pem in chain { try Field.pem(pem, "chain", label: "CERTIFICATE") }
        }
        if let signature { _ = try Field.base64(signature, "signature", maxBytes: 1024) }
    }

    /// The signature's bytes (enterprise-certificate), once `validate()` passed.
    public func signatureBytes() throws(RequestError) -> [UInt8]? {
        try signature.map { text throws(RequestError) in try Field.base64(text, "signature", maxBytes: 1024) }
    }
}

extension AuthorizationRequest: APIRequest {
    public func validate() throws(RequestError) {
        try Field.identifier(personId, "personId")
        guard !scope.isEmpty, scope.count <= 16 else { throw RequestError("scope must name 1 to 16 actions") }
        _ = try validity()
    }

    public func validity() throws(RequestError) -> (from: Date?, to: Date) {
        (
            try validFrom.map { text throws(RequestError) in try Field.time(text, "validFrom") },
            try Field.time(validTo, "validTo")
        )
    }
}

extension ReasonRequest: APIRequest {
    public func validate() throws(RequestError) { try Field.text(reason, "reason", max: 500) }
}

extension DecisionRequest: APIRequest {
    public func validate() throws(RequestError) {
        try Field.text(action, "action", max: 64)
        if let personId { try Field.identifier(personId, "personId") }
        if let organizationId { try Field.identifier(organizationId, "organizationId") }
    }
}
