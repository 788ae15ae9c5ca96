import Foundation
import Testing
import TrustModel

@testable import TrustServices

@Suite struct RevocationCheckTests {
    let now = CheckFixtures.now

    func judge(
        _ revocation: RevocationFact, claimed: Date? = CheckFixtures.now.addingTimeInterval(-86400),
        stamped: Date? = nil
    ) -> ValidationReport.Check? {
        CheckFixtures.only(
            RevocationCheck(),
            CheckFixtures.facts(
                signer: .present(CheckFixtures.certificate(revocation: revocation)), claimed: claimed,
                timestamp: stamped.map { .proves($0, tsa: "CN=TSA") } ?? .absent))
    }

    @Test func revokedBeforeTheSigningTimeFailsAfterAClaimIsNoPOEAfterAProofPasses() {
        let revokedAt = now.addingTimeInterval(-3600)
        #expect(judge(.registry(.revoked, at: revokedAt), claimed: now)?.subIndication == .revoked)
        #expect(judge(.registry(.revoked, at: revokedAt))?.subIndication == .revokedNoPOE)
        #expect(
            judge(.registry(.hold, at: revokedAt), claimed: nil, stamped: now.addingTimeInterval(-86400))?.status
                == .passed)
        #expect(
            judge(.crl(source: "CRL of CN=CA", revokedAt: revokedAt, staleSince: nil), claimed: now)?.subIndication
                == .revoked)
    }

    @Test func unknownStaleOrUnreadableStatusIsTryLater() {
        #expect(judge(.registry(.valid, at: nil))?.status == .passed)
        #expect(judge(.crl(source: "CRL", revokedAt: nil, staleSince: nil))?.status == .passed)
        #expect(
            judge(.crl(source: "CRL", revokedAt: nil, staleSince: now.addingTimeInterval(-60)))?.subIndication
                == .tryLater)
        #expect(judge(.unknown("foreign CA without CRL"))?.subIndication == .tryLater)
        let outage = judge(.lookupFailed("trustd's certificate registry could not be read: I/O error"))
        #expect(
            outage?.status == .indeterminate && outage?.subIndication == .tryLater
                && outage?.detail.contains("I/O error") == true)
    }
}
