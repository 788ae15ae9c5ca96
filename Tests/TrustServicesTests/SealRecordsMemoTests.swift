import Foundation
import Testing
import TrustModel

@testable import TrustServices

/// The signing memo keeps a seal's records between changes: every committed change to the seal, a grant or the
/// certificate is seen by the very next signature, and usage-limited grants are always read afresh.
@Suite struct SealRecordsMemoTests {
    @Test func aKeptSealNeverOutlivesAChangeToItsGrantsItsStateOrItsCertificate() async throws {
        // Each fixture signs twice first, so that its seal is kept when the change comes.
        func primed() async throws -> SigningFixture {
            let fixture = try await SigningFixture()
            _ = try await fixture.sign(.raw, person: fixture.seals.applicantPerson)
            _ = try await fixture.sign(.raw, person: fixture.seals.applicantPerson)
            if fixture.signing.store.sealRecordsStamp != nil {
                #expect(fixture.signing.sealRecords.hits >= 1, "the memo is used")
            }
            return fixture
        }

        let withdrawn = try await primed()
        _ = try await withdrawn.seals.seals.withdraw(
            id: withdrawn.sealID, grantID: withdrawn.grantID, by: Caller(withdrawn.seals.granter))
        await #expect { _ = try await withdrawn.sign(.raw, person: withdrawn.seals.applicantPerson) } throws: {
            "\($0)".contains("holds no current grant")
        }

        let lost = try await primed()
        _ = try await lost.seals.seals.reportLoss(id: lost.sealID, comment: nil, by: Caller(lost.seals.revoker))
        await #expect { _ = try await lost.sign(.raw, person: lost.seals.applicantPerson) } throws: {
            "\($0)".contains("is suspended")
        }

        // Revoked in the CA, not through the seal's lifecycle: the certificate table alone changes.
        let revoked = try await primed()
        let serial = try #require(
            try revoked.signing.store.read { try $0.seal(id: revoked.sealID) }?.certificateSerial)
        let verifier = revoked.verifier
        let document = Array("公文 2026-001".utf8)
        let signature = try await revoked.sign(.ses, person: revoked.seals.applicantPerson, data: document).signature
        #expect(verifier.verify(signature, data: document, digest: nil).indication == .totalPassed)
        #expect(verifier.verify(signature, data: document, digest: nil).indication == .totalPassed)
        if revoked.signing.store.sealRecordsStamp != nil {
            #expect(verifier.sources.certificateRecords.hits.load(ordering: .relaxed) >= 1, "the memo is used")
        }
        _ = try revoked.seals.identityFixture.ca.ca.revoke(serial: serial, reason: .keyCompromise, actor: "t")
        let report = verifier.verify(signature, data: document, digest: nil)
        #expect(
            report.indication != .totalPassed && report.check(.revocation)?.status != .passed, "\(report.checks)")
        await #expect { _ = try await revoked.sign(.raw, person: revoked.seals.applicantPerson) } throws: {
            "\($0)".contains("the seal certificate") && "\($0)".contains("revoked")
        }
    }

    @Test func aUsageLimitedGrantIsCountedExactlyAndNeverTakenFromMemory() async throws {
        let fixture = try await SigningFixture(usageLimit: 2)
        // The seal's one grant allows two signatures: its count is never taken from memory.
        _ = try await fixture.sign(.raw, person: fixture.seals.applicantPerson)
        let before = fixture.signing.sealRecords.hits
        _ = try await fixture.sign(.raw, person: fixture.seals.applicantPerson)
        await #expect { _ = try await fixture.sign(.raw, person: fixture.seals.applicantPerson) } throws: {
            "\($0)".contains("used every signature")
        }
        #expect(
            fixture.signing.sealRecords.hits == before,
            "a seal with a usage-limited grant is read afresh each time")
    }
}
