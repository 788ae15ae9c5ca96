import Foundation
import Testing
import TrustModel

@testable import TrustServices

@Suite struct TimestampCheckTests {
    @Test func aValidTokenProvesTheTimeABrokenOneIsIgnoredWithAWarning() {
        let stamped = CheckFixtures.now.addingTimeInterval(-3600)
        let proven = CheckFixtures.facts(timestamp: .proves(stamped, tsa: "CN=TSA"))
        #expect(CheckFixtures.only(TimestampCheck(), proven)?.status == .passed)
        #expect(proven.signingTime.date == stamped && proven.signingTime.proven)

        let broken = CheckFixtures.facts(timestamp: .broken("the timestamp is not over this signature value"))
        let warning = CheckFixtures.only(TimestampCheck(), broken)
        #expect(warning?.status == .warning && warning?.detail.contains("ignored") == true)
        #expect(broken.signingTime.source == .claimed, "the claim stands alone")

        let none = CheckFixtures.facts(claimed: nil)
        #expect(CheckFixtures.only(TimestampCheck(), none)?.status == .info && none.signingTime.source == .validation)
        #expect(TimestampCheck().evaluate(CheckFixtures.facts(signer: nil)).isEmpty, "a bare seal has no signing time")
    }
}
