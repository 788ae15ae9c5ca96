import Foundation
import Testing
import TestSupport
import TrustCrypto
import TrustModel
import TrustServices

/// CSR issuance by an officer: a certificate that names a person or organisation needs that subject registered at
/// the policy's cert.issue level; organisation authorisations need org.authorize's levels. Refusals are audited.
@Suite struct CertificateIssuanceTests {
    let officer = Principal(id: "officer", name: "officer-1", roles: [.caOfficer])

    func csr(_ subject: DistinguishedName) throws -> CertificateSigningRequest {
        try CertificateSigningRequest.make(subject: subject, key: try PrivateKey.generate(.sm2))
    }

    func denials(_ fixture: IdentityFixture) throws -> Int { try fixture.auditActions().filter { $0 == "decision.deny" }.count }

    @Test func aSealCertificateNeedsARegisteredOrganisationAtTheLevelAndAnAuthorisedApplicant() throws {
        let fixture = try IdentityFixture()
        let identity = fixture.service()
        let issuance = CertificateIssuance(ca: fixture.ca.ca, identity: identity)
        let request = try csr(DistinguishedName(["C": "CN", "O": "某某科技有限公司", "CN": "某某科技有限公司公章"]))
        func issue(applicant: String?) throws -> IssuedCertificate {
            try issuance.issue(csr: request, profile: "seal", ca: "sm2-issuing", identity: [.organizationCode: IdentityFixture.code],
                               applicantID: applicant, validityDays: nil, by: officer)
        }
        // An arbitrary credit code names nobody trustd knows.
        #expect { _ = try issue(applicant: nil) } throws: { ($0 as? TrustError)?.code == .notFound }

        let zhang = try identity.registerPerson(name: IdentityFixture.zhang.name, idNumber: IdentityFixture.zhang.id,
                                                mobile: IdentityFixture.zhang.mobile, actor: "t").record.id
        let li = try identity.registerPerson(name: IdentityFixture.li.name, idNumber: IdentityFixture.li.id, mobile: IdentityFixture.li.mobile,
                                             actor: "t").record.id
        let org = try identity.registerOrganization(name: "某某科技有限公司", creditCode: IdentityFixture.code, legalRepresentativeID: zhang,
                                                    actor: "t").record.id
        // Registered but anonymous: refused with the policy's reason, audited.
        #expect { _ = try issue(applicant: zhang) } throws: {
            ($0 as? TrustError)?.code == .forbidden && "\($0)".contains("cert.issue.seal needs intermediate")
        }
        #expect(try denials(fixture) == 1)
        try fixture.makePrimary(identity, zhang)
        _ = try identity.verifyRealName(personID: zhang, actor: "t")
        _ = try identity.verifyBusinessRegistry(organizationID: org, actor: "t")
        _ = try identity.verifyTaxAccount(organizationID: org, actor: "t")
        // Without an applicant, or with one the organisation never authorised: refused.
        #expect { _ = try issue(applicant: nil) } throws: { "\($0)".contains("needs a person") }
        try fixture.makePrimary(identity, li)
        _ = try identity.verifyRealName(personID: li, actor: "t")
        #expect { _ = try issue(applicant: li) } throws: { "\($0)".contains("holds no authorisation") }
        #expect(try denials(fixture) == 3)
        // The legal representative acts for the organisation: issued, with the credit code in the certificate.
        let issued = try issue(applicant: zhang)
        #expect(issued.record.profile == "seal")
    }

    @Test func aPersonSigningCertificateNamesARegisteredPersonAtTheLevel() throws {
        let fixture = try IdentityFixture()
        let identity = fixture.service()
        let issuance = CertificateIssuance(ca: fixture.ca.ca, identity: identity)
        let request = try csr(DistinguishedName(["C": "CN", "CN": "张三"]))
        func issue() throws -> IssuedCertificate {
            try issuance.issue(csr: request, profile: "person-signing", ca: "sm2-issuing", identity: [.citizenID: IdentityFixture.zhang.id],
                               applicantID: nil, validityDays: nil, by: officer)
        }
        #expect { _ = try issue() } throws: { ($0 as? TrustError)?.code == .notFound }
        let zhang = try identity.registerPerson(name: IdentityFixture.zhang.name, idNumber: IdentityFixture.zhang.id,
                                                mobile: IdentityFixture.zhang.mobile, actor: "t").record.id
        try fixture.makePrimary(identity, zhang)
        #expect { _ = try issue() } throws: { "\($0)".contains("person-signing needs intermediate") }
        _ = try identity.verifyRealName(personID: zhang, actor: "t")
        #expect(try issue().record.profile == "person-signing")
        // Profiles that name nobody are unaffected.
        let tls = try CertificateSigningRequest.make(subject: DistinguishedName(["CN": "svc.example.gov.cn"]), key: try PrivateKey.generate(.p256),
                                                     subjectAlternativeNames: [.dns("svc.example.gov.cn")])
        #expect(try issuance.issue(csr: tls, profile: "tls-server", ca: "rsa-issuing", identity: [:], applicantID: nil, validityDays: nil,
                                   by: officer).record.profile == "tls-server")
    }

    @Test func anAuthorisationNeedsOrgAuthorizeLevels() throws {
        let fixture = try IdentityFixture()
        let identity = fixture.service()
        let zhang = try identity.registerPerson(name: IdentityFixture.zhang.name, idNumber: IdentityFixture.zhang.id,
                                                mobile: IdentityFixture.zhang.mobile, actor: "t").record.id
        let li = try identity.registerPerson(name: IdentityFixture.li.name, idNumber: IdentityFixture.li.id, mobile: IdentityFixture.li.mobile,
                                             actor: "t").record.id
        let org = try identity.registerOrganization(name: "某某科技有限公司", creditCode: IdentityFixture.code, legalRepresentativeID: zhang,
                                                    actor: "t").record.id
        let platform = Principal(id: "p", name: "platform-1", roles: [.platform])
        func authorize() throws {
            _ = try identity.authorize(organizationID: org, personID: li, scope: ["seal.apply"], validFrom: nil,
                                       validTo: fixture.clock.now.addingTimeInterval(86400), principal: platform)
        }
        #expect { try authorize() } throws: { ($0 as? TrustError)?.code == .forbidden && "\($0)".contains("org.authorize needs primary") }
        try fixture.makePrimary(identity, zhang)
        try fixture.makePrimary(identity, li)
        _ = try identity.verifyBusinessRegistry(organizationID: org, actor: "t")
        try authorize()
        #expect(try denials(fixture) == 1)
    }
}
