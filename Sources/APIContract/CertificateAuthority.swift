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
    /// A re-keyed root's cross-certificates (PEM): its key certified by the old root, then the old root's key
    /// certified by it.
    public let crossCertificates: [String]?
    /// An imported CA's issuer certificates outside trustd (PEM, issuer first, up to a self-signed root).
    public let issuerChain: [String]?

    public init(
        name: String, algorithm: String, role: String, certificate: String, parent: String?, subject: String,
        serial: String, notAfter: String, successor: String? = nil, crossCertificates: [String]? = nil,
        issuerChain: [String]? = nil
    ) {
        self.successor = successor
        self.crossCertificates = crossCertificates
        self.issuerChain = issuerChain
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

/// `POST /v1/cas/import`: an existing CA with its key — exactly one of a PKCS#12 file (base64), a PEM private key
/// (with `password` when it is encrypted) or the id of a key already in custody (an HSM key imported with the
/// token's own tool). The password is used to decrypt and forgotten; it is never logged or stored.
public struct CAImportBody: Codable, Sendable, APIRequest {
    public let name: String
    public let certificate: String?
    public let chain: String?
    public let pkcs12: String?
    public let privateKey: String?
    public let password: String?
    public let keyId: String?

    public init(
        name: String, certificate: String?, chain: String?, pkcs12: String?, privateKey: String?, password: String?,
        keyId: String?
    ) {
        self.name = name
        self.certificate = certificate
        self.chain = chain
        self.pkcs12 = pkcs12
        self.privateKey = privateKey
        self.password = password
        self.keyId = keyId
    }

    public func validate() throws(RequestError) {
        try Field.text(name, "name", max: 63)
        try Field.exactlyOne([("pkcs12", pkcs12 != nil), ("privateKey", privateKey != nil), ("keyId", keyId != nil)])
        if let certificate { try Field.pem(certificate, "certificate", label: "CERTIFICATE") }
        if let chain { try Field.pem(chain, "chain", label: "CERTIFICATE", max: 256 * 1024) }
        if let pkcs12 { _ = try Field.base64(pkcs12, "pkcs12", maxBytes: 256 * 1024) }
        if let privateKey {
            guard privateKey.count <= 64 * 1024, privateKey.contains("-----BEGIN "), privateKey.contains("PRIVATE KEY")
            else { throw RequestError("privateKey must be a PEM private key") }
        }
        if let keyId { _ = try Field.hex(keyId, "keyId", oneOf: [16]) }
        try Field.optionalText(password, "password", max: 1024)
        if pkcs12 == nil, certificate == nil { throw RequestError("certificate is required unless pkcs12 carries it") }
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
