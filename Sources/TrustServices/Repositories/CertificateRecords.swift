import Foundation
import TrustCrypto
import TrustModel

/// A certification authority trustd operates.
public struct CARecord: Codable, Sendable, Hashable {
    public var name: String
    public var role: CARole
    public var algorithm: CAAlgorithm
    public var parent: String?
    /// Key custody id of the CA key.
    public var keyID: String
    public var certificate: Data
    public var ocspSignerKeyID: String?
    public var ocspSignerCertificate: Data?
    /// Last cRLNumber issued.
    public var crlNumber: Int64
    public var createdAt: Date
    /// The CA that took over issuance when this one was renewed; this one still signs CRLs and OCSP answers for what
    /// it issued.
    public var successor: String?
    /// A re-keyed root's cross-certificates (RFC 4210 §4.4): `newWithOld` is this root's new key certified by its
    /// predecessor (relying parties that trust only the old root reach the new hierarchy), `oldWithNew` the
    /// predecessor's key certified by this root (those that trust only the new root still validate what the old one
    /// issued). DER; `nil` for every other CA.
    public var newWithOld: Data?
    public var oldWithNew: Data?
    /// For an imported CA whose issuer stays outside trustd (a province's offline root): the issuer's certificates
    /// up to a self-signed root, as PEM, in order. `nil` when the parent is a trustd CA or the CA is a root.
    public var issuerChain: Data?

    public init(
        name: String, role: CARole, algorithm: CAAlgorithm, parent: String?, keyID: String, certificate: Data,
        ocspSignerKeyID: String? = nil, ocspSignerCertificate: Data? = nil, crlNumber: Int64 = 0, createdAt: Date
    ) {
        self.name = name
        self.role = role
        self.algorithm = algorithm
        self.parent = parent
        self.keyID = keyID
        self.certificate = certificate
        self.ocspSignerKeyID = ocspSignerKeyID
        self.ocspSignerCertificate = ocspSignerCertificate
        self.crlNumber = crlNumber
        self.createdAt = createdAt
    }

    /// The persisted field names (every store engine uses them as column names).
    public enum CodingKeys: String, CodingKey {
        case name, role, algorithm, parent
        case keyID = "key_id"
        case certificate
        case ocspSignerKeyID = "ocsp_signer_key_id"
        case ocspSignerCertificate = "ocsp_signer_certificate"
        case crlNumber = "crl_number"
        case createdAt = "created_at"
        case successor
        case newWithOld = "new_with_old"
        case oldWithNew = "old_with_new"
        case issuerChain = "issuer_chain"
    }
}

/// A certificate issued by one of trustd's CAs.
public struct CertificateRecord: Codable, Sendable, Hashable {
    /// Serial number, lower-case hex without leading zeros.
    public var serial: String
    public var issuer: String
    public var subject: String
    public var profile: String
    public var notBefore: Date
    public var notAfter: Date
    public var status: CertificateStatus
    public var revokedAt: Date?
    public var revocationReason: RevocationReason?
    /// When the status last changed (for delta CRLs).
    public var statusChangedAt: Date
    public var der: Data
    public var fingerprint: String
    public var issuedAt: Date

    public init(
        serial: String, issuer: String, subject: String, profile: String, notBefore: Date, notAfter: Date,
        status: CertificateStatus, revokedAt: Date?, revocationReason: RevocationReason?, statusChangedAt: Date,
        der: Data,
        fingerprint: String, issuedAt: Date
    ) {
        self.serial = serial
        self.issuer = issuer
        self.subject = subject
        self.profile = profile
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.status = status
        self.revokedAt = revokedAt
        self.revocationReason = revocationReason
        self.statusChangedAt = statusChangedAt
        self.der = der
        self.fingerprint = fingerprint
        self.issuedAt = issuedAt
    }

    public enum CodingKeys: String, CodingKey {
        case serial, issuer, subject, profile
        case notBefore = "not_before"
        case notAfter = "not_after"
        case status
        case revokedAt = "revoked_at"
        case revocationReason = "revocation_reason"
        case statusChangedAt = "status_changed_at"
        case der, fingerprint
        case issuedAt = "issued_at"
    }
}

/// A CRL trustd has published.
public struct CRLRecord: Codable, Sendable, Hashable {
    public var issuer: String
    public var number: Int64
    public var thisUpdate: Date
    public var nextUpdate: Date
    /// For delta CRLs, the base CRL number.
    public var deltaBase: Int64?
    public var der: Data

    public init(issuer: String, number: Int64, thisUpdate: Date, nextUpdate: Date, deltaBase: Int64?, der: Data) {
        self.issuer = issuer
        self.number = number
        self.thisUpdate = thisUpdate
        self.nextUpdate = nextUpdate
        self.deltaBase = deltaBase
        self.der = der
    }

    public enum CodingKeys: String, CodingKey {
        case issuer, number
        case thisUpdate = "this_update"
        case nextUpdate = "next_update"
        case deltaBase = "delta_base"
        case der
    }
}

/// One revoked or held certificate as a CRL lists it.
public struct RevokedCertificate: Sendable, Hashable {
    /// Lower-case hex.
    public let serial: String
    /// Revocation time in whole seconds since 1970 (what a CRL carries).
    public let revokedAt: Int64
    public let reason: RevocationReason?

    public init(serial: String, revokedAt: Int64, reason: RevocationReason?) {
        self.serial = serial
        self.revokedAt = revokedAt
        self.reason = reason
    }
}

extension CertificateRecord {
    /// The certificate as PEM text (base64 of the stored DER; no parsing).
    public var pem: String {
        "-----BEGIN CERTIFICATE-----\n"
            + der.base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
            + "\n-----END CERTIFICATE-----\n"
    }
}

/// Valid certificates of one profile that end within a window (the maintenance loop's expiry warnings).
public struct ExpiringCertificates: Sendable, Hashable {
    public let profile: String
    public let count: Int
    public let soonest: Date

    public init(profile: String, count: Int, soonest: Date) {
        self.profile = profile
        self.count = count
        self.soonest = soonest
    }
}
