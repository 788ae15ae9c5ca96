import Foundation
import TestSupport
import Testing
import TrustCrypto
import TrustModel
import TrustStore

@testable import TrustServices

/// The permission model below HTTP: every use case, called directly by a principal of each role, is refused exactly
/// when ``RolePermissions`` says so — with 403 and exactly one `denied` audit record — and otherwise runs (whatever
/// else it then answers for the made-up ids used here).
@Suite struct PermissionMatrixTests {
    typealias Call = @Sendable (Appliance, Caller) async throws -> Void

    /// One representative use case per permission (`/metrics` is HTTP only).
    static let calls: [(Permission, Call)] = [
        (.caRead, { app, caller in _ = try await app.ca.cas(by: caller) }),
        (.caRenew, { app, caller in _ = try await app.ca.renewCA("no-such-ca", by: caller) }),
        (.caRekey, { app, caller in _ = try await app.ca.rekeyRoot("no-such-ca", by: caller) }),
        (.loginManage, { app, caller in _ = try await app.login.sessions(by: caller) }),
        (
            .caImport,
            { app, caller in
                _ = try await app.ca.importCA(
                    CAImportRequest(name: "no-such-ca", certificatePEM: nil, chainPEM: nil, key: .custody(keyID: "x")),
                    by: caller)
            }
        ),
        (
            .certificateIssue,
            { app, caller in
                _ = try await app.issuance.issue(
                    csrPEM: "-----BEGIN CERTIFICATE REQUEST-----\nAA==\n-----END CERTIFICATE REQUEST-----\n",
                    profile: "tls-server",
                    ca: "rsa-issuing", identity: [:], applicantID: nil, validityDays: nil, by: caller)
            }
        ),
        (.certificateRead, { app, caller in _ = try await app.ca.certificate(serial: "0badc0de", by: caller) }),
        (
            .certificateRevoke,
            { app, caller in _ = try await app.ca.revoke(serial: "0badc0de", reason: .keyCompromise, by: caller) }
        ),
        (.crlGenerate, { app, caller in _ = try await app.ca.generateCRL(ca: "no-such-ca", delta: false, by: caller) }),
        (.auditRead, { app, caller in _ = try await app.audit.records(after: 0, limit: 1, by: caller) }),
        (.auditVerify, { app, caller in _ = try await app.audit.verify(by: caller) }),
        (.auditCheckpoint, { app, caller in _ = try await app.audit.checkpoint(by: caller) }),
        (.principalManage, { app, caller in _ = try await AccessService(store: app.store).principals(by: caller) }),
        (
            .identityRegister,
            { app, caller in
                _ = try await app.identity.registerPerson(name: "x", idNumber: "1", mobile: "1", by: caller)
            }
        ),
        (.identityRead, { app, caller in _ = try await app.identity.person(id: "00", by: caller) }),
        (
            .identityVerify,
            { app, caller in _ = try await app.identity.verifyPerson("00", .populationRegistry, by: caller) }
        ),
        (
            .organizationAuthorize,
            { app, caller in _ = try await app.identity.revokeAuthorization(id: "00", by: caller) }
        ),
        (
            .evidenceRevoke,
            { app, caller in _ = try await app.identity.revokeEvidence(id: "00", reason: "test", by: caller) }
        ),
        (
            .decisionQuery,
            { app, caller in
                _ = try await app.identity.decision(
                    action: .sealApply, personID: nil, organizationID: nil, grantLevel: nil, by: caller)
            }
        ),
        (
            .sealApply,
            { app, caller in
                _ = try await app.seals.apply(
                    organizationID: "00", applicantPersonID: "00", type: "official", name: "x",
                    picture: SealService.Picture(format: "png", data: [1], widthMM: 40, heightMM: 40), validTo: nil,
                    keyType: nil,
                    by: caller)
            }
        ),
        (.sealRead, { app, caller in _ = try await app.seals.details(id: "00", by: caller) }),
        (.sealLookup, { app, caller in _ = try await app.seals.lookup("00", by: caller) }),
        (
            .sealPicture,
            { app, caller in
                _ = try await app.seals.picture(
                    SealPictureOrder(type: "official", organization: "某某", number: nil, format: .svg, dpi: 300),
                    by: caller)
            }
        ),
        (
            .sealReview,
            { app, caller in _ = try await app.seals.review(id: "00", approve: true, comment: nil, by: caller) }
        ),
        (.sealMake, { app, caller in _ = try await app.seals.make(id: "00", by: caller) }),
        (
            .sealFile,
            { app, caller in _ = try await app.seals.file(id: "00", filingNumber: "1", authority: "a", by: caller) }
        ),
        (.sealGrant, { app, caller in _ = try await app.seals.withdraw(id: "00", grantID: "00", by: caller) }),
        (.sealReportLoss, { app, caller in _ = try await app.seals.reportLoss(id: "00", comment: nil, by: caller) }),
        (.sealRecover, { app, caller in _ = try await app.seals.recover(id: "00", comment: nil, by: caller) }),
        (.sealRevoke, { app, caller in _ = try await app.seals.revoke(id: "00", comment: nil, by: caller) }),
        (.sealDestroy, { app, caller in _ = try await app.seals.destroy(id: "00", comment: nil, by: caller) }),
        (
            .sign,
            { app, caller in
                _ = try await app.signing.sign(
                    SigningService.Request(sealID: "00", signerPersonID: nil, format: .raw, data: [1], digest: nil),
                    by: caller)
            }
        ),
        (
            .keyCreate,
            { app, caller in _ = try await app.signingKeys.create(owner: .person("00"), keyType: .p256, by: caller) }
        ),
        (.keyRead, { app, caller in _ = try await app.signingKeys.details(id: "00", by: caller) }),
        (
            .keyRevoke,
            { app, caller in _ = try await app.signingKeys.revoke(id: "00", reason: .unspecified, by: caller) }
        ),
        (
            .verify,
            { app, caller in _ = try await app.verifier.verify([0x30, 0x00], data: nil, digest: nil, by: caller) }
        ),
        (
            .timestamp,
            { app, caller in _ = try await app.timestamps.timestamp(der: [0x30, 0x00], unit: .sm2, by: caller) }
        ),
        (.counterCheck, { app, caller in _ = try await app.counter.challenge(personID: "00", by: caller) }),
    ]

    @Test func everyUseCaseRefusesExactlyTheRolesWithoutItsPermission() async throws {
        let dir = try TemporaryDirectory("trustd-permissions")
        let app = try DataDirectory(dir.file("data")).initialize(
            policiesFrom: TestPaths.packageRoot.appendingPathComponent("policies").path,
            configuration: .fastTests, actor: "test",
            engines: ApplianceEngines(
                store: ApplianceEngines.embedded.store, keys: { [keys = MemoryKeyStore()] _, _ in keys },
                keyStoreName: "memory"))
        #expect(
            Set(Self.calls.map(\.0)) == Set(Permission.allCases).subtracting([.metricsRead]),
            "a use case for every permission")
        func denied() throws -> Int {
            let records = try app.store.read { reader in try reader.auditRecords(after: 0, limit: 100_000) }
            return records.filter { $0.outcome == .denied }.count
        }
        for role in Role.allCases {
            let caller = Caller(Principal(id: "p-\(role.rawValue)", name: "p-\(role.rawValue)", roles: [role]))
            for (permission, call) in Self.calls {
                let before = try denied()
                var refused = false
                do { try await call(app, caller) } catch let error as TrustError
                    where error.code == .forbidden && error.message.contains(permission.rawValue)
                {
                    refused = true
                } catch {}
                let holds = RolePermissions.table[role]?.contains(permission) == true
                #expect(refused == !holds, "\(role.rawValue) calling a \(permission.rawValue) use case")
                #expect(
                    try denied() - before == (holds ? 0 : 1),
                    "\(role.rawValue) × \(permission.rawValue): one denied record per refusal")
            }
        }
    }
}
