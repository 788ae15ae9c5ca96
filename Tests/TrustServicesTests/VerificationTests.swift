import Foundation
import KeyCustody
import SealFormat
import TestSupport
import Testing
import TrustCrypto
import TrustModel
import TrustStore

@testable import TrustServices

extension SigningFixture {
    var verifier: SignatureVerifier {
        let ca = seals.identityFixture.ca
        return SignatureVerifier(
            store: ca.store, ca: ca.ca,
            anchors: { [authority = ca.ca] in try TrustAnchors.load(ca: authority, trustedDirectory: nil) })
    }

    /// A SES_Signature made directly with the seal's key (to place the claimed time where the service would refuse).
    func handMade(signingTime: Date, document: [UInt8], seal: ElectronicSeal? = nil) async throws -> SealSignature {
        let record = try await seals.seals.details(id: sealID, by: .system("test")).record
        let keyID = try KeyID(try #require(record.keyID))
        let certificate = try Array(
            seals.identityFixture.ca.ca.certificateRecord(serial: try #require(record.certificateSerial)).der)
        let keys = seals.identityFixture.ca.keys
        return try SealSignature.make(
            seal: try seal ?? ElectronicSeal(der: Array(try #require(record.eseal))), signingTime: signingTime,
            dataHash: Digest.hash(.sm3, document), propertyInfo: "p", signerCertificate: certificate,
            signatureAlgorithm: SealAlgorithm.sm2WithSM3,
            sign: { try keys.sign($0, with: keyID, algorithm: .sm2(id: .default)) })
    }
}

@Suite struct SealVerificationTests {
    func status(_ report: ValidationReport, _ name: String) -> ValidationReport.Status? {
        report.checks.first { $0.name.rawValue == name }?.status
    }

    @Test func reportsExplainValidTamperedAndWrongSealSignatures() async throws {
        let fixture = try await SigningFixture()
        let person = fixture.seals.applicantPerson
        let document = Array("公文 2026-001".utf8)
        let stamped = try await fixture.sign(.ses, person: person, data: document, timestamp: true).signature
        let report = fixture.verifier.verify(stamped, data: document, digest: nil)
        #expect(report.indication == .totalPassed && report.timeSource == "timestamp", "\(report.checks)")
        #expect(
            report.checks.map(\.name.rawValue) == [
                "format", "signature", "document", "timestamp", "chain", "validity", "revocation", "key-usage",
                "seal-cert-list", "seal-maker", "seal-validity", "seal-status",
            ])
        // Tampered document, tampered signature, no document.
        #expect(fixture.verifier.verify(stamped, data: Array("другой".utf8), digest: nil).subIndication == .hashFailure)
        let plain = try await fixture.sign(.ses, person: person, data: document).signature
        var broken = plain
        broken[broken.count - 1] ^= 0x01
        let tampered = fixture.verifier.verify(broken, data: document, digest: nil)
        #expect(
            tampered.indication == .totalFailed && tampered.subIndication == .sigCryptoFailure, "\(tampered.checks)")
        #expect(fixture.verifier.verify(plain, data: nil, digest: nil).indication == .indeterminate)
        #expect(
            fixture.verifier.verify(plain, data: nil, digest: Digest.hash(.sm3, document)).indication == .totalPassed)
        // A signature by this seal's key over another seal whose certList does not name it.
        let other = try await SigningFixture()
        let foreignSeal = try await ElectronicSeal(
            der: Array(try #require(try other.seals.seals.details(id: other.sealID, by: .system("test")).record.eseal)))
        let wrongSeal = try await fixture.handMade(signingTime: Date(), document: document, seal: foreignSeal)
        #expect(
            fixture.verifier.verify(wrongSeal.der, data: document, digest: nil).subIndication == .sigConstraintsFailure)
        // Formats: a bare seal, and garbage.
        let bare = await fixture.verifier.verify(
            Array(try #require(try fixture.seals.seals.details(id: fixture.sealID, by: .system("test")).record.eseal)),
            data: nil, digest: nil)
        #expect(bare.format == "eseal" && bare.indication == .totalPassed, "\(bare.checks)")
        #expect(fixture.verifier.verify([0x30, 0x00], data: nil, digest: nil).subIndication == .formatFailure)
    }

    @Test func revocationIsJudgedAgainstTheProvenSigningTime() async throws {
        let fixture = try await SigningFixture()
        let person = fixture.seals.applicantPerson
        let document = Array("合同".utf8)
        let clock = fixture.seals.identityFixture.clock
        let stamped = try await fixture.sign(.ses, person: person, data: document, timestamp: true).signature
        let claimed = try await fixture.sign(.ses, person: person, data: document).signature
        // One verifier throughout, as in the daemon: what it keeps in memory must follow every change.
        let verifier = fixture.verifier
        #expect(verifier.verify(claimed, data: document, digest: nil).indication == .totalPassed)
        #expect(verifier.verify(claimed, data: document, digest: nil).indication == .totalPassed)
        // Suspension after signing: the seal's registry status makes the result indeterminate.
        _ = try await fixture.seals.seals.reportLoss(
            id: fixture.sealID, comment: nil, by: Caller(fixture.seals.revoker))
        #expect(verifier.verify(claimed, data: document, digest: nil).indication == .indeterminate)
        clock.now = clock.now.addingTimeInterval(60)
        _ = try await fixture.seals.seals.revoke(id: fixture.sealID, comment: nil, by: Caller(fixture.seals.revoker))
        // Revoked after a time-stamped signature: still valid; after a merely claimed time: indeterminate.
        // (The verifier reads the real clock for "now"; the revocation time is in the registry.)
        let afterStamp = verifier.verify(stamped, data: document, digest: nil)
        #expect(status(afterStamp, "revocation") == .passed, "\(afterStamp.checks)")
        let afterClaim = verifier.verify(claimed, data: document, digest: nil)
        #expect(
            afterClaim.indication != .totalPassed && status(afterClaim, "revocation") == .indeterminate,
            "\(afterClaim.checks)")
        // A signature claiming a time after the revocation: revoked.
        let late = try await fixture.handMade(signingTime: clock.now.addingTimeInterval(3600), document: document)
        #expect(verifier.verify(late.der, data: document, digest: nil).subIndication == .revoked)
        // A signature claiming a time after the seal's validity: without a proof of existence that is
        // INDETERMINATE/OUT_OF_BOUNDS_NO_POE for the seal (EN 319 102-1); the revoked seal still fails it.
        let expired = try await fixture.handMade(
            signingTime: clock.now.addingTimeInterval(5 * 365 * 86400), document: document)
        let report = verifier.verify(expired.der, data: document, digest: nil)
        #expect(
            report.check(.sealValidity)?.subIndication == .outOfBoundsNoPOE && report.indication == .totalFailed,
            "\(report.checks)")
    }
}

@Suite struct RegistryOutageTests {
    /// When trustd's registry cannot be read, the verdict is INDETERMINATE with the reason — never "not made by
    /// trustd" or "not revoked". The outage is real: the seals and certificates tables are renamed under the store.
    @Test func aRegistryThatCannotBeReadGivesIndeterminateWithTheReason() async throws {
        let fixture = try await SigningFixture()
        let document = Array("公文 2026-009".utf8)
        let signed = try await fixture.sign(.ses, person: fixture.seals.applicantPerson, data: document).signature
        #expect(fixture.verifier.verify(signed, data: document, digest: nil).indication == .totalPassed)
        try fixture.seals.identityFixture.ca.tamper(
            "ALTER TABLE seal RENAME TO seal_elsewhere; ALTER TABLE certificate RENAME TO certificate_elsewhere")
        let report = fixture.verifier.verify(signed, data: document, digest: nil)
        #expect(report.indication == .indeterminate && report.subIndication == .tryLater, "\(report.checks)")
        let status = try #require(report.check(.sealStatus))
        #expect(
            status.status == .indeterminate && status.detail.contains("seal registry could not be read"), "\(status)")
        let revocation = try #require(report.check(.revocation))
        #expect(
            revocation.status == .indeterminate && revocation.detail.contains("certificate registry could not be read"),
            "\(revocation)")
        #expect(
            report.check(.signature)?.status == .passed && report.check(.document)?.status == .passed,
            "what could be checked still is")
    }
}
