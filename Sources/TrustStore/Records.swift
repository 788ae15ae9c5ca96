import Foundation
import GRDB

/// A certification authority trustd operates.
public struct CARecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    /// Times are stored as seconds since 1970 (REAL): no date-string formatting or parsing per row.
    public static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy { .timeIntervalSince1970 }
    public static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy { .timeIntervalSince1970 }
    public static let databaseTableName = "ca"

    public var name: String
    /// `root` or `issuing`.
    public var role: String
    /// `sm2`, `rsa` or `ecdsa`.
    public var algorithm: String
    public var parent: String?
    /// Key custody id of the CA key.
    public var keyID: String
    public var certificate: Data
    public var ocspSignerKeyID: String?
    public var ocspSignerCertificate: Data?
    /// Last cRLNumber issued.
    public var crlNumber: Int64
    public var createdAt: Date

    public init(name: String, role: String, algorithm: String, parent: String?, keyID: String, certificate: Data,
                ocspSignerKeyID: String? = nil, ocspSignerCertificate: Data? = nil, crlNumber: Int64 = 0, createdAt: Date) {
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

    enum CodingKeys: String, CodingKey {
        case name, role, algorithm, parent, keyID = "key_id", certificate, ocspSignerKeyID = "ocsp_signer_key_id"
        case ocspSignerCertificate = "ocsp_signer_certificate", crlNumber = "crl_number", createdAt = "created_at"
    }
}

/// Status of an issued certificate.
public enum CertificateStatus: String, Codable, Sendable, Hashable, DatabaseValueConvertible {
    case valid
    case revoked
    /// Revoked with reason certificateHold; may return to `valid` (removeFromCRL).
    case hold
}

/// A certificate issued by one of trustd's CAs.
public struct CertificateRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    /// Times are stored as seconds since 1970 (REAL): no date-string formatting or parsing per row.
    public static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy { .timeIntervalSince1970 }
    public static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy { .timeIntervalSince1970 }
    public static let databaseTableName = "certificate"

    /// Serial number, lower-case hex without leading zeros.
    public var serial: String
    public var issuer: String
    public var subject: String
    public var profile: String
    public var notBefore: Date
    public var notAfter: Date
    public var status: CertificateStatus
    public var revokedAt: Date?
    /// RFC 5280 CRLReason code.
    public var revocationReason: Int?
    /// When the status last changed (for delta CRLs).
    public var statusChangedAt: Date
    public var der: Data
    public var fingerprint: String
    public var issuedAt: Date

    public init(serial: String, issuer: String, subject: String, profile: String, notBefore: Date, notAfter: Date,
                status: CertificateStatus, revokedAt: Date?, revocationReason: Int?, statusChangedAt: Date, der: Data,
                fingerprint: String, issuedAt: Date) {
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

    enum CodingKeys: String, CodingKey {
        case serial, issuer, subject, profile, notBefore = "not_before", notAfter = "not_after", status
        case revokedAt = "revoked_at", revocationReason = "revocation_reason", statusChangedAt = "status_changed_at"
        case der, fingerprint, issuedAt = "issued_at"
    }
}

/// A CRL trustd has published.
public struct CRLRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    /// Times are stored as seconds since 1970 (REAL): no date-string formatting or parsing per row.
    public static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy { .timeIntervalSince1970 }
    public static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy { .timeIntervalSince1970 }
    public static let databaseTableName = "crl"

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

    enum CodingKeys: String, CodingKey {
        case issuer, number, thisUpdate = "this_update", nextUpdate = "next_update", deltaBase = "delta_base", der
    }
}

/// One audit log record. `hash = SHA-256(prevHash ‖ canonical fields)`; see ``AuditChain``.
public struct AuditRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "audit_log"

    public var seq: Int64
    /// ISO 8601 UTC with milliseconds, stored as text so the hashed form never drifts.
    public var time: String
    public var actor: String
    public var action: String
    public var object: String
    /// `success`, `failure` or `denied`.
    public var outcome: String
    /// JSON object with details (never secrets).
    public var details: String
    public var prevHash: String
    public var hash: String

    enum CodingKeys: String, CodingKey {
        case seq, time, actor, action, object, outcome, details, prevHash = "prev_hash", hash
    }
}

/// A signed statement of the audit chain head at `seq`.
public struct AuditCheckpointRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "audit_checkpoint"

    public var seq: Int64
    public var time: String
    public var hash: String
    public var keyID: String
    public var algorithm: String
    public var signature: Data

    public init(seq: Int64, time: String, hash: String, keyID: String, algorithm: String, signature: Data) {
        self.seq = seq
        self.time = time
        self.hash = hash
        self.keyID = keyID
        self.algorithm = algorithm
        self.signature = signature
    }

    enum CodingKeys: String, CodingKey {
        case seq, time, hash, keyID = "key_id", algorithm, signature
    }
}

/// Small key-value settings of the appliance (e.g. the audit key id).
struct SettingRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "setting"
    var key: String
    var value: String
}

/// A principal: name and comma-separated roles.
public struct PrincipalRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy { .timeIntervalSince1970 }
    public static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy { .timeIntervalSince1970 }
    public static let databaseTableName = "principal"

    public var id: String
    public var name: String
    public var roles: String
    public var createdAt: Date

    public init(id: String, name: String, roles: String, createdAt: Date) {
        self.id = id
        self.name = name
        self.roles = roles
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey { case id, name, roles, createdAt = "created_at" }
}

/// A bearer token, stored only as the SHA-256 of its value.
public struct TokenRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy { .timeIntervalSince1970 }
    public static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy { .timeIntervalSince1970 }
    public static let databaseTableName = "token"

    public var id: String
    public var principalID: String
    public var hash: String
    public var createdAt: Date
    public var expiresAt: Date
    public var revokedAt: Date?

    public init(id: String, principalID: String, hash: String, createdAt: Date, expiresAt: Date, revokedAt: Date? = nil) {
        self.id = id
        self.principalID = principalID
        self.hash = hash
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, principalID = "principal_id", hash, createdAt = "created_at", expiresAt = "expires_at", revokedAt = "revoked_at"
    }
}

/// A client certificate bound to a principal for mutual TLS. `serial` and `issuer` name the certificate in trustd's
/// registry, so its revocation status is checked on every use.
public struct PrincipalCertificateRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy { .timeIntervalSince1970 }
    public static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy { .timeIntervalSince1970 }
    public static let databaseTableName = "principal_certificate"

    public var fingerprint: String
    public var principalID: String
    public var serial: String
    public var issuer: String
    public var createdAt: Date

    public init(fingerprint: String, principalID: String, serial: String, issuer: String, createdAt: Date) {
        self.fingerprint = fingerprint
        self.principalID = principalID
        self.serial = serial
        self.issuer = issuer
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case fingerprint, principalID = "principal_id", serial, issuer, createdAt = "created_at"
    }
}
