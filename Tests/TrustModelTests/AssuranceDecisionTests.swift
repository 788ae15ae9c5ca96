import Testing
import TrustModel

/// The assurance decision is pure: facts and policy in, allow or deny with the reason out.
@Suite struct AssuranceDecisionTests {
    let policy = AssurancePolicy(actions: [
        .sealApply: .init(person: .intermediate, organization: .primary, authorization: true),
        .signWithSeal: .init(personFromGrant: true),
        .keyCreatePerson: .init(person: .primary),
    ])

    @Test func levelsOrganisationsAndAuthorisations() {
        let facts = AssuranceFacts(
            personID: "p", personLevel: .intermediate, organizationID: "o", organizationLevel: .primary,
            authorization: .held)
        #expect(AssuranceDecision.evaluate(.sealApply, policy: policy, facts: facts) == .allow)
        var low = facts
        low.personLevel = .primary
        #expect(
            AssuranceDecision.evaluate(.sealApply, policy: policy, facts: low)
                == .deny("person p is at primary; seal.apply needs intermediate"))
        var expired = facts
        expired.authorization = .expired
        #expect(
            AssuranceDecision.evaluate(.sealApply, policy: policy, facts: expired)
                == .deny("the authorisation of person p for seal.apply has expired"))
        var representative = facts
        representative.authorization = .none
        representative.actsAsLegalRepresentative = true
        #expect(
            AssuranceDecision.evaluate(.sealApply, policy: policy, facts: representative) == .allow,
            "the legal representative needs no authorisation")
    }

    @Test func grantLevelsAndMissingRules() {
        let person = AssuranceFacts(personID: "p", personLevel: .intermediate)
        #expect(
            AssuranceDecision.evaluate(.signWithSeal, policy: policy, facts: person, grantLevel: .intermediate)
                == .allow)
        #expect(
            AssuranceDecision.evaluate(.signWithSeal, policy: policy, facts: person, grantLevel: .advanced)
                == .deny("person p is at intermediate; sign.with-seal needs advanced (a live check within 15 minutes)"))
        #expect(
            AssuranceDecision.evaluate(.signWithSeal, policy: policy, facts: person)
                == .deny("action sign.with-seal needs the level named in a grant"))
        #expect(
            AssuranceDecision.evaluate(.orgAuthorize, policy: policy, facts: person)
                == .deny("no assurance policy for action org.authorize"))
        #expect(
            AssuranceDecision.evaluate(.keyCreatePerson, policy: policy, facts: AssuranceFacts())
                == .deny("action key.create.person needs a person at primary"))
    }
}
