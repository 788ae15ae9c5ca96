import Foundation
import TestSupport
import Testing
import TrustCrypto
import TrustModel

@testable import TrustServices

/// Re-keying a root (RFC 4210 §4.4): a new root generation with cross-certificates both ways, so relying parties
/// holding either root validate certificates of both hierarchies. Checked with the openssl command line.
@Suite struct CARootRekeyTests {
    @Test func aReKeyedRootIsCrossCertifiedBothWaysAndTheIssuingCAMovesUnderIt() async throws {
        let fixture = try CAFixture()
        let dir = try TemporaryDirectory()
        let (before, _) = try fixture.issue(
            .p256, profile: "tls-server", ca: "rsa-issuing", subject: tlsSubject,
            sans: [.dns("platform.example.gov.cn")])

        let newRoot = try await fixture.ca.rekeyRoot("rsa-root", by: .system("test"))
        #expect(newRoot.name == "rsa-root-g2" && newRoot.role == .root && newRoot.parent == nil)
        #expect(newRoot.certificate.subject.description.hasSuffix("Root CA G2"), "its own name")
        let listed = try fixture.ca.list()
        let oldRoot = try #require(listed.first { $0.name == "rsa-root" })
        #expect(oldRoot.successor == "rsa-root-g2")
        let cross = try #require(listed.first { $0.name == "rsa-root-g2" }).crossCertificates
        try #require(cross.count == 2)
        let (newWithOld, oldWithNew) = (cross[0], cross[1])
        #expect(newWithOld.subject == newRoot.certificate.subject && newWithOld.issuer == oldRoot.certificate.subject)
        #expect(oldWithNew.subject == oldRoot.certificate.subject && oldWithNew.issuer == newRoot.certificate.subject)
        #expect(try await fixture.ca.crossCertificates(ofCA: "rsa-root-g2").map(\.der) == cross.map(\.der))

        // The issuing CA renews under the new root; issuance follows.
        let issuing = try await fixture.ca.renewCA("rsa-issuing", by: .system("test"))
        #expect(issuing.parent == "rsa-root-g2")
        let (after, _) = try fixture.issue(
            .p256, profile: "tls-server", ca: "rsa-issuing", subject: tlsSubject,
            sans: [.dns("platform.example.gov.cn")])
        #expect(after.record.issuer == "rsa-issuing-g2")
        #expect(after.chain.map(\.der) == [issuing.certificate.der, newRoot.certificate.der])

        let files = (
            oldRoot: try dir.write("old-root.pem", oldRoot.certificate.pem),
            newRoot: try dir.write("new-root.pem", newRoot.certificate.pem),
            oldIssuing: try dir.write("old-issuing.pem", before.chain[0].pem),
            newIssuing: try dir.write("new-issuing.pem", issuing.certificate.pem),
            newWithOld: try dir.write("new-with-old.pem", newWithOld.pem),
            oldWithNew: try dir.write("old-with-new.pem", oldWithNew.pem),
            before: try dir.write("before.pem", before.certificate.pem),
            after: try dir.write("after.pem", after.certificate.pem)
        )
        func verify(_ leaf: String, trusting root: String, untrusted: [String]) throws -> Bool {
            let bundle = try dir.write(
                "untrusted-\(UUID().uuidString).pem",
                try untrusted.map { String(decoding: try Data(contentsOf: URL(fileURLWithPath: $0)), as: UTF8.self) }
                    .joined())
            let result = try Subprocess.run(
                "openssl", ["verify", "-x509_strict", "-CAfile", root, "-untrusted", bundle, leaf])
            return result.succeeded && result.stdout.contains(": OK")
        }
        // New certificates: directly under the new root, and through newWithOld for those that trust the old one.
        #expect(try verify(files.after, trusting: files.newRoot, untrusted: [files.newIssuing]))
        #expect(try verify(files.after, trusting: files.oldRoot, untrusted: [files.newIssuing, files.newWithOld]))
        #expect(try !verify(files.after, trusting: files.oldRoot, untrusted: [files.newIssuing]), "needs the cross")
        // Old certificates: under the old root, and through oldWithNew for those that trust only the new one.
        #expect(try verify(files.before, trusting: files.oldRoot, untrusted: [files.oldIssuing]))
        #expect(try verify(files.before, trusting: files.newRoot, untrusted: [files.oldIssuing, files.oldWithNew]))
        #expect(try !verify(files.before, trusting: files.newRoot, untrusted: [files.oldIssuing]), "needs the cross")

        // The cross-certificates are registered with their issuers, which can revoke them on their CRLs.
        let registered = try fixture.ca.certificateRecord(serial: newWithOld.serialHex)
        #expect(registered.issuer == "rsa-root" && registered.profile == "cross-certificate")
        #expect(try fixture.ca.certificateRecord(serial: oldWithNew.serialHex).issuer == "rsa-root-g2")
        _ = try fixture.ca.revoke(serial: newWithOld.serialHex, reason: .superseded, actor: "officer")
        let crl = try fixture.ca.generateCRL(ca: "rsa-root", actor: "officer")
        let crlText = try Subprocess.run(
            "openssl",
            [
                "crl", "-inform", "DER", "-in", try dir.write("old-root.crl", Array(crl.der)), "-CAfile",
                files.oldRoot, "-noout", "-text",
            ])
        #expect((crlText.stdout + crlText.stderr).contains("verify OK"), "\(crlText.stderr)")
        #expect(crlText.stdout.contains(newWithOld.serialHex.uppercased()))

        // Both roots are trust anchors for trustd's own validation.
        let anchors = try TrustAnchors.load(ca: fixture.ca, trustedDirectory: nil)
        #expect(Set(anchors.roots.map(\.der)).isSuperset(of: [oldRoot.certificate.der, newRoot.certificate.der]))

        // Once only; an issuing CA is renewed, not re-keyed; a root is re-keyed, not renewed.
        await #expect(throws: TrustError.self) { _ = try await fixture.ca.rekeyRoot("rsa-root", by: .system("t")) }
        await #expect(throws: TrustError.self) { _ = try await fixture.ca.rekeyRoot("sm2-issuing", by: .system("t")) }
        await #expect(throws: TrustError.self) { _ = try await fixture.ca.renewCA("sm2-root", by: .system("t")) }
        let rekeys = try fixture.store.read { try $0.auditRecords(after: 0, limit: 1000) }.filter {
            $0.action == "ca.rekey"
        }
        #expect(rekeys.map(\.object) == ["ca:rsa-root-g2"])
        #expect(rekeys.first?.details.contains(newWithOld.serialHex) == true)
    }

    @Test func anSM2RootReKeysWithSM2CrossCertificates() async throws {
        let fixture = try CAFixture()
        let newRoot = try await fixture.ca.rekeyRoot("sm2-root", by: .system("test"))
        let old = try #require(try fixture.ca.list().first { $0.name == "sm2-root" })
        let cross = try await fixture.ca.crossCertificates(ofCA: newRoot.name)
        try #require(cross.count == 2)
        #expect(cross[0].isSigned(by: try old.certificate.publicKey))
        #expect(cross[1].isSigned(by: try newRoot.certificate.publicKey))
        #expect(cross[0].signatureAlgorithmOID == "1.2.156.10197.1.501", "SM2 with SM3")
    }
}
