import Foundation
import TestSupport
import Testing
import TrustCrypto
import TrustModel

@testable import TrustServices

/// CSR issuance by an officer: a certificate that names a person or organisation needs that subject registered at
/// the policy's cert.issue level; organisation authorisations need org.authorize's levels. Refusals are audited.
@Suite struct CertificateIssuanceTests {
    let officer = Principal(id: "officer", name: "officer-1", roles: [.caOfficer])

    func csr(_ subject: DistinguishedName) throws -> CertificateSigningRequest {
        try CertificateSigningRequest.make(subject: subject, key: try PrivateKey.generate(.sm2))
    }

    /// Refusals are `denied` audit records, exactly one each.
    func denials(_ fixture: IdentityFixture) throws -> Int {
        try fixture.ca.store.read { try $0.auditRecords(after: 0, limit: 1000) }.filter { $0.outcome == .denied }.count
    }

    @Test func aSealCertificateNeedsARegisteredOrganisationAtTheLevelAndAnAuthorisedApplicant() async throws {
        let fixture = try IdentityFixture()
        let identity = fixture.service()
        let issuance = CertificateIssuance(ca: fixture.ca.ca, identity: identity)
        let request = try csr(DistinguishedName(["C": "CN", "O": "某某科技有限公司", "CN": "某某科技有限公司公章"]))
        func issue(applicant: String?) async throws -> IssuedCertificate {
            try await issuance.issue(
                csr: request, profile: "seal", ca: "sm2-issuing", identity: [.organizationCode: IdentityFixture.code],
                applicantID: applicant, validityDays: nil, by: Caller(officer))
        }
        // An arbitrary credit code names nobody trustd knows.
        await #expect { _ = try await issue(applicant: nil) } throws: { ($0 as? TrustError)?.code == .notFound }

        let (zhang, li, org) = try await IdentityFixture.registerZhangLiAndTheirCompany(identity)
        // Registered but anonymous: refused with the policy's reason, audited.
        await #expect { _ = try await issue(applicant: zhang) } throws: {
            ($0 as? TrustError)?.code == .forbidden && "\($0)".contains("cert.issue.seal needs intermediate")
        }
        #expect(try denials(fixture) == 1)
        try await fixture.makePrimary(identity, zhang)
        _ = try await identity.verifyRealName(personID: zhang, by: .system("t"))
        _ = try await identity.verifyBusinessRegistry(organizationID: org, by: .system("t"))
        _ = try await identity.verifyTaxAccount(organizationID: org, by: .system("t"))
        // Without an applicant, or with one the organisation never authorised: refused.
        await #expect { _ = try await issue(applicant: nil) } throws: { "\($0)".contains("needs a person") }
        try await fixture.makePrimary(identity, li)
        _ = try await identity.verifyRealName(personID: li, by: .system("t"))
        await #expect { _ = try await issue(applicant: li) } throws: { "\($0)".contains("holds no authorisation") }
        #expect(try denials(fixture) == 3)
        // The legal representative acts for the organisation: issued, with the credit code in the certificate.
        let issued = try await issue(applicant: zhang)
        #expect(issued.record.profile == "seal")
    }

    @Test func aPersonSigningCertificateNamesARegisteredPersonAtTheLevel() async throws {
        let fixture = try IdentityFixture()
        let identity = fixture.service()
        let issuance = CertificateIssuance(ca: fixture.ca.ca, identity: identity)
        let request = try csr(DistinguishedName(["C": "CN", "CN": "张三"]))
        func issue() async throws -> IssuedCertificate {
            try await issuance.issue(
                csr: request, profile: "person-signing", ca: "sm2-issuing",
                identity: [.citizenID: IdentityFixture.zhang.id],
                applicantID: nil, validityDays: nil, by: Caller(officer))
        }
        await #expect { _ = try await issue() } throws: { ($0 as? TrustError)?.code == .notFound }
        let zhang = try await identity.registerPerson(
            name: IdentityFixture.zhang.name, idNumber: IdentityFixture.zhang.id,
            mobile: IdentityFixture.zhang.mobile, by: .system("t")
        ).record.id
        try await fixture.makePrimary(identity, zhang)
        await #expect { _ = try await issue() } throws: { "\($0)".contains("person-signing needs intermediate") }
        _ = try await identity.verifyRealName(personID: zhang, by: .system("t"))
        #expect(try await issue().record.profile == "person-signing")
        // Profiles that name nobody are unaffected.
        let tls = try CertificateSigningRequest.make(
            subject: DistinguishedName(["CN": "svc.example.gov.cn"]), key: try PrivateKey.generate(.p256),
            subjectAlternativeNames: [.dns("svc.example.gov.cn")])
        #expect(
            try await issuance.issue(
                csr: tls, profile: "tls-server", ca: "rsa-issuing", identity: [:], applicantID: nil, validityDays: nil,
                by: Caller(officer)
            ).record.profile == "tls-server")
    }

    @Test func anAuthorisationNeedsOrgAuthorizeLevels() async throws {
        let fixture = try IdentityFixture()
        let identity = fixture.service()
        let (zhang, li, org) = try await IdentityFixture.registerZhangLiAndTheirCompany(identity)
        let platform = Principal(id: "p", name: "platform-1", roles: [.platform])
        func authorize() async throws {
            _ = try await identity.authorize(
                organizationID: org, personID: li, scope: ["seal.apply"], validFrom: nil,
                validTo: fixture.clock.now.addingTimeInterval(86400), by: Caller(platform))
        }
        await #expect { try await authorize() } throws: {
            ($0 as? TrustError)?.code == .forbidden && "\($0)".contains("org.authorize needs primary")
        }
        try await fixture.makePrimary(identity, zhang)
        try await fixture.makePrimary(identity, li)
        _ = try await identity.verifyBusinessRegistry(organizationID: org, by: .system("t"))
        try await authorize()
        #expect(try denials(fixture) == 1)
    }
}
