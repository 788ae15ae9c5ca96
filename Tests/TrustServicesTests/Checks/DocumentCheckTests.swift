import Testing
import TrustModel

@testable import TrustServices

@Suite struct DocumentCheckTests {
    @Test func aChangedDocumentFailsAndAMissingOneIsIndeterminate() {
        var facts = CheckFixtures.facts()
        facts.document = .matches("same")
        #expect(CheckFixtures.only(DocumentCheck(), facts)?.status == .passed)
        facts.document = .differs("changed")
        let changed = CheckFixtures.only(DocumentCheck(), facts)
        #expect(changed?.status == .failed && changed?.subIndication == .hashFailure)
        facts.document = .notGiven("detached")
        let missing = CheckFixtures.only(DocumentCheck(), facts)
        #expect(missing?.status == .indeterminate && missing?.subIndication == .signedDataNotFound)
        facts.document = .noSignedDigest("no messageDigest")
        #expect(CheckFixtures.only(DocumentCheck(), facts)?.subIndication == .formatFailure)
    }
}
