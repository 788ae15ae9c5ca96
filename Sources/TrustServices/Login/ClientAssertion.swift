import Foundation
import TrustCrypto
import TrustModel

/// `private_key_jwt` client authentication (OpenID Connect Core §9, RFC 7523 §2.2 and §3): the platform signs a
/// short-lived JWT with its own private key and trustd checks it with the public key registered for the platform.
/// No shared secret exists on either side.
///
/// Checked here (jwt-kit parses, OpenSSL verifies): the JWS (`alg` fixed by the registered key: ES256 for P-256, RS256 or PS256 for RSA — never `none`
/// or an HMAC), `iss` = `sub` = the client id, `aud` naming the token endpoint or the issuer, `exp` in the future and
/// at most an hour and a minute away, `nbf` and `iat` not in the future, and a `jti`. That the `jti` was not seen
/// before is checked by the caller in the token transaction (a row per `jti` until it expires, exact across nodes).
enum ClientAssertion {
    static let type = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    /// Common clients (authlib, Nimbus) sign assertions valid for an hour.
    static let maxLifetime: TimeInterval = 3660
    /// Clock skew tolerated between the platform and trustd.
    static let leeway: TimeInterval = 30

    /// The key kinds a platform may register, and the JWS algorithms each allows.
    static func algorithms(for key: PublicKey) -> [String: SignatureAlgorithm] {
        switch key.type {
        case .p256: ["ES256": .ecdsa(.sha256)]
        case .rsa2048, .rsa3072, .rsa4096: ["RS256": .rsaPKCS1v15(.sha256), "PS256": .rsaPSS(.sha256)]
        case .sm2: [:]
        }
    }

    /// A platform's registered public key (PEM SubjectPublicKeyInfo), refused unless it is P-256 or RSA ≥ 2048.
    static func registeredKey(_ pem: String) throws -> PublicKey {
        guard pem.utf8.count <= 4096, let key = try? PublicKey(pem: pem), !algorithms(for: key).isEmpty else {
            throw TrustError.invalid(
                "the client's public key must be a PEM P-256 or RSA (2048 bits or more) public key")
        }
        return key
    }

    /// The client an assertion names in `sub` (before any check: only to find the key to check it with).
    static func claimedClient(_ assertion: String) -> String? { ParsedJWS(assertion)?.claims["sub"]?.string }

    /// What a checked assertion leaves to record: its `jti` and when it expires.
    struct Checked {
        let jti: String
        let expiresAt: Date
    }

    static func check(
        _ assertion: String, key: PublicKey, clientID: String, audiences: Set<String>, at now: Date
    ) throws -> Checked {
        func refuse(_ why: String) -> OAuthError {
            OAuthError("invalid_client", "client assertion: \(why)", status: 401)
        }
        guard let jws = ParsedJWS(assertion) else { throw refuse("not a compact JWS with JSON header and claims") }
        guard let name = jws.algorithm, let algorithm = algorithms(for: key)[name] else {
            let allowed = algorithms(for: key).keys.sorted().joined(separator: " or ")
            throw refuse("alg must be \(allowed) for the registered key")
        }
        guard !jws.hasCriticalParameters else { throw refuse("critical header parameters are not supported") }
        guard jws.isSigned(by: key, algorithm: algorithm) else {
            throw refuse("the signature does not verify with the registered key")
        }
        let claims = jws.claims
        guard claims["iss"]?.string == clientID, claims["sub"]?.string == clientID else {
            throw refuse("iss and sub must both be the client id")
        }
        let audience: [String]
        switch claims["aud"] {
        case .string(let value): audience = [value]
        case .array(let values): audience = values.compactMap(\.string)
        default: audience = []
        }
        guard audience.contains(where: audiences.contains) else {
            throw refuse("aud must name the token endpoint \(audiences.sorted().joined(separator: " or "))")
        }
        guard let exp = claims["exp"]?.number else { throw refuse("exp is required") }
        let expiresAt = Date(timeIntervalSince1970: TimeInterval(exp))
        guard expiresAt.addingTimeInterval(leeway) > now else { throw refuse("it has expired") }
        guard expiresAt.timeIntervalSince(now) <= maxLifetime else {
            throw refuse("exp is more than \(Int(maxLifetime)) s away")
        }
        for name in ["nbf", "iat"] {
            if let value = claims[name] {
                guard let seconds = value.number, TimeInterval(seconds) <= now.timeIntervalSince1970 + leeway else {
                    throw refuse("\(name) is in the future")
                }
            }
        }
        guard let jti = claims["jti"]?.string, (1...256).contains(jti.utf8.count) else {
            throw refuse("jti (1 to 256 characters) is required")
        }
        return Checked(jti: jti, expiresAt: expiresAt.addingTimeInterval(leeway))
    }
}
