import Foundation
import TrustModel

/// Step-up: a logged-in person adds a fresh live check (face) so the session reaches `advanced` for a platform that
/// asks for it (`acr_values=urn:trustd:loa:advanced`). The check goes through the liveness adapter; its evidence,
/// the session's new level, `face` among its methods and a fresh `auth_time` commit in one transaction.
extension LoginService {
    /// Whether a liveness service is configured (without one, `advanced` cannot be reached by a step-up).
    var canCheckLiveness: Bool { !(identity.verifications.liveness is UnconfiguredLiveness) }

    public func stepUp(sessionCookie: String?, livenessReference: String) async throws -> LoginSessionRecord {
        try await useCases.executor.run { [self] in
            let now = clock()
            guard (1...256).contains(livenessReference.count) else {
                throw TrustError.invalid("the live check's session reference must be 1 to 256 characters")
            }
            guard let session = try store.read({ try sessionRecord(cookie: sessionCookie, at: now, in: $0) }) else {
                throw TrustError(.unauthenticated, "log in first")
            }
            let person = try identity.registry.person(id: session.personID)
            let liveness = identity.verifications.liveness
            let answer = try liveness.check(
                method: .liveCheck, subjectName: person.record.name, sessionReference: livenessReference)
            let actor = "person:\(session.personID)"
            let outcome: Result<LoginSessionRecord, TrustError> = try store.write { tx in
                guard var fresh = try tx.loginSession(id: session.id), fresh.revokedAt == nil else {
                    return .failure(TrustError(.unauthenticated, "the login session has ended"))
                }
                guard case .confirmed(let reference) = answer else {
                    _ = try identity.ledger.record(
                        tx, .person, session.personID, .liveCheck, passed: false, source: liveness.name,
                        reference: nil, actor: actor, at: now, failure: "\(answer)")
                    return .failure(TrustError(.verificationFailed, "the live check did not confirm the person"))
                }
                _ = try identity.ledger.record(
                    tx, .person, session.personID, .liveCheck, passed: true, source: liveness.name,
                    reference: reference, actor: actor, at: now)
                let level =
                    try identity.ledger.levels(tx, .person, session.personID, at: now)[
                        "person:\(session.personID)"] ?? .anonymous
                var methods = RegisteredClient.list(fresh.methods)
                if !methods.contains(AuthenticationMethod.face.rawValue) {
                    methods.append(AuthenticationMethod.face.rawValue)
                }
                fresh.level = level.rawValue
                fresh.methods = String(decoding: try JSONEncoder().encode(methods), as: UTF8.self)
                fresh.authTime = now
                try tx.update(fresh)
                try tx.appendAudit(
                    AuditEntry(
                        actor: actor, action: "login.step-up", object: "session:\(fresh.handle)",
                        details: ["method": "live-check", "acr": LoginACR.uri(level)]), at: now)
                return .success(fresh)
            }
            return try outcome.get()
        }
    }
}
