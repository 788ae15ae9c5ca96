import APIContract
import Foundation
import TrustCrypto
import TrustModel
import TrustServices
import TrustStore

// Server-side constructors of the API's JSON shapes (defined in APIContract, shared with trustctl).

extension CAView {
    init(_ info: CAInfo) {
        self.init(name: info.name, algorithm: info.algorithm, role: info.role, certificate: info.certificate.pem, parent: info.parent,
                  subject: info.certificate.subject.description, serial: info.certificate.serialHex,
                  notAfter: UTCTime.iso8601(info.certificate.notAfter))
    }
}

extension CertificateView {
    init(_ record: CertificateRecord) {
        self.init(serial: record.serial, ca: record.issuer, subject: record.subject, profile: record.profile,
                  status: record.status.rawValue, notBefore: UTCTime.iso8601(record.notBefore), notAfter: UTCTime.iso8601(record.notAfter),
                  fingerprint: record.fingerprint, certificate: (try? Certificate(der: Array(record.der)).pem) ?? "",
                  revokedAt: record.revokedAt.map { UTCTime.iso8601($0) },
                  reason: record.revocationReason.flatMap(RevocationReason.init(rawValue:))?.name)
    }
}

extension AuditView {
    init(_ record: AuditRecord) {
        self.init(seq: record.seq, time: record.time, actor: record.actor, action: record.action, object: record.object,
                  outcome: record.outcome, details: record.details, hash: record.hash)
    }
}

extension PrincipalView {
    init(_ principal: Principal, clientCertificates: [String]) {
        self.init(id: principal.id, name: principal.name, roles: principal.roles.map(\.rawValue).sorted(), clientCertificates: clientCertificates)
    }
}
