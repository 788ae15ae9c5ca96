import Foundation
import Testing
import TrustCrypto

@testable import TrustServices

/// private_key_jwt assertions (RFC 7523 §3) as the token endpoint checks them: what a platform's key signs passes,
/// everything a careless or hostile client might send instead is refused with `invalid_client`. The end-to-end test
/// with authlib is in LoginFlowTests.
@Suite struct ClientAssertionTests {
    let endpoint = "https://trust.example/oidc/token"
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func assertion(
        _ key: PrivateKey, alg: String, claims overrides: [String: JSONValue] = [:], removing: [String] = []
    ) throws -> String {
        var claims: [String: JSONValue] = [
            "iss": .string("p-1"), "sub": .string("p-1"), "aud": .string(endpoint), "jti": .string("j-1"),
            "iat": .number(Int(now.timeIntervalSince1970)), "exp": .number(Int(now.timeIntervalSince1970) + 300),
        ]
        claims.merge(overrides) { $1 }
        for name in removing { claims[name] = nil }
        let header: [String: JSONValue] = ["alg": .string(alg), "typ": .string("JWT")]
        let input =
            Base64URL.encode(try JSONValue.encode(header)) + "." + Base64URL.encode(try JSONValue.encode(claims))
        let algorithm: SignatureAlgorithm =
            switch alg {
            case "ES256": .ecdsa(.sha256)
            case "PS256": .rsaPSS(.sha256)
            default: .rsaPKCS1v15(.sha256)
            }
        var signature = try key.sign(Array(input.utf8), algorithm: algorithm)
        if case .ecdsa = algorithm { signature = try ECDSASignature.rawFromDER(signature) }
        return input + "." + Base64URL.encode(signature)
    }

    func check(_ token: String, _ key: PrivateKey) throws -> ClientAssertion.Checked {
        try ClientAssertion.check(
            token, key: key.publicKey, clientID: "p-1", audiences: [endpoint, "https://trust.example"], at: now)
    }

    func refusal(_ token: String, _ key: PrivateKey) -> String? {
        do {
            _ = try check(token, key)
            return nil
        } catch let error as OAuthError {
            return error.error == "invalid_client" && error.status == 401 ? error.description : "wrong error \(error)"
        } catch {
            return "unexpected \(error)"
        }
    }

    @Test func assertionsSignedByTheRegisteredKeyPass() throws {
        let p256 = try PrivateKey.generate(.p256)
        let checked = try check(try assertion(p256, alg: "ES256"), p256)
        #expect(checked.jti == "j-1")
        #expect(checked.expiresAt > now.addingTimeInterval(300))
        let rsa = try PrivateKey.generate(.rsa2048)
        _ = try check(try assertion(rsa, alg: "RS256"), rsa)
        _ = try check(
            try assertion(rsa, alg: "PS256", claims: ["aud": .array([.string("https://trust.example")])]), rsa)
        #expect(ClientAssertion.claimedClient(try assertion(rsa, alg: "RS256")) == "p-1")
    }

    @Test func everythingElseIsRefused() throws {
        let key = try PrivateKey.generate(.p256)
        let other = try PrivateKey.generate(.p256)
        let seconds = Int(now.timeIntervalSince1970)
        let cases: [(String, String)] = [
            ("another key", try assertion(other, alg: "ES256")),
            ("alg RS256 on a P-256 key", try assertion(try PrivateKey.generate(.rsa2048), alg: "RS256")),
            ("iss is another client", try assertion(key, alg: "ES256", claims: ["iss": .string("p-2")])),
            ("sub is another client", try assertion(key, alg: "ES256", claims: ["sub": .string("p-2")])),
            (
                "aud is another server",
                try assertion(key, alg: "ES256", claims: ["aud": .string("https://evil.example")])
            ),
            ("expired", try assertion(key, alg: "ES256", claims: ["exp": .number(seconds - 60)])),
            ("valid for a day", try assertion(key, alg: "ES256", claims: ["exp": .number(seconds + 86400)])),
            ("not yet valid", try assertion(key, alg: "ES256", claims: ["nbf": .number(seconds + 600)])),
            ("no jti", try assertion(key, alg: "ES256", removing: ["jti"])),
            ("no exp", try assertion(key, alg: "ES256", removing: ["exp"])),
            ("not a JWS", "not.a-jws"),
        ]
        for (name, token) in cases { #expect(refusal(token, key) != nil, "\(name)") }
        // alg none and an HMAC with the public key as secret (the classic confusions) are refused before any check.
        let valid = try assertion(key, alg: "ES256").split(separator: ".")
        for alg in ["none", "HS256"] {
            let header = Base64URL.encode(try JSONValue.encode(["alg": .string(alg)]))
            #expect(refusal("\(header).\(valid[1]).", key)?.contains("alg must be ES256") == true, "\(alg)")
        }
        #expect(throws: (any Error).self) {
            try ClientAssertion.registeredKey(try PrivateKey.generate(.sm2).publicKey.pem)
        }
    }
}
