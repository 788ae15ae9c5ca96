import Foundation
import TrustModel

/// The `acr` values trustd states: one URI per assurance level (documented in the README and discovery).
public enum LoginACR {
    public static let prefix = "urn:trustd:loa:"
    public static func uri(_ level: AssuranceLevel) -> String { prefix + level.rawValue }
    public static func level(_ uri: String) -> AssuranceLevel? {
        guard uri.hasPrefix(prefix) else { return nil }
        return AssuranceLevel(rawValue: String(uri.dropFirst(prefix.count)))
    }
}

/// RFC 8176 authentication method references for the ways a person logs in here.
public enum AuthenticationMethod: String, Sendable, CaseIterable {
    /// A one-time code sent by SMS.
    case sms
    /// A one-time password (stated with `sms`).
    case otp
    /// A hardware-secured key: a certificate on a card or USB key.
    case hwk
    /// Facial recognition (the liveness check).
    case face
}

/// What a platform asks for at the authorization endpoint (OpenID Connect Core §3.1.2.1), as received.
public struct OIDCAuthorizationRequest: Sendable, Hashable {
    public var responseType: String?
    public var clientID: String?
    public var redirectURI: String?
    public var scope: String?
    public var state: String?
    public var nonce: String?
    public var codeChallenge: String?
    public var codeChallengeMethod: String?
    public var acrValues: String?
    public var maxAge: String?
    public var prompt: String?

    public init(_ query: [String: String]) {
        responseType = query["response_type"]
        clientID = query["client_id"]
        redirectURI = query["redirect_uri"]
        scope = query["scope"]
        state = query["state"]
        nonce = query["nonce"]
        codeChallenge = query["code_challenge"]
        codeChallengeMethod = query["code_challenge_method"]
        acrValues = query["acr_values"]
        maxAge = query["max_age"]
        prompt = query["prompt"]
    }

    /// The parameters again, to carry through the login page and back to the authorization endpoint.
    public var query: [(String, String)] {
        [
            ("response_type", responseType), ("client_id", clientID), ("redirect_uri", redirectURI),
            ("scope", scope), ("state", state), ("nonce", nonce), ("code_challenge", codeChallenge),
            ("code_challenge_method", codeChallengeMethod), ("acr_values", acrValues), ("max_age", maxAge),
            ("prompt", prompt),
        ].compactMap { name, value in value.map { (name, $0) } }
    }
}

/// What the authorization endpoint does next.
public enum AuthorizeOutcome: Sendable, Equatable {
    /// The client or its redirect URI is not registered: an error page, never a redirect (RFC 6749 §4.1.2.1).
    case invalidClient(String)
    /// To the client's redirect URI, with a code or an error.
    case redirect(String)
    /// The person must log in (again, or with more than they did): the login page for this platform.
    case login(platform: String, requiredLevel: AssuranceLevel?)
    /// The person is logged in but the platform asks for more than the session holds, and a fresh live check would
    /// give it: the live-check step of the login page.
    case stepUp(platform: String, requiredLevel: AssuranceLevel)
    /// The platform asks the person's agreement (a platform registered with consent) for these scopes.
    case consent(platform: String, scopes: [String])
}

/// What a platform sends to the end-session endpoint (RP-Initiated Logout 1.0 §2), as received.
public struct LogoutRequest: Sendable {
    public var idTokenHint: String?
    public var clientID: String?
    public var postLogoutRedirectURI: String?
    public var state: String?

    public init(_ query: [String: String]) {
        idTokenHint = query["id_token_hint"]
        clientID = query["client_id"]
        postLogoutRedirectURI = query["post_logout_redirect_uri"]
        state = query["state"]
    }
}

/// What the end-session endpoint does: back to the platform, a "logged out" page, or a refusal (nothing ended).
public enum LogoutOutcome: Sendable, Equatable {
    case redirect(String)
    case loggedOut
    case refused(String)
}

/// An OAuth error answer (RFC 6749 §5.2): `error`, `error_description`, and the HTTP status.
public struct OAuthError: Error, Sendable, Equatable {
    public let error: String
    public let description: String
    public let status: Int

    public init(_ error: String, _ description: String, status: Int = 400) {
        self.error = error
        self.description = description
        self.status = status
    }
}

/// A token request as the endpoint received it (form fields and client authentication).
public struct TokenRequest: Sendable {
    public var grantType: String?
    public var code: String?
    public var redirectURI: String?
    public var codeVerifier: String?
    public var refreshToken: String?
    public var clientID: String?
    public var clientSecret: String?
    public var clientAssertionType: String?
    public var clientAssertion: String?

    public init(form: [String: String], basic: (id: String, secret: String)?) {
        grantType = form["grant_type"]
        code = form["code"]
        redirectURI = form["redirect_uri"]
        codeVerifier = form["code_verifier"]
        refreshToken = form["refresh_token"]
        clientAssertionType = form["client_assertion_type"]
        clientAssertion = form["client_assertion"]
        // private_key_jwt may leave client_id out: the assertion's sub names the client (checked with its key).
        clientID = basic?.id ?? form["client_id"] ?? clientAssertion.flatMap(ClientAssertion.claimedClient)
        clientSecret = basic?.secret ?? form["client_secret"]
    }
}

/// The token endpoint's answer (OpenID Connect Core §3.1.3.3).
public struct TokenResponse: Sendable, Codable, Equatable {
    public let accessToken: String
    public let tokenType: String
    public let expiresIn: Int
    public let idToken: String
    public let refreshToken: String
    public let scope: String

    enum CodingKeys: String, CodingKey {
        case accessToken = "access_token"
        case tokenType = "token_type"
        case expiresIn = "expires_in"
        case idToken = "id_token"
        case refreshToken = "refresh_token"
        case scope
    }
}

/// A platform as registered, with its secret shown once at creation.
public struct RegisteredClient: Sendable {
    public let record: OIDCClientRecord
    /// The client secret in clear: only in the answer to the registration, never stored or shown again.
    public let secret: String?
    public var redirectURIs: [String] { Self.list(record.redirectURIs) }
    public var scopes: [String] { Self.list(record.scopes) }
    /// How the platform authenticates at the token endpoint (RFC 7591 `token_endpoint_auth_method`).
    public var authMethod: String {
        record.jwtPublicKey != nil ? "private_key_jwt" : record.secretHash != nil ? "client_secret_basic" : "none"
    }

    public static func list(_ json: String) -> [String] {
        (try? JSONDecoder().decode([String].self, from: Data(json.utf8))) ?? []
    }
}

/// Lifetimes of what the login service issues.
public struct LoginConfiguration: Sendable {
    public var codeLifetime: TimeInterval = 60
    public var accessTokenLifetime: TimeInterval = 600
    public var refreshTokenLifetime: TimeInterval = 30 * 86400
    public var sessionLifetime: TimeInterval = 8 * 3600
    public init() {}
}
