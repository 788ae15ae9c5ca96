import Foundation
import TrustCrypto
import TrustModel
import TrustServices
import TrustStore

// JSON shapes of the API (DESIGN §4). Names here are what integrators script against.

struct CAView: Encodable {
    let name, algorithm, role, certificate: String
    let parent: String?
    init(_ info: CAInfo) {
        name = info.name
        algorithm = info.algorithm
        role = info.role
        certificate = info.certificate.pem
        parent = info.parent
    }
}

struct CAList: Encodable { let cas: [CAView] }

struct IssueRequest: Decodable {
    let ca: String
    let profile: String
    let csr: String
    let identity: [String: String]?
    let validityDays: Int?
}

struct IssueResponse: Encodable {
    let serial: String
    let certificate: String
    let chain: [String]
}

struct RevokeRequest: Decodable { let reason: String }

struct CertificateView: Encodable {
    let serial, ca, subject, profile, status, notBefore, notAfter, certificate: String
    let revokedAt: String?
    let reason: String?

    init(_ record: CertificateRecord) {
        serial = record.serial
        ca = record.issuer
        subject = record.subject
        profile = record.profile
        status = record.status.rawValue
        notBefore = UTCTime.iso8601(record.notBefore)
        notAfter = UTCTime.iso8601(record.notAfter)
        revokedAt = record.revokedAt.map { UTCTime.iso8601($0) }
        reason = record.revocationReason.flatMap(RevocationReason.init(rawValue:))?.name
        certificate = (try? Certificate(der: Array(record.der)).pem) ?? ""
    }
}

struct AuditView: Encodable {
    let seq: Int64
    let time, actor, action, object, outcome, details, hash: String
    init(_ record: AuditRecord) {
        seq = record.seq
        time = record.time
        actor = record.actor
        action = record.action
        object = record.object
        outcome = record.outcome
        details = record.details
        hash = record.hash
    }
}

struct AuditList: Encodable { let records: [AuditView] }

struct AuditVerifyResponse: Encodable {
    let intact: Bool
    let records: Int
    let checkpoints: Int
    let brokenSeq: Int64?
    let reason: String?
}

struct PrincipalRequest: Decodable {
    let name: String
    let roles: [String]
}

struct PrincipalView: Encodable {
    let id, name: String
    let roles: [String]
    init(_ principal: Principal) {
        id = principal.id
        name = principal.name
        roles = principal.roles.map(\.rawValue).sorted()
    }
}

struct PrincipalList: Encodable { let principals: [PrincipalView] }

struct TokenRequest: Decodable { let lifetimeDays: Int? }

struct TokenResponse: Encodable {
    let token, id, expiresAt: String
}
