import Foundation

// The JSON shapes of trustd's HTTP API (DESIGN §4), shared by the server (which encodes them) and trustctl
// (which decodes them), so the two cannot drift apart. Names here are what integrators script against.
// Plain values only: no dependency on the server, the store or OpenSSL.

/// `{"error":{"code","message"}}`, the body of every 4xx/5xx answer.
public struct ErrorBody: Codable, Sendable {
    public struct Detail: Codable, Sendable {
        public let code: String
        public let message: String
        public init(code: String, message: String) {
            self.code = code
            self.message = message
        }
    }
    public let error: Detail
    public init(code: String, message: String) { error = Detail(code: code, message: message) }
}

public struct CAView: Codable, Sendable {
    public let name, algorithm, role, certificate: String
    public let parent: String?
    public let subject: String
    public let serial: String
    public let notAfter: String

    public init(name: String, algorithm: String, role: String, certificate: String, parent: String?, subject: String,
                serial: String, notAfter: String) {
        self.name = name
        self.algorithm = algorithm
        self.role = role
        self.certificate = certificate
        self.parent = parent
        self.subject = subject
        self.serial = serial
        self.notAfter = notAfter
    }
}

public struct CAList: Codable, Sendable {
    public let cas: [CAView]
    public init(cas: [CAView]) { self.cas = cas }
}

public struct IssueRequest: Codable, Sendable {
    public let ca: String
    public let profile: String
    public let csr: String
    public let identity: [String: String]?
    /// The person applying (for a certificate naming an organisation: the person acting for it).
    public let applicant: String?
    public let validityDays: Int?

    public init(ca: String, profile: String, csr: String, identity: [String: String]? = nil, applicant: String? = nil, validityDays: Int? = nil) {
        self.ca = ca
        self.profile = profile
        self.csr = csr
        self.identity = identity
        self.applicant = applicant
        self.validityDays = validityDays
    }
}

public struct IssueResponse: Codable, Sendable {
    public let serial: String
    public let certificate: String
    public let chain: [String]
    public init(serial: String, certificate: String, chain: [String]) {
        self.serial = serial
        self.certificate = certificate
        self.chain = chain
    }
}

public struct RevokeRequest: Codable, Sendable {
    public let reason: String
    public init(reason: String) { self.reason = reason }
}

public struct CertificateView: Codable, Sendable {
    public let serial, ca, subject, profile, status, notBefore, notAfter, fingerprint, certificate: String
    public let revokedAt: String?
    public let reason: String?

    public init(serial: String, ca: String, subject: String, profile: String, status: String, notBefore: String,
                notAfter: String, fingerprint: String, certificate: String, revokedAt: String?, reason: String?) {
        self.serial = serial
        self.ca = ca
        self.subject = subject
        self.profile = profile
        self.status = status
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.fingerprint = fingerprint
        self.certificate = certificate
        self.revokedAt = revokedAt
        self.reason = reason
    }
}

/// The answer to `POST /v1/cas/{ca}/crl` (a CRL generated now); the CRL itself is at `GET /v1/cas/{ca}/crl`.
public struct CRLView: Codable, Sendable {
    public let ca: String
    public let number: Int64
    public let thisUpdate, nextUpdate: String
    public let entries: Int
    public init(ca: String, number: Int64, thisUpdate: String, nextUpdate: String, entries: Int) {
        self.ca = ca
        self.number = number
        self.thisUpdate = thisUpdate
        self.nextUpdate = nextUpdate
        self.entries = entries
    }
}

public struct AuditView: Codable, Sendable {
    public let seq: Int64
    public let time, actor, action, object, outcome, details, hash: String
    public init(seq: Int64, time: String, actor: String, action: String, object: String, outcome: String, details: String, hash: String) {
        self.seq = seq
        self.time = time
        self.actor = actor
        self.action = action
        self.object = object
        self.outcome = outcome
        self.details = details
        self.hash = hash
    }
}

public struct AuditList: Codable, Sendable {
    public let records: [AuditView]
    public init(records: [AuditView]) { self.records = records }
}

public struct AuditVerifyResponse: Codable, Sendable {
    public let intact: Bool
    public let records: Int
    public let checkpoints: Int
    public let brokenSeq: Int64?
    public let reason: String?
    public init(intact: Bool, records: Int, checkpoints: Int, brokenSeq: Int64?, reason: String?) {
        self.intact = intact
        self.records = records
        self.checkpoints = checkpoints
        self.brokenSeq = brokenSeq
        self.reason = reason
    }
}

/// The answer to `POST /v1/audit/checkpoints`: the signed checkpoint made now (`seq` is the last record it covers),
/// or `created: false` when nothing was appended since the last one.
public struct CheckpointResponse: Codable, Sendable {
    public let created: Bool
    public let seq: Int64?
    public let time: String?
    public init(created: Bool, seq: Int64?, time: String?) {
        self.created = created
        self.seq = seq
        self.time = time
    }
}

public struct PrincipalRequest: Codable, Sendable {
    public let name: String
    public let roles: [String]
    public init(name: String, roles: [String]) {
        self.name = name
        self.roles = roles
    }
}

public struct PrincipalView: Codable, Sendable {
    public let id, name: String
    public let roles: [String]
    /// SHA-256 fingerprints (hex) of the client certificates that authenticate this principal over mutual TLS.
    public let clientCertificates: [String]
    public init(id: String, name: String, roles: [String], clientCertificates: [String]) {
        self.id = id
        self.name = name
        self.roles = roles
        self.clientCertificates = clientCertificates
    }
}

public struct PrincipalList: Codable, Sendable {
    public let principals: [PrincipalView]
    public init(principals: [PrincipalView]) { self.principals = principals }
}

public struct TokenRequest: Codable, Sendable {
    public let lifetimeDays: Int?
    public init(lifetimeDays: Int?) { self.lifetimeDays = lifetimeDays }
}

public struct TokenResponse: Codable, Sendable {
    public let token, id, expiresAt: String
    public init(token: String, id: String, expiresAt: String) {
        self.token = token
        self.id = id
        self.expiresAt = expiresAt
    }
}

/// `POST /v1/principals/{id}/certificates`: bind a client certificate (PEM, issued by one of trustd's CAs) to a
/// principal for mutual TLS.
public struct ClientCertificateRequest: Codable, Sendable {
    public let certificate: String
    public init(certificate: String) { self.certificate = certificate }
}

// MARK: - Identity

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
    public init(id: String, method: String, source: String, verifiedAt: String, passed: Bool, counts: Bool, expiresAt: String?,
                reference: String?, operatorName: String?, revokedAt: String?, revocationReason: String?) {
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
    public init(id: String, name: String, idNumber: String, mobile: String, level: String, levelValidUntil: String?, evidence: [EvidenceView]) {
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
    public init(id: String, organizationId: String, personId: String, validFrom: String, validTo: String, scope: [String],
                revokedAt: String?, active: Bool) {
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
    public init(id: String, name: String, creditCode: String, legalRepresentativeId: String, level: String, levelValidUntil: String?,
                evidence: [EvidenceView], authorizations: [AuthorizationView]) {
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
    public init(method: String, otpId: String? = nil, code: String? = nil, session: String? = nil, challengeId: String? = nil,
                certificate: String? = nil, chain: [String]? = nil, signature: String? = nil) {
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

// MARK: - Seals

public struct SealPictureBody: Codable, Sendable {
    public let format: String
    /// Base64 of the image bytes.
    public let data: String
    public let widthMm, heightMm: Int
    public init(format: String, data: String, widthMm: Int, heightMm: Int) {
        self.format = format
        self.data = data
        self.widthMm = widthMm
        self.heightMm = heightMm
    }
}

public struct SealApplyRequest: Codable, Sendable {
    public let organizationId, type, name: String
    /// The applying person; default the organisation's legal representative.
    public let applicantId: String?
    public let picture: SealPictureBody
    public let validTo, keyType: String?
    public init(organizationId: String, applicantId: String?, type: String, name: String, picture: SealPictureBody, validTo: String? = nil,
                keyType: String? = nil) {
        self.organizationId = organizationId
        self.applicantId = applicantId
        self.type = type
        self.name = name
        self.picture = picture
        self.validTo = validTo
        self.keyType = keyType
    }
}

public struct SealEventView: Codable, Sendable {
    public let step, to, actor, time: String
    public let from, comment: String?
    public init(step: String, to: String, actor: String, time: String, from: String?, comment: String?) {
        self.step = step
        self.to = to
        self.actor = actor
        self.time = time
        self.from = from
        self.comment = comment
    }
}

public struct SealGrantView: Codable, Sendable {
    public let id, granteeKind, granteeId, minLevel, validFrom, validTo: String
    public let usageLimit: Int?
    public let usageCount: Int
    public let withdrawnAt: String?
    public init(id: String, granteeKind: String, granteeId: String, minLevel: String, validFrom: String, validTo: String, usageLimit: Int?,
                usageCount: Int, withdrawnAt: String?) {
        self.id = id
        self.granteeKind = granteeKind
        self.granteeId = granteeId
        self.minLevel = minLevel
        self.validFrom = validFrom
        self.validTo = validTo
        self.usageLimit = usageLimit
        self.usageCount = usageCount
        self.withdrawnAt = withdrawnAt
    }
}

public struct SealView: Codable, Sendable {
    public let id, organizationId, type, name, state, esId, applicant, applicantId, keyType, validFrom, validTo: String
    public let certificateSerial, filingNumber, filingAuthority: String?
    /// The lifecycle steps possible from the current state.
    public let nextSteps: [String]
    public let history: [SealEventView]
    public let grants: [SealGrantView]
    public init(id: String, organizationId: String, type: String, name: String, state: String, esId: String, applicant: String,
                applicantId: String, keyType: String, validFrom: String, validTo: String, certificateSerial: String?, filingNumber: String?,
                filingAuthority: String?, nextSteps: [String], history: [SealEventView], grants: [SealGrantView]) {
        self.id = id
        self.organizationId = organizationId
        self.type = type
        self.name = name
        self.state = state
        self.esId = esId
        self.applicant = applicant
        self.applicantId = applicantId
        self.keyType = keyType
        self.validFrom = validFrom
        self.validTo = validTo
        self.certificateSerial = certificateSerial
        self.filingNumber = filingNumber
        self.filingAuthority = filingAuthority
        self.nextSteps = nextSteps
        self.history = history
        self.grants = grants
    }
}

public struct SealList: Codable, Sendable {
    public let seals: [SealView]
    public init(seals: [SealView]) { self.seals = seals }
}

/// `GET /v1/seals/{id}/status` (状态查询).
public struct SealStatusView: Codable, Sendable {
    public let id, state, certificateStatus, validFrom, validTo: String
    public let filingNumber: String?
    public init(id: String, state: String, certificateStatus: String, validFrom: String, validTo: String, filingNumber: String?) {
        self.id = id
        self.state = state
        self.certificateStatus = certificateStatus
        self.validFrom = validFrom
        self.validTo = validTo
        self.filingNumber = filingNumber
    }
}

public struct SealReviewRequest: Codable, Sendable {
    public let approve: Bool
    public let comment: String?
    public init(approve: Bool, comment: String? = nil) {
        self.approve = approve
        self.comment = comment
    }
}

public struct SealFileRequest: Codable, Sendable {
    public let filingNumber, authority: String
    public init(filingNumber: String, authority: String) {
        self.filingNumber = filingNumber
        self.authority = authority
    }
}

public struct SealGrantRequest: Codable, Sendable {
    public let personId, principalId: String?
    public let minLevel: String
    public let validFrom: String?
    public let validTo: String
    public let usageLimit: Int?
    public init(personId: String? = nil, principalId: String? = nil, minLevel: String, validFrom: String? = nil, validTo: String, usageLimit: Int? = nil) {
        self.personId = personId
        self.principalId = principalId
        self.minLevel = minLevel
        self.validFrom = validFrom
        self.validTo = validTo
        self.usageLimit = usageLimit
    }
}

/// Body of report-loss, recover, revoke and destroy (all optional).
public struct SealStepRequest: Codable, Sendable {
    public let comment: String?
    /// revoke only: an RFC 5280 reason for the seal certificate (default cessationOfOperation).
    public let reason: String?
    public init(comment: String? = nil, reason: String? = nil) {
        self.comment = comment
        self.reason = reason
    }
}

// MARK: - Timestamps

/// `POST /v1/timestamp`: time-stamp a digest (hex) with the SM2 or RSA unit.
public struct TimestampRequestBody: Codable, Sendable {
    public let digest: String
    /// `sm3` (default for the SM2 unit), `sha256` (default for RSA), `sha384`, `sha512`.
    public let hashAlgorithm: String?
    /// `sm2` (default) or `rsa`.
    public let tsa: String?
    /// Hex, at most 32 bytes.
    public let nonce: String?
    public let certReq: Bool?
    public init(digest: String, hashAlgorithm: String? = nil, tsa: String? = nil, nonce: String? = nil, certReq: Bool? = nil) {
        self.digest = digest
        self.hashAlgorithm = hashAlgorithm
        self.tsa = tsa
        self.nonce = nonce
        self.certReq = certReq
    }
}

public struct TimestampView: Codable, Sendable {
    public let status: String
    /// Base64 of the TimeStampResp (DER); its token is the RFC 3161 TimeStampToken.
    public let response: String
    public let serialNumber: String?
    public let genTime: String?
    public init(status: String, response: String, serialNumber: String?, genTime: String?) {
        self.status = status
        self.response = response
        self.serialNumber = serialNumber
        self.genTime = genTime
    }
}

// MARK: - Signing

/// `POST /v1/sign` (DESIGN §4): `{"sealId","signer","format","data":B64|"digest":HEX,"propertyInfo"?,"timestamp"?}`.
public struct SignRequestBody: Codable, Sendable {
    public let sealId, keyId, signer: String?
    public let format: String
    public let data, digest, propertyInfo: String?
    public let timestamp: Bool?
    public init(sealId: String?, keyId: String? = nil, signer: String?, format: String, data: String? = nil, digest: String? = nil,
                propertyInfo: String? = nil, timestamp: Bool? = nil) {
        self.sealId = sealId
        self.keyId = keyId
        self.signer = signer
        self.format = format
        self.data = data
        self.digest = digest
        self.propertyInfo = propertyInfo
        self.timestamp = timestamp
    }
}

public struct SignResponse: Codable, Sendable {
    public let format: String
    /// Base64 of the signature (raw) or of the DER SES_Signature (ses).
    public let signature: String
    /// The signing certificate (PEM).
    public let certificate: String
    public init(format: String, signature: String, certificate: String) {
        self.format = format
        self.signature = signature
        self.certificate = certificate
    }
}

/// `POST /v1/verify`: `{"signature":B64,"data":B64|"digest":HEX}`.
public struct VerifyRequestBody: Codable, Sendable {
    public let signature: String
    public let data, digest: String?
    public init(signature: String, data: String? = nil, digest: String? = nil) {
        self.signature = signature
        self.data = data
        self.digest = digest
    }
}

public struct ValidationCheckView: Codable, Sendable {
    public let name, status, detail: String
    public let subIndication: String?
    public init(name: String, status: String, detail: String, subIndication: String?) {
        self.name = name
        self.status = status
        self.detail = detail
        self.subIndication = subIndication
    }
}

/// The validation report (DESIGN §4: `{valid, format, signer, seal, signingTime, checks:[{name, status, detail}]}`),
/// with the ETSI EN 319 102-1 indication and sub-indication.
public struct ValidationReportView: Codable, Sendable {
    public struct SealSummary: Codable, Sendable {
        public let name: String?
        public let esId: String?
        public init(name: String?, esId: String?) {
            self.name = name
            self.esId = esId
        }
    }
    public let valid: Bool
    public let indication: String
    public let subIndication: String?
    public let format: String
    public let signer: String?
    public let seal: SealSummary?
    public let signingTime: String?
    public let timeSource: String?
    public let checks: [ValidationCheckView]
    public init(valid: Bool, indication: String, subIndication: String?, format: String, signer: String?, seal: SealSummary?,
                signingTime: String?, timeSource: String?, checks: [ValidationCheckView]) {
        self.valid = valid
        self.indication = indication
        self.subIndication = subIndication
        self.format = format
        self.signer = signer
        self.seal = seal
        self.signingTime = signingTime
        self.timeSource = timeSource
        self.checks = checks
    }
}

// MARK: - Signing keys

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
    public init(id: String, owner: String, personId: String, organizationId: String?, keyType: String, state: String, certificateSerial: String,
                certificateStatus: String, certificate: String, createdAt: String, revokedAt: String?) {
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

// MARK: - Counter checks

/// `POST /v1/counter/challenges`: `{"personId"}`.
public struct CounterChallengeRequest: Codable, Sendable {
    public let personId: String
    public init(personId: String) { self.personId = personId }
}

public struct CounterChallengeResponse: Codable, Sendable {
    public let challengeId, challenge, expiresAt: String
    public init(challengeId: String, challenge: String, expiresAt: String) {
        self.challengeId = challengeId
        self.challenge = challenge
        self.expiresAt = expiresAt
    }
}

/// `POST /v1/counter/checks`: `{"challengeId","certificate" (base64 DER),"signature" (base64),"reader","atr","terminal"?}`,
/// or, when the card refused at the terminal, `{"challengeId","failure","reader","atr",…}` so the attempt is audited.
public struct CounterCheckRequest: Codable, Sendable {
    public let challengeId, reader, atr: String
    public let certificate, signature, terminal, failure: String?
    public init(challengeId: String, certificate: String?, signature: String?, reader: String, atr: String, terminal: String? = nil,
                failure: String? = nil) {
        self.challengeId = challengeId
        self.certificate = certificate
        self.signature = signature
        self.reader = reader
        self.atr = atr
        self.terminal = terminal
        self.failure = failure
    }
}

public struct CounterCheckResponse: Codable, Sendable {
    public let personId, level, evidenceId, certificateSubject: String
    public init(personId: String, level: String, evidenceId: String, certificateSubject: String) {
        self.personId = personId
        self.level = level
        self.evidenceId = evidenceId
        self.certificateSubject = certificateSubject
    }
}
