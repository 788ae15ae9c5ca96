import Foundation
import TrustCrypto
import TrustModel

/// Logging in with a certificate on a card or USB key (`amr` `hwk`): trustd hands out a single-use challenge for
/// the ID number entered, the person's key signs it (a browser plug-in or a terminal; `trustctl login` in tests), and
/// trustd checks the certificate as the counter checks do — chain to a card issuer, valid now, not revoked, naming
/// this person's ID number — and the signature. A login proves who is there; it records no identity evidence.
extension LoginService {
    /// A challenge to sign: 32 random bytes and `trustd login <id>`. An unknown ID number gets one all the same (not
    /// stored, so it can never log in): the answer does not tell who is registered.
    public func certificateChallenge(idNumber: String) async throws -> ChallengeRecord {
        try await useCases.executor.run { [self] in
            let now = clock()
            let id = Hex.encode(SecureRandom.bytes(16))
            let nonce = Data(SecureRandom.bytes(32) + Array("trustd login \(id)".utf8))
            guard let person = try identity.registry.person(idNumber: idNumber), cards != nil else {
                return ChallengeRecord(
                    id: id, subjectKind: .person, subjectID: "-", purpose: .certificateLogin, nonce: nonce,
                    createdAt: now, expiresAt: now.addingTimeInterval(120))
            }
            let record = ChallengeRecord(
                id: id, subjectKind: .person, subjectID: person.record.id, purpose: .certificateLogin, nonce: nonce,
                createdAt: now, expiresAt: now.addingTimeInterval(120))
            try store.write { tx in try tx.insert(record) }
            return record
        }
    }

    /// Checks the signed challenge and opens a session (`amr` `hwk`). One transaction: the challenge is spent and one
    /// `login` record written, or one refused `login` record with the reason (the person is told only "refused").
    public func finishCertificateLogin(
        idNumber: String, challengeID: String, certificatePEM: String, signature: [UInt8]
    ) async throws -> FinishedLogin {
        try await useCases.executor.run { [self] in
            let now = clock()
            let refused = TrustError.invalid("the certificate login was refused")
            guard let cards, let person = try identity.registry.person(idNumber: idNumber),
                let number = try? CitizenIDNumber.validate(idNumber)
            else { throw refused }
            let level = person.assessment.level
            let login = try newSession(person.record.id, level: level, methods: [.hwk], at: now)
            let session = login.session
            let accepted: Bool = try store.write { tx in
                let certificate = try? Certificate(pem: certificatePEM)
                var problem: String? = nil
                if var challenge = try tx.challenge(id: challengeID), challenge.purpose == .certificateLogin,
                    challenge.subjectID == person.record.id
                {
                    if challenge.usedAt != nil {
                        problem = "challenge replayed"
                    } else if challenge.expiresAt <= now {
                        problem = "challenge expired"
                    } else {
                        challenge.usedAt = now
                        try tx.update(challenge)
                        problem =
                            certificate.map {
                                cards.problem(
                                    with: $0, signature: signature, challenge: Array(challenge.nonce),
                                    idNumber: number, reader: tx, at: now)
                            } ?? "the certificate does not parse"
                    }
                } else {
                    problem = "unknown challenge"
                }
                if problem == nil { try tx.insert(session) }
                try tx.appendAudit(
                    AuditEntry(
                        actor: "person:\(person.record.id)", action: "login",
                        object: problem == nil ? "session:\(session.handle)" : "person:\(person.record.id)",
                        outcome: problem == nil ? .success : .failure,
                        details: [
                            "methods": "hwk", "certificate": certificate?.serialHex ?? "-",
                            problem == nil ? "acr" : "reason": problem ?? LoginACR.uri(level),
                        ]), at: now)
                return problem == nil
            }
            guard accepted else { throw refused }
            return login
        }
    }
}
