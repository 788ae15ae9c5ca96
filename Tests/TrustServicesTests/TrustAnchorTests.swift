import Foundation
import TestSupport
import Testing
import TrustCrypto
import TrustModel

@testable import TrustServices

@Suite struct TrustAnchorTests {
    @Test func ownCertificatesAndThoseOfTrustedForeignRootsValidateOthersDoNot() throws {
        let fixture = try CAFixture()
        let (own, _) = try fixture.issue(
            .sm2, profile: "seal", ca: "sm2-issuing", subject: sealSubject,
            identity: [.organizationCode: "91350100M000100Y43"])
        let trusted = try TestPKI(.sm2, name: "Province B")
        let untrusted = try TestPKI(.rsa2048, name: "Unknown")
        let dir = try TemporaryDirectory()
        try dir.write("province-b.pem", trusted.root.pem)

        let anchors = try TrustAnchors.load(ca: fixture.ca, trustedDirectory: dir.path)
        #expect(anchors.roots.count == 3)
        #expect(anchors.validate(own.certificate).isValid, "own certificate, own intermediates are implied")
        let foreign = try trusted.leaf(try PrivateKey.generate(.sm2))
        #expect(
            anchors.validate(foreign, intermediates: [trusted.issuing]).isValid, "互认: a trusted province's certificate")
        let stranger = try untrusted.leaf(try PrivateKey.generate(.p256))
        #expect(!anchors.validate(stranger, intermediates: [untrusted.issuing]).isValid)
        #expect(
            !(try TrustAnchors.load(ca: fixture.ca, trustedDirectory: nil)).validate(
                foreign, intermediates: [trusted.issuing]
            ).isValid)
    }

    @Test func aBrokenTrustedFileIsNamed() throws {
        let fixture = try CAFixture()
        let dir = try TemporaryDirectory()
        let path = try dir.write("junk.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
        do {
            _ = try TrustAnchors.load(ca: fixture.ca, trustedDirectory: dir.path)
            Issue.record("expected an error")
        } catch let error as TrustError {
            #expect(error.message.hasPrefix(path))
        }
        let leafDir = try TemporaryDirectory()
        let pki = try TestPKI(.p256)
        try leafDir.write("leaf.pem", try pki.leaf(try PrivateKey.generate(.p256)).pem)
        #expect(throws: TrustError.self) { _ = try TrustAnchors.load(ca: fixture.ca, trustedDirectory: leafDir.path) }
    }
}
