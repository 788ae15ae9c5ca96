import Foundation
import KeyCustody
import TestSupport
import Testing
import TrustCrypto
import TrustModel
import TrustStore

@testable import TrustServices

@Suite struct AuditChainTests {
    /// A CA with some history and a signed checkpoint.
    func fixtureWithHistory() throws -> (CAFixture, AuditService) {
        let fixture = try CAFixture()
        let (issued, _) = try fixture.issue(
            .p256, profile: "tls-server", ca: "rsa-issuing", subject: tlsSubject, sans: [.dns("a.example.cn")])
        try fixture.ca.revoke(serial: issued.record.serial, reason: .keyCompromise, actor: "officer")
        try fixture.ca.generateCRL(ca: "rsa-issuing", actor: "officer")
        let audit = AuditService(store: fixture.store, keys: fixture.keys)
        #expect(try audit.checkpoint(actor: "auditor") != nil)
        _ = try fixture.issue(
            .p256, profile: "tls-server", ca: "rsa-issuing", subject: tlsSubject, sans: [.dns("b.example.cn")])
        return (fixture, audit)
    }

    @Test func everyCAOperationIsAuditedAndTheChainVerifies() throws {
        let (fixture, audit) = try fixtureWithHistory()
        let report = try audit.verify()
        #expect(report.isIntact, "\(String(describing: report.firstBroken))")
        #expect(report.checkpoints == 1)
        let actions = try fixture.store.read { try $0.auditRecords(after: 0, limit: 100) }.map(\.action)
        #expect(actions.filter { $0 == "ca.create" }.count == 4)
        #expect(
            actions.contains("audit.key-create") && actions.contains("certificate.issue")
                && actions.contains("certificate.revoke"))
        #expect(actions.contains("crl.generate") && actions.contains("audit.checkpoint"))
    }

    @Test func anEditedRecordIsNamed() throws {
        let (fixture, audit) = try fixtureWithHistory()
        try fixture.tamper("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 6")
        let report = try audit.verify()
        #expect(report.firstBroken?.seq == 6)
        #expect(report.firstBroken?.reason.contains("edited") == true)
    }

    @Test func aDeletedRecordIsNamed() throws {
        let (fixture, audit) = try fixtureWithHistory()
        try fixture.tamper("DELETE FROM audit_log WHERE seq = 4")
        let report = try audit.verify()
        #expect(report.firstBroken?.seq == 5, "the record after the gap")
        #expect(report.firstBroken?.reason.contains("removed") == true)
    }

    @Test func reorderedRecordsAreNamed() throws {
        let (fixture, audit) = try fixtureWithHistory()
        // Swap the contents of records 3 and 4 while keeping sequence numbers in place.
        try fixture.tamper(
            """
            UPDATE audit_log SET seq = -3 WHERE seq = 3; UPDATE audit_log SET seq = 3 WHERE seq = 4; UPDATE audit_log SET seq = 4 WHERE seq = -3;
            """)
        let report = try audit.verify()
        #expect(report.firstBroken?.seq == 3)
    }

    @Test func truncatingTheTailBehindACheckpointIsDetected() throws {
        let (fixture, audit) = try fixtureWithHistory()
        let checkpoint = try #require(try fixture.store.read { try $0.auditCheckpoints() }.last)
        try fixture.tamper("DELETE FROM audit_log WHERE seq >= \(checkpoint.seq)")
        let report = try audit.verify()
        #expect(report.firstBroken?.seq == checkpoint.seq)
        #expect(report.firstBroken?.reason.contains("truncated") == true)
    }

    @Test func aForgedCheckpointSignatureIsDetected() throws {
        let (fixture, audit) = try fixtureWithHistory()
        try fixture.tamper("UPDATE audit_checkpoint SET time = '2020-01-01T00:00:00Z'")
        #expect(try audit.verify().firstBroken?.reason.contains("signature") == true)
    }
}

@Suite struct CrashSafetyTests {
    struct Interrupted: Error {}

    @Test func anIssuanceInterruptedBeforeCommitLeavesNoTrace() throws {
        let armed = Armed()
        let fixture = try CAFixture(faultPoint: { point in
            if point == "issue.before-commit", armed.isArmed { throw Interrupted() }
        })
        let before = try fixture.store.read { (try $0.certificateCount(), try $0.auditCount()) }
        armed.arm()
        #expect(throws: Interrupted.self) {
            _ = try fixture.issue(
                .p256, profile: "tls-server", ca: "rsa-issuing", subject: tlsSubject, sans: [.dns("a.example.cn")])
        }
        let after = try fixture.store.read { (try $0.certificateCount(), try $0.auditCount()) }
        #expect(after == before, "no certificate row and no audit record")
        #expect(try AuditService(store: fixture.store, keys: fixture.keys).verify().isIntact)
    }

    @Test func aCACreationInterruptedAfterKeyGenerationLeavesNoCAAndNoKeys() throws {
        let armed = Armed()
        let fixture = try CAFixture(faultPoint: { point in
            if point == "ca.before-commit", armed.isArmed { throw Interrupted() }
        })
        let keysBefore = try fixture.keys.list().count
        let auditBefore = try fixture.store.read { try $0.auditCount() }
        armed.arm()
        #expect(throws: Interrupted.self) {
            try fixture.ca.createCA(name: "extra-root", parent: nil, keyType: "p256", actor: "officer")
        }
        #expect(try fixture.store.read { try $0.ca("extra-root") } == nil)
        #expect(try fixture.store.read { try $0.auditCount() } == auditBefore)
        #expect(try fixture.keys.list().count == keysBefore, "the fresh CA and OCSP keys were destroyed")
    }

    @Test func anInterruptedRevocationChangesNothing() throws {
        let armed = Armed()
        let fixture = try CAFixture(faultPoint: { point in
            if point == "revoke.before-commit", armed.isArmed { throw Interrupted() }
        })
        let (issued, _) = try fixture.issue(
            .p256, profile: "tls-server", ca: "rsa-issuing", subject: tlsSubject, sans: [.dns("a.example.cn")])
        armed.arm()
        #expect(throws: Interrupted.self) {
            try fixture.ca.revoke(serial: issued.record.serial, reason: .keyCompromise, actor: "t")
        }
        #expect(try fixture.ca.certificateRecord(serial: issued.record.serial).status == .valid)
    }
}

final class Armed: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func arm() { lock.withLock { value = true } }
    var isArmed: Bool { lock.withLock { value } }
}

@Suite struct ProfileFileTests {
    @Test func theRepositoryProfilesLoad() throws {
        let catalog = try ProfileCatalog.load(
            directory: TestPaths.packageRoot.appendingPathComponent("policies/profiles").path)
        #expect(Set(catalog.profiles.keys).isSuperset(of: ProfileCatalog.requiredProfiles))
        let ocsp = try catalog.profile("ocsp-signer")
        #expect(
            ocsp.extendedKeyUsage == [ExtendedKeyUsage.ocspSigning] && ocsp.extendedKeyUsageCritical && ocsp.ocspNoCheck
        )
        #expect(try catalog.profile("tsa").extendedKeyUsage == [ExtendedKeyUsage.timeStamping])
    }

    @Test(arguments: [
        ("name: other\nissuedBy: issuing\nkeyTypes: [sm2]\nvalidityDays: 1\nkeyUsage: [digitalSignature]\n", 1, "name"),
        (
            "name: p\nissuedBy: issuing\nkeyTypes: [sm2, dsa]\nvalidityDays: 1\nkeyUsage: [digitalSignature]\n", 3,
            "keyTypes"
        ),
        (
            "name: p\nissuedBy: issuing\nkeyTypes: [sm2]\nvalidityDays: 1\nkeyUsage: [digitalSignature, signEverything]\n",
            5, "keyUsage"
        ),
        (
            "name: p\nissuedBy: issuing\nkeyTypes: [sm2]\nvalidityDays: forever\nkeyUsage: [digitalSignature]\n", 4,
            "validityDays"
        ),
        ("name: p\nissuedBy: anyone\nkeyTypes: [sm2]\nvalidityDays: 1\nkeyUsage: [digitalSignature]\n", 2, "issuedBy"),
        (
            "name: p\nissuedBy: issuing\nkeyTypes: [sm2]\nvalidityDays: 1\nkeyUsage: [digitalSignature]\ncolour: blue\n",
            6, "colour"
        ),
        (
            "name: p\nissuedBy: issuing\nkeyTypes: [sm2]\nvalidityDays: 1\nkeyUsage: [digitalSignature]\nsubject:\n  required: [CN, favouriteFood]\n",
            7, "subject"
        ),
        (
            "name: p\nissuedBy: issuing\nkeyTypes: [sm2]\nvalidityDays: 1\nkeyUsage: [digitalSignature]\nextendedKeyUsage: [teleport]\n",
            6, "extendedKeyUsage"
        ),
        ("name: p\nissuedBy: issuing\nkeyTypes: [sm2]\nvalidityDays: 1\nkeyUsage: [keyCertSign]\n", 5, "keyUsage"),
        (
            "name: p\nissuedBy: issuing\nkeyTypes: [sm2]\nvalidityDays: 1\nkeyUsage: [digitalSignature]\nidentityExtensions:\n  passport: required\n",
            7, "identityExtensions"
        ),
    ])
    func invalidProfilesFailAtLoadWithFileLineAndField(_ text: String, _ line: Int, _ field: String) throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("p.yaml", text)
        do {
            _ = try ProfileCatalog.loadFile(path)
            Issue.record("expected a load error")
        } catch let error as TrustError {
            #expect(error.message.hasPrefix("\(path):\(line): \(field)"), "\(error.message)")
        }
    }

    @Test func aMissingStandardProfileIsReported() throws {
        let dir = try TemporaryDirectory()
        try dir.write(
            "tsa.yaml", "name: tsa\nissuedBy: issuing\nkeyTypes: [sm2]\nvalidityDays: 1\nkeyUsage: [digitalSignature]\n"
        )
        #expect(throws: TrustError.self) { _ = try ProfileCatalog.load(directory: dir.path) }
    }
}

@Suite struct TokenAuthenticationTests {
    /// Authentication remembers a token for a few seconds; revoking it through the service ends access at once.
    @Test func aRevokedTokenStopsWorkingImmediatelyDespiteTheCache() async throws {
        let fixture = try CAFixture()
        let access = AccessService(store: fixture.store)
        let principal = try await access.createPrincipal(name: "platform-x", roles: [.platform], by: .system("test"))
        let issued = try await access.issueToken(principalID: principal.id, by: .system("test"))
        #expect(try await access.authenticate(token: issued.token).id == principal.id)
        #expect(try await access.authenticate(token: issued.token).id == principal.id, "answered from the cache")
        try await access.revokeToken(id: issued.id, by: .system("test"))
        await #expect(throws: TrustError(.unauthenticated, "")) {
            _ = try await access.authenticate(token: issued.token)
        }
        await #expect(throws: TrustError(.unauthenticated, "")) {
            _ = try await access.authenticate(token: "tdt_" + String(repeating: "A", count: 43))
        }
    }
}
