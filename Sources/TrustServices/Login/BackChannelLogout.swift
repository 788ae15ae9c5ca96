import Foundation
import TrustCrypto
import TrustModel

/// A logout token for one platform (OpenID Connect Back-Channel Logout 1.0): where to post it, and the token.
public struct LogoutNotice: Sendable, Hashable {
    public let clientID: String
    public let uri: String
    public let token: String
}

/// Delivers logout tokens to platforms' back-channel logout URIs (the HTTP layer's adapter posts them).
public protocol LogoutDelivery: Sendable {
    func deliver(_ notices: [LogoutNotice])
}

/// When a session ends (the person logs out, or an admin ends it), every platform that was given tokens in it and
/// registered a back-channel logout URI is told, with a signed logout token naming the session (`sid`) and the
/// person's pairwise `sub` at that platform. Tokens are made in the ending transaction and posted after it commits.
extension LoginService {
    /// Sets where logout tokens go.
    public func deliverLogouts(with delivery: any LogoutDelivery) { logoutDelivery.withLock { $0 = delivery } }

    func logoutNotices(for session: LoginSessionRecord, signer: JSONWebSigner, at now: Date, in tx: any Repositories)
        throws -> [LogoutNotice]
    {
        try tx.refreshTokenClients(sessionID: session.id).compactMap { clientID in
            guard let client = try tx.oidcClient(id: clientID), let uri = client.backchannelLogoutURI else {
                return nil
            }
            let claims: [String: JSONValue] = [
                "iss": .string(issuer), "aud": .string(clientID), "iat": .number(Int(now.timeIntervalSince1970)),
                "exp": .number(Int(now.timeIntervalSince1970) + 120),
                "jti": .string(Hex.encode(SecureRandom.bytes(12))),
                "sid": .string(session.handle), "sub": .string(subject(person: session.personID, client: clientID)),
                "events": .object(["http://schemas.openid.net/event/backchannel-logout": .object([:])]),
            ]
            return LogoutNotice(clientID: clientID, uri: uri, token: try signer.sign(claims, type: "logout+jwt"))
        }
    }

    func announce(_ notices: [LogoutNotice]) {
        guard !notices.isEmpty, let delivery = logoutDelivery.withLock({ $0 }) else { return }
        delivery.deliver(notices)
    }
}
