import Foundation
import JWTKit
import TrustCrypto

/// A compact JWS (RFC 7515) as jwt-kit parses it — strict base64url, JSON header and claims — with the signing input
/// its signature covers. jwt-kit only parses here; OpenSSL checks the signature (``isSigned(by:algorithm:)``), so
/// every primitive stays OpenSSL's and an `alg` is accepted only when the caller names it.
struct ParsedJWS {
    static let maxLength = 8192

    let header: JWTHeader
    let claims: [String: JSONValue]
    let signature: [UInt8]
    let signingInput: [UInt8]

    /// `nil` for anything that is not a compact JWS with a JSON header and a JSON object of claims.
    init?(_ token: String) {
        let bytes = Array(token.utf8)
        guard bytes.count <= Self.maxLength else { return nil }
        let parser = DefaultJWTParser()
        guard let parsed = try? parser.parse(bytes, as: Claims.self), let parts = try? parser.getTokenParts(bytes)
        else { return nil }
        header = parsed.header
        claims = parsed.payload.values
        signature = Array(parsed.signature)
        signingInput = Array(parts.header) + [UInt8(ascii: ".")] + Array(parts.payload)
    }

    var algorithm: String? { header.alg }
    var type: String? { header.typ }
    var keyID: String? { header.kid }
    /// Critical header parameters: none is understood here, so any makes the token unacceptable (RFC 7515 §4.1.11).
    var hasCriticalParameters: Bool { header.fields["crit"] != nil }

    /// Whether `key` made the signature with `algorithm` (ECDSA signatures are JOSE's fixed-size `r‖s`).
    func isSigned(by key: PublicKey, algorithm: SignatureAlgorithm) -> Bool {
        var der = signature
        if case .ecdsa = algorithm {
            guard signature.count == 64, let converted = try? ECDSASignature.derFromRaw(signature) else { return false }
            der = converted
        }
        return (try? key.isValidSignature(der, for: signingInput, algorithm: algorithm)) == true
    }

    /// Any JSON object of claims; the callers check the claims they rely on.
    struct Claims: JWTPayload {
        let values: [String: JSONValue]

        init(from decoder: any Decoder) throws { values = try [String: JSONValue](from: decoder) }
        func encode(to encoder: any Encoder) throws { try values.encode(to: encoder) }
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }
}
