import Foundation
import Testing
import TrustModel

@testable import TrustServices

/// EN 319 102-1 pairs: outside the validity with a proof of existence is TOTAL_FAILED (EXPIRED / NOT_YET_VALID);
/// with only a claim, or expired since without proof, INDETERMINATE/OUT_OF_BOUNDS_NO_POE.
@Suite struct ValidityCheckTests {
    let now = CheckFixtures.now, day = CheckFixtures.day

    func judge(notAfter: Date, claimed: Date?, stamped: Date? = nil) -> ValidationReport.Check? {
        let certificate = CheckFixtures.certificate(notBefore: now.addingTimeInterval(-100 * day), notAfter: notAfter)
        return CheckFixtures.only(
            ValidityCheck(),
            CheckFixtures.facts(
                signer: .present(certificate), claimed: claimed,
                timestamp: stamped.map { .proves($0, tsa: "CN=TSA") } ?? .absent))
    }

    @Test func withinTheValidityPasses() {
        #expect(judge(notAfter: now.addingTimeInterval(day), claimed: now.addingTimeInterval(-day))?.status == .passed)
    }

    @Test func expiredSinceWithoutAProofIsOutOfBoundsNoPOE() {
        let check = judge(notAfter: now.addingTimeInterval(-day), claimed: now.addingTimeInterval(-2 * day))
        #expect(check?.status == .indeterminate && check?.subIndication == .outOfBoundsNoPOE)
    }

    @Test func aClaimAfterExpiryIsOutOfBoundsNoPOENotExpired() {
        let check = judge(notAfter: now.addingTimeInterval(-day), claimed: now)
        #expect(check?.status == .indeterminate && check?.subIndication == .outOfBoundsNoPOE)
    }

    @Test func aTimestampBeforeExpiryPassesAndOneAfterItIsExpired() {
        #expect(
            judge(notAfter: now.addingTimeInterval(-day), claimed: nil, stamped: now.addingTimeInterval(-2 * day))?
                .status == .passed)
        let expired = judge(
            notAfter: now.addingTimeInterval(-day), claimed: nil, stamped: now.addingTimeInterval(-3600))
        #expect(expired?.status == .failed && expired?.subIndication == .expired)
        let early = judge(
            notAfter: now.addingTimeInterval(day), claimed: nil, stamped: now.addingTimeInterval(-200 * day))
        #expect(early?.status == .failed && early?.subIndication == .notYetValid)
    }
}
