import Testing
import TrustModel

@testable import TrustServices

@Suite struct ChainCheckTests {
    @Test func anUnknownChainOrUnloadableAnchorsAreIndeterminate() {
        #expect(CheckFixtures.only(ChainCheck(), CheckFixtures.facts())?.status == .passed)
        let foreign = CheckFixtures.only(
            ChainCheck(),
            CheckFixtures.facts(signer: .present(CheckFixtures.certificate(chain: .invalid("unable to get issuer")))))
        #expect(foreign?.status == .indeterminate && foreign?.subIndication == .noCertificateChainFound)
        let outage = CheckFixtures.only(
            ChainCheck(),
            CheckFixtures.facts(signer: .present(CheckFixtures.certificate(chain: .anchorsUnavailable("EACCES")))))
        #expect(outage?.subIndication == .certificateChainGeneralFailure && outage?.detail.contains("EACCES") == true)
    }
}
