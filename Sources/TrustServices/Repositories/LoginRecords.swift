import Foundation

/// A platform registered to log people in through trustd (an OpenID Connect relying party).
public struct OIDCClientRecord: Codable, Sendable, Hashable {
    public var id: String
    public var name: String
    /// Keyed hash of the client secret; `nil` for a public client (PKCE only, no secret).
    public var secretHash: String?
    /// JSON array of redirect URIs, matched exactly.
    public var redirectURIs: String
    /// JSON array of the scopes the platform may ask for.
    public var scopes: String
    public var backchannelLogoutURI: String?
    public var createdAt: Date
    public var disabledAt: Date?
    /// The person is asked to agree before the platform gets their data (once per set of scopes, remembered);
    /// `nil` or `false` for the province's own platforms, which an admin registered.
    public var consentRequired: Bool?
    /// The trustd principal (the platform's API identity) that may pass this client's ID tokens to `/v1/sign`.
    public var principalID: String?
    /// PEM public key of a platform that authenticates with `private_key_jwt` (it then has no secret).
    public var jwtPublicKey: String?

    public init(
        id: String, name: String, secretHash: String?, redirectURIs: String, scopes: String,
        backchannelLogoutURI: String?, createdAt: Date, disabledAt: Date? = nil, consentRequired: Bool? = nil,
        principalID: String? = nil, jwtPublicKey: String? = nil
    ) {
        self.jwtPublicKey = jwtPublicKey
        self.principalID = principalID
        self.consentRequired = consentRequired
        self.id = id
        self.name = name
        self.secretHash = secretHash
        self.redirectURIs = redirectURIs
        self.scopes = scopes
        self.backchannelLogoutURI = backchannelLogoutURI
        self.createdAt = createdAt
        self.disabledAt = disabledAt
    }

    public enum CodingKeys: String, CodingKey {
        case id, name
        case secretHash = "secret_hash"
        case redirectURIs = "redirect_uris"
        case scopes
        case backchannelLogoutURI = "backchannel_logout_uri"
        case createdAt = "created_at"
        case disabledAt = "disabled_at"
        case consentRequired = "consent_required"
        case principalID = "principal_id"
        case jwtPublicKey = "jwt_public_key"
    }
}

/// A person's agreement that a platform may have the scopes named (space separated), remembered until asked for
/// more.
public struct ConsentRecord: Codable, Sendable, Hashable {
    public var personID: String
    public var clientID: String
    public var scopes: String
    public var grantedAt: Date

    public init(personID: String, clientID: String, scopes: String, grantedAt: Date) {
        self.personID = personID
        self.clientID = clientID
        self.scopes = scopes
        self.grantedAt = grantedAt
    }

    public enum CodingKeys: String, CodingKey {
        case personID = "person_id"
        case clientID = "client_id"
        case scopes
        case grantedAt = "granted_at"
    }
}

/// One login of a person (single sign-on across platforms). The browser holds a random cookie; the store keeps its
/// keyed hash as the id.
public struct LoginSessionRecord: Codable, Sendable, Hashable {
    public var id: String
    /// A public handle (the `sid` claim, the admin's listing) that is not the cookie.
    public var handle: String
    public var personID: String
    /// The assurance level when the person logged in.
    public var level: String
    /// JSON array of RFC 8176 method references used in this login.
    public var methods: String
    public var authTime: Date
    public var expiresAt: Date
    public var revokedAt: Date?

    public init(
        id: String, handle: String, personID: String, level: String, methods: String, authTime: Date,
        expiresAt: Date, revokedAt: Date? = nil
    ) {
        self.id = id
        self.handle = handle
        self.personID = personID
        self.level = level
        self.methods = methods
        self.authTime = authTime
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
    }

    public enum CodingKeys: String, CodingKey {
        case id, handle
        case personID = "person_id"
        case level, methods
        case authTime = "auth_time"
        case expiresAt = "expires_at"
        case revokedAt = "revoked_at"
    }
}

/// An authorization code: single use, short-lived, bound to the client, redirect URI and PKCE challenge. Stored by
/// the keyed hash of the code.
public struct AuthorizationCodeRecord: Codable, Sendable, Hashable {
    public var codeHash: String
    public var clientID: String
    public var sessionID: String
    public var redirectURI: String
    public var scope: String
    public var nonce: String?
    public var codeChallenge: String
    public var createdAt, expiresAt: Date
    public var usedAt: Date?

    public init(
        codeHash: String, clientID: String, sessionID: String, redirectURI: String, scope: String, nonce: String?,
        codeChallenge: String, createdAt: Date, expiresAt: Date, usedAt: Date? = nil
    ) {
        self.codeHash = codeHash
        self.clientID = clientID
        self.sessionID = sessionID
        self.redirectURI = redirectURI
        self.scope = scope
        self.nonce = nonce
        self.codeChallenge = codeChallenge
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.usedAt = usedAt
    }

    public enum CodingKeys: String, CodingKey {
        case codeHash = "code_hash"
        case clientID = "client_id"
        case sessionID = "session_id"
        case redirectURI = "redirect_uri"
        case scope, nonce
        case codeChallenge = "code_challenge"
        case createdAt = "created_at"
        case expiresAt = "expires_at"
        case usedAt = "used_at"
    }
}

/// A refresh token: single use (each use issues the next of its family); a second use of a spent one revokes the
/// family. Stored by the keyed hash of the token.
public struct RefreshTokenRecord: Codable, Sendable, Hashable {
    public var tokenHash: String
    public var family: String
    public var clientID: String
    public var sessionID: String
    public var scope: String
    public var createdAt, expiresAt: Date
    public var usedAt: Date?
    public var revokedAt: Date?

    public init(
        tokenHash: String, family: String, clientID: String, sessionID: String, scope: String, createdAt: Date,
        expiresAt: Date, usedAt: Date? = nil, revokedAt: Date? = nil
    ) {
        self.tokenHash = tokenHash
        self.family = family
        self.clientID = clientID
        self.sessionID = sessionID
        self.scope = scope
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.usedAt = usedAt
        self.revokedAt = revokedAt
    }

    public enum CodingKeys: String, CodingKey {
        case tokenHash = "token_hash"
        case family
        case clientID = "client_id"
        case sessionID = "session_id"
        case scope
        case createdAt = "created_at"
        case expiresAt = "expires_at"
        case usedAt = "used_at"
        case revokedAt = "revoked_at"
    }
}
