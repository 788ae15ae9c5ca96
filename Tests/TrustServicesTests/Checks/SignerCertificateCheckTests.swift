import Testing
import TrustModel

@testable import TrustServices

@Suite struct SignerCertificateCheckTests {
    @Test func aMissingSignerCertificateIsIndeterminate() {
        let missing = CheckFixtures.only(
            SignerCertificateCheck(), CheckFixtures.facts(signer: .missing("not in the SignedData")))
        #expect(missing?.status == .indeterminate && missing?.subIndication == .noSigningCertificateFound)
        #expect(SignerCertificateCheck().evaluate(CheckFixtures.facts()).isEmpty)
        // The certificate checks are not run without a certificate.
        let report = SignatureChecks.report(CheckFixtures.facts(signer: .missing("gone")))
        #expect(!report.checks.contains { [.chain, .validity, .revocation, .keyUsage].contains($0.name) })
    }
}
