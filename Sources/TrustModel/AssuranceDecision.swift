/// What an assurance decision is made from, gathered before it is made.
public struct AssuranceFacts: Sendable, Hashable {
    /// Whether the person holds an authorisation from the organisation covering the action now.
    public enum Authorization: Sendable, Hashable {
        case held
        /// One existed and has run out.
        case expired
        case none
    }

    public var personID: String?
    public var personLevel: AssuranceLevel?
    public var organizationID: String?
    public var organizationLevel: AssuranceLevel?
    /// The person is the organisation's legal representative (who needs no separate authorisation).
    public var actsAsLegalRepresentative: Bool
    public var authorization: Authorization

    public init(
        personID: String? = nil, personLevel: AssuranceLevel? = nil, organizationID: String? = nil,
        organizationLevel: AssuranceLevel? = nil, actsAsLegalRepresentative: Bool = false,
        authorization: Authorization = .none
    ) {
        self.personID = personID
        self.personLevel = personLevel
        self.organizationID = organizationID
        self.organizationLevel = organizationLevel
        self.actsAsLegalRepresentative = actsAsLegalRepresentative
        self.authorization = authorization
    }
}

/// The assurance policy applied to facts: allow, or deny with the reason. Pure — it reads nothing and writes nothing;
/// the use case that asks records its outcome.
public enum AssuranceDecision {
    public static func evaluate(
        _ action: PolicyAction, policy: AssurancePolicy, facts: AssuranceFacts,
        grantLevel: AssuranceLevel? = nil
    ) -> Decision {
        guard let requirement = policy.actions[action] else {
            return .deny("no assurance policy for action \(action.rawValue)")
        }
        if requirement.personFromGrant && grantLevel == nil {
            return .deny("action \(action.rawValue) needs the level named in a grant")
        }
        if let needed = requirement.personFromGrant ? grantLevel : requirement.person {
            guard let personID = facts.personID, let level = facts.personLevel else {
                return .deny("action \(action.rawValue) needs a person at \(needed.rawValue)")
            }
            if level < needed {
                return .deny(
                    "person \(personID) is at \(level.rawValue); \(action.rawValue) needs \(needed.rawValue)"
                        + (needed == .advanced
                            ? " (a live check within \(Int(policy.advancedFreshness / 60)) minutes)" : ""))
            }
        }
        if let needed = requirement.organization {
            guard let organizationID = facts.organizationID, let level = facts.organizationLevel else {
                return .deny("action \(action.rawValue) needs an organisation at \(needed.rawValue)")
            }
            if level < needed {
                return .deny(
                    "organisation \(organizationID) is at \(level.rawValue); \(action.rawValue) needs \(needed.rawValue)"
                )
            }
        }
        if requirement.authorization, let organizationID = facts.organizationID {
            guard let personID = facts.personID else {
                return .deny("action \(action.rawValue) needs a person authorised by the organisation")
            }
            if !facts.actsAsLegalRepresentative {
                switch facts.authorization {
                case .held: break
                case .expired:
                    return .deny("the authorisation of person \(personID) for \(action.rawValue) has expired")
                case .none:
                    return .deny(
                        "person \(personID) holds no authorisation from organisation \(organizationID) for \(action.rawValue)"
                    )
                }
            }
        }
        return .allow
    }
}
