import Foundation

/// How well a natural or legal person has proven who they are (gm-standards.md §7: 初级/中级/高级).
public enum AssuranceLevel: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case anonymous, primary, intermediate, advanced

    var rank: Int { Self.allCases.firstIndex(of: self)! }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rank < rhs.rank }
}

/// Whose identity a piece of evidence is about.
public enum SubjectKind: String, Sendable, Hashable, Codable {
    case person, organization
}

/// How an identity was checked. Each method is an adapter in TrustServices that produces evidence.
public enum VerificationMethod: String, Sendable, Hashable, Codable, CaseIterable {
    /// Mobile number proven by a one-time code.
    case smsOTP = "sms-otp"
    /// Name and ID number confirmed by the population registry.
    case populationRegistry = "population-registry"
    /// Identity checked with a smart card at a service counter (CardReader; the counter routes).
    case counterCard = "counter-card"
    /// Bank-card, provident-fund or payment-platform real-name check.
    case bankCard = "bank-card"
    /// Online liveness check against the registry photo.
    case liveness
    /// Live face/voice/video check during the transaction (advanced; fresh only for a short time).
    case liveCheck = "live-check"
    /// Organisation: name, credit code and legal representative confirmed by the business registry.
    case businessRegistry = "business-registry"
    /// Organisation: a tax-filing account confirmed by the tax service.
    case taxAccount = "tax-account"
    /// Organisation: a challenge signed with an organisation certificate from a trusted CA.
    case enterpriseCertificate = "enterprise-certificate"

    /// Which subjects the method applies to.
    public var subjects: Set<SubjectKind> {
        switch self {
        case .smsOTP, .populationRegistry, .bankCard, .liveness: [.person]
        case .businessRegistry, .taxAccount, .enterpriseCertificate: [.organization]
        case .counterCard, .liveCheck: [.person, .organization]
        }
    }
}

/// One recorded verification: what was checked, how, when, by whom and with what result.
public struct Evidence: Sendable, Hashable, Codable {
    public let id: String
    public let subject: SubjectKind
    public let subjectID: String
    public let method: VerificationMethod
    public let passed: Bool
    public let verifiedAt: Date
    /// When the evidence stops counting (per policy for the method); `nil` = never.
    public let expiresAt: Date?
    /// The adapter that answered (e.g. `sqlite-registry`, `outbox-sms`).
    public let source: String
    /// The adapter's reference for the check (registry answer id, certificate serial, …).
    public let reference: String?
    /// The principal who performed it (counter operator, platform).
    public let operatorName: String?
    public let revokedAt: Date?
    public let revocationReason: String?

    public init(
        id: String, subject: SubjectKind, subjectID: String, method: VerificationMethod, passed: Bool, verifiedAt: Date,
        expiresAt: Date?, source: String, reference: String?, operatorName: String?, revokedAt: Date? = nil,
        revocationReason: String? = nil
    ) {
        self.id = id
        self.subject = subject
        self.subjectID = subjectID
        self.method = method
        self.passed = passed
        self.verifiedAt = verifiedAt
        self.expiresAt = expiresAt
        self.source = source
        self.reference = reference
        self.operatorName = operatorName
        self.revokedAt = revokedAt
        self.revocationReason = revocationReason
    }

    /// Passed, not revoked, not expired at `time`.
    public func counts(at time: Date) -> Bool {
        passed && revokedAt == nil && (expiresAt.map { $0 > time } ?? true)
    }
}

/// The assurance rules from `policies/assurance.yaml`: how long each method's evidence counts, how fresh `advanced`
/// must be, and which levels each action needs.
public struct AssurancePolicy: Sendable, Hashable {
    /// How long evidence of a method counts after the check (absent: until revoked).
    public var evidenceLifetime: [VerificationMethod: TimeInterval]
    /// How long a live check keeps a subject at `advanced`.
    public var advancedFreshness: TimeInterval
    /// What each action needs (the loader requires every ``PolicyAction``).
    public var actions: [PolicyAction: Requirement]

    public struct Requirement: Sendable, Hashable {
        /// Level the acting person needs; `nil` = no person requirement.
        public var person: AssuranceLevel?
        /// Level the organisation acted for needs; `nil` = none.
        public var organization: AssuranceLevel?
        /// The person's level is named by the resource (e.g. the seal grant's minimum level): `person: grant`.
        public var personFromGrant: Bool
        /// The person must hold an authorisation from the organisation covering this action.
        public var authorization: Bool

        public init(
            person: AssuranceLevel? = nil, personFromGrant: Bool = false, organization: AssuranceLevel? = nil,
            authorization: Bool = false
        ) {
            self.person = person
            self.personFromGrant = personFromGrant
            self.organization = organization
            self.authorization = authorization
        }
    }

    public init(
        evidenceLifetime: [VerificationMethod: TimeInterval] = [:], advancedFreshness: TimeInterval = 15 * 60,
        actions: [PolicyAction: Requirement] = [:]
    ) {
        self.evidenceLifetime = evidenceLifetime
        self.advancedFreshness = advancedFreshness
        self.actions = actions
    }

    /// When evidence of `method` made at `time` stops counting.
    public func expiry(of method: VerificationMethod, verifiedAt time: Date) -> Date? {
        if method == .liveCheck { return time.addingTimeInterval(advancedFreshness) }
        return evidenceLifetime[method].map { time.addingTimeInterval($0) }
    }
}

/// A level and the evidence it rests on.
public struct LevelAssessment: Sendable, Hashable {
    public let level: AssuranceLevel
    /// Ids of the evidence records that support the level.
    public let basis: [String]
    /// When the level drops by itself (earliest expiry among the evidence it needs), if ever.
    public let validUntil: Date?

    public init(level: AssuranceLevel, basis: [String], validUntil: Date?) {
        self.level = level
        self.basis = basis
        self.validUntil = validUntil
    }
}

/// Derives levels from evidence; a level is never typed in. The ladder (gm-standards.md §7):
/// - person: `primary` = mobile proven by OTP + name/ID confirmed by the population registry; `intermediate` = primary
///   + counter card, bank-card/real-name service or liveness; `advanced` = intermediate + a fresh live check;
/// - organisation: `primary` = business-registry match + the legal representative at `primary` or above;
///   `intermediate` = primary + counter check, tax account or enterprise certificate; `advanced` = intermediate + a
///   fresh live check of the legal representative.
public enum AssuranceLadder {
    public static let personIntermediate: [VerificationMethod] = [.counterCard, .bankCard, .liveness]
    public static let organizationIntermediate: [VerificationMethod] = [
        .counterCard, .taxAccount, .enterpriseCertificate,
    ]

    public static func person(_ evidence: [Evidence], at time: Date) -> LevelAssessment {
        let valid = evidence.filter { $0.subject == .person && $0.counts(at: time) }
        func newest(_ method: VerificationMethod) -> Evidence? {
            valid.filter { $0.method == method }.max { $0.verifiedAt < $1.verifiedAt }
        }
        guard let otp = newest(.smsOTP), let registry = newest(.populationRegistry) else {
            return LevelAssessment(level: .anonymous, basis: [], validUntil: nil)
        }
        return climb(
            [otp, registry], intermediate: personIntermediate.compactMap(newest), advanced: newest(.liveCheck))
    }

    public static func organization(_ evidence: [Evidence], legalRepresentative: LevelAssessment, at time: Date)
        -> LevelAssessment
    {
        let valid = evidence.filter { $0.subject == .organization && $0.counts(at: time) }
        func newest(_ method: VerificationMethod) -> Evidence? {
            valid.filter { $0.method == method }.max { $0.verifiedAt < $1.verifiedAt }
        }
        guard let registry = newest(.businessRegistry), legalRepresentative.level >= .primary else {
            return LevelAssessment(level: .anonymous, basis: [], validUntil: nil)
        }
        let primary = climb(
            [registry], intermediate: organizationIntermediate.compactMap(newest), advanced: newest(.liveCheck))
        // The organisation's level can end when its legal representative's primary evidence does.
        let until = [primary.validUntil, legalRepresentative.validUntil].compactMap { $0 }.min()
        return LevelAssessment(level: primary.level, basis: primary.basis, validUntil: until)
    }

    private static func climb(_ primary: [Evidence], intermediate: [Evidence], advanced: Evidence?) -> LevelAssessment {
        var basis = primary
        var level = AssuranceLevel.primary
        if let middle = intermediate.max(by: { ($0.expiresAt ?? .distantFuture) < ($1.expiresAt ?? .distantFuture) }) {
            basis.append(middle)
            level = .intermediate
            if let advanced {
                basis.append(advanced)
                level = .advanced
            }
        }
        return LevelAssessment(level: level, basis: basis.map(\.id), validUntil: basis.compactMap(\.expiresAt).min())
    }
}

/// The answer of the decision function: allow, or deny with the reason (audited by the caller).
public enum Decision: Sendable, Hashable {
    case allow
    case deny(String)

    public var isAllowed: Bool { self == .allow }
}
