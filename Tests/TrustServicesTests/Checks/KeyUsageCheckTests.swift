import Testing
import TrustModel

@testable import TrustServices

@Suite struct KeyUsageCheckTests {
    @Test func aCertificateNotForSignaturesIsAChainConstraintsFailure() {
        #expect(CheckFixtures.only(KeyUsageCheck(), CheckFixtures.facts())?.status == .passed)
        let check = CheckFixtures.only(
            KeyUsageCheck(), CheckFixtures.facts(signer: .present(CheckFixtures.certificate(keyUsage: false))))
        #expect(check?.status == .indeterminate && check?.subIndication == .chainConstraintsFailure)
    }
}
