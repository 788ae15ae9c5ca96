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

/// Tiered real-name identity: persons and organisations, verification evidence from adapters, levels derived from
/// evidence, authorisations, and the decision function every signing and seal operation asks.
///
/// Every state change is one transaction with its audit records; a level change is audited with the evidence that
/// caused it. ID numbers never appear in clear outside `registerPerson`'s input: stored as keyed hash + ciphertext,
/// shown masked.
public final class IdentityService: Sendable {
    public let store: any TransactionalStore
    public let secrets: IdentitySecrets
    public let policy: AssurancePolicy
    let otpSender: any OTPSender
    let population: any PopulationRegistry
    let business: any BusinessRegistry
    let realName: any RealNameService
    let liveness: any LivenessService
    let anchors: @Sendable () throws -> TrustAnchors
    let clock: @Sendable () -> Date

    public static let otpLifetime: TimeInterval = 5 * 60
    public static let otpMaxAttempts = 5
    public static let challengeLifetime: TimeInterval = 5 * 60

    public init(store: any TransactionalStore, secrets: IdentitySecrets, policy: AssurancePolicy, otpSender: any OTPSender,
                population: any PopulationRegistry, business: any BusinessRegistry, realName: any RealNameService,
                liveness: any LivenessService = UnconfiguredLiveness(), anchors: @escaping @Sendable () throws -> TrustAnchors,
                clock: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.secrets = secrets
        self.policy = policy
        self.otpSender = otpSender
        self.population = population
        self.business = business
        self.realName = realName
        self.liveness = liveness
        self.anchors = anchors
        self.clock = clock
    }

    // MARK: Persons

    public func registerPerson(name: String, idNumber: String, mobile: String, actor: String) throws -> PersonDetails {
        let name = try Self.checkName(name)
        let number: String
        do { number = try CitizenIDNumber.validate(idNumber) } catch { throw TrustError.invalid("idNumber: \(error)") }
        guard mobile.range(of: "^1[3-9][0-9]{9}$", options: .regularExpression) != nil else {
            throw TrustError.invalid("mobile must be an 11-digit mainland mobile number starting 13–19")
        }
        let id = Hex.encode(SecureRandom.bytes(16))
        let now = clock()
        let record = PersonRecord(id: id, name: name, idHash: secrets.lookupHash(number, kind: "citizen-id"),
                                  idSealed: try secrets.seal(number, context: "person:\(id):id"), idMasked: CitizenIDNumber.mask(number),
                                  mobileSealed: try secrets.seal(mobile, context: "person:\(id):mobile"),
                                  mobileMasked: String(mobile.prefix(3)) + "****" + String(mobile.suffix(4)),
                                  level: .anonymous, createdAt: now)
        try store.write { tx in
            if try tx.person(idHash: record.idHash) != nil { throw TrustError.conflict("a person with this ID number is registered") }
            try tx.insert(record)
            try tx.appendAudit(AuditEntry(actor: actor, action: "person.register", object: "person:\(id)",
                                          details: ["idNumber": record.idMasked, "mobile": record.mobileMasked]), at: now)
        }
        return try person(id: id)
    }

    public func person(id: String) throws -> PersonDetails {
        guard let record = try store.read({ try $0.person(id: id) }) else { throw TrustError.notFound("no person \(id)") }
        let evidence = try store.read { try $0.evidence(subject: .person, id: id) }.compactMap(Self.evidence)
        return PersonDetails(record: record, evidence: evidence, assessment: AssuranceLadder.person(evidence, at: clock()))
    }

    /// Finds a person by ID number (matched by keyed hash).
    public func person(idNumber: String) throws -> PersonDetails? {
        guard let number = try? CitizenIDNumber.validate(idNumber) else { return nil }
        let hash = secrets.lookupHash(number, kind: "citizen-id")
        guard let record = try store.read({ try $0.person(idHash: hash) }) else { return nil }
        return try person(id: record.id)
    }

    // MARK: Organisations

    public func registerOrganization(name: String, creditCode: String, legalRepresentativeID: String, actor: String) throws -> OrganizationDetails {
        let name = try Self.checkName(name)
        let code: String
        do { code = try UnifiedSocialCreditCode.validate(creditCode) } catch { throw TrustError.invalid("creditCode: \(error)") }
        let id = Hex.encode(SecureRandom.bytes(16))
        let now = clock()
        try store.write { tx in
            guard try tx.person(id: legalRepresentativeID) != nil else {
                throw TrustError.notFound("no person \(legalRepresentativeID) (register the legal representative first)")
            }
            if try tx.organization(creditCode: code) != nil { throw TrustError.conflict("an organisation with credit code \(code) is registered") }
            try tx.insert(OrganizationRecord(id: id, name: name, creditCode: code, legalRepresentativeID: legalRepresentativeID,
                                                   level: .anonymous, createdAt: now))
            try tx.appendAudit(AuditEntry(actor: actor, action: "organization.register", object: "organization:\(id)",
                                          details: ["creditCode": code, "legalRepresentative": legalRepresentativeID]), at: now)
        }
        return try organization(id: id)
    }

    public func organization(id: String) throws -> OrganizationDetails {
        guard let record = try store.read({ try $0.organization(id: id) }) else { throw TrustError.notFound("no organisation \(id)") }
        let evidence = try store.read { try $0.evidence(subject: .organization, id: id) }.compactMap(Self.evidence)
        let representative = try person(id: record.legalRepresentativeID)
        let authorizations = try store.read { try $0.authorizations(organizationID: id, personID: nil) }
        return OrganizationDetails(record: record, evidence: evidence,
                                   assessment: AssuranceLadder.organization(evidence, legalRepresentative: representative.assessment, at: clock()),
                                   authorizations: authorizations)
    }

    /// Finds an organisation by credit code.
    public func organization(creditCode: String) throws -> OrganizationDetails? {
        guard let code = try? UnifiedSocialCreditCode.validate(creditCode),
              let record = try store.read({ try $0.organization(creditCode: code) }) else { return nil }
        return try organization(id: record.id)
    }

    // MARK: Verification methods

    /// Sends a one-time code to the person's mobile. Returns the code's id and expiry (the code goes only to the
    /// sender adapter; its keyed hash is stored).
    public func startOTP(personID: String, actor: String) throws -> (id: String, expiresAt: Date) {
        guard let record = try store.read({ try $0.person(id: personID) }) else { throw TrustError.notFound("no person \(personID)") }
        let mobile = try secrets.open(record.mobileSealed, context: "person:\(personID):mobile")
        let code = String(format: "%06d", Int(SecureRandom.uniform(1_000_000)))
        let id = Hex.encode(SecureRandom.bytes(8))
        let now = clock()
        let expires = now.addingTimeInterval(Self.otpLifetime)
        try store.write { tx in
            try tx.insert(OTPRecord(id: id, personID: personID, codeHash: secrets.lookupHash("\(id):\(code)", kind: "otp"),
                                          createdAt: now, expiresAt: expires))
            try tx.appendAudit(AuditEntry(actor: actor, action: "person.otp-send", object: "person:\(personID)",
                                          details: ["otp": id, "mobile": record.mobileMasked, "sender": otpSender.name]), at: now)
        }
        try otpSender.send(code: code, mobile: mobile, personID: personID, expiresAt: expires)
        return (id, expires)
    }

    /// Checks a one-time code: wrong codes count against a limit (the count is committed even though the call
    /// fails), expired or used codes are refused; a right code becomes `sms-otp` evidence.
    public func verifyOTP(personID: String, otpID: String, code: String, actor: String) throws -> PersonDetails {
        let now = clock()
        let outcome: Result<Void, TrustError> = try store.write { tx in
            guard var otp = try tx.otp(id: otpID), otp.personID == personID else { throw TrustError.notFound("no code \(otpID) for this person") }
            if otp.usedAt != nil { return .failure(TrustError.conflict("this code has been used already")) }
            if otp.expiresAt <= now { return .failure(TrustError.conflict("this code has expired; request a new one")) }
            if otp.attempts >= Self.otpMaxAttempts { return .failure(TrustError.conflict("too many wrong codes; request a new one")) }
            let presented = secrets.lookupHash("\(otpID):\(code)", kind: "otp")
            if !ConstantTime.equals(Array(presented.utf8), Array(otp.codeHash.utf8)) {
                otp.attempts += 1
                try tx.update(otp)
                try tx.appendAudit(AuditEntry(actor: actor, action: "person.otp-check", object: "person:\(personID)", outcome: .failure,
                                              details: ["otp": otpID, "attempts": String(otp.attempts)]), at: now)
                let left = Self.otpMaxAttempts - otp.attempts
                return .failure(TrustError.invalid(left > 0 ? "wrong code; \(left) attempt(s) left" : "wrong code; no attempts left, request a new one"))
            }
            otp.usedAt = now
            try tx.update(otp)
            try record(tx, .person, personID, .smsOTP, passed: true, source: otpSender.name, reference: "otp:\(otpID)", actor: actor, at: now)
            return .success(())
        }
        try outcome.get()
        return try person(id: personID)
    }

    /// Asks the population registry whether the person's name and ID number belong together. A mismatch is
    /// recorded as failed evidence and reported as 409 with the reason.
    public func verifyPopulationRegistry(personID: String, actor: String) throws -> PersonDetails {
        guard let record = try store.read({ try $0.person(id: personID) }) else { throw TrustError.notFound("no person \(personID)") }
        let answer = try population.confirm(name: record.name, idNumberHash: record.idHash)
        try recordAnswer(answer, .person, personID, .populationRegistry, source: population.name, actor: actor)
        return try person(id: personID)
    }

    /// Bank-card / provident-fund / payment-platform real-name check (keyed by the ID number).
    public func verifyRealName(personID: String, actor: String) throws -> PersonDetails {
        guard let record = try store.read({ try $0.person(id: personID) }) else { throw TrustError.notFound("no person \(personID)") }
        let answer = try realName.confirm(method: .bankCard, subjectKey: record.idHash, name: record.name)
        try recordAnswer(answer, .person, personID, .bankCard, source: realName.name, actor: actor)
        return try person(id: personID)
    }

    /// Liveness (intermediate) or live check (advanced) through the liveness adapter.
    public func verifyLiveness(subject: SubjectKind, id: String, method: VerificationMethod, session: String?, actor: String) throws {
        let name: String
        switch subject {
        case .person: name = try person(id: id).record.name
        case .organization:
            // A live check of the organisation is a live check of its legal representative.
            name = try person(id: try organization(id: id).record.legalRepresentativeID).record.name
        }
        let answer = try liveness.check(method: method, subjectName: name, sessionReference: session)
        try recordAnswer(answer, subject, id, method, source: liveness.name, actor: actor)
    }

    public func verifyBusinessRegistry(organizationID: String, actor: String) throws -> OrganizationDetails {
        let org = try organization(id: organizationID)
        let representative = try person(id: org.record.legalRepresentativeID)
        let answer = try business.confirm(creditCode: org.record.creditCode, name: org.record.name,
                                          representativeName: representative.record.name, representativeIDHash: representative.record.idHash)
        try recordAnswer(answer, .organization, organizationID, .businessRegistry, source: business.name, actor: actor)
        return try organization(id: organizationID)
    }

    public func verifyTaxAccount(organizationID: String, actor: String) throws -> OrganizationDetails {
        let org = try organization(id: organizationID)
        let answer = try realName.confirm(method: .taxAccount, subjectKey: org.record.creditCode, name: org.record.name)
        try recordAnswer(answer, .organization, organizationID, .taxAccount, source: realName.name, actor: actor)
        return try organization(id: organizationID)
    }

    /// A random challenge for `purpose` (e.g. `enterprise-certificate`), single use, valid five minutes.
    public func challenge(subject: SubjectKind, id: String, purpose: ChallengePurpose, actor: String) throws -> ChallengeRecord {
        switch subject {
        case .person: _ = try person(id: id)
        case .organization: _ = try organization(id: id)
        }
        let now = clock()
        let record = ChallengeRecord(id: Hex.encode(SecureRandom.bytes(16)), subjectKind: subject, subjectID: id, purpose: purpose,
                                     nonce: Data(SecureRandom.bytes(32)), createdAt: now, expiresAt: now.addingTimeInterval(Self.challengeLifetime))
        try store.write { tx in
            try tx.insert(record)
            try tx.appendAudit(AuditEntry(actor: actor, action: "challenge.issue", object: "\(subject.rawValue):\(id)",
                                          details: ["challenge": record.id, "purpose": purpose.rawValue]), at: now)
        }
        return record
    }

    /// Enterprise certificate: the organisation signs the challenge bytes with the key of an organisation
    /// certificate that chains to a trust anchor, is valid now, is not revoked (trustd's own certificates: the
    /// registry; others: refused until CRL checking is configured) and names the organisation's credit code.
    public func verifyEnterpriseCertificate(organizationID: String, challengeID: String, certificate: Certificate,
                                            intermediates: [Certificate], signature: [UInt8], revocation: (Certificate) throws -> Bool?,
                                            actor: String) throws -> OrganizationDetails {
        let org = try organization(id: organizationID)
        let now = clock()
        var failure: String? = nil
        try store.write { tx in
            guard var challenge = try tx.challenge(id: challengeID), challenge.subjectKind == .organization,
                  challenge.subjectID == organizationID, challenge.purpose == .enterpriseCertificate
            else { throw TrustError.notFound("no enterprise-certificate challenge \(challengeID) for this organisation") }
            guard challenge.usedAt == nil else { throw TrustError.conflict("the challenge has been used already") }
            guard challenge.expiresAt > now else { throw TrustError.conflict("the challenge has expired") }
            challenge.usedAt = now
            try tx.update(challenge)
            failure = Self.checkEnterpriseCertificate(certificate, intermediates: intermediates, signature: signature,
                                                      challenge: Array(challenge.nonce), creditCode: org.record.creditCode,
                                                      anchors: try anchors(), revocation: revocation, at: now)
            try record(tx, .organization, organizationID, .enterpriseCertificate, passed: failure == nil, source: "trustd-validation",
                       reference: "certificate:\(certificate.serialHex):\(certificate.issuer)", actor: actor, at: now,
                       failure: failure)
        }
        if let failure { throw TrustError.invalid("enterprise certificate refused: \(failure)") }
        return try organization(id: organizationID)
    }

    static func checkEnterpriseCertificate(_ certificate: Certificate, intermediates: [Certificate], signature: [UInt8], challenge: [UInt8],
                                           creditCode: String, anchors: TrustAnchors, revocation: (Certificate) throws -> Bool?,
                                           at time: Date) -> String? {
        guard case .valid = anchors.validate(certificate, intermediates: intermediates, at: time) else {
            if case .invalid(let reason, _, _) = anchors.validate(certificate, intermediates: intermediates, at: time) {
                return "the certificate does not chain to a trusted CA: \(reason)"
            }
            return "the certificate does not chain to a trusted CA"
        }
        do {
            switch try revocation(certificate) {
            case .some(true): return "the certificate is revoked"
            case .some(false): break
            case .none: return "the certificate's revocation status is unknown (not issued by trustd)"
            }
        } catch {
            return "the certificate's revocation status could not be checked: \(error)"
        }
        let names = certificate.subject.attributes.filter { ["organizationIdentifier", "OU", "serialNumber", "O"].contains($0.type) }.map(\.value)
        let extensionValue = certificate.extensionValue(CertificateProfile.IdentityExtension.organizationCode.oid)
            .flatMap { ASN1Value.stringValue($0.value) }
        guard names.contains(where: { $0.contains(creditCode) }) || extensionValue == creditCode else {
            return "the certificate does not name credit code \(creditCode)"
        }
        do {
            guard try certificate.publicKey.isValidSignature(signature, for: challenge) else { return "the signature over the challenge does not verify" }
        } catch {
            return "the signature is malformed: \(error)"
        }
        return nil
    }

    /// Revokes a piece of evidence (e.g. a mistaken counter check); the level is recomputed and the change audited.
    public func revokeEvidence(id: String, reason: String, actor: String) throws -> Evidence {
        guard !reason.isEmpty, reason.count <= 500 else { throw TrustError.invalid("a revocation reason of 1–500 characters is required") }
        let now = clock()
        return try store.write { tx in
            guard var record = try tx.evidence(id: id) else { throw TrustError.notFound("no evidence \(id)") }
            guard record.revokedAt == nil else { throw TrustError.conflict("evidence \(id) is already revoked") }
            let kind = record.subjectKind
            let before = try levels(tx, kind, record.subjectID, at: now)
            record.revokedAt = now
            record.revocationReason = reason
            try tx.update(record)
            try tx.appendAudit(AuditEntry(actor: actor, action: "evidence.revoke", object: "evidence:\(id)",
                                          details: ["subject": "\(record.subjectKind.rawValue):\(record.subjectID)", "method": record.method.rawValue, "reason": reason]), at: now)
            try auditLevelChanges(tx, before: before, kind, record.subjectID, cause: id, actor: actor, at: now)
            return Self.evidence(record)!
        }
    }

    // MARK: Authorisations

    /// Records that `personID` may act for `organizationID` for the actions in `scope` during the window. Policy
    /// `org.authorize` applies: the person and the organisation at its levels (a denial is audited).
    public func authorize(organizationID: String, personID: String, scope: [String], validFrom: Date?, validTo: Date,
                          principal: Principal) throws -> AuthorizationRecord {
        let actor = principal.auditName
        let now = clock()
        let from = validFrom ?? now
        guard !scope.isEmpty, scope.count <= 50 else { throw TrustError.invalid("scope must list 1 to 50 actions") }
        let actions = try scope.map { name in
            guard let action = PolicyAction(rawValue: name) else {
                throw TrustError.invalid("unknown action '\(name)' in scope (known: \(PolicyAction.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            return action
        }
        guard validTo > from, validTo > now else { throw TrustError.invalid("validTo must be after validFrom and in the future") }
        _ = try person(id: personID)
        _ = try organization(id: organizationID)
        if case .deny(let reason) = try decide(principal: principal, personID: personID, organizationID: organizationID, action: .orgAuthorize,
                                               resource: "organization:\(organizationID)") {
            throw TrustError(.forbidden, reason)
        }
        let record = AuthorizationRecord(id: Hex.encode(SecureRandom.bytes(16)), organizationID: organizationID, personID: personID,
                                         scope: actions, validFrom: from, validTo: validTo, createdAt: now)
        try store.write { tx in
            try tx.insert(record)
            try tx.appendAudit(AuditEntry(actor: actor, action: "organization.authorize", object: "organization:\(organizationID)",
                                          details: ["authorization": record.id, "person": personID, "scope": record.scope.map(\.rawValue).joined(separator: ","),
                                                    "validFrom": UTCTime.iso8601(from), "validTo": UTCTime.iso8601(validTo)]), at: now)
        }
        return record
    }

    public func revokeAuthorization(id: String, actor: String) throws -> AuthorizationRecord {
        let now = clock()
        return try store.write { tx in
            guard var record = try tx.authorization(id: id) else { throw TrustError.notFound("no authorisation \(id)") }
            guard record.revokedAt == nil else { throw TrustError.conflict("authorisation \(id) is already revoked") }
            record.revokedAt = now
            try tx.update(record)
            try tx.appendAudit(AuditEntry(actor: actor, action: "authorization.revoke", object: "authorization:\(id)",
                                          details: ["organization": record.organizationID, "person": record.personID]), at: now)
            return record
        }
    }

    // MARK: Decisions

    /// The decision function every later feature asks: may `personID` (acting for `organizationID`, if any) do
    /// `action`? `grantLevel` is the level a seal grant names (for `person: grant` actions). Denials are audited
    /// with the reason; allows are audited by the operation that follows.
    public func decide(principal: Principal, personID: String?, organizationID: String?, action: PolicyAction,
                       grantLevel: AssuranceLevel? = nil, resource: String = "-") throws -> Decision {
        let decision = try evaluate(personID: personID, organizationID: organizationID, action: action, grantLevel: grantLevel)
        if case .deny(let reason) = decision {
            _ = try store.write { tx in
                try tx.appendAudit(AuditEntry(actor: principal.auditName, action: "decision.deny", object: resource, outcome: .denied,
                                              details: ["action": action.rawValue, "person": personID ?? "-", "organization": organizationID ?? "-",
                                                        "reason": reason]), at: clock())
            }
        }
        return decision
    }

    /// Audits a denial decided outside the policy (e.g. a seal type's own levels) in the same shape as ``decide``.
    public func recordDenial(principal: Principal, action: PolicyAction, personID: String?, organizationID: String?, resource: String,
                             reason: String) throws {
        _ = try store.write { tx in
            try tx.appendAudit(AuditEntry(actor: principal.auditName, action: "decision.deny", object: resource, outcome: .denied,
                                          details: ["action": action.rawValue, "person": personID ?? "-", "organization": organizationID ?? "-",
                                                    "reason": reason]), at: clock())
        }
    }

    func evaluate(personID: String?, organizationID: String?, action: PolicyAction, grantLevel: AssuranceLevel?) throws -> Decision {
        guard let requirement = policy.actions[action] else { return .deny("no assurance policy for action \(action.rawValue)") }
        // Times come back from SQLite as seconds since 1970 (REAL): a stored "now" can read back a few ns later, hence
        // the 1 ms tolerance on validFrom below.
        let now = clock()
        let needed = requirement.personFromGrant ? grantLevel : requirement.person
        if requirement.personFromGrant && grantLevel == nil { return .deny("action \(action.rawValue) needs the level named in a grant") }
        if let needed {
            guard let personID else { return .deny("action \(action.rawValue) needs a person at \(needed.rawValue)") }
            let level = try person(id: personID).assessment.level
            if level < needed {
                return .deny("person \(personID) is at \(level.rawValue); \(action.rawValue) needs \(needed.rawValue)"
                             + (needed == .advanced ? " (a live check within \(Int(policy.advancedFreshness / 60)) minutes)" : ""))
            }
        }
        if let needed = requirement.organization {
            guard let organizationID else { return .deny("action \(action.rawValue) needs an organisation at \(needed.rawValue)") }
            let level = try organization(id: organizationID).assessment.level
            if level < needed { return .deny("organisation \(organizationID) is at \(level.rawValue); \(action.rawValue) needs \(needed.rawValue)") }
        }
        if requirement.authorization, let organizationID {
            guard let personID else { return .deny("action \(action.rawValue) needs a person authorised by the organisation") }
            let organization = try store.read { try $0.organization(id: organizationID) }
            // The legal representative acts for the organisation without a separate authorisation.
            if organization?.legalRepresentativeID != personID {
                let grants = try store.read { try $0.authorizations(organizationID: organizationID, personID: personID) }
                let valid = grants.filter { $0.covers(action, at: now) }
                if valid.isEmpty {
                    let expired = grants.contains { $0.validTo <= now && $0.scope.contains(action) }
                    return .deny(expired ? "the authorisation of person \(personID) for \(action.rawValue) has expired"
                                         : "person \(personID) holds no authorisation from organisation \(organizationID) for \(action.rawValue)")
                }
            }
        }
        return .allow
    }

    // MARK: Evidence recording

    private func recordAnswer(_ answer: RegistryAnswer, _ kind: SubjectKind, _ id: String, _ method: VerificationMethod, source: String,
                              actor: String) throws {
        let now = clock()
        _ = try store.write { tx in
            switch answer {
            case .confirmed(let reference):
                try record(tx, kind, id, method, passed: true, source: source, reference: reference, actor: actor, at: now)
            case .mismatch(let detail):
                try record(tx, kind, id, method, passed: false, source: source, reference: nil, actor: actor, at: now, failure: detail)
            case .unknown:
                try record(tx, kind, id, method, passed: false, source: source, reference: nil, actor: actor, at: now, failure: "not known to \(source)")
            }
        }
        switch answer {
        case .confirmed: return
        case .mismatch(let detail): throw TrustError(.verificationFailed, "\(method.rawValue) check failed: \(detail)")
        case .unknown: throw TrustError(.verificationFailed, "\(method.rawValue) check failed: the subject is not known to \(source)")
        }
    }

    /// Inserts evidence, audits it, and audits any level change of the subject (and of organisations whose legal
    /// representative the subject is) with the evidence id — all in the caller's transaction.
    @discardableResult
    func record(_ tx: any Repositories, _ kind: SubjectKind, _ id: String, _ method: VerificationMethod, passed: Bool,
                source: String, reference: String?, actor: String, at now: Date, failure: String? = nil) throws -> String {
        guard method.subjects.contains(kind) else { throw TrustError.invalid("\(method.rawValue) does not apply to a \(kind.rawValue)") }
        let before = try levels(tx, kind, id, at: now)
        let evidence = EvidenceRecord(id: Hex.encode(SecureRandom.bytes(16)), subjectKind: kind, subjectID: id, method: method,
                                      passed: passed, verifiedAt: now, expiresAt: policy.expiry(of: method, verifiedAt: now),
                                      source: source, reference: reference, operatorName: actor)
        try tx.insert(evidence)
        var details = ["method": method.rawValue, "source": source, "evidence": evidence.id]
        if let failure { details["failure"] = failure }
        try tx.appendAudit(AuditEntry(actor: actor, action: "identity.verify", object: "\(kind.rawValue):\(id)",
                                      outcome: passed ? .success : .failure, details: details), at: now)
        try auditLevelChanges(tx, before: before, kind, id, cause: evidence.id, actor: actor, at: now)
        return evidence.id
    }

    /// Levels of the subject and of dependent organisations, keyed `kind:id`.
    private func levels(_ reader: any Repositories, _ kind: SubjectKind, _ id: String, at now: Date) throws -> [String: AssuranceLevel] {
        var out: [String: AssuranceLevel] = [:]
        switch kind {
        case .person:
            let assessment = try personAssessment(reader, id, at: now)
            out["person:\(id)"] = assessment.level
            for org in try reader.organizations(legalRepresentative: id) {
                out["organization:\(org.id)"] = try organizationAssessment(reader, org, at: now).level
            }
        case .organization:
            guard let org = try reader.organization(id: id) else { throw TrustError.notFound("no organisation \(id)") }
            out["organization:\(id)"] = try organizationAssessment(reader, org, at: now).level
        }
        return out
    }

    private func auditLevelChanges(_ tx: any Repositories, before: [String: AssuranceLevel], _ kind: SubjectKind, _ id: String,
                                   cause: String, actor: String, at now: Date) throws {
        let after = try levels(tx, kind, id, at: now)
        for (subject, level) in after.sorted(by: { $0.key < $1.key }) where before[subject] != level {
            let parts = subject.split(separator: ":", maxSplits: 1).map(String.init)
            if parts[0] == "person", var record = try tx.person(id: parts[1]) {
                record.level = level
                try tx.update(record)
            } else if parts[0] == "organization", var record = try tx.organization(id: parts[1]) {
                record.level = level
                try tx.update(record)
            }
            try tx.appendAudit(AuditEntry(actor: actor, action: "identity.level", object: subject, details: [
                "from": before[subject]?.rawValue ?? "anonymous", "to": level.rawValue, "evidence": cause,
            ]), at: now)
        }
    }

    private func personAssessment(_ reader: any Repositories, _ id: String, at now: Date) throws -> LevelAssessment {
        AssuranceLadder.person(try reader.evidence(subject: .person, id: id).compactMap(Self.evidence), at: now)
    }

    private func organizationAssessment(_ reader: any Repositories, _ org: OrganizationRecord, at now: Date) throws -> LevelAssessment {
        AssuranceLadder.organization(try reader.evidence(subject: .organization, id: org.id).compactMap(Self.evidence),
                                     legalRepresentative: try personAssessment(reader, org.legalRepresentativeID, at: now), at: now)
    }

    static func evidence(_ record: EvidenceRecord) -> Evidence? { record.evidence }

    static func checkName(_ name: String) throws -> String {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.count <= 100,
              !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { throw TrustError.invalid("name must be 1 to 100 characters without control characters") }
        return trimmed
    }
}
