import Foundation
import TrustCrypto
import TrustModel

/// The token endpoint (OpenID Connect Core §3.1.3, RFC 6749 §4.1.3 and §6, RFC 7636) and userinfo (§5.3).
extension LoginService {
    /// Exchanges a code (with its PKCE verifier) or a refresh token for tokens. One transaction: the code or token is
    /// spent with one statement (exact across nodes), the next refresh token stored, and one `login.token` record
    /// written whether the request succeeds or not.
    public func token(_ request: TokenRequest) async throws -> TokenResponse {
        try await useCases.executor.run { [self] in
            let signer = try signer()
            let now = clock()
            let outcome: Result<TokenResponse, OAuthError> = try store.write { tx in
                let result = Result { try grant(request, signer: signer, at: now, in: tx) }.mapError { error in
                    error as? OAuthError ?? OAuthError("server_error", "\(error)", status: 500)
                }
                if case .failure(let error) = result, error.status == 500 {
                    throw TrustError(.unavailable, error.description)
                }
                var details = ["grant": request.grantType ?? "-"]
                if case .failure(let error) = result { details["error"] = error.error }
                try tx.appendAudit(
                    AuditEntry(
                        actor: "client:\(request.clientID ?? "-")", action: "login.token",
                        object: "client:\(request.clientID ?? "-")",
                        outcome: (try? result.get()) == nil ? .failure : .success, details: details), at: now)
                return result
            }
            return try outcome.get()
        }
    }

    private func grant(_ request: TokenRequest, signer: JSONWebSigner, at now: Date, in tx: any Repositories) throws
        -> TokenResponse
    {
        let client = try authenticateClient(request, at: now, in: tx)
        switch request.grantType {
        case "authorization_code":
            guard let code = request.code, code.count <= 128 else {
                throw OAuthError("invalid_request", "code is required")
            }
            let hash = secrets.lookupHash(code, kind: "oidc-code")
            guard let record = try tx.authorizationCode(hash: hash), record.clientID == client.record.id else {
                throw OAuthError("invalid_grant", "unknown code")
            }
            guard try tx.consumeAuthorizationCode(hash: hash, at: now) else {
                // A code used twice may have been stolen: what the first use got is revoked (RFC 6749 §4.1.2).
                try tx.revokeRefreshTokens(family: hash, sessionID: nil, at: now)
                throw OAuthError("invalid_grant", "the code was used already; the tokens it gave are revoked")
            }
            guard record.expiresAt > now else { throw OAuthError("invalid_grant", "the code has expired") }
            guard request.redirectURI == record.redirectURI else {
                throw OAuthError("invalid_grant", "redirect_uri differs from the authorization request's")
            }
            guard let verifier = request.codeVerifier, Self.isPKCEValue(verifier),
                ConstantTime.equals(
                    Array(Base64URL.encode(Digest.hash(.sha256, utf8: verifier)).utf8), Array(record.codeChallenge.utf8)
                )
            else { throw OAuthError("invalid_grant", "code_verifier does not match the code_challenge") }
            guard let session = try tx.loginSession(id: record.sessionID), session.revokedAt == nil else {
                throw OAuthError("invalid_grant", "the login session has ended")
            }
            return try issue(
                client: client, session: session, scope: record.scope, nonce: record.nonce, family: hash,
                signer: signer, at: now, in: tx)
        case "refresh_token":
            guard let token = request.refreshToken, token.count <= 128 else {
                throw OAuthError("invalid_request", "refresh_token is required")
            }
            let hash = secrets.lookupHash(token, kind: "oidc-refresh")
            guard let record = try tx.refreshToken(hash: hash), record.clientID == client.record.id else {
                throw OAuthError("invalid_grant", "unknown refresh token")
            }
            guard try tx.consumeRefreshToken(hash: hash, at: now) else {
                // A spent token presented again: the family is revoked (refresh token rotation, RFC 9700 §4.14.2).
                try tx.revokeRefreshTokens(family: record.family, sessionID: nil, at: now)
                throw OAuthError("invalid_grant", "the refresh token was used or revoked; its family is revoked")
            }
            guard record.expiresAt > now else { throw OAuthError("invalid_grant", "the refresh token has expired") }
            guard let session = try tx.loginSession(id: record.sessionID), session.revokedAt == nil,
                session.expiresAt > now
            else { throw OAuthError("invalid_grant", "the login session has ended") }
            return try issue(
                client: client, session: session, scope: record.scope, nonce: nil, family: record.family,
                signer: signer, at: now, in: tx)
        default:
            throw OAuthError("unsupported_grant_type", "grant_type must be authorization_code or refresh_token")
        }
    }

    /// client_secret_basic / client_secret_post or private_key_jwt for confidential clients; none (PKCE only) for
    /// public ones. Each platform has exactly one way, fixed at registration.
    private func authenticateClient(_ request: TokenRequest, at now: Date, in tx: any Repositories) throws
        -> RegisteredClient
    {
        guard let client = try client(request.clientID, in: tx) else {
            throw OAuthError("invalid_client", "unknown client", status: 401)
        }
        if let pem = client.record.jwtPublicKey {
            guard request.clientSecret == nil else {
                throw OAuthError("invalid_client", "this platform authenticates with private_key_jwt", status: 401)
            }
            guard request.clientAssertionType == ClientAssertion.type, let assertion = request.clientAssertion else {
                throw OAuthError(
                    "invalid_client", "client_assertion and client_assertion_type \(ClientAssertion.type) are required",
                    status: 401)
            }
            let checked = try ClientAssertion.check(
                assertion, key: try ClientAssertion.registeredKey(pem), clientID: client.record.id,
                audiences: ["\(issuer)/oidc/token", issuer], at: now)
            guard
                try tx.recordClientAssertion(
                    clientID: client.record.id, jtiHash: secrets.lookupHash(checked.jti, kind: "oidc-jti"),
                    expiresAt: checked.expiresAt, at: now)
            else { throw OAuthError("invalid_client", "client assertion: its jti was used already", status: 401) }
            return client
        }
        guard request.clientAssertion == nil else {
            throw OAuthError("invalid_client", "this platform is not registered for private_key_jwt", status: 401)
        }
        switch (client.record.secretHash, request.clientSecret) {
        case (let stored?, let presented?):
            let hash = secrets.lookupHash(presented, kind: "oidc-client-secret")
            guard ConstantTime.equals(Array(hash.utf8), Array(stored.utf8)) else {
                throw OAuthError("invalid_client", "client authentication failed", status: 401)
            }
        case (nil, nil): break
        case (.some, nil): throw OAuthError("invalid_client", "client authentication is required", status: 401)
        case (nil, .some): throw OAuthError("invalid_client", "a public client has no secret", status: 401)
        }
        return client
    }

    private func issue(
        client: RegisteredClient, session: LoginSessionRecord, scope: String, nonce: String?, family: String,
        signer: JSONWebSigner, at now: Date, in tx: any Repositories
    ) throws -> TokenResponse {
        let level = try currentLevel(of: session, at: now, in: tx)
        let subject = subject(person: session.personID, client: client.record.id)
        let methods = RegisteredClient.list(session.methods)
        let expires = Int(now.timeIntervalSince1970 + configuration.accessTokenLifetime)
        var idClaims: [String: JSONValue] = [
            "iss": .string(issuer), "sub": .string(subject), "aud": .string(client.record.id),
            "azp": .string(client.record.id), "iat": .number(Int(now.timeIntervalSince1970)), "exp": .number(expires),
            "auth_time": .number(Int(session.authTime.timeIntervalSince1970)), "acr": .string(LoginACR.uri(level)),
            "amr": .strings(methods), "sid": .string(session.handle),
        ]
        if let nonce { idClaims["nonce"] = .string(nonce) }
        let accessClaims: [String: JSONValue] = [
            "iss": .string(issuer), "sub": .string(subject), "aud": .string(issuer),
            "client_id": .string(client.record.id), "iat": .number(Int(now.timeIntervalSince1970)),
            "exp": .number(expires), "scope": .string(scope), "sid": .string(session.handle),
            "acr": .string(LoginACR.uri(level)), "jti": .string(Hex.encode(SecureRandom.bytes(12))),
        ]
        let refresh = Base64URL.encode(SecureRandom.bytes(32))
        try tx.insert(
            RefreshTokenRecord(
                tokenHash: secrets.lookupHash(refresh, kind: "oidc-refresh"), family: family,
                clientID: client.record.id, sessionID: session.id, scope: scope, createdAt: now,
                expiresAt: min(now.addingTimeInterval(configuration.refreshTokenLifetime), session.expiresAt)))
        return TokenResponse(
            accessToken: try signer.sign(accessClaims, type: "at+jwt"), tokenType: "Bearer",
            expiresIn: Int(configuration.accessTokenLifetime), idToken: try signer.sign(idClaims, type: "JWT"),
            refreshToken: refresh, scope: scope)
    }

    /// The claims about the person an access token was issued for (`sub` always; with scope `identity` the verified
    /// name and the masked ID number; `acr` as the session stands now). One `login.userinfo` record.
    public func userinfo(accessToken: String) async throws -> [String: JSONValue] {
        try await useCases.executor.run { [self] in
            let now = clock()
            guard let claims = try signer().verify(accessToken, type: "at+jwt"), claims["iss"]?.string == issuer,
                let expires = claims["exp"]?.number, TimeInterval(expires) > now.timeIntervalSince1970,
                let handle = claims["sid"]?.string, let clientID = claims["client_id"]?.string
            else { throw OAuthError("invalid_token", "the access token is invalid or has expired", status: 401) }
            return try store.write { tx in
                guard let session = try tx.loginSession(handle: handle), session.revokedAt == nil else {
                    throw OAuthError("invalid_token", "the login session has ended", status: 401)
                }
                guard let person = try tx.person(id: session.personID) else {
                    throw OAuthError("invalid_token", "the person is no longer registered", status: 401)
                }
                var answer: [String: JSONValue] = [
                    "sub": .string(subject(person: session.personID, client: clientID)),
                    "acr": .string(LoginACR.uri(try currentLevel(of: session, at: now, in: tx))),
                ]
                let scopes = Set((claims["scope"]?.string ?? "").split(separator: " ").map(String.init))
                if scopes.contains("identity") || scopes.contains("profile") {
                    answer["name"] = .string(person.name)
                }
                if scopes.contains("identity") { answer["id_number_masked"] = .string(person.idMasked) }
                if scopes.contains("organization") {
                    answer["organizations"] = .array(try organizations(of: session.personID, at: now, in: tx))
                }
                try tx.appendAudit(
                    AuditEntry(
                        actor: "client:\(clientID)", action: "login.userinfo", object: "session:\(handle)",
                        details: ["scope": scopes.sorted().joined(separator: " ")]), at: now)
                return answer
            }
        }
    }
}

extension LoginService {
    /// The organisations a person acts for now (scope `organization`): those they represent by law (every action),
    /// and those whose authorisation of them is in force, with its actions. Credit codes are public identifiers.
    func organizations(of personID: String, at now: Date, in tx: any Repositories) throws -> [JSONValue] {
        var entries: [JSONValue] = []
        for organization in try tx.organizations(legalRepresentative: personID) {
            entries.append(
                .object([
                    "name": .string(organization.name), "credit_code": .string(organization.creditCode),
                    "role": .string("legal_representative"),
                ]))
        }
        for authorization in try tx.authorizations(personID: personID)
        where authorization.revokedAt == nil && authorization.validFrom <= now && now < authorization.validTo {
            guard let organization = try tx.organization(id: authorization.organizationID) else { continue }
            entries.append(
                .object([
                    "name": .string(organization.name), "credit_code": .string(organization.creditCode),
                    "role": .string("agent"), "scopes": .strings(authorization.scope.map(\.rawValue)),
                    "valid_until": .number(Int(authorization.validTo.timeIntervalSince1970)),
                ]))
        }
        return entries
    }
}
