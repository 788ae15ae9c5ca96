import Foundation
import TrustCrypto
import TrustModel

/// The verification methods: one-time codes, the registries, real-name services, liveness and enterprise
/// certificates, each through its adapter, each outcome recorded as evidence (``EvidenceLedger``).
struct IdentityVerifications: Sendable {
    let registry: IdentityRegistry
    let ledger: EvidenceLedger
    let otpSender: any OTPSender
    let population: any PopulationRegistry
    let business: any BusinessRegistry
    let realName: any RealNameService
    let liveness: any LivenessService
    let anchors: @Sendable () throws -> TrustAnchors
    let clock: @Sendable () -> Date
    var store: any TransactionalStore { registry.store }
    var secrets: IdentitySecrets { registry.secrets }

    static let otpLifetime: TimeInterval = 5 * 60
    static let otpMaxAttempts = 5
    static let challengeLifetime: TimeInterval = 5 * 60

    /// Sends a one-time code to the person's mobile. Returns the code's id and expiry (the code goes only to the
    /// sender adapter; its keyed hash is stored).
    func startOTP(personID: String, actor: String) throws -> (id: String, expiresAt: Date) {
        guard let record = try store.read({ try $0.person(id: personID) }) else {
            throw TrustError.notFound("no person \(personID)")
        }
        let mobile = try secrets.open(record.mobileSealed, context: "person:\(personID):mobile")
        let code = String(format: "%06d", Int(SecureRandom.uniform(1_000_000)))
        let id = Hex.encode(SecureRandom.bytes(8))
        let now = clock()
        let expires = now.addingTimeInterval(Self.otpLifetime)
        try store.write { tx in
            try tx.insert(
                OTPRecord(
                    id: id, personID: personID, codeHash: secrets.lookupHash("\(id):\(code)", kind: "otp"),
                    createdAt: now, expiresAt: expires))
            try tx.appendAudit(
                AuditEntry(
                    actor: actor, action: "person.otp-send", object: "person:\(personID)",
                    details: ["otp": id, "mobile": record.mobileMasked, "sender": otpSender.name]), at: now)
        }
        try otpSender.send(code: code, mobile: mobile, personID: personID, expiresAt: expires)
        return (id, expires)
    }

    /// Checks a one-time code: wrong codes count against a limit (the count is committed even though the call
    /// fails), expired or used codes are refused; a right code becomes `sms-otp` evidence.
    func verifyOTP(personID: String, otpID: String, code: String, actor: String) throws -> PersonDetails {
        let now = clock()
        let outcome: Result<Void, TrustError> = try store.write { tx in
            let checked = try consumeOTP(personID: personID, otpID: otpID, code: code, actor: actor, at: now, in: tx)
            if case .success = checked {
                try ledger.record(
                    tx, .person, personID, .smsOTP, passed: true, source: otpSender.name, reference: "otp:\(otpID)",
                    actor: actor, at: now)
            }
            return checked
        }
        try outcome.get()
        return try registry.person(id: personID)
    }

    /// Inside a write transaction: checks the code and marks it used. A wrong code counts an attempt and records a
    /// failed `person.otp-check` (so the failure is kept even though the caller fails); the answer says why.
    func consumeOTP(
        personID: String, otpID: String, code: String, actor: String, at now: Date, in tx: any Repositories
    ) throws -> Result<Void, TrustError> {
        guard var otp = try tx.otp(id: otpID), otp.personID == personID else {
            throw TrustError.notFound("no code \(otpID) for this person")
        }
        if otp.usedAt != nil { return .failure(TrustError.conflict("this code has been used already")) }
        if otp.expiresAt <= now { return .failure(TrustError.conflict("this code has expired; request a new one")) }
        if otp.attempts >= Self.otpMaxAttempts {
            return .failure(TrustError.conflict("too many wrong codes; request a new one"))
        }
        let presented = secrets.lookupHash("\(otpID):\(code)", kind: "otp")
        if !ConstantTime.equals(Array(presented.utf8), Array(otp.codeHash.utf8)) {
            otp.attempts += 1
            try tx.update(otp)
            try tx.appendAudit(
                AuditEntry(
                    actor: actor, action: "person.otp-check", object: "person:\(personID)", outcome: .failure,
                    details: ["otp": otpID, "attempts": String(otp.attempts)]), at: now)
            let left = Self.otpMaxAttempts - otp.attempts
            return .failure(
                TrustError.invalid(
                    left > 0 ? "wrong code; \(left) attempt(s) left" : "wrong code; no attempts left, request a new one"
                ))
        }
        otp.usedAt = now
        try tx.update(otp)
        return .success(())
    }

    /// Asks the population registry whether the person's name and ID number belong together. A mismatch is
    /// recorded as failed evidence and reported as 409 with the reason.
    func verifyPopulationRegistry(personID: String, actor: String) throws -> PersonDetails {
        guard let record = try store.read({ try $0.person(id: personID) }) else {
            throw TrustError.notFound("no person \(personID)")
        }
        let answer = try population.confirm(name: record.name, idNumberHash: record.idHash)
        try ledger.recordAnswer(answer, .person, personID, .populationRegistry, source: population.name, actor: actor)
        return try registry.person(id: personID)
    }

    /// Bank-card / provident-fund / payment-platform real-name check (keyed by the ID number).
    func verifyRealName(personID: String, actor: String) throws -> PersonDetails {
        guard let record = try store.read({ try $0.person(id: personID) }) else {
            throw TrustError.notFound("no person \(personID)")
        }
        let answer = try realName.confirm(method: .bankCard, subjectKey: record.idHash, name: record.name)
        try ledger.recordAnswer(answer, .person, personID, .bankCard, source: realName.name, actor: actor)
        return try registry.person(id: personID)
    }

    /// Liveness (intermediate) or live check (advanced) through the liveness adapter.
    func verifyLiveness(subject: SubjectKind, id: String, method: VerificationMethod, session: String?, actor: String)
        throws
    {
        let name: String
        switch subject {
        case .person: name = try registry.person(id: id).record.name
        case .organization:
            // A live check of the organisation is a live check of its legal representative.
            name = try registry.person(id: try registry.organization(id: id).record.legalRepresentativeID).record.name
        }
        let answer = try liveness.check(method: method, subjectName: name, sessionReference: session)
        try ledger.recordAnswer(answer, subject, id, method, source: liveness.name, actor: actor)
    }

    func verifyBusinessRegistry(organizationID: String, actor: String) throws -> OrganizationDetails {
        let org = try registry.organization(id: organizationID)
        let representative = try registry.person(id: org.record.legalRepresentativeID)
        let answer = try business.confirm(
            creditCode: org.record.creditCode, name: org.record.name,
            representativeName: representative.record.name, representativeIDHash: representative.record.idHash)
        try ledger.recordAnswer(
            answer, .organization, organizationID, .businessRegistry, source: business.name, actor: actor)
        return try registry.organization(id: organizationID)
    }

    func verifyTaxAccount(organizationID: String, actor: String) throws -> OrganizationDetails {
        let org = try registry.organization(id: organizationID)
        let answer = try realName.confirm(method: .taxAccount, subjectKey: org.record.creditCode, name: org.record.name)
        try ledger.recordAnswer(answer, .organization, organizationID, .taxAccount, source: realName.name, actor: actor)
        return try registry.organization(id: organizationID)
    }

    /// A random challenge for `purpose` (e.g. `enterprise-certificate`), single use, valid five minutes.
    func challenge(subject: SubjectKind, id: String, purpose: ChallengePurpose, actor: String) throws -> ChallengeRecord
    {
        switch subject {
        case .person: _ = try registry.person(id: id)
        case .organization: _ = try registry.organization(id: id)
        }
        let now = clock()
        let record = ChallengeRecord(
            id: Hex.encode(SecureRandom.bytes(16)), subjectKind: subject, subjectID: id, purpose: purpose,
            nonce: Data(SecureRandom.bytes(32)), createdAt: now,
            expiresAt: now.addingTimeInterval(Self.challengeLifetime))
        try store.write { tx in
            try tx.insert(record)
            try tx.appendAudit(
                AuditEntry(
                    actor: actor, action: "challenge.issue", object: "\(subject.rawValue):\(id)",
                    details: ["challenge": record.id, "purpose": purpose.rawValue]), at: now)
        }
        return record
    }

    /// Enterprise certificate: the organisation signs the challenge bytes with the key of an organisation
    /// certificate that chains to a trust anchor, is valid now, is not revoked (trustd's own certificates: the
    /// registry; others: refused until CRL checking is configured) and names the organisation's credit code.
    func verifyEnterpriseCertificate(
        organizationID: String, challengeID: String, certificate: Certificate,
        intermediates: [Certificate], signature: [UInt8], revocation: (Certificate) throws -> Bool?,
        actor: String
    ) throws -> OrganizationDetails {
        let org = try registry.organization(id: organizationID)
        let now = clock()
        var failure: String? = nil
        try store.write { tx in
            guard var challenge = try tx.challenge(id: challengeID), challenge.subjectKind == .organization,
                challenge.subjectID == organizationID, challenge.purpose == .enterpriseCertificate
            else {
                throw TrustError.notFound("no enterprise-certificate challenge \(challengeID) for this organisation")
            }
            guard challenge.usedAt == nil else { throw TrustError.conflict("the challenge has been used already") }
            guard challenge.expiresAt > now else { throw TrustError.conflict("the challenge has expired") }
            challenge.usedAt = now
            try tx.update(challenge)
            failure = Self.checkEnterpriseCertificate(
                certificate, intermediates: intermediates, signature: signature,
                challenge: Array(challenge.nonce), creditCode: org.record.creditCode,
                anchors: try anchors(), revocation: revocation, at: now)
            try ledger.record(
                tx, .organization, organizationID, .enterpriseCertificate, passed: failure == nil,
                source: "trustd-validation",
                reference: "certificate:\(certificate.serialHex):\(certificate.issuer)", actor: actor, at: now,
                failure: failure)
        }
        if let failure { throw TrustError.invalid("enterprise certificate refused: \(failure)") }
        return try registry.organization(id: organizationID)
    }

    static func checkEnterpriseCertificate(
        _ certificate: Certificate, intermediates: [Certificate], signature: [UInt8], challenge: [UInt8],
        creditCode: String, anchors: TrustAnchors, revocation: (Certificate) throws -> Bool?,
        at time: Date
    ) -> String? {
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
        let names = certificate.subject.attributes.filter {
            ["organizationIdentifier", "OU", "serialNumber", "O"].contains($0.type)
        }.map(\.value)
        let extensionValue = certificate.extensionValue(CertificateProfile.IdentityExtension.organizationCode.oid)
            .flatMap { ASN1Value.stringValue($0.value) }
        guard names.contains(where: { $0.contains(creditCode) }) || extensionValue == creditCode else {
            return "the certificate does not name credit code \(creditCode)"
        }
        do {
            guard try certificate.publicKey.isValidSignature(signature, for: challenge) else {
                return "the signature over the challenge does not verify"
            }
        } catch {
            return "the signature is malformed: \(error)"
        }
        return nil
    }

}
