import Foundation
import Testing
import TrustModel

@testable import TrustServices

@Suite struct SealStatusCheckTests {
    let now = CheckFixtures.now

    func judge(_ registry: SealRegistryFact, stamped: Bool = false) -> ValidationReport.Check? {
        let signed = now.addingTimeInterval(-86400)
        return CheckFixtures.only(
            SealStatusCheck(),
            CheckFixtures.facts(
                seal: CheckFixtures.seal(registry: registry), claimed: stamped ? nil : signed,
                timestamp: stamped ? .proves(signed, tsa: "CN=TSA") : .absent))
    }

    @Test func theRegistryStatusJudgedAgainstTheSigningTime() {
        #expect(judge(.record(id: "s", state: .active, endedAt: nil))?.status == .passed)
        #expect(judge(.notTrustd)?.status == .info)
        #expect(judge(.record(id: "s", state: .suspended, endedAt: nil))?.subIndication == .tryLater)
        let revokedLater = SealRegistryFact.record(id: "s", state: .revoked, endedAt: now)
        #expect(judge(revokedLater, stamped: true)?.status == .passed)
        #expect(judge(revokedLater)?.subIndication == .revokedNoPOE)
        #expect(
            judge(.record(id: "s", state: .destroyed, endedAt: now.addingTimeInterval(-2 * 86400)))?.subIndication
                == .revoked)
        #expect(judge(.record(id: "s", state: .approved, endedAt: nil))?.subIndication == .notYetValid)
    }

    @Test func aRegistryOutageIsTryLaterWithTheReason() {
        let check = judge(.lookupFailed("trustd's seal registry could not be read: disk I/O error"))
        #expect(
            check?.status == .indeterminate && check?.subIndication == .tryLater
                && check?.detail.contains("disk I/O error") == true)
    }
}
