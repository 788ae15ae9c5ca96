import Testing
import TrustModel

@testable import TrustServices

@Suite struct FormatCheckTests {
    @Test func aKnownFormatPassesAndUnknownBytesAreAFormatFailure() {
        #expect(CheckFixtures.only(FormatCheck(), CheckFixtures.facts())?.status == .passed)
        let unknown = CheckFixtures.only(FormatCheck(), .unsupported("not DER", at: CheckFixtures.now))
        #expect(
            unknown?.status == .failed && unknown?.subIndication == .formatFailure
                && unknown?.detail.contains("not DER") == true)
        #expect(
            SignatureChecks.report(.unsupported("x", at: CheckFixtures.now)).checks.map(\.name) == [.format],
            "nothing else is judged")
    }
}
