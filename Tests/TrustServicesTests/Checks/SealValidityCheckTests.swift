import Foundation
import Testing
import TrustModel

@testable import TrustServices

@Suite struct SealValidityCheckTests {
    let now = CheckFixtures.now, day = CheckFixtures.day

    @Test func aSignatureIsJudgedAtItsSigningTimeABareSealNow() {
        let expired = CheckFixtures.seal(validEnd: now.addingTimeInterval(-day))
        let claimedInside = CheckFixtures.only(
            SealValidityCheck(), CheckFixtures.facts(seal: expired, claimed: now.addingTimeInterval(-2 * day)))
        #expect(claimedInside?.subIndication == .outOfBoundsNoPOE, "expired since, no proof the signature came before")
        let stampedInside = CheckFixtures.only(
            SealValidityCheck(),
            CheckFixtures.facts(
                seal: expired, claimed: nil,
                timestamp: .proves(now.addingTimeInterval(-2 * day), tsa: "CN=TSA")))
        #expect(stampedInside?.status == .passed)
        let bare = CheckFixtures.only(SealValidityCheck(), CheckFixtures.facts(signer: nil, seal: expired))
        #expect(bare?.status == .failed && bare?.subIndication == .expired)
        #expect(
            CheckFixtures.only(SealValidityCheck(), CheckFixtures.facts(signer: nil, seal: CheckFixtures.seal()))?
                .status == .passed)
    }
}
