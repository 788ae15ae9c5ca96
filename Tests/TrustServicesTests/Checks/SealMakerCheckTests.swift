import Foundation
import Testing
import TrustModel

@testable import TrustServices

@Suite struct SealMakerCheckTests {
    let now = CheckFixtures.now, day = CheckFixtures.day

    @Test func aBrokenMakerSignatureFails() {
        let check = CheckFixtures.only(
            SealMakerCheck(),
            CheckFixtures.facts(seal: CheckFixtures.seal(makerProblem: "the maker's signature does not verify")))
        #expect(check?.status == .failed && check?.subIndication == .sigCryptoFailure)
    }

    @Test func aSealMadeOutsideItsMakersCertificateValidityFails() {
        let maker = (notBefore: now.addingTimeInterval(-10 * day), notAfter: now.addingTimeInterval(10 * day))
        let early = CheckFixtures.only(
            SealMakerCheck(),
            CheckFixtures.facts(seal: CheckFixtures.seal(created: now.addingTimeInterval(-20 * day), maker: maker)))
        #expect(early?.status == .failed && early?.subIndication == .notYetValid, "\(String(describing: early))")
        let late = CheckFixtures.only(
            SealMakerCheck(),
            CheckFixtures.facts(seal: CheckFixtures.seal(created: now.addingTimeInterval(20 * day), maker: maker)))
        #expect(late?.subIndication == .expired)
        #expect(
            CheckFixtures.only(
                SealMakerCheck(), CheckFixtures.facts(seal: CheckFixtures.seal(created: now, maker: maker)))?.status
                == .passed)
    }
}
