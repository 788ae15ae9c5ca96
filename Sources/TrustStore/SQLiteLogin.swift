import Foundation
import GRDB
import TrustServices

extension OIDCClientRecord: SecondsDateRecord { public static let databaseTableName = "oidc_client" }
extension LoginSessionRecord: SecondsDateRecord { public static let databaseTableName = "login_session" }
extension AuthorizationCodeRecord: SecondsDateRecord { public static let databaseTableName = "oidc_code" }
extension RefreshTokenRecord: SecondsDateRecord { public static let databaseTableName = "oidc_refresh_token" }
extension ConsentRecord: SecondsDateRecord { public static let databaseTableName = "oidc_consent" }

// MARK: - Login

extension SQLiteRepositories {
    func oidcClient(id: String) throws -> OIDCClientRecord? { try OIDCClientRecord.fetchOne(db, key: id) }
    func oidcClients() throws -> [OIDCClientRecord] {
        try OIDCClientRecord.order(Column("created_at"), Column("id")).fetchAll(db)
    }
    func insert(_ client: OIDCClientRecord) throws { try client.insert(db) }
    func update(_ client: OIDCClientRecord) throws { try client.update(db) }

    func loginSession(id: String) throws -> LoginSessionRecord? { try LoginSessionRecord.fetchOne(db, key: id) }
    func loginSession(handle: String) throws -> LoginSessionRecord? {
        try LoginSessionRecord.filter(Column("handle") == handle).fetchOne(db)
    }
    func loginSessions(activeAt time: Date, limit: Int) throws -> [LoginSessionRecord] {
        try LoginSessionRecord.filter(Column("revoked_at") == nil && Column("expires_at") > time.timeIntervalSince1970)
            .order(Column("auth_time").desc).limit(limit).fetchAll(db)
    }
    func insert(_ session: LoginSessionRecord) throws { try session.insert(db) }
    func update(_ session: LoginSessionRecord) throws { try session.update(db) }

    func authorizationCode(hash: String) throws -> AuthorizationCodeRecord? {
        try AuthorizationCodeRecord.fetchOne(db, key: hash)
    }
    func insert(_ code: AuthorizationCodeRecord) throws { try code.insert(db) }
    func consumeAuthorizationCode(hash: String, at time: Date) throws -> Bool {
        try db.execute(
            sql: "UPDATE oidc_code SET used_at = ? WHERE code_hash = ? AND used_at IS NULL",
            arguments: [time.timeIntervalSince1970, hash])
        return db.changesCount == 1
    }

    func recordClientAssertion(clientID: String, jtiHash: String, expiresAt: Date, at time: Date) throws -> Bool {
        try db.execute(
            sql: "DELETE FROM oidc_client_assertion WHERE client_id = ? AND expires_at < ?",
            arguments: [clientID, time.timeIntervalSince1970])
        try db.execute(
            sql: """
                INSERT INTO oidc_client_assertion (client_id, jti_hash, expires_at) VALUES (?, ?, ?)
                ON CONFLICT DO NOTHING
                """, arguments: [clientID, jtiHash, expiresAt.timeIntervalSince1970])
        return db.changesCount == 1
    }

    func refreshToken(hash: String) throws -> RefreshTokenRecord? { try RefreshTokenRecord.fetchOne(db, key: hash) }
    func insert(_ token: RefreshTokenRecord) throws { try token.insert(db) }
    func consumeRefreshToken(hash: String, at time: Date) throws -> Bool {
        try db.execute(
            sql: """
                UPDATE oidc_refresh_token SET used_at = ?
                WHERE token_hash = ? AND used_at IS NULL AND revoked_at IS NULL
                """,
            arguments: [time.timeIntervalSince1970, hash])
        return db.changesCount == 1
    }
    func consent(personID: String, clientID: String) throws -> ConsentRecord? {
        try ConsentRecord.fetchOne(db, key: ["person_id": personID, "client_id": clientID])
    }
    func save(_ consent: ConsentRecord) throws { try consent.save(db) }
    func otpAttempts(personID: String, since time: Date) throws -> Int {
        try Int.fetchOne(
            db, sql: "SELECT COALESCE(SUM(attempts), 0) FROM otp WHERE person_id = ? AND created_at > ?",
            arguments: [personID, time.timeIntervalSince1970]) ?? 0
    }
    func refreshTokenClients(sessionID: String) throws -> [String] {
        try String.fetchAll(
            db, sql: "SELECT DISTINCT client_id FROM oidc_refresh_token WHERE session_id = ? ORDER BY client_id",
            arguments: [sessionID])
    }
    func revokeRefreshTokens(family: String?, sessionID: String?, at time: Date) throws {
        try db.execute(
            sql: """
                UPDATE oidc_refresh_token SET revoked_at = ?
                WHERE revoked_at IS NULL AND (family = ? OR session_id = ?)
                """,
            arguments: [time.timeIntervalSince1970, family, sessionID])
    }
}
