import Foundation
import TrustCrypto
import TrustModel

/// `private_key_jwt` client authentication (OpenID Connect Core §9, RFC 7523 §2.2 and §3): the platform signs a
/// short-lived JWT with its own private key and trustd checks it with the public key registered for the platform.
/// No shared secret exists on either side.
///
/// Checked here: the JWS (`alg` fixed by the registered key: ES256 for P-256, RS256 or PS256 for RSA — never `none`
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
    static func claimedClient(_ assertion: String) -> String? {
        let parts = assertion.split(separator: ".", omittingEmptySubsequences: false)
        guard assertion.utf8.count <= 8192, parts.count == 3, let payload = Base64URL.decode(String(parts[1])),
            let claims = try? JSONDecoder().decode([String: JSONValue].self, from: Data(payload))
        else { return nil }
        return claims["sub"]?.string
    }

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
        let parts = assertion.split(separator: ".", omittingEmptySubsequences: false)
        guard assertion.utf8.count <= 8192, parts.count == 3,
            let headerBytes = Base64URL.decode(String(parts[0])),
            let header = try? JSONDecoder().decode([String: JSONValue].self, from: Data(headerBytes)),
            let payload = Base64URL.decode(String(parts[1])),
            let claims = try? JSONDecoder().decode([String: JSONValue].self, from: Data(payload)),
            let signature = Base64URL.decode(String(parts[2]))
        else { throw refuse("not a compact JWS with JSON header and claims") }
        guard let name = header["alg"]?.string, let algorithm = algorithms(for: key)[name] else {
            let allowed = algorithms(for: key).keys.sorted().joined(separator: " or ")
            throw refuse("alg must be \(allowed) for the registered key")
        }
        guard header["crit"] == nil else { throw refuse("critical header parameters are not supported") }
        let der: [UInt8]
        if case .ecdsa = algorithm {
            guard signature.count == 64, let converted = try? ECDSASignature.derFromRaw(signature) else {
                throw refuse("an ES256 signature is 64 bytes")
            }
            der = converted
        } else {
            der = signature
        }
        let input = Array("\(parts[0]).\(parts[1])".utf8)
        guard (try? key.isValidSignature(der, for: input, algorithm: algorithm)) == true else {
            throw refuse("the signature does not verify with the registered key")
        }
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
