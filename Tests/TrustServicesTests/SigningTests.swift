import Foundation
import SealFormat
import Synchronization
import TestSupport
import Testing
import TrustCrypto
import TrustModel
import TrustStore

@testable import TrustServices

/// An active official seal granted to the applicant (intermediate) and to a platform principal.
final class SigningFixture: @unchecked Sendable {
    let seals: SealFixture
    let signing: SigningService
    let sealID: String
    let grantID: String
    let platform = Principal(id: "platform-1", name: "platform-1", roles: [.platform])

    init(
        usageLimit: Int? = nil, minimumLevel: AssuranceLevel = .intermediate, type: String = "official",
        keyType: String? = nil, picture: SealService.Picture? = nil
    ) async throws {
        seals = try await SealFixture()
        let ca = seals.identityFixture.ca
        let timestamps = TimestampAuthority(ca: ca.ca, keys: ca.keys)
        signing = SigningService(
            store: ca.store, ca: ca.ca, keys: ca.keys, identity: seals.identity, timestamps: timestamps,
            clock: { [clock = seals.identityFixture.clock] in clock.now })
        sealID = try await seals.apply(type: type, picture: picture, keyType: keyType).record.id
        _ = try await seals.seals.review(id: sealID, approve: true, comment: nil, by: Caller(seals.reviewer))
        _ = try await seals.seals.make(id: sealID, by: Caller(seals.maker))
        _ = try await seals.seals.file(id: sealID, filingNumber: "F-1", authority: "A", by: Caller(seals.filer))
        grantID = try await seals.seals.grant(
            id: sealID, to: .person(seals.applicantPerson), minimumLevel: minimumLevel,
            validFrom: nil, validTo: seals.identityFixture.clock.now.addingTimeInterval(30 * 86400),
            usageLimit: usageLimit, by: Caller(seals.granter)
        ).id
    }

    func sign(
        _ format: SigningService.Format = .ses, person: String?, data: [UInt8] = Array("公文 2026-001".utf8),
        timestamp: Bool = false, as principal: Principal? = nil
    ) async throws -> SigningService.Result {
        try await signing.sign(
            SigningService.Request(
                sealID: sealID, signerPersonID: person, format: format, data: data, digest: nil,
                propertyInfo: "/Doc_0/Signs/Sign_0/Signature.xml", timestamp: timestamp),
            by: Caller(principal ?? platform))
    }

    func denials() throws -> [AuditRecord] {
        try seals.identityFixture.ca.store.read { try $0.auditRecords(after: 0, limit: 5000) }.filter {
            $0.outcome == .denied
        }
    }
}

@Suite struct SealSigningTests {
    @Test func sesAndRawSignaturesVerifyIndependentlyAndCountAgainstTheGrant() async throws {
        let fixture = try await SigningFixture(usageLimit: 3)
        let document = Array("公文 2026-001".utf8)
        let ses = try await fixture.sign(.ses, person: fixture.seals.applicantPerson, data: document, timestamp: true)
        let parsed = try SealSignature(der: ses.signature)
        #expect(
            parsed.signerSignatureProblem() == nil && parsed.seal.makerSignatureProblem() == nil
                && parsed.signerIsListedInSeal)
        #expect(parsed.timeStamp != nil)
        let dir = try TemporaryDirectory()
        try dir.write("sig.der", ses.signature)
        try dir.write("doc.bin", document)
        let check = try Subprocess.run(
            try TestPaths.python,
            [TestPaths.pythonScript("ses_check.py"), "signature", dir.file("sig.der"), dir.file("doc.bin")])
        #expect(
            check.stdout.contains("\"signer_ok\": true") && check.stdout.contains("\"maker_ok\": true"),
            "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("\"hash_ok\": true") && check.stdout.contains("\"listed\": true"))

        // raw: an SM2 signature with the standard ID over the data, checked by gmssl.
        let raw = try await fixture.sign(.raw, person: fixture.seals.applicantPerson, data: document)
        let point = Hex.encode(try #require(try raw.certificate.publicKey.ecPoint))
        let gm = try Subprocess.run(
            try TestPaths.python,
            [
                TestPaths.pythonScript("sm2_gmssl.py"), "verify", point,
                Hex.encode(Array("1234567812345678".utf8)), Hex.encode(document), Hex.encode(raw.signature),
            ])
        #expect(gm.stdout.contains("OK"), "\(gm.stdout)\(gm.stderr)")

        _ = try await fixture.sign(.raw, person: fixture.seals.applicantPerson)
        await #expect { _ = try await fixture.sign(.raw, person: fixture.seals.applicantPerson) } throws: {
            "\($0)".contains("used every signature")
        }
        let allowed = try fixture.seals.identityFixture.ca.store.read { try $0.auditRecords(after: 0, limit: 5000) }
            .filter { $0.action == "sign.seal" && $0.outcome == .success }
        let denied = try fixture.denials()
        #expect(allowed.count == 3 && denied.count == 1)
    }

    @Test func signingIsRefusedWithAReasonAndTheDenialIsAudited() async throws {
        let fixture = try await SigningFixture()
        let person = fixture.seals.applicantPerson
        // No grant for the legal representative, nor for the platform itself.
        await #expect { _ = try await fixture.sign(person: fixture.seals.legalRepresentative) } throws: {
            ($0 as? TrustError)?.code == .forbidden && "\($0)".contains("holds no current grant")
        }
        await #expect { _ = try await fixture.sign(person: nil) } throws: {
            "\($0)".contains("principal platform-1 holds no current grant")
        }
        // Below the grant's level: revoke the bank-card evidence, the person falls to primary.
        let bank = try #require(try fixture.seals.identity.person(id: person).evidence.first { $0.method == .bankCard })
        _ = try await fixture.seals.identity.revokeEvidence(id: bank.id, reason: "test", by: .system("t"))
        await #expect { _ = try await fixture.sign(person: person) } throws: {
            "\($0)".contains("is at primary; sign.with-seal needs intermediate")
        }
        #expect(try fixture.denials().count == 3, "exactly one record per refusal")

        // A grant at advanced: fresh live check allowed, stale one refused.
        let advanced = try await SigningFixture(minimumLevel: .advanced)
        let live = advanced.seals.identityFixture.service(
            liveness: ScriptedLiveness(answer: .confirmed(reference: "s")))
        try await live.verifyLiveness(
            subject: .person, id: advanced.seals.applicantPerson, method: .liveCheck, session: "s", by: .system("t"))
        #expect(try await advanced.sign(person: advanced.seals.applicantPerson).format == .ses)
        advanced.seals.identityFixture.clock.now = advanced.seals.identityFixture.clock.now.addingTimeInterval(16 * 60)
        await #expect { _ = try await advanced.sign(person: advanced.seals.applicantPerson) } throws: {
            "\($0)".contains("live check within 15 minutes")
        }

        // Suspended, revoked and expired seals cannot sign.
        _ = try await fixture.seals.seals.reportLoss(
            id: fixture.sealID, comment: nil, by: Caller(fixture.seals.revoker))
        await #expect { _ = try await fixture.sign(person: person) } throws: {
            ($0 as? TrustError)?.code == .conflict && "\($0)".contains("is suspended")
        }
        _ = try await fixture.seals.seals.revoke(id: fixture.sealID, comment: nil, by: Caller(fixture.seals.revoker))
        await #expect { _ = try await fixture.sign(person: person) } throws: { "\($0)".contains("is revoked") }
        let expiring = try await SigningFixture()
        expiring.seals.identityFixture.clock.now = expiring.seals.identityFixture.clock.now.addingTimeInterval(
            4 * 365 * 86400)
        await #expect { _ = try await expiring.sign(person: expiring.seals.applicantPerson) } throws: {
            "\($0)".contains("outside its validity")
        }
        #expect(
            try AuditService(store: fixture.seals.identityFixture.ca.store, keys: fixture.seals.identityFixture.ca.keys)
                .verify().isIntact)
    }

    /// Concurrent signatures share group commits: the usage limit still holds exactly and the audit chain stays intact.
    @Test func concurrentSignaturesRespectTheUsageLimitUnderGroupCommit() async throws {
        let fixture = try await SigningFixture(usageLimit: 10)
        let person = fixture.seals.applicantPerson
        let results = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<24 { group.addTask { (try? await fixture.sign(.raw, person: person)) != nil } }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.filter { $0 }.count == 10 && results.count == 24)
        let grant = try #require(
            try fixture.seals.identityFixture.ca.store.read { try $0.sealGrant(id: fixture.grantID) })
        #expect(grant.usageCount == 10)
        let audit = try fixture.seals.identityFixture.ca.store.read { try $0.auditRecords(after: 0, limit: 5000) }
            .filter { $0.action == "sign.seal" }
        #expect(
            audit.filter { $0.outcome == .success }.count == 10 && audit.filter { $0.outcome == .denied }.count == 14)
        #expect(
            try AuditService(store: fixture.seals.identityFixture.ca.store, keys: fixture.seals.identityFixture.ca.keys)
                .verify().isIntact)
    }
}
