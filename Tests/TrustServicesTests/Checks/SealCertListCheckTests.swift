import Testing
import TrustModel

@testable import TrustServices

@Suite struct SealCertListCheckTests {
    @Test func aSignerOutsideTheSealsCertListIsASignatureConstraintsFailure() {
        #expect(
            CheckFixtures.only(SealCertListCheck(), CheckFixtures.facts(seal: CheckFixtures.seal()))?.status == .passed)
        let outsider = CheckFixtures.only(
            SealCertListCheck(), CheckFixtures.facts(seal: CheckFixtures.seal(signerListed: false)))
        #expect(outsider?.status == .indeterminate && outsider?.subIndication == .sigConstraintsFailure)
        #expect(
            SealCertListCheck().evaluate(CheckFixtures.facts(signer: nil, seal: CheckFixtures.seal(signerListed: nil)))
                .isEmpty, "bare seal")
    }
}
