import Foundation
import KeyCustody
import SealFormat
import TestSupport
import Testing
import TrustCrypto
import TrustModel
import TrustStore

@testable import TrustServices

/// A small valid PNG header + body (the type checks magic bytes and size, not the image itself).
let samplePNG: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 0x11, count: 300)

/// An organisation at intermediate with an authorised applicant at intermediate, and one principal per seal role.
final class SealFixture: @unchecked Sendable {
    let identityFixture: IdentityFixture
    let identity: IdentityService
    let seals: SealService
    let organization: String
    let applicantPerson: String
    let legalRepresentative: String

    static func principal(_ name: String, _ roles: Set<Role>) -> Principal {
        Principal(id: name, name: name, roles: roles)
    }
    let applicant = principal("applicant", [.sealApplicant])
    let reviewer = principal("reviewer", [.sealReviewer])
    let maker = principal("maker", [.sealMaker])
    let filer = principal("filer", [.sealFiler])
    let granter = principal("granter", [.sealGranter])
    let revoker = principal("revoker", [.sealRevoker])

    init(faultPoint: (@Sendable (String) throws -> Void)? = nil) async throws {
        identityFixture = try IdentityFixture()
        identity = identityFixture.service()
        let ca = identityFixture.ca.ca
        seals = SealService(
            store: identityFixture.ca.store, ca: ca, keys: identityFixture.ca.keys, identity: identity,
            types: try SealTypeCatalog.load(
                TestPaths.packageRoot.appendingPathComponent("policies/seal-types.yaml").path,
                profiles: ca.profiles),
            clock: { [clock = identityFixture.clock] in clock.now }, faultPoint: faultPoint)
        legalRepresentative = try await identity.registerPerson(
            name: IdentityFixture.zhang.name, idNumber: IdentityFixture.zhang.id,
            mobile: IdentityFixture.zhang.mobile, by: .system("t")
        ).record.id
        applicantPerson = try await identity.registerPerson(
            name: IdentityFixture.li.name, idNumber: IdentityFixture.li.id,
            mobile: IdentityFixture.li.mobile, by: .system("t")
        ).record.id
        organization = try await identity.registerOrganization(
            name: "某某科技有限公司", creditCode: IdentityFixture.code,
            legalRepresentativeID: legalRepresentative, by: .system("t")
        ).record.id
        try await identityFixture.makePrimary(identity, legalRepresentative)
        try await identityFixture.makePrimary(identity, applicantPerson)
        _ = try await identity.verifyRealName(personID: applicantPerson, by: .system("t"))
        _ = try await identity.verifyBusinessRegistry(organizationID: organization, by: .system("t"))
        _ = try await identity.verifyTaxAccount(organizationID: organization, by: .system("t"))
        _ = try await identity.authorize(
            organizationID: organization, personID: applicantPerson, scope: ["seal.apply"], validFrom: nil,
            validTo: identityFixture.clock.now.addingTimeInterval(30 * 86400),
            by: Caller(Principal(id: "platform", name: "platform", roles: [.platform])))
    }

    func apply(type: String = "official", picture: SealService.Picture? = nil, keyType: String? = nil) async throws
        -> SealDetails
    {
        try await seals.apply(
            organizationID: organization, applicantPersonID: applicantPerson, type: type, name: "某某科技有限公司公章",
            picture: picture ?? SealService.Picture(format: "png", data: samplePNG, widthMM: 40, heightMM: 40),
            validTo: nil, keyType: keyType, by: Caller(applicant))
    }
}

@Suite struct SealLifecycleTests {
    @Test func aSealGoesFromApplicationToDestructionWithSeparationOfDutiesAndAudit() async throws {
        let fixture = try await SealFixture()
        let seals = fixture.seals
        let applied = try await fixture.apply()
        #expect(applied.record.state == .applied && applied.events.map(\.step) == [.apply])
        let id = applied.record.id

        // Wrong steps for the state: 409 with the current state (nothing written); wrong roles: 403, one denied record.
        func denied() throws -> [AuditRecord] {
            try fixture.identityFixture.ca.store.read { try $0.auditRecords(after: 0, limit: 5000) }.filter {
                $0.outcome == .denied
            }
        }
        await #expect { _ = try await seals.make(id: id, by: Caller(fixture.maker)) } throws: {
            ($0 as? TrustError)?.code == .conflict && "\($0)".contains("is applied")
        }
        #expect(try denied().isEmpty)
        await #expect(throws: TrustError(.forbidden, "")) {
            _ = try await seals.make(id: id, by: Caller(fixture.filer))
        }
        #expect(
            try denied().count == 1 && denied()[0].action == "seal.make" && denied()[0].actor == fixture.filer.auditName
        )
        // Separation of duties: an applicant who is also a reviewer cannot approve their own application — refused
        // and audited once, with the reason.
        let both = SealFixture.principal("applicant", [.sealApplicant, .sealReviewer])
        await #expect { _ = try await seals.review(id: id, approve: true, comment: nil, by: Caller(both)) } throws: {
            "\($0)".contains("separation of duties")
        }
        let refusals = try denied()
        #expect(
            refusals.count == 2 && refusals[1].action == "seal.approve"
                && refusals[1].details.contains("separation of duties"),
            "\(refusals.map { ($0.action, $0.details) })")
        #expect(
            try await seals.review(
                id: id, approve: true, comment: "picture and name checked", by: Caller(fixture.reviewer)
            ).record.state == .approved)

        let keysBefore = try fixture.identityFixture.ca.keys.list().count
        let made = try await seals.make(id: id, by: Caller(fixture.maker))
        #expect(made.record.state == .made)
        #expect(
            try fixture.identityFixture.ca.keys.list().count == keysBefore + 2, "the seal key and the seal maker's key")
        let seal = try ElectronicSeal(der: Array(try #require(made.record.eseal)))
        #expect(
            seal.makerSignatureProblem() == nil && seal.info.esID == made.record.esID && seal.info.property.type == 1)
        #expect(
            seal.info.header.vendorID == "trustd" && seal.info.picture.data == samplePNG
                && seal.info.picture.widthMM == 40)
        let certificate = try fixture.identityFixture.ca.ca.certificateRecord(
            serial: try #require(made.record.certificateSerial))
        #expect(certificate.profile == "seal" && certificate.subject.contains("某某科技有限公司公章"))
        guard case .certificates(let listed) = seal.info.property.certificateList else {
            Issue.record("no certificate list")
            return
        }
        #expect(listed == [Array(certificate.der)])
        #expect(try seal.maker().subject.description.contains("Seal Maker"))

        await #expect(throws: TrustError.conflict("")) {
            _ = try await seals.grant(
                id: id, to: .person(fixture.applicantPerson), minimumLevel: .intermediate, validFrom: nil,
                validTo: Date().addingTimeInterval(86400), usageLimit: nil, by: Caller(fixture.granter))
        }
        let filed = try await seals.file(
            id: id, filingNumber: "闽公备 2026-0001", authority: "福州市公安局", by: Caller(fixture.filer))
        #expect(filed.record.state == .filed && filed.record.filingNumber == "闽公备 2026-0001")
        let grant = try await seals.grant(
            id: id, to: .person(fixture.applicantPerson), minimumLevel: .intermediate, validFrom: nil,
            validTo: fixture.identityFixture.clock.now.addingTimeInterval(86400), usageLimit: 10,
            by: Caller(fixture.granter))
        #expect(try await seals.details(id: id, by: .system("test")).record.state == .active && grant.usageLimit == 10)
        var status = try await seals.status(id: id, by: .system("test"))
        #expect(status.state == .active && status.certificateStatus == .valid && status.filingNumber == "闽公备 2026-0001")

        // Report loss: suspended, certificate on hold; recover: back, hold released.
        _ = try await seals.reportLoss(id: id, comment: "USB key lost", by: Caller(fixture.revoker))
        status = try await seals.status(id: id, by: .system("test"))
        #expect(status.state == .suspended && status.certificateStatus == .hold)
        await #expect(throws: TrustError(.forbidden, "")) {
            _ = try await seals.recover(id: id, comment: nil, by: Caller(fixture.revoker))
        }
        _ = try await seals.recover(id: id, comment: "found", by: Caller(fixture.reviewer))
        #expect(try await seals.status(id: id, by: .system("test")).certificateStatus == .valid)
        _ = try await seals.withdraw(id: id, grantID: grant.id, by: Caller(fixture.granter))
        #expect(try await seals.details(id: id, by: .system("test")).grants.first?.withdrawnAt != nil)

        // Revoke: the certificate in the same transaction; terminal for signing; destroy removes the key.
        _ = try await seals.revoke(id: id, comment: "organisation dissolved", by: Caller(fixture.revoker))
        status = try await seals.status(id: id, by: .system("test"))
        #expect(status.state == .revoked && status.certificateStatus == .revoked)
        await #expect(throws: TrustError.conflict("")) {
            _ = try await seals.revoke(id: id, comment: nil, by: Caller(fixture.revoker))
        }
        await #expect(throws: TrustError.conflict("")) {
            _ = try await seals.recover(id: id, comment: nil, by: Caller(fixture.reviewer))
        }
        let keyID = try KeyID(try #require(made.record.keyID))
        _ = try await seals.destroy(id: id, comment: nil, by: Caller(fixture.revoker))
        #expect(throws: KeyCustodyError.self) { _ = try fixture.identityFixture.ca.keys.info(keyID) }
        let final = try await seals.details(id: id, by: .system("test"))
        #expect(final.record.state == .destroyed)
        #expect(
            final.events.map(\.step) == [
                .apply, .approve, .make, .file, .grant, .reportLoss, .recover, .withdraw, .revoke, .destroy,
            ])
        let actions = try fixture.identityFixture.auditActions()
        #expect(
            actions.contains("seal.make") && actions.contains("seal.destroy") && actions.contains("certificate.revoke"))
        #expect(
            try AuditService(store: fixture.identityFixture.ca.store, keys: fixture.identityFixture.ca.keys).verify()
                .isIntact)
    }

    @Test func applicationsCheckPicturesLevelsAndAuthorisation() async throws {
        let fixture = try await SealFixture()
        let jpegAsPNG = SealService.Picture(
            format: "png", data: [0xFF, 0xD8, 0xFF, 0xE0] + Array(repeating: 0, count: 50), widthMM: 40, heightMM: 40)
        await #expect { _ = try await fixture.apply(picture: jpegAsPNG) } throws: {
            "\($0)".contains("not a png image")
        }
        await #expect {
            _ = try await fixture.apply(
                picture: SealService.Picture(format: "png", data: samplePNG, widthMM: 90, heightMM: 40))
        } throws: {
            "\($0)".contains("38–45 mm")
        }
        await #expect {
            _ = try await fixture.apply(
                picture: SealService.Picture(format: "bmp", data: samplePNG, widthMM: 40, heightMM: 40))
        } throws: {
            "\($0)".contains("not allowed")
        }
        await #expect { _ = try await fixture.apply(type: "rubber-duck") } throws: {
            "\($0)".contains("unknown seal type")
        }
        // The legal representative is only primary: official seals need the applicant at intermediate.
        await #expect {
            _ = try await fixture.seals.apply(
                organizationID: fixture.organization, applicantPersonID: fixture.legalRepresentative,
                type: "official", name: "x",
                picture: SealService.Picture(format: "png", data: samplePNG, widthMM: 40, heightMM: 40),
                validTo: nil, keyType: nil, by: Caller(fixture.applicant))
        } throws: {
            ($0 as? TrustError)?.code == .forbidden && "\($0)".contains("needs intermediate")
        }
        // Nothing was written for the refused applications.
        #expect(
            try await fixture.seals.list(organizationID: fixture.organization, state: nil, by: .system("test")).isEmpty)
        #expect(try await fixture.apply().record.state == .applied)
    }

    /// Every step from every state: the allowed ones are exactly the lifecycle's, all others answer 409 naming the
    /// state and change nothing.
    @Test func everyForbiddenTransitionIsAConflictAndChangesNothing() async throws {
        let fixture = try await SealFixture()
        let seals = fixture.seals
        let officer = SealFixture.principal(
            "officer", [.sealReviewer, .sealMaker, .sealFiler, .sealGranter, .sealRevoker])
        let until = fixture.identityFixture.clock.now.addingTimeInterval(86400)
        func sealIn(_ state: SealState) async throws -> String {
            let id = try await fixture.apply().record.id
            let path: [SealState: [SealStep]] = [
                .applied: [], .approved: [.approve], .rejected: [.reject], .made: [.approve, .make],
                .filed: [.approve, .make, .file],
                .active: [.approve, .make, .file, .grant], .suspended: [.approve, .make, .file, .grant, .reportLoss],
                .revoked: [.approve, .make, .file, .grant, .revoke],
                .destroyed: [.approve, .make, .file, .grant, .revoke, .destroy],
            ]
            for step in path[state]! { try await perform(step, id) }
            #expect(try await seals.details(id: id, by: .system("test")).record.state == state)
            return id
        }
        func perform(_ step: SealStep, _ id: String) async throws {
            switch step {
            case .apply: _ = try await fixture.apply()
            case .approve: _ = try await seals.review(id: id, approve: true, comment: nil, by: Caller(officer))
            case .reject: _ = try await seals.review(id: id, approve: false, comment: nil, by: Caller(officer))
            case .make: _ = try await seals.make(id: id, by: Caller(officer))
            case .file: _ = try await seals.file(id: id, filingNumber: "F-1", authority: "A", by: Caller(officer))
            case .grant:
                _ = try await seals.grant(
                    id: id, to: .person(fixture.applicantPerson), minimumLevel: .intermediate,
                    validFrom: nil, validTo: until, usageLimit: nil, by: Caller(officer))
            case .withdraw: _ = try await seals.withdraw(id: id, grantID: "00", by: Caller(officer))
            case .reportLoss: _ = try await seals.reportLoss(id: id, comment: nil, by: Caller(officer))
            case .recover: _ = try await seals.recover(id: id, comment: nil, by: Caller(officer))
            case .revoke: _ = try await seals.revoke(id: id, comment: nil, by: Caller(officer))
            case .destroy: _ = try await seals.destroy(id: id, comment: nil, by: Caller(officer))
            }
        }
        for state in SealState.allCases {
            let id = try await sealIn(state)
            for step in SealStep.allCases where step != .apply && SealLifecycle.next(state, step) == nil {
                let before = try await seals.details(id: id, by: .system("test"))
                await #expect(throws: TrustError.self, "\(step.rawValue) from \(state.rawValue)") {
                    try await perform(step, id)
                }
                do { try await perform(step, id) } catch let error as TrustError {
                    #expect(
                        error.code == .conflict && error.message.contains("is \(state.rawValue)"),
                        "\(step.rawValue) from \(state.rawValue): \(error)")
                }
                let after = try await seals.details(id: id, by: .system("test"))
                #expect(after.record == before.record && after.events.count == before.events.count)
            }
        }
        #expect(
            SealLifecycle.allowed(from: .active).map(\.rawValue) == [
                "grant", "withdraw", "report-loss", "revoke", "destroy",
            ])
        #expect(SealLifecycle.allowed(from: .destroyed).isEmpty && SealLifecycle.allowed(from: .rejected).isEmpty)
    }

    /// A crash just before the make transaction commits: the seal stays approved, no certificate is registered and
    /// the fresh seal key is gone from custody; a second make then succeeds.
    @Test func anInterruptedMakeLeavesNoCertificateAndNoOrphanKey() async throws {
        struct Crash: Error {}
        let armed = LockedClock(Date())  // reused as a flag holder: distantFuture = armed
        armed.now = .distantFuture
        let fixture = try await SealFixture(faultPoint: { point in
            if point == "seal.make.before-commit" && armed.now == .distantFuture { throw Crash() }
        })
        let id = try await fixture.apply().record.id
        _ = try await fixture.seals.review(id: id, approve: true, comment: nil, by: Caller(fixture.reviewer))
        let keysBefore = try fixture.identityFixture.ca.keys.list().count
        let certificatesBefore = try fixture.identityFixture.ca.store.read { try $0.certificateCount() }
        await #expect(throws: Crash.self) { _ = try await fixture.seals.make(id: id, by: Caller(fixture.maker)) }
        #expect(try await fixture.seals.details(id: id, by: .system("test")).record.state == .approved)
        // Only the seal maker's own key (made once, before the seal's) remains new in custody.
        #expect(try fixture.identityFixture.ca.keys.list().filter { $0.label.hasPrefix("seal TD") }.isEmpty)
        #expect(try fixture.identityFixture.ca.keys.list().count == keysBefore + 1)
        #expect(
            try fixture.identityFixture.ca.store.read { try $0.certificateCount() } == certificatesBefore + 1,
            "the maker's certificate only")
        armed.now = Date()
        #expect(try await fixture.seals.make(id: id, by: Caller(fixture.maker)).record.state == .made)
        #expect(
            try AuditService(store: fixture.identityFixture.ca.store, keys: fixture.identityFixture.ca.keys).verify()
                .isIntact)
    }
}
