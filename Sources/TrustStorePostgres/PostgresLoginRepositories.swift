import Foundation
import PostgresNIO
import TrustServices

// MARK: - Login

extension PostgresRepositories {
    func oidcClient(id: String) throws -> OIDCClientRecord? {
        try one(OIDCClientRecord.self, "SELECT * FROM oidc_client WHERE id = $1", [.text(id)])
    }
    func oidcClients() throws -> [OIDCClientRecord] {
        try all(OIDCClientRecord.self, "SELECT * FROM oidc_client ORDER BY created_at, id")
    }
    func insert(_ client: OIDCClientRecord) throws { try insertRecord(client, into: "oidc_client") }
    func update(_ client: OIDCClientRecord) throws { try updateRecord(client, in: "oidc_client") }

    func loginSession(id: String) throws -> LoginSessionRecord? {
        try one(LoginSessionRecord.self, "SELECT * FROM login_session WHERE id = $1", [.text(id)])
    }
    func loginSession(handle: String) throws -> LoginSessionRecord? {
        try one(LoginSessionRecord.self, "SELECT * FROM login_session WHERE handle = $1", [.text(handle)])
    }
    func loginSessions(activeAt time: Date, limit: Int) throws -> [LoginSessionRecord] {
        try all(
            LoginSessionRecord.self,
            """
            SELECT * FROM login_session WHERE revoked_at IS NULL AND expires_at > $1
            ORDER BY auth_time DESC LIMIT $2
            """, [.double(time.timeIntervalSince1970), .integer(Int64(limit))])
    }
    func insert(_ session: LoginSessionRecord) throws { try insertRecord(session, into: "login_session") }
    func update(_ session: LoginSessionRecord) throws { try updateRecord(session, in: "login_session") }

    func authorizationCode(hash: String) throws -> AuthorizationCodeRecord? {
        try one(AuthorizationCodeRecord.self, "SELECT * FROM oidc_code WHERE code_hash = $1", [.text(hash)])
    }
    func insert(_ code: AuthorizationCodeRecord) throws { try insertRecord(code, into: "oidc_code") }
    func consumeAuthorizationCode(hash: String, at time: Date) throws -> Bool {
        try session.changes(
            "UPDATE oidc_code SET used_at = $1 WHERE code_hash = $2 AND used_at IS NULL",
            [.double(time.timeIntervalSince1970), .text(hash)]) == 1
    }

    func refreshToken(hash: String) throws -> RefreshTokenRecord? {
        try one(RefreshTokenRecord.self, "SELECT * FROM oidc_refresh_token WHERE token_hash = $1", [.text(hash)])
    }
    func insert(_ token: RefreshTokenRecord) throws { try insertRecord(token, into: "oidc_refresh_token") }
    func consumeRefreshToken(hash: String, at time: Date) throws -> Bool {
        try session.changes(
            """
            UPDATE oidc_refresh_token SET used_at = $1
            WHERE token_hash = $2 AND used_at IS NULL AND revoked_at IS NULL
            """, [.double(time.timeIntervalSince1970), .text(hash)]) == 1
    }
    func recordClientAssertion(clientID: String, jtiHash: String, expiresAt: Date, at time: Date) throws -> Bool {
        _ = try session.changes(
            "DELETE FROM oidc_client_assertion WHERE client_id = $1 AND expires_at < $2",
            [.text(clientID), .double(time.timeIntervalSince1970)])
        return try session.changes(
            """
            INSERT INTO oidc_client_assertion (client_id, jti_hash, expires_at) VALUES ($1, $2, $3)
            ON CONFLICT DO NOTHING
            """, [.text(clientID), .text(jtiHash), .double(expiresAt.timeIntervalSince1970)]) == 1
    }
    func consent(personID: String, clientID: String) throws -> ConsentRecord? {
        try one(
            ConsentRecord.self, "SELECT * FROM oidc_consent WHERE person_id = $1 AND client_id = $2",
            [.text(personID), .text(clientID)])
    }
    func save(_ consent: ConsentRecord) throws { try insertRecord(consent, into: "oidc_consent", upsert: true) }
    func otpAttempts(personID: String, since time: Date) throws -> Int {
        try session.rows(
            "SELECT COALESCE(SUM(attempts), 0)::bigint FROM otp WHERE person_id = $1 AND created_at > $2",
            [.text(personID), .double(time.timeIntervalSince1970)]
        ).first.map { Int(try $0.decode(Int64.self)) } ?? 0
    }
    func refreshTokenClients(sessionID: String) throws -> [String] {
        try session.rows(
            "SELECT DISTINCT client_id FROM oidc_refresh_token WHERE session_id = $1 ORDER BY client_id",
            [.text(sessionID)]
        ).map { try $0.decode(String.self) }
    }
    func revokeRefreshTokens(family: String?, sessionID: String?, at time: Date) throws {
        _ = try session.changes(
            """
            UPDATE oidc_refresh_token SET revoked_at = $1
            WHERE revoked_at IS NULL AND (family = $2 OR session_id = $3)
            """,
            [
                .double(time.timeIntervalSince1970), family.map { .text($0) } ?? .null,
                sessionID.map { .text($0) } ?? .null,
            ])
    }
}
