/// The actions `policies/assurance.yaml` sets requirements for. Each is read by the code named beside it; the policy
/// loader refuses any other key and requires every one of these, so a rule can never sit in the file unread.
public enum PolicyAction: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// A person applies for a seal for an organisation (seal registry).
    case sealApply = "seal.apply"
    /// A seal is granted to a signer (seal registry).
    case sealGrant = "seal.grant"
    /// A person signs with a seal at the level the grant names (signing).
    case signWithSeal = "sign.with-seal"
    /// A person signs with their own signing key (signing).
    case signWithKey = "sign.with-key"
    /// A person signs with an organisation's signing key (signing).
    case signWithOrgKey = "sign.with-org-key"
    /// A platform creates a person's signing key (signing keys).
    case keyCreatePerson = "key.create.person"
    /// A platform creates an organisation's signing key (signing keys).
    case keyCreateOrg = "key.create.org"
    /// A CA officer issues a certificate naming a person's ID number under `person-signing` (certificate issuance).
    case certIssuePersonSigning = "cert.issue.person-signing"
    /// … naming an organisation's credit code under `org-signing`, for an applicant of the organisation.
    case certIssueOrgSigning = "cert.issue.org-signing"
    /// … naming an organisation's credit code under `seal`, for an applicant of the organisation.
    case certIssueSeal = "cert.issue.seal"
    /// … naming a person's ID number under `card-holder` (a counter card).
    case certIssueCardHolder = "cert.issue.card-holder"
    /// An organisation authorises a person to act for it (authorisations).
    case orgAuthorize = "org.authorize"

    /// The issuance rule for a certificate profile, if the profile names a person or organisation.
    public static func certificateIssuance(profile: String) -> PolicyAction? {
        PolicyAction(rawValue: "cert.issue.\(profile)")
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}
