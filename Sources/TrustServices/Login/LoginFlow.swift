import Foundation
import TrustCrypto
import TrustModel

/// The authorization endpoint and the login it may need: the person proves who they are by a one-time code sent to
/// the mobile registered with their ID number, and gets a session (a cookie) that later platforms reuse without a
/// prompt as long as it is fresh and strong enough for what they ask.
extension LoginService {
    /// A started login: the code's id (the same shape whether or not the ID number is registered, so the page does
    /// not tell who is registered).
    public struct StartedLogin: Sendable {
        public let otpID: String
    }

    /// A finished login: the cookie value for the browser (never stored) and the session.
    public struct FinishedLogin: Sendable {
        public let cookie: String
        public let session: LoginSessionRecord
    }

    /// OpenID Connect Core §3.1.2: validates the request, then issues a code when the session satisfies it, asks for
    /// a login when it does not, or answers the error the spec names.
    public func authorize(_ request: OIDCAuthorizationRequest, sessionCookie: String?) async throws -> AuthorizeOutcome
    {
        try await useCases.executor.run { [self] in try authorizeNow(request, sessionCookie: sessionCookie) }
    }

    private func authorizeNow(_ request: OIDCAuthorizationRequest, sessionCookie: String?) throws -> AuthorizeOutcome {
        let now = clock()
        return try store.write { tx in
            guard let client = try client(request.clientID, in: tx) else {
                return .invalidClient("unknown or disabled client_id")
            }
            guard let redirect = request.redirectURI, client.redirectURIs.contains(redirect) else {
                return .invalidClient("redirect_uri is not one registered for \(client.record.name)")
            }
            func fail(_ error: String, _ description: String) throws -> AuthorizeOutcome {
                try tx.appendAudit(
                    AuditEntry(
                        actor: "client:\(client.record.id)", action: "login.authorize",
                        object: "client:\(client.record.id)",
                        outcome: .failure, details: ["error": error, "reason": description]), at: now)
                return .redirect(
                    Self.redirect(
                        redirect,
                        [
                            ("error", error), ("error_description", description), ("state", request.state),
                            ("iss", issuer),
                        ]))
            }
            guard request.responseType == "code" else {
                return try fail("unsupported_response_type", "only response_type=code is supported")
            }
            let scopes = Set((request.scope ?? "").split(separator: " ").map(String.init))
            guard scopes.contains("openid") else { return try fail("invalid_scope", "scope must include openid") }
            guard scopes.isSubset(of: Set(client.scopes)) else {
                return try fail("invalid_scope", "the platform is not registered for every scope asked")
            }
            guard request.codeChallengeMethod == "S256", let challenge = request.codeChallenge,
                Self.isPKCEValue(challenge), challenge.count == 43
            else { return try fail("invalid_request", "PKCE with code_challenge_method=S256 is required") }
            guard (request.nonce?.count ?? 0) <= 256, (request.state?.count ?? 0) <= 512 else {
                return try fail("invalid_request", "nonce or state is too long")
            }
            let maxAge: Int?
            if let text = request.maxAge {
                guard let value = Int(text), value >= 0 else {
                    return try fail("invalid_request", "max_age must be a number of seconds")
                }
                maxAge = value
            } else {
                maxAge = nil
            }
            // The weakest level asked for is the one to meet (values trustd does not define are ignored).
            let required = (request.acrValues ?? "").split(separator: " ").compactMap { LoginACR.level(String($0)) }
                .min()
            let prompt = Set((request.prompt ?? "").split(separator: " ").map(String.init))

            guard let session = try sessionRecord(cookie: sessionCookie, at: now, in: tx), !prompt.contains("login")
            else {
                if prompt.contains("none") { return try fail("login_required", "no login session") }
                return .login(platform: client.record.name, requiredLevel: required)
            }
            if let maxAge, now.timeIntervalSince(session.authTime) > TimeInterval(maxAge) {
                if prompt.contains("none") { return try fail("login_required", "the login is older than max_age") }
                return .login(platform: client.record.name, requiredLevel: required)
            }
            let level = try currentLevel(of: session, at: now, in: tx)
            if let required, level < required {
                // A new login can only state what the person's evidence supports now.
                let attainable = try attainableLevel(session.personID, at: now, in: tx)
                if attainable >= required, !prompt.contains("none") {
                    return .login(platform: client.record.name, requiredLevel: required)
                }
                // Advanced rests on a live check within the policy's window: a fresh one steps the session up.
                if required == .advanced, attainable >= .intermediate, canCheckLiveness, !prompt.contains("none") {
                    return .stepUp(platform: client.record.name, requiredLevel: required)
                }
                return try fail(
                    "unmet_authentication_requirements",
                    "the person's assurance is \(level.rawValue); \(required.rawValue) was asked (missing evidence, "
                        + "e.g. a live check within the policy's window)")
            }
            if client.record.consentRequired == true {
                let granted = try tx.consent(personID: session.personID, clientID: client.record.id)?.scopes ?? ""
                if prompt.contains("consent")
                    || !scopes.isSubset(of: Set(granted.split(separator: " ").map(String.init)))
                {
                    if prompt.contains("none") {
                        return try fail("consent_required", "the person has not agreed to this platform's scopes")
                    }
                    return .consent(platform: client.record.name, scopes: scopes.sorted())
                }
            }
            let code = Base64URL.encode(SecureRandom.bytes(32))
            try tx.insert(
                AuthorizationCodeRecord(
                    codeHash: secrets.lookupHash(code, kind: "oidc-code"), clientID: client.record.id,
                    sessionID: session.id, redirectURI: redirect, scope: scopes.sorted().joined(separator: " "),
                    nonce: request.nonce, codeChallenge: challenge, createdAt: now,
                    expiresAt: now.addingTimeInterval(configuration.codeLifetime)))
            try tx.appendAudit(
                AuditEntry(
                    actor: "person:\(session.personID)", action: "login.authorize",
                    object: "client:\(client.record.id)",
                    details: [
                        "session": session.handle, "scope": scopes.sorted().joined(separator: " "),
                        "acr": LoginACR.uri(level),
                    ]), at: now)
            return .redirect(Self.redirect(redirect, [("code", code), ("state", request.state), ("iss", issuer)]))
        }
    }

    /// Sends a one-time code to the mobile registered with `idNumber`. An unknown or malformed number gets a code id
    /// all the same (nothing is sent), so the page answers alike for registered and unregistered people.
    public func startLogin(idNumber: String) async throws -> StartedLogin {
        try await useCases.executor.run { [self] in
            let now = clock()
            if let person = try identity.registry.person(idNumber: idNumber) {
                // A locked person gets no SMS (no code bombing either), and the same answer.
                if try isLocked(person.record.id, at: now, in: nil) {
                    _ = try store.write { tx in
                        try tx.appendAudit(
                            AuditEntry(
                                actor: "anonymous", action: "login.otp-send", object: "person:\(person.record.id)",
                                outcome: .denied, details: ["reason": "locked after repeated wrong codes"]), at: now)
                    }
                    return StartedLogin(otpID: Hex.encode(SecureRandom.bytes(8)))
                }
                let sent = try identity.verifications.startOTP(personID: person.record.id, actor: "login")
                return StartedLogin(otpID: sent.id)
            }
            _ = try store.write { tx in
                try tx.appendAudit(
                    AuditEntry(
                        actor: "anonymous", action: "login.otp-send", object: "person:unknown", outcome: .failure,
                        details: ["reason": "no person with this ID number"]), at: now)
            }
            return StartedLogin(otpID: Hex.encode(SecureRandom.bytes(8)))
        }
    }

    /// Checks the code and opens a session: one transaction with the code's use and one `login` record (a wrong code
    /// counts an attempt and is recorded instead). Every failure reads the same to the person.
    public func finishLogin(idNumber: String, otpID: String, code: String) async throws -> FinishedLogin {
        try await useCases.executor.run { [self] in
            let now = clock()
            let refused = TrustError.invalid("the code is wrong or has expired")
            guard let person = try identity.registry.person(idNumber: idNumber), otpID.count == 16,
                code.count == 6, code.allSatisfy(\.isASCII)
            else { throw refused }
            let level = person.assessment.level
            let login = try newSession(person.record.id, level: level, methods: [.sms, .otp], at: now)
            let session = login.session
            let outcome: Result<Void, TrustError> = try store.write { tx in
                if try isLocked(person.record.id, at: now, in: tx) {
                    try tx.appendAudit(
                        AuditEntry(
                            actor: "person:\(person.record.id)", action: "login", object: "person:\(person.record.id)",
                            outcome: .denied, details: ["reason": "locked after repeated wrong codes"]), at: now)
                    return .failure(refused)
                }
                let checked: Result<Void, TrustError>
                do {
                    checked = try identity.verifications.consumeOTP(
                        personID: person.record.id, otpID: otpID, code: code, actor: "person:\(person.record.id)",
                        at: now, in: tx)
                } catch let error as TrustError where error.code == .notFound {
                    checked = .failure(error)
                }
                guard case .success = checked else { return checked }
                try tx.insert(session)
                try tx.appendAudit(
                    AuditEntry(
                        actor: "person:\(person.record.id)", action: "login", object: "session:\(session.handle)",
                        details: ["methods": "sms otp", "acr": LoginACR.uri(level)]), at: now)
                return .success(())
            }
            guard case .success = outcome else { throw refused }
            return login
        }
    }

    /// A new session for a person who just proved who they are: a random cookie for the browser (only its keyed hash
    /// is stored, as the session's id) and a public handle (`sid`).
    func newSession(_ personID: String, level: AssuranceLevel, methods: [AuthenticationMethod], at now: Date) throws
        -> FinishedLogin
    {
        let cookie = Base64URL.encode(SecureRandom.bytes(32))
        let session = LoginSessionRecord(
            id: secrets.lookupHash(cookie, kind: "login-session"), handle: Hex.encode(SecureRandom.bytes(12)),
            personID: personID, level: level.rawValue,
            methods: String(decoding: try JSONEncoder().encode(methods.map(\.rawValue)), as: UTF8.self),
            authTime: now, expiresAt: now.addingTimeInterval(configuration.sessionLifetime))
        return FinishedLogin(cookie: cookie, session: session)
    }

    /// Ends a session in `tx`: revoked, its refresh tokens revoked, and the logout tokens for the platforms it
    /// served (posted by ``announce(_:)`` after the commit).
    func end(_ session: LoginSessionRecord, signer: JSONWebSigner, at now: Date, in tx: any Repositories) throws
        -> [LogoutNotice]
    {
        var ended = session
        ended.revokedAt = session.revokedAt ?? now
        try tx.update(ended)
        try tx.revokeRefreshTokens(family: nil, sessionID: session.id, at: now)
        return try logoutNotices(for: session, signer: signer, at: now, in: tx)
    }

    /// Ends the session of `cookie` (OpenID Connect RP-Initiated Logout 1.0): its refresh tokens are revoked and the
    /// platforms it served are told. The browser returns to `post_logout_redirect_uri` only when it is registered for
    /// the platform that `id_token_hint` (an ID token trustd issued; it may have expired) or `client_id` names;
    /// a request naming a URI that is not is refused and ends nothing (§2, §3).
    public func logout(sessionCookie: String?, request: LogoutRequest) async throws -> LogoutOutcome {
        try await useCases.executor.run { [self] in
            let now = clock()
            let signer = try signer()
            let (decision, clientID) = try logoutDecision(request, signer: signer)
            // One record per request: the logout, a request without a session, or a refusal (nothing ended).
            let notices: [LogoutNotice] = try store.write { tx in
                let session = try sessionRecord(cookie: sessionCookie, at: now, in: tx)
                var details = ["platform": clientID ?? "-"]
                var notices: [LogoutNotice] = []
                var outcome = AuditOutcome.success
                switch decision {
                case .refused(let reason):
                    details["refused"] = reason
                    outcome = .failure
                case .redirect, .loggedOut:
                    if let session { notices = try end(session, signer: signer, at: now, in: tx) }
                    details["notified"] = notices.map(\.clientID).joined(separator: " ")
                    if session == nil { details["session"] = "none" }
                }
                try tx.appendAudit(
                    AuditEntry(
                        actor: session.map { "person:\($0.personID)" } ?? "anonymous", action: "logout",
                        object: "session:\(session?.handle ?? "-")", outcome: outcome, details: details), at: now)
                return notices
            }
            announce(notices)
            return decision
        }
    }

    /// Where a logout may return (RP-Initiated Logout 1.0 §2–3): the platform named by a verified `id_token_hint`
    /// (it may have expired) or by `client_id`, and only to one of its redirect URIs.
    private func logoutDecision(_ request: LogoutRequest, signer: JSONWebSigner) throws -> (LogoutOutcome, String?) {
        var clientID = request.clientID
        if let hint = request.idTokenHint {
            guard let claims = signer.verify(hint, type: "JWT"), claims["iss"]?.string == issuer,
                let audience = claims["aud"]?.string
            else { return (.refused("id_token_hint is not an ID token this service issued"), clientID) }
            guard clientID == nil || clientID == audience else {
                return (.refused("client_id is not the platform the id_token_hint was issued to"), clientID)
            }
            clientID = audience
        }
        guard let back = request.postLogoutRedirectURI else { return (.loggedOut, clientID) }
        guard let clientID else {
            return (.refused("post_logout_redirect_uri needs id_token_hint or client_id to name the platform"), nil)
        }
        guard let client = try store.read({ tx in try client(clientID, in: tx) }), client.redirectURIs.contains(back)
        else { return (.refused("post_logout_redirect_uri is not registered for the platform"), clientID) }
        return (.redirect(Self.redirect(back, [("state", request.state)])), clientID)
    }

    /// The name of a registered, enabled platform (the login page shows it), or `nil`.
    public func platformName(_ clientID: String?) async throws -> String? {
        try await useCases.executor.run { [self] in try store.read { tx in try client(clientID, in: tx)?.record.name } }
    }

    /// Ten wrong codes within 15 minutes lock a person's SMS login for the rest of that window (a code allows five
    /// tries, so this stops guessing across freshly requested codes).
    static let lockoutAttempts = 10
    static let lockoutWindow: TimeInterval = 15 * 60

    func isLocked(_ personID: String, at now: Date, in tx: (any Repositories)?) throws -> Bool {
        let since = now.addingTimeInterval(-Self.lockoutWindow)
        let attempts =
            try tx.map { try $0.otpAttempts(personID: personID, since: since) }
            ?? store.read { try $0.otpAttempts(personID: personID, since: since) }
        return attempts >= Self.lockoutAttempts
    }

    /// RFC 7636 §4.1 characters.
    static func isPKCEValue(_ text: String) -> Bool {
        (43...128).contains(text.count)
            && text.unicodeScalars.allSatisfy {
                $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-._~".unicodeScalars.contains($0))
            }
    }

    /// `uri` with the parameters added to its query.
    static func redirect(_ uri: String, _ parameters: [(String, String?)]) -> String {
        var components = URLComponents(string: uri)
        var items = components?.queryItems ?? []
        for (name, value) in parameters { if let value { items.append(URLQueryItem(name: name, value: value)) } }
        components?.queryItems = items
        // `+` is a space to form decoders; encode it so a state or description with `+` survives.
        let encoded = components?.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        components?.percentEncodedQuery = encoded
        return components?.string ?? uri
    }
}
