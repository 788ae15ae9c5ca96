import Foundation
import KeyCustody
import Synchronization
import TrustCrypto
import TrustModel

/// trustd as an OpenID Provider (统一身份认证): platforms registered by an admin send people here to log in, get an
/// authorization code (PKCE S256 required), exchange it for an ID token that states the person's assurance level
/// (`acr`) and how they logged in (`amr`) — two different things — and refresh it with rotating single-use tokens.
///
/// The login endpoints are public: their authorisation is the protocol's own (the client's credentials, the code and
/// its verifier, the session cookie), and each request writes one audit record, allowed or refused, with the person or
/// platform as actor. Codes, refresh tokens, session cookies and client secrets are stored as keyed hashes only.
/// Administration (platforms, sessions) goes through the permission model (`login.manage`).
public final class LoginService: Sendable {
    let store: any TransactionalStore
    let keys: any KeyStore
    let journal: KeyJournal
    let identity: IdentityService
    /// The issuer identifier: the installation's published base URL.
    public let issuer: String
    public let configuration: LoginConfiguration
    let useCases: UseCases
    var clock: @Sendable () -> Date { useCases.clock }
    var secrets: IdentitySecrets { identity.secrets }
    let signerCache = Mutex<JSONWebSigner?>(nil)
    /// Where back-channel logout tokens go (the HTTP layer sets it; none: nothing is sent).
    let logoutDelivery = Mutex<(any LogoutDelivery)?>(nil)
    /// Checks card and USB-key certificates (the card issuers of the counter checks); `nil`: no certificate login.
    let cards: CounterCheckService?

    public init(
        store: any TransactionalStore, keys: any KeyStore, journal: KeyJournal, identity: IdentityService,
        issuer: String, configuration: LoginConfiguration = .init(), cards: CounterCheckService? = nil,
        executor: BlockingExecutor = .shared, clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.cards = cards
        self.store = store
        self.keys = keys
        self.journal = journal
        self.identity = identity
        self.issuer = issuer
        self.configuration = configuration
        useCases = UseCases(store: store, executor: executor, clock: clock)
    }

    /// The scopes a platform may be registered for.
    public static let supportedScopes = ["openid", "profile", "identity", "organization"]

    // MARK: Administration

    /// Registers a platform. A confidential client gets a secret (shown once), or — given its public key — signs
    /// `private_key_jwt` assertions and has no secret; a public one authenticates with PKCE only. Redirect URIs are absolute, `https` (or `http` on the loopback), without a fragment, matched exactly.
    public func registerClient(
        name: String, redirectURIs: [String], scopes: [String], confidential: Bool, backchannelLogoutURI: String?,
        consentRequired: Bool = false, principalID: String? = nil, jwtPublicKey: String? = nil, by caller: Caller
    ) async throws -> RegisteredClient {
        if let jwtPublicKey {
            guard confidential else { throw TrustError.invalid("a public client cannot have a private_key_jwt key") }
            _ = try ClientAssertion.registeredKey(jwtPublicKey)
        }
        guard (1...100).contains(name.count) else { throw TrustError.invalid("name must be 1 to 100 characters") }
        guard (1...10).contains(redirectURIs.count) else { throw TrustError.invalid("give 1 to 10 redirect URIs") }
        for uri in redirectURIs + [backchannelLogoutURI].compactMap({ $0 }) { try Self.checkRedirectURI(uri) }
        let scopes = Array(Set(scopes + ["openid"])).sorted()
        guard scopes.allSatisfy(Self.supportedScopes.contains) else {
            throw TrustError.invalid("scopes must be among \(Self.supportedScopes.joined(separator: ", "))")
        }
        let id = "p-" + Hex.encode(SecureRandom.bytes(8))
        let secret = confidential && jwtPublicKey == nil ? Base64URL.encode(SecureRandom.bytes(32)) : nil
        let encoder = JSONEncoder()
        let record = OIDCClientRecord(
            id: id, name: name, secretHash: secret.map { secrets.lookupHash($0, kind: "oidc-client-secret") },
            redirectURIs: String(decoding: try encoder.encode(redirectURIs), as: UTF8.self),
            scopes: String(decoding: try encoder.encode(scopes), as: UTF8.self),
            backchannelLogoutURI: backchannelLogoutURI, createdAt: clock(), consentRequired: consentRequired,
            principalID: principalID, jwtPublicKey: jwtPublicKey)
        return try await useCases.perform(caller, .loginManage, action: "login.client-create", object: "client:\(id)") {
            tx, _ in
            if let principalID, try tx.principal(id: principalID) == nil {
                throw TrustError.notFound("no principal \(principalID)")
            }
            try tx.insert(record)
            return (
                RegisteredClient(record: record, secret: secret),
                AuditNote(details: [
                    "name": name, "redirectURIs": redirectURIs.joined(separator: " "),
                    "scopes": scopes.joined(separator: " "), "type": confidential ? "confidential" : "public",
                    "authMethod": RegisteredClient(record: record, secret: nil).authMethod,
                    "consent": consentRequired ? "required" : "implied",
                ])
            )
        }
    }

    public func clients(by caller: Caller) async throws -> [RegisteredClient] {
        try await useCases.read(caller, .loginManage, action: "login.client-list", object: "client:*") { tx in
            try tx.oidcClients().map { RegisteredClient(record: $0, secret: nil) }
        }
    }

    /// Active login sessions, newest first.
    public func sessions(by caller: Caller) async throws -> [LoginSessionRecord] {
        let now = clock()
        return try await useCases.read(caller, .loginManage, action: "login.session-list", object: "session:*") {
            tx in try tx.loginSessions(activeAt: now, limit: 1000)
        }
    }

    /// Ends a session by its handle (the `sid`): the cookie stops working and its refresh tokens are revoked.
    public func revokeSession(handle: String, by caller: Caller) async throws {
        let signer: JSONWebSigner = try await useCases.executor.run { [self] in try self.signer() }
        let notices: [LogoutNotice] = try await useCases.perform(
            caller, .loginManage, action: "login.session-revoke", object: "session:\(handle)"
        ) { [self] tx, now -> ([LogoutNotice], AuditNote) in
            guard let session = try tx.loginSession(handle: handle) else {
                throw TrustError.notFound("no login session \(handle)")
            }
            let notices = try end(session, signer: signer, at: now, in: tx)
            return (
                notices,
                AuditNote(details: [
                    "person": session.personID, "notified": notices.map(\.clientID).joined(separator: " "),
                ])
            )
        }
        announce(notices)
    }

    static func checkRedirectURI(_ uri: String) throws {
        guard uri.count <= 512, let url = URL(string: uri), let scheme = url.scheme, let host = url.host,
            url.fragment == nil, !host.isEmpty,
            scheme == "https" || (scheme == "http" && ["127.0.0.1", "localhost", "[::1]", "::1"].contains(host))
        else {
            throw TrustError.invalid(
                "\(uri) is not an absolute https URI (http only on the loopback) without a fragment")
        }
    }

    // MARK: Shared pieces

    /// The pairwise subject of a person at a platform: the same person gets different `sub`s at different platforms
    /// (they cannot correlate), and no ID number is in any token.
    func subject(person: String, client: String) -> String {
        secrets.lookupHash("\(client):\(person)", kind: "oidc-sub")
    }

    /// The level a session stands for now: the level at login, unless the person's evidence has since decayed.
    /// Read in the caller's transaction (no second connection while one is held).
    func currentLevel(of session: LoginSessionRecord, at now: Date, in tx: any Repositories) throws -> AssuranceLevel {
        let atLogin = AssuranceLevel(rawValue: session.level) ?? .anonymous
        return min(atLogin, try attainableLevel(session.personID, at: now, in: tx))
    }

    /// The level the person's evidence supports now.
    func attainableLevel(_ personID: String, at now: Date, in tx: any Repositories) throws -> AssuranceLevel {
        try identity.registry.personAssessment(tx, personID, at: now).level
    }

    func client(_ id: String?, in tx: any Repositories) throws -> RegisteredClient? {
        guard let id, id.count <= 64, let record = try tx.oidcClient(id: id), record.disabledAt == nil else {
            return nil
        }
        return RegisteredClient(record: record, secret: nil)
    }

    func sessionRecord(cookie: String?, at now: Date, in tx: any Repositories) throws -> LoginSessionRecord? {
        guard let cookie, (20...100).contains(cookie.count),
            let session = try tx.loginSession(id: secrets.lookupHash(cookie, kind: "login-session")),
            session.revokedAt == nil, session.expiresAt > now
        else { return nil }
        return session
    }
}
