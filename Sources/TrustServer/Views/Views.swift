import APIContract
import Foundation
import TrustCrypto
import TrustModel
import TrustServices

// Server-side constructors of the API's JSON shapes (defined in APIContract, shared with trustctl).

extension CAView {
    init(_ info: CAInfo) {
        self.init(
            name: info.name, algorithm: info.algorithm.rawValue, role: info.role.rawValue,
            certificate: info.certificate.pem, parent: info.parent,
            subject: info.subject, serial: info.serial, notAfter: UTCTime.iso8601(info.notAfter),
            successor: info.successor,
            crossCertificates: info.crossCertificates.isEmpty ? nil : info.crossCertificates.map(\.pem),
            issuerChain: info.issuerChain.isEmpty ? nil : info.issuerChain.map(\.pem))
    }
}

extension CertificateView {
    init(_ record: CertificateRecord) {
        self.init(
            serial: record.serial, ca: record.issuer, subject: record.subject, profile: record.profile,
            status: record.status.rawValue, notBefore: UTCTime.iso8601(record.notBefore),
            notAfter: UTCTime.iso8601(record.notAfter),
            fingerprint: record.fingerprint, certificate: record.pem,
            revokedAt: record.revokedAt.map { UTCTime.iso8601($0) },
            reason: record.revocationReason?.name)
    }
}

extension AuditView {
    init(_ record: AuditRecord) {
        self.init(
            seq: record.seq, time: record.time, actor: record.actor, action: record.action, object: record.object,
            outcome: record.outcome.rawValue, details: record.details, hash: record.hash)
    }
}

extension PrincipalView {
    init(_ principal: Principal, clientCertificates: [String]) {
        self.init(
            id: principal.id, name: principal.name, roles: principal.roles.map(\.rawValue).sorted(),
            clientCertificates: clientCertificates)
    }

    init(_ details: AccessService.PrincipalDetails) {
        self.init(details.principal, clientCertificates: details.clientCertificates)
    }
}

extension EvidenceView {
    init(_ evidence: Evidence, now: Date) {
        self.init(
            id: evidence.id, method: evidence.method.rawValue, source: evidence.source,
            verifiedAt: UTCTime.iso8601(evidence.verifiedAt),
            passed: evidence.passed, counts: evidence.counts(at: now),
            expiresAt: evidence.expiresAt.map { UTCTime.iso8601($0) },
            reference: evidence.reference, operatorName: evidence.operatorName,
            revokedAt: evidence.revokedAt.map { UTCTime.iso8601($0) },
            revocationReason: evidence.revocationReason)
    }
}

extension PersonView {
    init(_ details: PersonDetails) {
        let now = Date()
        self.init(
            id: details.record.id, name: details.record.name, idNumber: details.record.idMasked,
            mobile: details.record.mobileMasked,
            level: details.assessment.level.rawValue,
            levelValidUntil: details.assessment.validUntil.map { UTCTime.iso8601($0) },
            evidence: details.evidence.map { EvidenceView($0, now: now) })
    }
}

extension AuthorizationView {
    init(_ record: AuthorizationRecord) {
        let now = Date()
        self.init(
            id: record.id, organizationId: record.organizationID, personId: record.personID,
            validFrom: UTCTime.iso8601(record.validFrom),
            validTo: UTCTime.iso8601(record.validTo), scope: record.scope.map(\.rawValue),
            revokedAt: record.revokedAt.map { UTCTime.iso8601($0) },
            active: record.revokedAt == nil && record.validFrom <= now && record.validTo > now)
    }
}

extension OrganizationView {
    init(_ details: OrganizationDetails) {
        let now = Date()
        self.init(
            id: details.record.id, name: details.record.name, creditCode: details.record.creditCode,
            legalRepresentativeId: details.record.legalRepresentativeID, level: details.assessment.level.rawValue,
            levelValidUntil: details.assessment.validUntil.map { UTCTime.iso8601($0) },
            evidence: details.evidence.map { EvidenceView($0, now: now) },
            authorizations: details.authorizations.map(AuthorizationView.init))
    }
}

extension SealView {
    init(_ details: SealDetails) {
        let record = details.record
        self.init(
            id: record.id, organizationId: record.organizationID, type: record.type, name: record.name,
            state: record.state.rawValue, esId: record.esID,
            applicant: record.applicant, applicantId: record.applicantPersonID, keyType: record.keyType.rawValue,
            validFrom: UTCTime.iso8601(record.validFrom), validTo: UTCTime.iso8601(record.validTo),
            certificateSerial: record.certificateSerial, filingNumber: record.filingNumber,
            filingAuthority: record.filingAuthority,
            nextSteps: SealLifecycle.allowed(from: record.state).map(\.rawValue),
            history: details.events.map {
                SealEventView(
                    step: $0.step.rawValue, to: $0.toState.rawValue, actor: $0.actor, time: UTCTime.iso8601($0.time),
                    from: $0.fromState?.rawValue, comment: $0.comment)
            },
            grants: details.grants.map(SealGrantView.init))
    }
}

extension SealGrantView {
    init(_ grant: SealGrantRecord) {
        self.init(
            id: grant.id, granteeKind: grant.granteeKind.rawValue, granteeId: grant.granteeID,
            minLevel: grant.minLevel.rawValue,
            validFrom: UTCTime.iso8601(grant.validFrom), validTo: UTCTime.iso8601(grant.validTo),
            usageLimit: grant.usageLimit,
            usageCount: grant.usageCount, withdrawnAt: grant.withdrawnAt.map { UTCTime.iso8601($0) })
    }
}

extension SealStatusView {
    init(_ status: SealStatus) {
        self.init(
            id: status.id, state: status.state.rawValue,
            certificateStatus: status.certificateStatus?.rawValue ?? "none",
            validFrom: UTCTime.iso8601(status.validFrom), validTo: UTCTime.iso8601(status.validTo),
            filingNumber: status.filingNumber)
    }
}

extension SigningKeyView {
    init(_ details: SigningKeyService.Details) {
        let record = details.record
        self.init(
            id: record.id, owner: record.ownerKind.rawValue, personId: record.personID,
            organizationId: record.organizationID,
            keyType: record.keyType.rawValue, state: record.state.rawValue, certificateSerial: record.certificateSerial,
            certificateStatus: details.certificateStatus.rawValue, certificate: details.certificate.pem,
            createdAt: UTCTime.iso8601(record.createdAt), revokedAt: record.revokedAt.map { UTCTime.iso8601($0) })
    }
}

extension ValidationReportView {
    init(_ report: ValidationReport) {
        self.init(
            valid: report.isValid, indication: report.indication.rawValue,
            subIndication: report.subIndication?.rawValue, format: report.format,
            signer: report.signer, seal: report.sealName.map { SealSummary(name: $0, esId: report.sealID) },
            signingTime: report.signingTime.map { UTCTime.iso8601($0) }, timeSource: report.timeSource,
            checks: report.checks.map {
                ValidationCheckView(
                    name: $0.name.rawValue, status: $0.status.rawValue, detail: $0.detail,
                    subIndication: $0.subIndication?.rawValue)
            })
    }
}

extension DocumentReportView {
    init(_ report: DocumentValidationReport) {
        self.init(
            valid: report.indication == .totalPassed, indication: report.indication.rawValue,
            subIndication: report.subIndication?.rawValue, format: report.format,
            signatures: report.signatures.map {
                SignatureView(
                    id: $0.id, type: $0.kind.rawValue, path: $0.path, pages: $0.pages,
                    report: ValidationReportView($0.report))
            }, unprotectedFiles: report.unprotectedFiles, warnings: report.warnings)
    }
}
