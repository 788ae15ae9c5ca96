import Testing
import TrustModel

@testable import TrustServices

@Suite struct SignatureValueCheckTests {
    @Test func aBrokenValueFailsAndUnsupportedAlgorithmsAreIndeterminate() {
        var facts = CheckFixtures.facts()
        #expect(SignatureValueCheck().evaluate(facts).isEmpty, "nothing to judge for a bare seal")
        facts.signatureValue = .verifies("ok")
        #expect(CheckFixtures.only(SignatureValueCheck(), facts)?.status == .passed)
        facts.signatureValue = .fails("bad")
        #expect(CheckFixtures.only(SignatureValueCheck(), facts)?.subIndication == .sigCryptoFailure)
        facts.signatureValue = .unsupported("md5")
        let unsupported = CheckFixtures.only(SignatureValueCheck(), facts)
        #expect(unsupported?.status == .indeterminate && unsupported?.subIndication == .cryptoConstraintsFailure)
    }
}
