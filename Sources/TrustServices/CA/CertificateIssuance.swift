import Foundation
import TrustCrypto
import TrustModel

/// A CA officer's issuance from a CSR (`POST /v1/certificates`): the certificate authority's profile rules, and — for a
/// profile that names a person (citizen ID) or an organisation (credit code) — the assurance policy's
/// `cert.issue.<profile>` rule on that subject, so no certificate names anybody trustd has not identified at the
/// policy's level. The person named by a citizen ID is the registered person with that number; for an organisation
/// the request names the applicant person acting for it. A refusal is audited (``IdentityService/decide``).
public struct CertificateIssuance: Sendable {
    public let ca: CertificateAuthority
    public let identity: IdentityService

    public init(ca: CertificateAuthority, identity: IdentityService) {
        self.ca = ca
        self.identity = identity
    }

    /// Issues from a PEM CSR (the form callers send).
    public func issue(
        csrPEM: String, profile: String, ca caName: String,
        identity values: [CertificateProfile.IdentityExtension: String], applicantID: String?, validityDays: Int?,
        by caller: Caller
    ) async throws -> IssuedCertificate {
        try await ca.useCases.check(
            caller, .certificateIssue, action: "certificate.issue", object: "profile:\(profile)")
        return try await ca.executor.run {
            let csr = try crypto { try CertificateSigningRequest(pem: csrPEM) }
            return try issueNow(
                csr: csr, profile: profile, ca: caName, identity: values, applicantID: applicantID,
                validityDays: validityDays,
                caller: caller)
        }
    }

    public func issue(
        csr: CertificateSigningRequest, profile: String, ca caName: String,
        identity values: [CertificateProfile.IdentityExtension: String], applicantID: String?, validityDays: Int?,
        by caller: Caller
    ) async throws -> IssuedCertificate {
        try await ca.useCases.check(
            caller, .certificateIssue, action: "certificate.issue", object: "profile:\(profile)")
        return try await ca.executor.run {
            try issueNow(
                csr: csr, profile: profile, ca: caName, identity: values, applicantID: applicantID,
                validityDays: validityDays,
                caller: caller)
        }
    }

    private func issueNow(
        csr: CertificateSigningRequest, profile: String, ca caName: String,
        identity values: [CertificateProfile.IdentityExtension: String], applicantID: String?, validityDays: Int?,
        caller: Caller
    ) throws -> IssuedCertificate {
        // The request's own shape first (a malformed CSR is a 400 whoever it names), then who it names.
        try ca.issuer.validate(csr: csr, profile: profile, ca: caName, identity: values, validityDays: validityDays)
        let rules = try ca.profiles.profile(profile)
        let namesSubject = rules.identityExtensions.keys.contains { $0 == .citizenID || $0 == .organizationCode }
        if namesSubject {
            guard let action = PolicyAction.certificateIssuance(profile: profile) else {
                try ca.useCases.deny(
                    caller, action: "certificate.issue", object: "profile:\(profile)",
                    Denial(
                        "profile \(profile) names a person or organisation but the assurance policy has no cert.issue rule for it"
                    ),
                    at: ca.clock())
            }
            let (personID, organizationID) = try subjects(values, applicantID: applicantID)
            if case .deny(let reason) = try identity.evaluate(
                personID: personID, organizationID: organizationID, action: action, grantLevel: nil)
            {
                try ca.useCases.deny(
                    caller, action: "certificate.issue", object: "profile:\(profile)",
                    Denial(
                        reason,
                        details: [
                            "policy": action.rawValue, "person": personID ?? "-", "organization": organizationID ?? "-",
                        ]),
                    at: ca.clock())
            }
        }
        return try ca.issuer.issue(
            csr: csr, profile: profile, ca: caName, identity: values, validityDays: validityDays,
            actor: caller.auditName)
    }

    /// The registered person and organisation the identity values name (the applicant acts for an organisation).
    private func subjects(_ values: [CertificateProfile.IdentityExtension: String], applicantID: String?) throws -> (
        String?, String?
    ) {
        if let number = values[.citizenID] {
            guard let person = try identity.person(idNumber: number) else {
                throw TrustError.notFound(
                    "no registered person has this citizen ID number: register and verify the person first")
            }
            if let applicantID, applicantID != person.record.id {
                throw TrustError.invalid("the applicant must be the person the certificate names")
            }
            return (person.record.id, nil)
        }
        if let code = values[.organizationCode] {
            guard let organization = try identity.organization(creditCode: code) else {
                throw TrustError.notFound(
                    "no registered organisation has credit code \(code): register and verify it first")
            }
            if let applicantID { _ = try identity.person(id: applicantID) }
            return (applicantID, organization.record.id)
        }
        return (applicantID, nil)
    }
}
