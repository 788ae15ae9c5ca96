import Foundation
import TrustModel

/// Consent: a platform registered with `consentRequired` gets a person's data only after they agreed, once per set
/// of scopes (asking for more asks again; `prompt=consent` always asks). Agreeing or refusing is one audit record.
extension LoginService {
    /// Records the person's agreement to the scopes of `request` (added to what they agreed before).
    public func grantConsent(sessionCookie: String?, request: OIDCAuthorizationRequest) async throws {
        try await useCases.executor.run { [self] in
            let now = clock()
            try store.write { tx in
                let (client, session, scopes) = try consentContext(sessionCookie, request, at: now, in: tx)
                let before = try tx.consent(personID: session.personID, clientID: client.record.id)?.scopes ?? ""
                let all = Set(before.split(separator: " ").map(String.init)).union(scopes).sorted()
                try tx.save(
                    ConsentRecord(
                        personID: session.personID, clientID: client.record.id, scopes: all.joined(separator: " "),
                        grantedAt: now))
                try tx.appendAudit(
                    AuditEntry(
                        actor: "person:\(session.personID)", action: "login.consent",
                        object: "client:\(client.record.id)", details: ["scopes": all.joined(separator: " ")]),
                    at: now)
            }
        }
    }

    /// The person refused: the platform is told `access_denied` at its (registered) redirect URI.
    public func denyConsent(sessionCookie: String?, request: OIDCAuthorizationRequest) async throws -> String {
        try await useCases.executor.run { [self] in
            let now = clock()
            return try store.write { tx in
                let (client, session, scopes) = try consentContext(sessionCookie, request, at: now, in: tx)
                try tx.appendAudit(
                    AuditEntry(
                        actor: "person:\(session.personID)", action: "login.consent",
                        object: "client:\(client.record.id)", outcome: .denied,
                        details: ["scopes": scopes.sorted().joined(separator: " ")]), at: now)
                return Self.redirect(
                    request.redirectURI ?? "",
                    [
                        ("error", "access_denied"), ("error_description", "the person did not agree"),
                        ("state", request.state), ("iss", issuer),
                    ])
            }
        }
    }

    private func consentContext(
        _ cookie: String?, _ request: OIDCAuthorizationRequest, at now: Date, in tx: any Repositories
    ) throws -> (RegisteredClient, LoginSessionRecord, Set<String>) {
        guard let client = try client(request.clientID, in: tx), let redirect = request.redirectURI,
            client.redirectURIs.contains(redirect)
        else { throw TrustError.invalid("unknown platform or redirect URI") }
        guard let session = try sessionRecord(cookie: cookie, at: now, in: tx) else {
            throw TrustError(.unauthenticated, "log in first")
        }
        let scopes = Set((request.scope ?? "").split(separator: " ").map(String.init))
        guard !scopes.isEmpty, scopes.isSubset(of: Set(client.scopes)) else {
            throw TrustError.invalid("the scopes are not the platform's")
        }
        return (client, session, scopes)
    }
}
