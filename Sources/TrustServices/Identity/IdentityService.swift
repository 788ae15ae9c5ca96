import Foundation
import TrustCrypto
import TrustModel

/// A person as the API shows it: identifiers masked, level derived from evidence now.
public struct PersonDetails: Sendable {
    public let record: PersonRecord
    public let evidence: [Evidence]
    public let assessment: LevelAssessment
}

public struct OrganizationDetails: Sendable {
    public let record: OrganizationRecord
    public let evidence: [Evidence]
    public let assessment: LevelAssessment
    public let authorizations: [AuthorizationRecord]
}

/// How a person or organisation is to be verified (`POST …/verifications`).
public enum VerificationRequest: Sendable, Hashable {
    /// Sends a one-time code to the person's mobile.
    case sendOTP
    /// Checks the code the person received.
    case checkOTP(otpID: String, code: String)
    case populationRegistry
    case bankCard
    case businessRegistry
    case taxAccount
    /// Liveness or a live check through the liveness service, with its session reference.
    case liveness(VerificationMethod, session: String?)
}

/// Tiered real-name identity, the use cases callers reach: persons and organisations (``IdentityRegistry``),
/// verifications and their evidence (``IdentityVerifications``, ``EvidenceLedger``), organisations' authorisations
/// (``AuthorizationRegistry``) and decisions (the pure ``AssuranceDecision`` over facts read first). Each use case
/// checks the caller's permission and runs on the blocking executor.
public final class IdentityService: Sendable {
    public let registry: IdentityRegistry
    let ledger: EvidenceLedger
    let verifications: IdentityVerifications
    let authorizations: AuthorizationRegistry
    public let useCases: UseCases
    /// trustd's own registry's answer for a certificate it issued (`nil`: not trustd's), for enterprise certificates.
    let revocation: @Sendable (Certificate) throws -> Bool?

    public var store: any TransactionalStore { registry.store }
    public var secrets: IdentitySecrets { registry.secrets }
    public var policy: AssurancePolicy { registry.policy }
    var clock: @Sendable () -> Date { useCases.clock }

    public static let otpLifetime = IdentityVerifications.otpLifetime
    public static let otpMaxAttempts = IdentityVerifications.otpMaxAttempts

    public init(
        store: any TransactionalStore, secrets: IdentitySecrets, policy: AssurancePolicy, otpSender: any OTPSender,
        population: any PopulationRegistry, business: any BusinessRegistry, realName: any RealNameService,
        liveness: any LivenessService = UnconfiguredLiveness(), anchors: @escaping @Sendable () throws -> TrustAnchors,
        revocation: @escaping @Sendable (Certificate) throws -> Bool? = { _ in nil },
        executor: BlockingExecutor = .shared, clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.revocation = revocation
        registry = IdentityRegistry(store: store, secrets: secrets, policy: policy, clock: clock)
        ledger = EvidenceLedger(registry: registry, clock: clock)
        verifications = IdentityVerifications(
            registry: registry, ledger: ledger, otpSender: otpSender, population: population,
            business: business, realName: realName, liveness: liveness, anchors: anchors, clock: clock)
        authorizations = AuthorizationRegistry(registry: registry, clock: clock)
        useCases = UseCases(store: store, executor: executor, clock: clock)
    }

    /// Permission check, then `body` on the blocking executor.
    private func run<T: Sendable>(
        _ caller: Caller, _ permission: Permission, _ action: String, _ object: String,
        _ body: @escaping @Sendable () throws -> T
    ) async throws -> T {
        try await useCases.run(caller, permission, action: action, object: object, body)
    }

    // MARK: Persons and organisations

    public func registerPerson(name: String, idNumber: String, mobile: String, by caller: Caller) async throws
        -> PersonDetails
    {
        try await run(caller, .identityRegister, "person.register", "person:new") { [registry] in
            try registry.registerPerson(name: name, idNumber: idNumber, mobile: mobile, actor: caller.auditName)
        }
    }

    public func person(id: String, by caller: Caller) async throws -> PersonDetails {
        try await useCases.run(caller, .identityRead, action: "person.read", object: "person:\(id)") { [registry] in
            try registry.person(id: id)
        }
    }

    public func registerOrganization(name: String, creditCode: String, legalRepresentativeID: String, by caller: Caller)
        async throws -> OrganizationDetails
    {
        try await run(caller, .identityRegister, "organization.register", "organization:new") { [registry] in
            try registry.registerOrganization(
                name: name, creditCode: creditCode, legalRepresentativeID: legalRepresentativeID,
                actor: caller.auditName)
        }
    }

    public func organization(id: String, by caller: Caller) async throws -> OrganizationDetails {
        try await useCases.run(caller, .identityRead, action: "organization.read", object: "organization:\(id)") {
            [registry] in
            try registry.organization(id: id)
        }
    }

    // MARK: Verifications

    /// The outcome of verifying a person: the person now, or the one-time code that was sent.
    public enum PersonVerification: Sendable {
        case person(PersonDetails)
        case otpSent(id: String, expiresAt: Date)
    }

    public func verifyPerson(_ id: String, _ request: VerificationRequest, by caller: Caller) async throws
        -> PersonVerification
    {
        try await run(caller, .identityVerify, "identity.verify", "person:\(id)") { [verifications, registry] in
            let actor = caller.auditName
            switch request {
            case .sendOTP:
                let sent = try verifications.startOTP(personID: id, actor: actor)
                return .otpSent(id: sent.id, expiresAt: sent.expiresAt)
            case .checkOTP(let otpID, let code):
                return .person(try verifications.verifyOTP(personID: id, otpID: otpID, code: code, actor: actor))
            case .populationRegistry:
                return .person(try verifications.verifyPopulationRegistry(personID: id, actor: actor))
            case .bankCard: return .person(try verifications.verifyRealName(personID: id, actor: actor))
            case .liveness(let method, let session):
                try verifications.verifyLiveness(
                    subject: .person, id: id, method: method, session: session, actor: actor)
                return .person(try registry.person(id: id))
            case .businessRegistry, .taxAccount:
                throw TrustError.invalid("that method verifies organisations, not persons")
            }
        }
    }

    public func verifyOrganization(_ id: String, _ request: VerificationRequest, by caller: Caller) async throws
        -> OrganizationDetails
    {
        try await run(caller, .identityVerify, "identity.verify", "organization:\(id)") { [verifications, registry] in
            let actor = caller.auditName
            switch request {
            case .businessRegistry: return try verifications.verifyBusinessRegistry(organizationID: id, actor: actor)
            case .taxAccount: return try verifications.verifyTaxAccount(organizationID: id, actor: actor)
            case .liveness(let method, let session):
                try verifications.verifyLiveness(
                    subject: .organization, id: id, method: method, session: session, actor: actor)
                return try registry.organization(id: id)
            default: throw TrustError.invalid("that method verifies persons, not organisations")
            }
        }
    }

    /// A single-use challenge an organisation signs with its enterprise certificate.
    public func enterpriseChallenge(organizationID: String, by caller: Caller) async throws -> ChallengeRecord {
        try await run(caller, .identityVerify, "challenge.issue", "organization:\(organizationID)") { [verifications] in
            try verifications.challenge(
                subject: .organization, id: organizationID, purpose: .enterpriseCertificate, actor: caller.auditName)
        }
    }

    /// Checks an organisation's signature over its challenge with its enterprise certificate (PEM, with up to 8
    /// intermediate certificates).
    public func verifyEnterpriseCertificate(
        organizationID: String, challengeID: String, certificatePEM: String, chainPEM: [String],
        signature: [UInt8], by caller: Caller
    ) async throws -> OrganizationDetails {
        try await run(caller, .identityVerify, "identity.verify", "organization:\(organizationID)") {
            [verifications, revocation] in
            let certificate = try crypto { try Certificate(pem: certificatePEM) }
            let intermediates = try crypto { try chainPEM.prefix(8).map { try Certificate(pem: $0) } }
            return try verifications.verifyEnterpriseCertificate(
                organizationID: organizationID, challengeID: challengeID, certificate: certificate,
                intermediates: intermediates, signature: signature, revocation: revocation,
                actor: caller.auditName)
        }
    }

    /// Revokes a piece of evidence (a mistaken check); levels are recomputed and the change audited.
    public func revokeEvidence(id: String, reason: String, by caller: Caller) async throws -> Evidence {
        try await run(caller, .evidenceRevoke, "evidence.revoke", "evidence:\(id)") { [ledger] in
            try ledger.revokeEvidence(id: id, reason: reason, actor: caller.auditName)
        }
    }

    // MARK: Authorisations

    public func authorize(
        organizationID: String, personID: String, scope: [String], validFrom: Date?, validTo: Date,
        by caller: Caller
    ) async throws -> AuthorizationRecord {
        try await run(caller, .organizationAuthorize, "organization.authorize", "organization:\(organizationID)") {
            [authorizations, useCases] in
            try authorizations.authorize(
                organizationID: organizationID, personID: personID, scope: scope, validFrom: validFrom,
                validTo: validTo,
                caller: caller, useCases: useCases)
        }
    }

    public func revokeAuthorization(id: String, by caller: Caller) async throws -> AuthorizationRecord {
        try await run(caller, .organizationAuthorize, "authorization.revoke", "authorization:\(id)") {
            [authorizations] in
            try authorizations.revokeAuthorization(id: id, actor: caller.auditName)
        }
    }

    // MARK: Decisions

    /// `POST /v1/decisions`: would the policy allow `action`? One audit record of the question and its answer.
    public func decision(
        action: PolicyAction, personID: String?, organizationID: String?, grantLevel: AssuranceLevel?,
        by caller: Caller
    ) async throws -> Decision {
        try await useCases.check(caller, .decisionQuery, action: "decision.query", object: "action:\(action.rawValue)")
        return try await useCases.executor.run { [registry, useCases] in
            // The facts are read first (their own snapshot); the answer is then recorded in one transaction.
            let facts = try registry.facts(personID: personID, organizationID: organizationID, action: action)
            let decision = AssuranceDecision.evaluate(
                action, policy: registry.policy, facts: facts, grantLevel: grantLevel)
            let answer: String = if case .deny(let reason) = decision { "denied: \(reason)" } else { "allowed" }
            return try useCases.performNow(
                caller, .decisionQuery, action: "decision.query", object: "action:\(action.rawValue)"
            ) { _, _ in
                (
                    decision,
                    AuditNote(details: [
                        "person": personID ?? "-", "organization": organizationID ?? "-", "answer": answer,
                    ])
                )
            }
        }
    }

    // MARK: Building blocks (other services, inside their own work)

    func person(id: String) throws -> PersonDetails { try registry.person(id: id) }
    func person(idNumber: String) throws -> PersonDetails? { try registry.person(idNumber: idNumber) }
    func organization(id: String) throws -> OrganizationDetails { try registry.organization(id: id) }
    func organization(creditCode: String) throws -> OrganizationDetails? {
        try registry.organization(creditCode: creditCode)
    }

    /// The policy's answer for `action` on the facts read now (pure evaluation; nothing is written).
    /// `levelCap`: the most the person's level may count for (an ID token states the level of its login).
    func evaluate(
        personID: String?, organizationID: String?, action: PolicyAction, grantLevel: AssuranceLevel?,
        levelCap: AssuranceLevel? = nil
    ) throws -> Decision {
        var facts = try registry.facts(personID: personID, organizationID: organizationID, action: action)
        if let cap = levelCap, let level = facts.personLevel { facts.personLevel = min(level, cap) }
        return AssuranceDecision.evaluate(action, policy: policy, facts: facts, grantLevel: grantLevel)
    }

    /// Records evidence in the caller's transaction (counter checks).
    @discardableResult
    func record(
        _ tx: any Repositories, _ kind: SubjectKind, _ id: String, _ method: VerificationMethod, passed: Bool,
        source: String,
        reference: String?, actor: String, at now: Date, failure: String? = nil
    ) throws -> String {
        try ledger.record(
            tx, kind, id, method, passed: passed, source: source, reference: reference, actor: actor, at: now,
            failure: failure)
    }

    static func checkName(_ name: String) throws -> String { try IdentityRegistry.checkName(name) }
}
