import Foundation
import KeyCustody
import TrustCrypto
import TrustModel

/// The key that signs ID and access tokens: P-256 (ES256) in custody, so on the HSM when the key store is one. Made
/// on first use through the key journal; its id is a setting, so every node signs with the same key.
extension LoginService {
    static let signingKeySetting = "login.signing-key"

    func signer() throws -> JSONWebSigner {
        if let cached = signerCache.withLock({ $0 }) { return cached }
        let signer = try JSONWebSigner(keys: keys, keyID: try signingKeyID())
        signerCache.withLock { $0 = signer }
        return signer
    }

    private func signingKeyID() throws -> KeyID {
        if let id = try store.read({ try $0.setting(Self.signingKeySetting) }) { return try KeyID(id) }
        let made = try journal.generate(.p256, label: "login:token-signing")
        let now = clock()
        let chosen: String = try store.write { tx in
            // Another node may have made one meanwhile: the first to commit wins, this one's key is abandoned.
            if let existing = try tx.setting(Self.signingKeySetting) { return existing }
            try tx.setSetting(Self.signingKeySetting, made.id.rawValue)
            try journal.settle(made.id, in: tx)
            try tx.appendAudit(
                AuditEntry(
                    actor: "system:login", action: "login.key-create", object: "key:\(made.id.rawValue)",
                    details: ["type": "p256", "use": "ID and access token signatures (ES256)"]), at: now)
            return made.id.rawValue
        }
        if chosen != made.id.rawValue { journal.abandon(made.id) }
        return try KeyID(chosen)
    }

    /// `/.well-known/openid-configuration` (OpenID Connect Discovery 1.0 §3).
    public func discovery() -> [String: JSONValue] {
        [
            "issuer": .string(issuer),
            "authorization_endpoint": .string("\(issuer)/oidc/authorize"),
            "token_endpoint": .string("\(issuer)/oidc/token"),
            "userinfo_endpoint": .string("\(issuer)/oidc/userinfo"),
            "jwks_uri": .string("\(issuer)/oidc/jwks"),
            "end_session_endpoint": .string("\(issuer)/oidc/logout"),
            "response_types_supported": .strings(["code"]),
            "response_modes_supported": .strings(["query"]),
            "grant_types_supported": .strings(["authorization_code", "refresh_token"]),
            "subject_types_supported": .strings(["pairwise"]),
            "id_token_signing_alg_values_supported": .strings(["ES256"]),
            "token_endpoint_auth_methods_supported": .strings([
                "client_secret_basic", "client_secret_post", "private_key_jwt", "none",
            ]),
            "token_endpoint_auth_signing_alg_values_supported": .strings(["ES256", "PS256", "RS256"]),
            "code_challenge_methods_supported": .strings(["S256"]),
            "scopes_supported": .strings(Self.supportedScopes),
            "claims_supported": .strings([
                "sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "sid", "name",
                "id_number_masked", "organizations",
            ]),
            "acr_values_supported": .strings(AssuranceLevel.allCases.map(LoginACR.uri)),
            "authorization_response_iss_parameter_supported": .bool(true),
            "claims_parameter_supported": .bool(false),
            "request_parameter_supported": .bool(false),
        ]
    }

    /// `/oidc/jwks`: the public key that verifies trustd's tokens.
    public func jwks() async throws -> [String: JSONValue] {
        try await useCases.executor.run { [self] in ["keys": .array([.object(try signer().jwk)])] }
    }
}
