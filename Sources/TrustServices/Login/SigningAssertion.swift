import Foundation
import TrustModel

/// Who an ID token says is signing: a platform passes the ID token trustd gave it to `/v1/sign` instead of naming
/// the signer, and the signature is then allowed only at the level that token states (its `acr`, lowered if the
/// person's evidence has decayed since).
public struct SigningAssertion: Sendable, Hashable {
    public let personID: String
    public let level: AssuranceLevel
    public let session: String
}

extension LoginService {
    /// Checks an ID token for signing: trustd's own signature, issuer, not expired, its login session not ended, and
    /// its audience a platform bound to `principalID` (an ID token was given to one platform; no other may use it).
    /// Synchronous: the signing service calls it on its executor.
    public func signingAssertion(_ idToken: String, principalID: String) throws -> SigningAssertion {
        let now = clock()
        let refused = TrustError(.forbidden, "the ID token does not name a signer for this platform")
        guard let claims = try signer().verify(idToken, type: "JWT"), claims["iss"]?.string == issuer,
            let expires = claims["exp"]?.number, TimeInterval(expires) > now.timeIntervalSince1970,
            let audience = claims["aud"]?.string, let handle = claims["sid"]?.string,
            let acr = claims["acr"]?.string.flatMap(LoginACR.level)
        else { throw refused }
        return try store.read { tx in
            guard let client = try tx.oidcClient(id: audience), client.disabledAt == nil,
                client.principalID == principalID,
                let session = try tx.loginSession(handle: handle), session.revokedAt == nil, session.expiresAt > now,
                claims["sub"]?.string == subject(person: session.personID, client: audience)
            else { throw refused }
            return SigningAssertion(
                personID: session.personID, level: min(acr, try currentLevel(of: session, at: now, in: tx)),
                session: handle)
        }
    }
}
