import Foundation

// CAs, certificates, CRLs: `/v1/cas`, `/v1/certificates`.

public struct CAView: Codable, Sendable {
    public let name, algorithm, role, certificate: String
    public let parent: String?
    public let subject: String
    public let serial: String
    public let notAfter: String
    /// Set once the CA was renewed: the CA that issues in its place (this one keeps its CRL and OCSP).
    public let successor: String?

    public init(
        name: String, algorithm: String, role: String, certificate: String, parent: String?, subject: String,
        serial: String, notAfter: String, successor: String? = nil
    ) {
        self.successor = successor
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

    public init(
        ca: String, profile: String, csr: String, identity: [String: String]? = nil, applicant: String? = nil,
        validityDays: Int? = nil
    ) {
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

    public init(
        serial: String, ca: String, subject: String, profile: String, status: String, notBefore: String,
        notAfter: String, fingerprint: String, certificate: String, revokedAt: String?, reason: String?
    ) {
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

extension IssueRequest: APIRequest {
    public func validate() throws(RequestError) {
        try Field.text(ca, "ca", max: 64)
        try Field.text(profile, "profile", max: 64)
        try Field.pem(csr, "csr", label: "CERTIFICATE REQUEST")
        if let identity, identity.count > 8 || identity.contains(where: { $0.key.count > 64 || $0.value.count > 256 }) {
            throw RequestError("identity has at most 8 extensions of at most 256 characters")
        }
        if let applicant { try Field.identifier(applicant, "applicant") }
        if let validityDays, !(1...36_500).contains(validityDays) {
            throw RequestError("validityDays must be 1 to 36500")
        }
    }
}

extension RevokeRequest: APIRequest {
    public func validate() throws(RequestError) { try Field.text(reason, "reason", max: 64) }
}
