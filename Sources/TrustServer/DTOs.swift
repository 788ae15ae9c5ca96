import APIContract
import Foundation
import TrustCrypto
import TrustModel
import TrustServices

// Server-side constructors of the API's JSON shapes (defined in APIContract, shared with trustctl).

extension CAView {
    init(_ info: CAInfo) {
        self.init(name: info.name, algorithm: info.algorithm.rawValue, role: info.role.rawValue, certificate: info.certificate.pem, parent: info.parent,
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
                  reason: record.revocationReason?.name)
    }
}

extension AuditView {
    init(_ record: AuditRecord) {
        self.init(seq: record.seq, time: record.time, actor: record.actor, action: record.action, object: record.object,
                  outcome: record.outcome.rawValue, details: record.details, hash: record.hash)
    }
}

extension PrincipalView {
    init(_ principal: Principal, clientCertificates: [String]) {
        self.init(id: principal.id, name: principal.name, roles: principal.roles.map(\.rawValue).sorted(), clientCertificates: clientCertificates)
    }
}

extension EvidenceView {
    init(_ evidence: Evidence, now: Date) {
        self.init(id: evidence.id, method: evidence.method.rawValue, source: evidence.source, verifiedAt: UTCTime.iso8601(evidence.verifiedAt),
                  passed: evidence.passed, counts: evidence.counts(at: now), expiresAt: evidence.expiresAt.map { UTCTime.iso8601($0) },
                  reference: evidence.reference, operatorName: evidence.operatorName, revokedAt: evidence.revokedAt.map { UTCTime.iso8601($0) },
                  revocationReason: evidence.revocationReason)
    }
}

extension PersonView {
    init(_ details: PersonDetails) {
        let now = Date()
        self.init(id: details.record.id, name: details.record.name, idNumber: details.record.idMasked, mobile: details.record.mobileMasked,
                  level: details.assessment.level.rawValue, levelValidUntil: details.assessment.validUntil.map { UTCTime.iso8601($0) },
                  evidence: details.evidence.map { EvidenceView($0, now: now) })
    }
}

extension AuthorizationView {
    init(_ record: AuthorizationRecord) {
        let now = Date()
        self.init(id: record.id, organizationId: record.organizationID, personId: record.personID, validFrom: UTCTime.iso8601(record.validFrom),
                  validTo: UTCTime.iso8601(record.validTo), scope: record.scope.map(\.rawValue),
                  revokedAt: record.revokedAt.map { UTCTime.iso8601($0) },
                  active: record.revokedAt == nil && record.validFrom <= now && record.validTo > now)
    }
}

extension OrganizationView {
    init(_ details: OrganizationDetails) {
        let now = Date()
        self.init(id: details.record.id, name: details.record.name, creditCode: details.record.creditCode,
                  legalRepresentativeId: details.record.legalRepresentativeID, level: details.assessment.level.rawValue,
                  levelValidUntil: details.assessment.validUntil.map { UTCTime.iso8601($0) },
                  evidence: details.evidence.map { EvidenceView($0, now: now) }, authorizations: details.authorizations.map(AuthorizationView.init))
    }
}

extension SealView {
    init(_ details: SealDetails) {
        let record = details.record
        self.init(id: record.id, organizationId: record.organizationID, type: record.type, name: record.name, state: record.state.rawValue, esId: record.esID,
                  applicant: record.applicant, applicantId: record.applicantPersonID, keyType: record.keyType.rawValue,
                  validFrom: UTCTime.iso8601(record.validFrom), validTo: UTCTime.iso8601(record.validTo),
                  certificateSerial: record.certificateSerial, filingNumber: record.filingNumber, filingAuthority: record.filingAuthority,
                  nextSteps: SealLifecycle.allowed(from: record.state).map(\.rawValue),
                  history: details.events.map {
                      SealEventView(step: $0.step.rawValue, to: $0.toState.rawValue, actor: $0.actor, time: UTCTime.iso8601($0.time),
                                  from: $0.fromState?.rawValue, comment: $0.comment)
                  },
                  grants: details.grants.map(SealGrantView.init))
    }
}

extension SealGrantView {
    init(_ grant: SealGrantRecord) {
        self.init(id: grant.id, granteeKind: grant.granteeKind.rawValue, granteeId: grant.granteeID, minLevel: grant.minLevel.rawValue,
                  validFrom: UTCTime.iso8601(grant.validFrom), validTo: UTCTime.iso8601(grant.validTo), usageLimit: grant.usageLimit,
                  usageCount: grant.usageCount, withdrawnAt: grant.withdrawnAt.map { UTCTime.iso8601($0) })
    }
}

/// RFC 3339 UTC time as the API writes it (for files that also import SwiftASN1, whose `UTCTime` shadows ours).
func iso8601(_ date: Date) -> String { UTCTime.iso8601(date) }
