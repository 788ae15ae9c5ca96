import Foundation
import KeyCustody
import TrustCrypto
import TrustModel

/// A JSON value for token claims and discovery documents (encoded with sorted keys, so tokens are deterministic).
public enum JSONValue: Codable, Sendable, Hashable {
    case string(String)
    case number(Int)
    case bool(Bool)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    public var string: String? { if case .string(let value) = self { value } else { nil } }
    public var number: Int? { if case .number(let value) = self { value } else { nil } }

    static func strings(_ values: [String]) -> JSONValue { .array(values.map { .string($0) }) }

    /// Compact JSON with sorted keys and unescaped slashes.
    static func encode(_ object: [String: JSONValue]) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(object))
    }
}

/// ES256 JSON Web Signatures (RFC 7515) made with a P-256 key in custody: the key never leaves the key store (so it
/// may be on the HSM); only the signing input goes in and an `r‖s` signature comes out. Tokens trustd issued are
/// also checked here (the userinfo endpoint's access tokens).
public struct JSONWebSigner: Sendable {
    let keys: any KeyStore
    let keyID: KeyID
    public let publicKey: PublicKey
    /// The RFC 7638 thumbprint of the public JWK: the `kid` of every token and of the JWKS entry.
    public let kid: String
    /// The public JWK, as the JWKS document lists it.
    public let jwk: [String: JSONValue]

    init(keys: any KeyStore, keyID: KeyID) throws {
        self.keys = keys
        self.keyID = keyID
        publicKey = try custody { try keys.publicKey(keyID) }
        guard publicKey.type == .p256 else { throw TrustError(.integrity, "the login signing key is not P-256") }
        let (x, y) = try Self.coordinates(publicKey)
        // RFC 7638 §3.2: the required members in lexicographic order, no whitespace.
        let canonical = #"{"crv":"P-256","kty":"EC","x":"\#(Base64URL.encode(x))","y":"\#(Base64URL.encode(y))"}"#
        kid = Base64URL.encode(Digest.hash(.sha256, utf8: canonical))
        jwk = [
            "kty": .string("EC"), "crv": .string("P-256"), "x": .string(Base64URL.encode(x)),
            "y": .string(Base64URL.encode(y)), "use": .string("sig"), "alg": .string("ES256"), "kid": .string(kid),
        ]
    }

    /// `header.payload.signature`, with `typ` in the header (`JWT`, `at+jwt`, `logout+jwt`).
    public func sign(_ claims: [String: JSONValue], type: String) throws -> String {
        let header: [String: JSONValue] = ["alg": .string("ES256"), "kid": .string(kid), "typ": .string(type)]
        let input =
            Base64URL.encode(try JSONValue.encode(header)) + "." + Base64URL.encode(try JSONValue.encode(claims))
        let der = try custody { try keys.sign(Array(input.utf8), with: keyID, algorithm: .ecdsa(.sha256)) }
        let raw = try crypto { try ECDSASignature.rawFromDER(der) }
        return input + "." + Base64URL.encode(raw)
    }

    /// The claims of a token this signer made, when its signature, `alg`, `kid` and `typ` are right; `nil` otherwise.
    public func verify(_ token: String, type: String) -> [String: JSONValue]? {
        guard let jws = ParsedJWS(token), jws.algorithm == "ES256", jws.keyID == kid, jws.type == type,
            !jws.hasCriticalParameters, jws.isSigned(by: publicKey, algorithm: .ecdsa(.sha256))
        else { return nil }
        return jws.claims
    }

    /// The affine coordinates of an uncompressed P-256 point (the last 65 bytes of its SubjectPublicKeyInfo).
    static func coordinates(_ key: PublicKey) throws -> ([UInt8], [UInt8]) {
        let spki = key.spkiDER
        guard spki.count >= 65, spki[spki.count - 65] == 0x04 else {
            throw TrustError(.integrity, "the login signing key is not an uncompressed P-256 point")
        }
        let point = Array(spki.suffix(64))
        return (Array(point.prefix(32)), Array(point.suffix(32)))
    }
}
