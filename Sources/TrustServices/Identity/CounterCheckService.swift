import Foundation
import TrustCrypto
import TrustModel

/// Counter identity checks with PKI smart cards (`../shared/specs/card-profile.md`): a `counter-operator` asks for a
/// single-use challenge for a person; the terminal has the card sign it; trustd checks the challenge, the card
/// certificate (chain to a card-issuer CA in `certs/card-issuers/`, valid now, not revoked), the signature and that
/// the certificate names the person's ID number, then records `counter-card` evidence — which lifts a person at
/// `primary` to `intermediate` — in one transaction with the audit record. Every refusal is audited with its reason
/// and changes no level.
public struct CounterCheckService: Sendable {
    public static let challengeLifetime: TimeInterval = 120

    public struct Outcome: Sendable {
        public let person: PersonDetails
        public let evidenceID: String?
        public let certificateSubject: String
    }

    public let store: any TransactionalStore
    public let identity: IdentityService
    /// trustd's own CA registry (revocation of card certificates trustd issued under `card-holder`).
    public let ca: CertificateAuthority
    let cardIssuers: @Sendable () throws -> TrustAnchors
    let clock: @Sendable () -> Date
    let useCases: UseCases

    public init(
        store: any TransactionalStore, identity: IdentityService, ca: CertificateAuthority,
        cardIssuers: @escaping @Sendable () throws -> TrustAnchors,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.useCases = UseCases(store: store, executor: ca.useCases.executor, clock: clock)
        self.store = store
        self.identity = identity
        self.ca = ca
        self.cardIssuers = cardIssuers
        self.clock = clock
    }

    /// The card-issuer anchors: every CA certificate in `directory` (and CRLs for them in `crlDirectory`), nothing else.
    public static func loadCardIssuers(directory: String, crlDirectory: String?) throws -> TrustAnchors {
        let roots = try TrustAnchors.loadCACertificates(directory)
        return TrustAnchors(roots: roots, crls: try TrustAnchors.loadCRLs(crlDirectory))
    }

    /// A challenge: 32 random bytes followed by `trustd counter check <challenge id> <person id>`.
    public func challenge(personID: String, by caller: Caller) async throws -> ChallengeRecord {
        try await useCases.perform(caller, .counterCheck, action: "counter.challenge", object: "person:\(personID)") {
            tx, now in
            guard try tx.person(id: personID) != nil else { throw TrustError.notFound("no person \(personID)") }
            let id = Hex.encode(SecureRandom.bytes(16))
            let nonce = SecureRandom.bytes(32) + Array("trustd counter check \(id) \(personID)".utf8)
            let record = ChallengeRecord(
                id: id, subjectKind: .person, subjectID: personID, purpose: .counterCard,
                nonce: Data(nonce), createdAt: now, expiresAt: now.addingTimeInterval(Self.challengeLifetime))
            try tx.insert(record)
            return (record, AuditNote(details: ["challenge": id]))
        }
    }

    /// Checks the card's answer. Replayed, expired or unknown challenges are 409/404; a card that fails a check is a
    /// 400 naming the reason; both are audited and leave the level as it was.
    public func check(
        challengeID: String, certificateDER: [UInt8], signature: [UInt8], reader: String, atr: String,
        terminal: String?,
        by caller: Caller
    ) async throws -> Outcome {
        try await useCases.check(caller, .counterCheck, action: "counter.check", object: "challenge:\(challengeID)")
        return try await useCases.executor.run { [self] in
            try checkNow(
                challengeID: challengeID, certificateDER: certificateDER, signature: signature, reader: reader,
                atr: atr,
                terminal: terminal, actor: caller.auditName)
        }
    }

    private func checkNow(
        challengeID: String, certificateDER: [UInt8], signature: [UInt8], reader: String, atr: String,
        terminal: String?,
        actor: String
    ) throws -> Outcome {
        let now = clock()
        let reader = String(reader.prefix(128))
        let atr = String(atr.prefix(128))
        let terminal = terminal.map { String($0.prefix(128)) }
        var refusal: TrustError? = nil
        var evidenceID: String? = nil
        var subject = "-"
        var personID = "-"
        try store.write { tx in
            func audit(_ outcome: AuditOutcome, _ details: [String: String]) throws {
                var all = details
                all["challenge"] = challengeID
                all["reader"] = reader
                all["atr"] = atr
                if let terminal { all["terminal"] = terminal }
                try tx.appendAudit(
                    AuditEntry(
                        actor: actor, action: "counter.check", object: "person:\(personID)", outcome: outcome,
                        details: all), at: now)
            }
            guard var challenge = try tx.challenge(id: challengeID), challenge.purpose == .counterCard else {
                refusal = TrustError.notFound("no counter challenge \(challengeID)")
                try audit(.failure, ["reason": "unknown challenge"])
                return
            }
            personID = challenge.subjectID
            if challenge.usedAt != nil {
                refusal = TrustError.conflict("the challenge has been used already (replay)")
                try audit(.failure, ["reason": "challenge replayed"])
                return
            }
            if challenge.expiresAt <= now {
                refusal = TrustError.conflict("the challenge expired at \(UTCTime.iso8601(challenge.expiresAt))")
                try audit(.failure, ["reason": "challenge expired"])
                return
            }
            challenge.usedAt = now
            try tx.update(challenge)
            guard let person = try tx.person(id: challenge.subjectID) else {
                throw TrustError.notFound("no person \(challenge.subjectID)")
            }
            let idNumber = try identity.secrets.open(person.idSealed, context: "person:\(person.id):id")
            let certificate = try? Certificate(der: certificateDER)
            subject = certificate?.subject.description ?? "-"
            let failure =
                certificate.map {
                    problem(
                        with: $0, signature: signature, challenge: Array(challenge.nonce), idNumber: idNumber,
                        reader: tx,
                        at: now)
                } ?? "the card's certificate does not parse"
            let reference =
                "certificate:\(certificate?.fingerprint ?? "-") reader:\(reader) terminal:\(terminal ?? "-")"
            evidenceID = try identity.record(
                tx, .person, person.id, .counterCard, passed: failure == nil, source: "counter-card",
                reference: reference, actor: actor, at: now, failure: failure)
            try audit(
                failure == nil ? .success : .failure,
                [
                    "reason": failure ?? "-", "certificate": certificate?.serialHex ?? "-",
                    "evidence": evidenceID ?? "-",
                ])
            if let failure { refusal = TrustError.invalid("counter check refused: \(failure)") }
        }
        if let refusal { throw refusal }
        return Outcome(person: try identity.person(id: personID), evidenceID: evidenceID, certificateSubject: subject)
    }

    /// The terminal's report that the card refused (wrong or blocked PIN, card pulled out, not a trustd card): the
    /// challenge is spent and the attempt audited; the level does not change.
    public func recordTerminalFailure(
        challengeID: String, failure: String, reader: String, atr: String, terminal: String?,
        by caller: Caller
    ) async throws -> Outcome {
        try await useCases.check(caller, .counterCheck, action: "counter.check", object: "challenge:\(challengeID)")
        return try await useCases.executor.run { [self] in
            try recordFailureNow(
                challengeID: challengeID, failure: failure, reader: reader, atr: atr, terminal: terminal,
                actor: caller.auditName)
        }
    }

    private func recordFailureNow(
        challengeID: String, failure: String, reader: String, atr: String, terminal: String?,
        actor: String
    ) throws -> Outcome {
        let now = clock()
        let failure = String(failure.prefix(300))
        let personID: String = try store.write { tx in
            guard var challenge = try tx.challenge(id: challengeID), challenge.purpose == .counterCard else {
                throw TrustError.notFound("no counter challenge \(challengeID)")
            }
            if challenge.usedAt == nil {
                challenge.usedAt = now
                try tx.update(challenge)
            }
            var details = [
                "challenge": challengeID, "reason": "at the terminal: \(failure)", "reader": String(reader.prefix(128)),
                "atr": String(atr.prefix(128)),
            ]
            if let terminal { details["terminal"] = String(terminal.prefix(128)) }
            try tx.appendAudit(
                AuditEntry(
                    actor: actor, action: "counter.check", object: "person:\(challenge.subjectID)", outcome: .failure,
                    details: details), at: now)
            return challenge.subjectID
        }
        return Outcome(person: try identity.person(id: personID), evidenceID: nil, certificateSubject: "-")
    }

    /// The ID number in a certificate field: upper case, without a prefix some issuers put before the 18 characters.
    static func idNumber(_ value: String) -> String {
        let upper = value.uppercased().trimmingCharacters(in: .whitespaces)
        return upper.count > 18 ? String(upper.suffix(18)) : upper
    }

    /// Why the card's answer does not prove the person, or nil.
    func problem(
        with certificate: Certificate, signature: [UInt8], challenge: [UInt8], idNumber: String,
        reader: any Repositories, at now: Date
    ) -> String? {
        if certificate.notAfter < now {
            return "the card certificate expired at \(UTCTime.iso8601(certificate.notAfter))"
        }
        if certificate.notBefore > now {
            return "the card certificate is not valid before \(UTCTime.iso8601(certificate.notBefore))"
        }
        let anchors: TrustAnchors
        do { anchors = try cardIssuers() } catch { return "the card-issuer CAs cannot be loaded: \(error)" }
        var issuer: Certificate? = nil
        switch anchors.validate(certificate, at: now) {
        case .valid(let chain): issuer = chain.count > 1 ? chain[1] : nil
        case .invalid(let reason, _, _):
            return "the card certificate is not from a trusted card issuer (certs/card-issuers/): \(reason)"
        }
        // Revocation: trustd's registry for certificates it issued, else the issuer's CRL in certs/crls/.
        if let record = try? reader.certificate(serial: certificate.serialHex),
            record.fingerprint == certificate.fingerprint
        {
            if record.status != .valid {
                return "the card certificate is \(record.status.rawValue) in trustd's registry"
            }
        } else if let issuer, let (crl, entry) = anchors.crlStatus(of: certificate, issuer: issuer) {
            if let entry {
                return
                    "the card certificate was revoked at \(UTCTime.iso8601(entry.revocationDate)) (CRL of \(crl.issuer))"
            }
            if let next = crl.nextUpdate, next < now {
                return "the CRL of \(crl.issuer) is out of date since \(UTCTime.iso8601(next))"
            }
        } else {
            return "the card certificate's revocation status is unknown (no CRL of its issuer in certs/crls/)"
        }
        if let usage = certificate.keyUsage, !usage.contains(.digitalSignature) {
            return "the card certificate is not for signatures (key usage without digitalSignature)"
        }
        // Every ID number the certificate carries (subject serialNumber, citizen-id extension) must be the person's:
        // a certificate naming two people proves neither.
        let extensionValue = certificate.extensionValue(CertificateProfile.IdentityExtension.citizenID.oid).flatMap {
            ASN1Value.stringValue($0.value)
        }
        let named =
            (certificate.subject.attributes.filter { $0.type == "serialNumber" }.map(\.value)
            + [extensionValue].compactMap { $0 })
            .map(Self.idNumber)
        guard !named.isEmpty else {
            return "the card certificate names no ID number (subject serialNumber or extension 1.2.156.10260.4.1.1)"
        }
        guard Set(named).count == 1 else {
            return
                "the card certificate names two different ID numbers (subject serialNumber and the citizen-id extension disagree)"
        }
        guard named[0] == idNumber.uppercased() else {
            return "the card certificate names another person (ID number does not match)"
        }
        do {
            let key = try certificate.publicKey
            let algorithm: SignatureAlgorithm =
                switch key.type {
                case .sm2: .sm2(id: .default)
                case .p256: .ecdsa(.sha256)
                default: .rsaPKCS1v15(.sha256)
                }
            guard try key.isValidSignature(signature, for: challenge, algorithm: algorithm) else {
                return "the card's signature over the challenge does not verify"
            }
        } catch {
            return "the card's signature is malformed: \(error)"
        }
        return nil
    }
}
