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
    public let validityDays: Int?

    public init(ca: String, profile: String, csr: String, identity: [String: String]? = nil, validityDays: Int? = nil) {
        self.ca = ca
        self.profile = profile
        self.csr = csr
        self.identity = identity
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
