import Foundation
import TestSupport
import Testing
import TrustCrypto
import TrustModel

@testable import TrustServices

/// The login service with a clock the test moves and a scripted liveness service (the remote face check this machine
/// cannot reach): step-up to advanced with a fresh live check, the level decaying when the check's window passes,
/// and codes that expire. The HTTP flow with a real relying-party library is LoginFlowTests.
@Suite struct LoginServiceTests {
    struct Setup {
        let fixture: IdentityFixture
        let login: LoginService
        let client: RegisteredClient
        let person: String
    }

    static func setUp(liveness: any LivenessService) async throws -> Setup {
        let fixture = try IdentityFixture()
        let identity = fixture.service(liveness: liveness)
        let (zhang, _, _) = try await IdentityFixture.registerZhangLiAndTheirCompany(identity)
        try await fixture.makePrimary(identity, zhang)
        #expect(try await identity.verifyRealName(personID: zhang, by: .system("t")).assessment.level == .intermediate)
        let login = LoginService(
            store: fixture.ca.store, keys: fixture.ca.keys, journal: fixture.ca.ca.journal, identity: identity,
            issuer: "https://login.example.gov.cn", clock: { [clock = fixture.clock] in clock.now })
        let client = try await login.registerClient(
            name: "某市政务服务网", redirectURIs: ["https://zwfw.example.gov.cn/cb"], scopes: ["openid"],
            confidential: false, backchannelLogoutURI: nil, by: .system("t"))
        return Setup(fixture: fixture, login: login, client: client, person: zhang)
    }

    static let verifier = Base64URL.encode(Array(repeating: 7, count: 40))
    static var challenge: String { Base64URL.encode(Digest.hash(.sha256, utf8: verifier)) }

    func request(_ setup: Setup, acr: String? = nil) -> OIDCAuthorizationRequest {
        var query = [
            "response_type": "code", "client_id": setup.client.record.id,
            "redirect_uri": "https://zwfw.example.gov.cn/cb",
            "scope": "openid", "state": "s1", "nonce": "n1", "code_challenge": Self.challenge,
            "code_challenge_method": "S256",
        ]
        query["acr_values"] = acr
        return OIDCAuthorizationRequest(query)
    }

    func logIn(_ setup: Setup) async throws -> String {
        let started = try await setup.login.startLogin(idNumber: IdentityFixture.zhang.id)
        return try await setup.login.finishLogin(
            idNumber: IdentityFixture.zhang.id, otpID: started.otpID, code: try setup.fixture.lastCode()
        ).cookie
    }

    func code(_ outcome: AuthorizeOutcome) throws -> String {
        guard case .redirect(let location) = outcome,
            let code = URLComponents(string: location)?.queryItems?.first(where: { $0.name == "code" })?.value
        else { throw TestSupportError("expected a code, got \(outcome)") }
        return code
    }

    func exchange(_ setup: Setup, _ code: String) async throws -> [String: JSONValue] {
        let tokens = try await setup.login.token(
            TokenRequest(
                form: [
                    "grant_type": "authorization_code", "code": code, "redirect_uri": "https://zwfw.example.gov.cn/cb",
                    "code_verifier": Self.verifier, "client_id": setup.client.record.id,
                ], basic: nil))
        return try #require(try setup.login.signer().verify(tokens.idToken, type: "JWT"))
    }

    @Test func advancedIsReachedByAFreshLiveCheckAndNotReportedOnceItsWindowPasses() async throws {
        let setup = try await Self.setUp(liveness: ScriptedLiveness(answer: .confirmed(reference: "face:0001")))
        let cookie = try await logIn(setup)

        // Intermediate is what SMS login states; advanced asks for the live check (a step-up, not a refusal).
        let plain = try await exchange(
            setup, try code(try await setup.login.authorize(request(setup), sessionCookie: cookie)))
        #expect(plain["acr"]?.string == "urn:trustd:loa:intermediate")
        let asked = try await setup.login.authorize(request(setup, acr: LoginACR.uri(.advanced)), sessionCookie: cookie)
        #expect(asked == AuthorizeOutcome.stepUp(platform: "某市政务服务网", requiredLevel: .advanced))
        _ = try await setup.login.stepUp(sessionCookie: cookie, livenessReference: "vendor-session-42")
        let advanced = try await exchange(
            setup,
            try code(
                try await setup.login.authorize(request(setup, acr: LoginACR.uri(.advanced)), sessionCookie: cookie)))
        #expect(advanced["acr"]?.string == "urn:trustd:loa:advanced")
        #expect(advanced["amr"] == JSONValue.strings(["sms", "otp", "face"]))
        #expect(advanced["nonce"]?.string == "n1")

        // 16 minutes on, the live check no longer holds (policy: 15): the platform is not told advanced.
        setup.fixture.clock.now = setup.fixture.clock.now.addingTimeInterval(16 * 60)
        let later = try await setup.login.authorize(request(setup, acr: LoginACR.uri(.advanced)), sessionCookie: cookie)
        #expect(later == AuthorizeOutcome.stepUp(platform: "某市政务服务网", requiredLevel: .advanced))
        let decayed = try await exchange(
            setup, try code(try await setup.login.authorize(request(setup), sessionCookie: cookie)))
        #expect(decayed["acr"]?.string == "urn:trustd:loa:intermediate")
        let actions = try setup.fixture.auditActions()
        #expect(actions.contains("login.step-up") && actions.contains("login") && actions.contains("login.token"))
    }

    @Test func aFailedLiveCheckStepsNothingUpAndWithoutALivenessServiceAdvancedIsUnmet() async throws {
        let refusing = try await Self.setUp(liveness: ScriptedLiveness(answer: .mismatch("another face")))
        let cookie = try await logIn(refusing)
        await #expect(throws: TrustError.self) {
            _ = try await refusing.login.stepUp(sessionCookie: cookie, livenessReference: "vendor-session-1")
        }
        let still = try await refusing.login.authorize(
            request(refusing, acr: LoginACR.uri(.advanced)), sessionCookie: cookie)
        #expect(still == AuthorizeOutcome.stepUp(platform: "某市政务服务网", requiredLevel: .advanced))

        let unconfigured = try await Self.setUp(liveness: UnconfiguredLiveness())
        let other = try await logIn(unconfigured)
        let answer = try await unconfigured.login.authorize(
            request(unconfigured, acr: LoginACR.uri(.advanced)), sessionCookie: other)
        guard case .redirect(let location) = answer else { throw TestSupportError("\(answer)") }
        #expect(location.contains("error=unmet_authentication_requirements") && location.contains("state=s1"))
    }

    @Test func codesExpireAndAreSingleUseAndWrongLoginCodesAreCounted() async throws {
        let setup = try await Self.setUp(liveness: UnconfiguredLiveness())
        let cookie = try await logIn(setup)
        let stale = try code(try await setup.login.authorize(request(setup), sessionCookie: cookie))
        setup.fixture.clock.now = setup.fixture.clock.now.addingTimeInterval(61)
        await #expect(throws: OAuthError("invalid_grant", "the code has expired")) {
            _ = try await exchange(setup, stale)
        }
        // An unknown ID number gets a code id all the same; its "code" never logs in.
        let unknown = try await setup.login.startLogin(idNumber: "110101199001011237")
        #expect(unknown.otpID.count == 16)
        await #expect(throws: TrustError.self) {
            _ = try await setup.login.finishLogin(idNumber: "110101199001011237", otpID: unknown.otpID, code: "123456")
        }
        // Five wrong codes spend the code: the right one no longer works.
        let started = try await setup.login.startLogin(idNumber: IdentityFixture.zhang.id)
        let right = try setup.fixture.lastCode()
        let wrong = right == "000000" ? "111111" : "000000"
        for _ in 0..<5 {
            await #expect(throws: TrustError.self) {
                _ = try await setup.login.finishLogin(
                    idNumber: IdentityFixture.zhang.id, otpID: started.otpID, code: wrong)
            }
        }
        await #expect(throws: TrustError.self) {
            _ = try await setup.login.finishLogin(idNumber: IdentityFixture.zhang.id, otpID: started.otpID, code: right)
        }
    }

    @Test func userinfoNamesTheOrganisationsAPersonActsForWithTheirScopes() async throws {
        let fixture = try IdentityFixture()
        let identity = fixture.service()
        let (zhang, li, org) = try await IdentityFixture.registerZhangLiAndTheirCompany(identity)
        try await fixture.makePrimary(identity, li)
        try await fixture.makePrimary(identity, zhang)
        _ = try await identity.verifyOrganization(org, .businessRegistry, by: .system("t"))
        _ = try await identity.authorize(
            organizationID: org, personID: li, scope: ["seal.apply"], validFrom: nil,
            validTo: fixture.clock.now.addingTimeInterval(86400), by: Caller(fixture.system))
        // The frozen clock moves on a second: a stored time can round a hair past the instant it was taken.
        fixture.clock.now = fixture.clock.now.addingTimeInterval(1)
        let login = LoginService(
            store: fixture.ca.store, keys: fixture.ca.keys, journal: fixture.ca.ca.journal, identity: identity,
            issuer: "https://login.example.gov.cn", clock: { [clock = fixture.clock] in clock.now })
        let client = try await login.registerClient(
            name: "某市政务服务网", redirectURIs: ["https://zwfw.example.gov.cn/cb"], scopes: ["openid", "organization"],
            confidential: false, backchannelLogoutURI: nil, by: .system("t"))
        var answers: [String: [JSONValue]] = [:]
        for (who, person) in [("zhang", IdentityFixture.zhang), ("li", IdentityFixture.li)] {
            let started = try await login.startLogin(idNumber: person.id)
            let cookie = try await login.finishLogin(
                idNumber: person.id, otpID: started.otpID, code: try fixture.lastCode()
            ).cookie
            let outcome = try await login.authorize(
                OIDCAuthorizationRequest([
                    "response_type": "code", "client_id": client.record.id,
                    "redirect_uri": "https://zwfw.example.gov.cn/cb", "scope": "openid organization",
                    "code_challenge": Self.challenge, "code_challenge_method": "S256",
                ]), sessionCookie: cookie)
            guard case .redirect(let location) = outcome,
                let code = URLComponents(string: location)?.queryItems?.first(where: { $0.name == "code" })?.value
            else { throw TestSupportError("\(outcome)") }
            let tokens = try await login.token(
                TokenRequest(
                    form: [
                        "grant_type": "authorization_code", "code": code,
                        "redirect_uri": "https://zwfw.example.gov.cn/cb", "code_verifier": Self.verifier,
                        "client_id": client.record.id,
                    ], basic: nil))
            let info = try await login.userinfo(accessToken: tokens.accessToken)
            guard case .array(let organizations) = info["organizations"] else { throw TestSupportError("\(info)") }
            answers[who] = organizations
        }
        #expect(
            answers["zhang"] == [
                .object([
                    "name": .string("某某科技有限公司"), "credit_code": .string(IdentityFixture.code),
                    "role": .string("legal_representative"),
                ])
            ])
        guard case .object(let agent)? = answers["li"]?.first else { throw TestSupportError("\(answers)") }
        #expect(agent["role"] == .string("agent") && agent["scopes"] == JSONValue.strings(["seal.apply"]))
        #expect(agent["credit_code"] == .string(IdentityFixture.code))
    }

    @Test func consentIsAskedOnceRememberedAndAskedAgainForMore() async throws {
        let setup = try await Self.setUp(liveness: UnconfiguredLiveness())
        let consenting = try await setup.login.registerClient(
            name: "某第三方平台", redirectURIs: ["https://third.example.cn/cb"], scopes: ["openid", "identity"],
            confidential: false, backchannelLogoutURI: nil, consentRequired: true, by: .system("t"))
        let cookie = try await logIn(setup)
        func ask(_ scope: String, prompt: String? = nil) -> OIDCAuthorizationRequest {
            var query = [
                "response_type": "code", "client_id": consenting.record.id,
                "redirect_uri": "https://third.example.cn/cb",
                "scope": scope, "state": "c1", "code_challenge": Self.challenge, "code_challenge_method": "S256",
            ]
            query["prompt"] = prompt
            return OIDCAuthorizationRequest(query)
        }
        #expect(
            try await setup.login.authorize(ask("openid"), sessionCookie: cookie)
                == AuthorizeOutcome.consent(platform: "某第三方平台", scopes: ["openid"]))
        guard
            case .redirect(let none) = try await setup.login.authorize(
                ask("openid", prompt: "none"), sessionCookie: cookie)
        else { throw TestSupportError("prompt=none should redirect") }
        #expect(none.contains("error=consent_required"))
        // Refused: the platform hears access_denied.
        let denied = try await setup.login.denyConsent(sessionCookie: cookie, request: ask("openid"))
        #expect(denied.hasPrefix("https://third.example.cn/cb?") && denied.contains("error=access_denied"))
        // Agreed once: remembered; asking for more asks again; the first (trusted) platform never asks.
        try await setup.login.grantConsent(sessionCookie: cookie, request: ask("openid"))
        _ = try code(try await setup.login.authorize(ask("openid"), sessionCookie: cookie))
        #expect(
            try await setup.login.authorize(ask("openid identity"), sessionCookie: cookie)
                == AuthorizeOutcome.consent(platform: "某第三方平台", scopes: ["identity", "openid"]))
        _ = try code(try await setup.login.authorize(request(setup), sessionCookie: cookie))
        let actions = try setup.fixture.auditActions()
        #expect(actions.filter { $0 == "login.consent" }.count == 2, "one refusal, one agreement")
    }

    @Test func tenWrongCodesLockAPersonsSMSLoginForAWhile() async throws {
        let setup = try await Self.setUp(liveness: UnconfiguredLiveness())
        for _ in 0..<2 {
            let started = try await setup.login.startLogin(idNumber: IdentityFixture.zhang.id)
            let wrong = try setup.fixture.lastCode() == "000000" ? "111111" : "000000"
            for _ in 0..<5 {
                await #expect(throws: TrustError.self) {
                    _ = try await setup.login.finishLogin(
                        idNumber: IdentityFixture.zhang.id, otpID: started.otpID, code: wrong)
                }
            }
        }
        // Locked: no SMS is sent, and even a code sent before cannot log in.
        let outbox = try setup.fixture.ca.dir.read("otp-outbox").count
        let locked = try await setup.login.startLogin(idNumber: IdentityFixture.zhang.id)
        #expect(try setup.fixture.ca.dir.read("otp-outbox").count == outbox, "no SMS while locked")
        await #expect(throws: TrustError.self) {
            _ = try await setup.login.finishLogin(
                idNumber: IdentityFixture.zhang.id, otpID: locked.otpID, code: "123456")
        }
        // After the window the person logs in again.
        setup.fixture.clock.now = setup.fixture.clock.now.addingTimeInterval(16 * 60)
        _ = try await logIn(setup)
    }
}
