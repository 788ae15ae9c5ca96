import Foundation

// The login service's administration: `/v1/login/clients`, `/v1/login/sessions`.

/// `POST /v1/login/clients`: registers a platform as an OpenID Connect client.
public struct LoginClientRequest: Codable, Sendable, APIRequest {
    public let name: String
    public let redirectUris: [String]
    public let scopes: [String]?
    /// A confidential client (with a secret, for a server-side platform); `false` for a public one (PKCE only).
    public let confidential: Bool?
    public let backchannelLogoutUri: String?
    /// Ask the person's agreement before the platform gets their data (remembered per set of scopes).
    public let consentRequired: Bool?
    /// The platform's trustd principal, which may then pass this client's ID tokens to `/v1/sign` as the signer.
    public let principalId: String?
    /// A PEM public key (P-256 or RSA): the platform authenticates with `private_key_jwt` and gets no secret.
    public let jwtPublicKey: String?

    public init(
        name: String, redirectUris: [String], scopes: [String]?, confidential: Bool?, backchannelLogoutUri: String?,
        consentRequired: Bool? = nil, principalId: String? = nil, jwtPublicKey: String? = nil
    ) {
        self.jwtPublicKey = jwtPublicKey
        self.principalId = principalId
        self.consentRequired = consentRequired
        self.name = name
        self.redirectUris = redirectUris
        self.scopes = scopes
        self.confidential = confidential
        self.backchannelLogoutUri = backchannelLogoutUri
    }

    public func validate() throws(RequestError) {
        try Field.text(name, "name", max: 100)
        guard (1...10).contains(redirectUris.count) else { throw RequestError("give 1 to 10 redirectUris") }
        for uri in redirectUris { try Field.text(uri, "redirectUris", max: 512) }
        guard (scopes?.count ?? 0) <= 8 else { throw RequestError("at most 8 scopes") }
        try Field.optionalText(backchannelLogoutUri, "backchannelLogoutUri", max: 512)
        try Field.optionalText(jwtPublicKey, "jwtPublicKey", max: 4096)
    }
}

public struct LoginClientView: Codable, Sendable {
    public let clientId, name, type, createdAt: String
    /// `client_secret_basic` (or `_post`), `private_key_jwt`, or `none` for a public client.
    public let authMethod: String?
    public let redirectUris, scopes: [String]
    /// Only in the answer to the registration: store it now, it is not shown again.
    public let clientSecret: String?

    public init(
        clientId: String, name: String, type: String, authMethod: String?, createdAt: String, redirectUris: [String],
        scopes: [String], clientSecret: String?
    ) {
        self.authMethod = authMethod
        self.clientId = clientId
        self.name = name
        self.type = type
        self.createdAt = createdAt
        self.redirectUris = redirectUris
        self.scopes = scopes
        self.clientSecret = clientSecret
    }
}

public struct LoginClientList: Codable, Sendable {
    public let clients: [LoginClientView]
    public init(clients: [LoginClientView]) { self.clients = clients }
}

public struct LoginSessionView: Codable, Sendable {
    public let handle, person, acr, authTime, expiresAt: String
    public let amr: [String]

    public init(handle: String, person: String, acr: String, authTime: String, expiresAt: String, amr: [String]) {
        self.handle = handle
        self.person = person
        self.acr = acr
        self.authTime = authTime
        self.expiresAt = expiresAt
        self.amr = amr
    }
}

public struct LoginSessionList: Codable, Sendable {
    public let sessions: [LoginSessionView]
    public init(sessions: [LoginSessionView]) { self.sessions = sessions }
}
