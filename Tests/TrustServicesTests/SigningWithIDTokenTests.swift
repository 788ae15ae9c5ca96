import Foundation
import TestSupport
import Testing
import TrustCrypto
import TrustModel

@testable import TrustServices

/// A platform passes the ID token of the person who logged in to it, instead of naming the signer: the signature is
/// made for that person, at no more than the level the token states, and only for the platform the token was given to.
@Suite struct SigningWithIDTokenTests {
    @Test func theIDTokenNamesTheSignerForItsOwnPlatformOnly() async throws {
        let fixture = try await SigningFixture()
        let ca = fixture.seals.identityFixture.ca
        let clock = fixture.seals.identityFixture.clock
        let login = LoginService(
            store: ca.store, keys: ca.keys, journal: ca.ca.journal, identity: fixture.seals.identity,
            issuer: "https://login.example.gov.cn", clock: { clock.now })
        let signing = SigningService(
            store: ca.store, ca: ca.ca, keys: ca.keys, identity: fixture.seals.identity,
            timestamps: TimestampAuthority(ca: ca.ca, keys: ca.keys),
            assertions: { token, principal in try login.signingAssertion(token, principalID: principal) },
            clock: { clock.now })
        // The platform's client, bound to its principal (registration checks the principal exists; the fixture's
        // platform principal lives only in memory, so the record goes in directly).
        try ca.store.write { tx in
            try tx.insert(
                OIDCClientRecord(
                    id: "p-platform", name: "某市政务服务网", secretHash: nil,
                    redirectURIs: #"["https://zwfw.example.gov.cn/cb"]"#, scopes: #"["openid"]"#,
                    backchannelLogoutURI: nil, createdAt: clock.now, principalID: fixture.platform.id))
        }
        // 李四 (the seal's grantee, intermediate) logs in by SMS code.
        let started = try await login.startLogin(idNumber: IdentityFixture.li.id)
        let cookie = try await login.finishLogin(
            idNumber: IdentityFixture.li.id, otpID: started.otpID, code: try fixture.seals.identityFixture.lastCode()
        ).cookie
        let verifier = Base64URL.encode(Array(repeating: 9, count: 40))
        let outcome = try await login.authorize(
            OIDCAuthorizationRequest([
                "response_type": "code", "client_id": "p-platform", "redirect_uri": "https://zwfw.example.gov.cn/cb",
                "scope": "openid", "code_challenge": Base64URL.encode(Digest.hash(.sha256, utf8: verifier)),
                "code_challenge_method": "S256",
            ]), sessionCookie: cookie)
        guard case .redirect(let location) = outcome,
            let code = URLComponents(string: location)?.queryItems?.first(where: { $0.name == "code" })?.value
        else { throw TestSupportError("\(outcome)") }
        let idToken = try await login.token(
            TokenRequest(
                form: [
                    "grant_type": "authorization_code", "code": code, "redirect_uri": "https://zwfw.example.gov.cn/cb",
                    "code_verifier": verifier, "client_id": "p-platform",
                ], basic: nil)
        ).idToken
        func sign(as principal: Principal, token: String) async throws -> SigningService.Result {
            try await signing.sign(
                SigningService.Request(
                    credential: .seal(fixture.sealID), signerPersonID: nil, signerIDToken: token, format: .raw,
                    data: Array("公文 2026-002".utf8), digest: nil),
                by: Caller(principal))
        }
        // Signed for 李四 under the person grant.
        let signed = try await sign(as: fixture.platform, token: idToken)
        #expect(signed.grantID == fixture.grantID)
        // Another platform holding the token cannot use it; a forged or ended one is refused; both are audited.
        let other = Principal(id: "platform-2", name: "platform-2", roles: [.platform])
        await #expect(throws: TrustError.self) { _ = try await sign(as: other, token: idToken) }
        let forged = idToken.dropLast(4) + "AAAA"
        await #expect(throws: TrustError.self) { _ = try await sign(as: fixture.platform, token: String(forged)) }
        _ = try await login.logout(sessionCookie: cookie, request: LogoutRequest([:]))
        await #expect(throws: TrustError.self) { _ = try await sign(as: fixture.platform, token: idToken) }
        #expect(try fixture.denials().count == 3)
    }
}
