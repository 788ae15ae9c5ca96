import Foundation
import TestSupport
import Testing
import TrustCrypto
import TrustModel
import TrustStore

@testable import TrustServices

/// A liveness service stand-in: the real one is a remote government/commercial service this machine cannot reach
/// (the one kind of fake the rules allow), answering as configured.
struct ScriptedLiveness: LivenessService {
    let answer: RegistryAnswer
    var name: String { "scripted-liveness" }
    func check(method: VerificationMethod, subjectName: String, sessionReference: String?) throws -> RegistryAnswer {
        answer
    }
}

/// Identity on a real CA fixture: SQLite store, registry loaded from a CSV file, the repository's assurance policy,
/// the outbox SMS sender, and a clock the test moves.
final class IdentityFixture: @unchecked Sendable {
    let ca: CAFixture
    let clock: LockedClock
    let secrets: IdentitySecrets
    let policy: AssurancePolicy
    let outbox: String
    let system = Principal(id: "00", name: "tester", roles: [.admin])

    static let zhang = (name: "张三", id: "110101199003071233", mobile: "13800138000")
    static let li = (name: "李四", id: "360426199101010071", mobile: "13900139000")
    static let code = "91350100M000100Y43"

    /// 张三 and 李四 registered (anonymous), and 某某科技有限公司 with 张三 as its legal representative.
    static func registerZhangLiAndTheirCompany(_ identity: IdentityService) async throws
        -> (zhang: String, li: String, org: String)
    {
        let zhang = try await identity.registerPerson(
            name: Self.zhang.name, idNumber: Self.zhang.id, mobile: Self.zhang.mobile, by: .system("t")
        ).record.id
        let li = try await identity.registerPerson(
            name: Self.li.name, idNumber: Self.li.id, mobile: Self.li.mobile, by: .system("t")
        )
        .record.id
        let org = try await identity.registerOrganization(
            name: "某某科技有限公司", creditCode: Self.code, legalRepresentativeID: zhang, by: .system("t")
        ).record.id
        return (zhang, li, org)
    }

    init() throws {
        ca = try CAFixture()
        clock = LockedClock(Date())
        secrets = try IdentitySecrets.load(path: ca.dir.file("identity.key"))
        policy = try AssurancePolicyLoader.load(
            TestPaths.packageRoot.appendingPathComponent("policies/assurance.yaml").path)
        outbox = ca.dir.file("otp-outbox")
        try ca.dir.write(
            "registry.csv",
            """
            # kind,key,name,…
            person,\(Self.zhang.id),\(Self.zhang.name)
            person,\(Self.li.id),\(Self.li.name)
            bank-card,\(Self.zhang.id),\(Self.zhang.name),bank:4321
            bank-card,\(Self.li.id),\(Self.li.name),bank:9876
            organization,\(Self.code),某某科技有限公司,\(Self.zhang.name),\(Self.zhang.id)
            tax-account,\(Self.code),某某科技有限公司,tax:001
            """)
        #expect(try SQLiteRegistry(store: ca.store).load(csv: ca.dir.file("registry.csv"), secrets: secrets) == 6)
    }

    func service(liveness: any LivenessService = UnconfiguredLiveness()) -> IdentityService {
        let registry = SQLiteRegistry(store: ca.store)
        let authority = ca.ca
        return IdentityService(
            store: ca.store, secrets: secrets, policy: policy, otpSender: OutboxOTPSender(path: outbox),
            population: registry, business: registry, realName: registry, liveness: liveness,
            anchors: { try TrustAnchors.load(ca: authority, trustedDirectory: nil) },
            revocation: { try authority.registryRevocationStatus($0) }, clock: { [clock] in clock.now })
    }

    /// The last code the outbox holds for `otpID`'s person, as the operator console would read it.
    func lastCode() throws -> String {
        let text = String(decoding: try ca.dir.read("otp-outbox"), as: UTF8.self)
        let line = try #require(text.split(separator: "\n").last)
        return String(try #require(line.split(separator: " ").first { $0.hasPrefix("code=") }).dropFirst(5))
    }

    /// OTP + population registry: the person reaches primary.
    func makePrimary(_ identity: IdentityService, _ personID: String) async throws {
        let otp = try await identity.startOTP(personID: personID, by: .system("t"))
        _ = try await identity.verifyOTP(personID: personID, otpID: otp.id, code: try lastCode(), by: .system("t"))
        _ = try await identity.verifyPopulationRegistry(personID: personID, by: .system("t"))
    }

    func auditActions() throws -> [String] {
        try ca.store.read { try $0.auditRecords(after: 0, limit: 1000) }.map(\.action)
    }
}

@Suite struct PersonLevelTests {
    @Test func aPersonClimbsTheLadderAndFallsWhenEvidenceExpiresOrIsRevoked() async throws {
        let fixture = try IdentityFixture()
        let identity = fixture.service()
        let zhang = try await identity.registerPerson(
            name: IdentityFixture.zhang.name, idNumber: IdentityFixture.zhang.id,
            mobile: IdentityFixture.zhang.mobile, by: .system("t"))
        #expect(zhang.assessment.level == .anonymous)
        #expect(zhang.record.idMasked == "1101**********1233" && zhang.record.mobileMasked == "138****8000")
        await #expect(throws: TrustError.conflict("")) {
            _ = try await identity.registerPerson(
                name: "x", idNumber: IdentityFixture.zhang.id, mobile: "13700000000", by: .system("t"))
        }
        await #expect(throws: TrustError.invalid("")) {
            _ = try await identity.registerPerson(
                name: "x", idNumber: "110101199002301236", mobile: "13700000000", by: .system("t"))
        }
        #expect(
            try identity.person(idNumber: IdentityFixture.zhang.id)?.record.id == zhang.record.id, "found by keyed hash"
        )
        // The ID number and the mobile are not in the database file in clear (the services seal them before any
        // engine sees them; the file is what SQLite lets us read directly).
        if TestStoreEngine.isSQLite {
            let wal = (try? Data(contentsOf: URL(fileURLWithPath: fixture.ca.databasePath + "-wal"))) ?? Data()
            let database = try Data(contentsOf: URL(fileURLWithPath: fixture.ca.databasePath)) + wal
            #expect(
                database.range(of: Data(IdentityFixture.zhang.id.utf8)) == nil
                    && database.range(of: Data(IdentityFixture.zhang.mobile.utf8)) == nil)
        }

        // OTP: wrong code (attempts left), right code, replay; the outbox is 0600.
        let id = zhang.record.id
        let otp = try await identity.startOTP(personID: id, by: .system("t"))
        #expect(try FileManager.default.attributesOfItem(atPath: fixture.outbox)[.posixPermissions] as? Int == 0o600)
        let code = try fixture.lastCode()
        let wrong = code == "000000" ? "000001" : "000000"
        await #expect {
            _ = try await identity.verifyOTP(personID: id, otpID: otp.id, code: wrong, by: .system("t"))
        } throws: {
            ($0 as? TrustError)?.message.contains("4 attempt(s) left") == true
        }
        #expect(
            try await identity.verifyOTP(personID: id, otpID: otp.id, code: code, by: .system("t")).evidence.contains {
                $0.method == .smsOTP && $0.passed
            })
        await #expect {
            _ = try await identity.verifyOTP(personID: id, otpID: otp.id, code: code, by: .system("t"))
        } throws: {
            ($0 as? TrustError)?.message.contains("used already") == true
        }
        // Too many attempts: even the right code is refused afterwards.
        let second = try await identity.startOTP(personID: id, by: .system("t"))
        let secondCode = try fixture.lastCode()
        for _ in 0..<IdentityService.otpMaxAttempts {
            await #expect(throws: TrustError.invalid("")) {
                _ = try await identity.verifyOTP(
                    personID: id, otpID: second.id, code: secondCode == "123456" ? "654321" : "123456", by: .system("t")
                )
            }
        }
        await #expect {
            _ = try await identity.verifyOTP(personID: id, otpID: second.id, code: secondCode, by: .system("t"))
        } throws: {
            ($0 as? TrustError)?.message.contains("too many") == true
        }
        // Expired code.
        let third = try await identity.startOTP(personID: id, by: .system("t"))
        let thirdCode = try fixture.lastCode()
        fixture.clock.now = fixture.clock.now.addingTimeInterval(IdentityService.otpLifetime + 1)
        await #expect {
            _ = try await identity.verifyOTP(personID: id, otpID: third.id, code: thirdCode, by: .system("t"))
        } throws: {
            ($0 as? TrustError)?.message.contains("expired") == true
        }
        #expect(try identity.person(id: id).assessment.level == .anonymous, "a mobile alone is not primary")

        #expect(
            try await identity.verifyPopulationRegistry(personID: id, by: .system("t")).assessment.level == .primary)
        let bank = try await identity.verifyRealName(personID: id, by: .system("t"))
        #expect(bank.assessment.level == .intermediate)
        await #expect(throws: TrustError(.notConfigured, "")) {
            try await identity.verifyLiveness(
                subject: .person, id: id, method: .liveCheck, session: nil, by: .system("t"))
        }
        // A live check (liveness service stand-in) makes the person advanced, for 15 minutes only.
        let live = fixture.service(liveness: ScriptedLiveness(answer: .confirmed(reference: "session-1")))
        try await live.verifyLiveness(
            subject: .person, id: id, method: .liveCheck, session: "session-1", by: .system("t"))
        #expect(try identity.person(id: id).assessment.level == .advanced)
        fixture.clock.now = fixture.clock.now.addingTimeInterval(16 * 60)
        #expect(try identity.person(id: id).assessment.level == .intermediate, "advanced is fresh only for 15 minutes")

        // Revoking the bank-card evidence lowers the level, audited with the evidence.
        let bankEvidence = try #require(bank.evidence.first { $0.method == .bankCard })
        _ = try await identity.revokeEvidence(id: bankEvidence.id, reason: "mistaken check", by: .system("t"))
        #expect(try identity.person(id: id).assessment.level == .primary)
        await #expect(throws: TrustError.conflict("")) {
            _ = try await identity.revokeEvidence(id: bankEvidence.id, reason: "again", by: .system("t"))
        }
        let levels = try fixture.ca.store.read { try $0.auditRecords(after: 0, limit: 1000) }.filter {
            $0.action == "identity.level"
        }
        #expect(
            levels.count >= 3 && levels.last!.details.contains(bankEvidence.id)
                && levels.last!.details.contains("primary"))

        // A person the registry does not know: failed evidence recorded, level unchanged, 422 verification_failed with the reason.
        let wang = try await identity.registerPerson(
            name: "王五", idNumber: "11010519491231002X", mobile: "13600136000", by: .system("t"))
        await #expect {
            _ = try await identity.verifyPopulationRegistry(personID: wang.record.id, by: .system("t"))
        } throws: {
            ($0 as? TrustError)?.code == .verificationFailed
                && ($0 as? TrustError)?.message.contains("not known") == true
        }
        let after = try identity.person(id: wang.record.id)
        #expect(after.assessment.level == .anonymous && after.evidence.count == 1 && !after.evidence[0].passed)
        #expect(try AuditService(store: fixture.ca.store, keys: fixture.ca.keys).verify().isIntact)
    }
}

@Suite struct OrganizationLevelTests {
    @Test func anOrganisationNeedsAVerifiedRepresentativeAndAnEnterpriseCertificateAndAuthorisationsExpire()
        async throws
    {
        let fixture = try IdentityFixture()
        let identity = fixture.service()
        let (zhang, li, org) = try await IdentityFixture.registerZhangLiAndTheirCompany(identity)
        await #expect(throws: TrustError.invalid("")) {
            _ = try await identity.registerOrganization(
                name: "x", creditCode: "91110000600037341A", legalRepresentativeID: zhang, by: .system("t"))
        }
        // Registry match, but the legal representative is not verified: still anonymous.
        #expect(
            try await identity.verifyBusinessRegistry(organizationID: org, by: .system("t")).assessment.level
                == .anonymous)
        try await fixture.makePrimary(identity, zhang)
        #expect(
            try identity.organization(id: org).assessment.level == .primary,
            "the representative's evidence lifts the organisation")
        #expect(try fixture.auditActions().filter { $0 == "identity.level" }.count >= 2)

        // Enterprise certificate: an SM2 org-signing certificate naming the credit code signs the challenge.
        let (issued, key) = try fixture.ca.issue(
            .sm2, profile: "org-signing", ca: "sm2-issuing",
            subject: DistinguishedName(["C": "CN", "O": "某某科技有限公司", "CN": "某某科技有限公司"]),
            identity: [.organizationCode: IdentityFixture.code])
        let bad = try await identity.challenge(
            subject: .organization, id: org, purpose: .enterpriseCertificate, by: .system("t"))
        await #expect(throws: TrustError.invalid("")) {
            _ = try await identity.verifyEnterpriseCertificate(
                organizationID: org, challengeID: bad.id, certificatePEM: issued.certificate.pem, chainPEM: [],
                signature: try key.sign(Array("something else".utf8)), by: .system("t"))
        }
        #expect(try identity.organization(id: org).assessment.level == .primary)
        let challenge = try await identity.challenge(
            subject: .organization, id: org, purpose: .enterpriseCertificate, by: .system("t"))
        let signature = try key.sign(Array(challenge.nonce))
        #expect(
            try await identity.verifyEnterpriseCertificate(
                organizationID: org, challengeID: challenge.id, certificatePEM: issued.certificate.pem,
                chainPEM: [], signature: signature, by: .system("t")
            )
            .assessment.level == .intermediate)
        await #expect(throws: TrustError.conflict("")) {
            _ = try await identity.verifyEnterpriseCertificate(
                organizationID: org, challengeID: challenge.id, certificatePEM: issued.certificate.pem,
                chainPEM: [], signature: signature, by: .system("t"))
        }
        // A revoked certificate is refused.
        _ = try fixture.ca.ca.revoke(serial: issued.record.serial, reason: .keyCompromise, actor: "t")
        let third = try await identity.challenge(
            subject: .organization, id: org, purpose: .enterpriseCertificate, by: .system("t"))
        await #expect {
            _ = try await identity.verifyEnterpriseCertificate(
                organizationID: org, challengeID: third.id, certificatePEM: issued.certificate.pem,
                chainPEM: [], signature: try key.sign(Array(third.nonce)),
                by: .system("t"))
        } throws: {
            ($0 as? TrustError)?.message.contains("revoked") == true
        }

        // Authorisations: Li may apply for seals for one day; the decision function follows the policy.
        try await fixture.makePrimary(identity, li)
        #expect(
            try await identity.decision(
                action: .sealApply, personID: li, organizationID: org, grantLevel: nil, by: Caller(fixture.system))
                == .deny("person \(li) is at primary; seal.apply needs intermediate"))
        #expect(try await identity.verifyRealName(personID: li, by: .system("t")).assessment.level == .intermediate)
        #expect(
            try await identity.decision(
                action: .sealApply, personID: li, organizationID: org, grantLevel: nil, by: Caller(fixture.system))
                == .deny("person \(li) holds no authorisation from organisation \(org) for seal.apply"))
        await #expect(throws: TrustError.invalid("")) {
            _ = try await identity.authorize(
                organizationID: org, personID: li, scope: ["seal.fly"], validFrom: nil,
                validTo: fixture.clock.now.addingTimeInterval(86400), by: Caller(fixture.system))
        }
        let grant = try await identity.authorize(
            organizationID: org, personID: li, scope: ["seal.apply"], validFrom: nil,
            validTo: fixture.clock.now.addingTimeInterval(86400), by: Caller(fixture.system))
        #expect(
            try await identity.decision(
                action: .sealApply, personID: li, organizationID: org, grantLevel: nil, by: Caller(fixture.system))
                == .allow)
        fixture.clock.now = fixture.clock.now.addingTimeInterval(2 * 86400)
        #expect(
            try await identity.decision(
                action: .sealApply, personID: li, organizationID: org, grantLevel: nil, by: Caller(fixture.system))
                == .deny("the authorisation of person \(li) for seal.apply has expired"))
        _ = try await identity.revokeAuthorization(id: grant.id, by: .system("t"))
        await #expect(throws: TrustError.conflict("")) {
            _ = try await identity.revokeAuthorization(id: grant.id, by: .system("t"))
        }
        // Advanced via a live check of the legal representative, and `person: grant` actions take the grant's level.
        #expect(
            try await identity.decision(
                action: .signWithSeal, personID: li, organizationID: nil, grantLevel: .advanced,
                by: Caller(fixture.system))
                == .deny(
                    "person \(li) is at intermediate; sign.with-seal needs advanced (a live check within 15 minutes)"))
        #expect(
            try await identity.decision(
                action: .signWithSeal, personID: li, organizationID: nil, grantLevel: .intermediate,
                by: Caller(fixture.system)) == .allow)
        // Each question is one audit record with its answer.
        let queries = try fixture.ca.store.read { try $0.auditRecords(after: 0, limit: 1000) }.filter {
            $0.action == "decision.query"
        }
        #expect(queries.count == 6 && queries.filter { $0.details.contains("denied: ") }.count == 4)
        #expect(try AuditService(store: fixture.ca.store, keys: fixture.ca.keys).verify().isIntact)
    }
}

@Suite struct AssurancePolicyTests {
    @Test func theShippedPolicyLoadsAndBrokenOnesNameFileAndLine() throws {
        let policy = try AssurancePolicyLoader.load(
            TestPaths.packageRoot.appendingPathComponent("policies/assurance.yaml").path)
        #expect(policy.advancedFreshness == 15 * 60)
        #expect(
            policy.actions[.sealApply]
                == AssurancePolicy.Requirement(person: .intermediate, organization: .primary, authorization: true))
        #expect(policy.actions[.signWithSeal]?.personFromGrant == true)
        let dir = try TemporaryDirectory()
        let cases: [(String, String)] = [
            (
                "actions:\n  seal.apply: { person: superb }\n",
                "bad.yaml:2: actions.seal.apply.person: must be anonymous"
            ),
            ("advancedFreshnessMinutes: 0\nactions: {}\n", "bad.yaml:1: advancedFreshnessMinutes: must be 1 to 1440"),
            (
                "evidenceLifetimeDays:\n  carrier-pigeon: 3\nactions: {}\n",
                "bad.yaml:2: evidenceLifetimeDays: unknown method 'carrier-pigeon'"
            ),
            (
                "actions:\n  seal.apply: { person: primary, colour: red }\n",
                "bad.yaml:2: actions.seal.apply.colour: unknown field"
            ),
            ("actions:\n  x: { person: primary }\n", "bad.yaml:2: actions: 'x' is not an action trustd checks"),
            // A rule no code reads is refused, and so is a policy that leaves an action trustd checks without a rule.
            (
                "actions:\n  seal.fly: { person: primary }\n",
                "bad.yaml:2: actions: 'seal.fly' is not an action trustd checks"
            ),
            ("actions:\n  seal.apply: { person: primary }\n", "bad.yaml:2: actions: no rule for seal.grant"),
            (
                "actions:\n  seal.apply: { person: primary, authorization: true }\n",
                "bad.yaml:2: actions.seal.apply.authorization: needs an organization level"
            ),
            ("levels: 3\n", "bad.yaml:1: assurance.levels: unknown field"),
        ]
        for (text, expected) in cases {
            try dir.write("bad.yaml", text)
            #expect { _ = try AssurancePolicyLoader.load(dir.file("bad.yaml")) } throws: {
                "\($0)".contains(expected)
            }
        }
    }
}
