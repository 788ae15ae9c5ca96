import Foundation
import TestSupport
import Testing
import TrustCrypto
import TrustModel

@testable import TrustServices

/// Renewing an issuing CA: a new key and certificate from the same root take over issuance under `<name>-g2`, while
/// the old CA keeps signing its CRL and OCSP answers for what it issued. Checked with the openssl command line.
@Suite struct CARenewalTests {
    @Test func aRenewedIssuingCAHandsOverIssuanceAndKeepsServingWhatItIssued() async throws {
        let fixture = try CAFixture()
        let dir = try TemporaryDirectory()
        let (before, _) = try fixture.issue(
            .p256, profile: "tls-server", ca: "rsa-issuing", subject: tlsSubject,
            sans: [.dns("platform.example.gov.cn")])

        let renewed = try await fixture.ca.renewCA("rsa-issuing", by: .system("test"))
        #expect(renewed.name == "rsa-issuing-g2" && renewed.parent == "rsa-root" && renewed.role == .issuing)
        let old = try #require(try fixture.ca.list().first { $0.name == "rsa-issuing" })
        #expect(old.successor == "rsa-issuing-g2")
        #expect(renewed.certificate.subject.description == old.certificate.subject.description, "same name, new key")
        #expect(renewed.certificate.subjectKeyIdentifier != old.certificate.subjectKeyIdentifier)

        // Issuance that names the old CA comes from the new one, with the new CA's CRL and issuer URLs.
        let (after, _) = try fixture.issue(
            .p256, profile: "tls-server", ca: "rsa-issuing", subject: tlsSubject,
            sans: [.dns("platform.example.gov.cn")])
        #expect(after.record.issuer == "rsa-issuing-g2")
        #expect(after.certificate.authorityKeyIdentifier == renewed.certificate.subjectKeyIdentifier)
        let root = try dir.write("root.pem", after.chain.last!.pem)
        let newIssuing = try dir.write("new.pem", renewed.certificate.pem)
        let oldIssuing = try dir.write("old.pem", old.certificate.pem)
        let afterLeaf = try dir.write("after.pem", after.certificate.pem)
        let beforeLeaf = try dir.write("before.pem", before.certificate.pem)
        let verified = try Subprocess.run(
            "openssl", ["verify", "-x509_strict", "-CAfile", root, "-untrusted", newIssuing, afterLeaf])
        #expect(verified.stdout.contains("after.pem: OK"), "\(verified.stdout)\(verified.stderr)")
        let text = try Subprocess.run("openssl", ["x509", "-in", afterLeaf, "-noout", "-text"]).stdout
        #expect(text.contains("/v1/cas/rsa-issuing-g2/crl"))

        // The old CA still revokes and publishes for what it issued: its CRL (signed by the old key) lists the
        // revoked certificate, and OCSP answers for both generations.
        _ = try fixture.ca.revoke(serial: before.record.serial, reason: .keyCompromise, actor: "officer")
        let crl = try fixture.ca.generateCRL(ca: "rsa-issuing", actor: "officer")
        let crlCheck = try Subprocess.run(
            "openssl",
            [
                "crl", "-inform", "DER", "-in", try dir.write("old.crl", Array(crl.der)), "-CAfile", oldIssuing,
                "-noout", "-text",
            ])
        #expect((crlCheck.stdout + crlCheck.stderr).contains("verify OK"), "\(crlCheck.stderr)")
        #expect(crlCheck.stdout.contains(before.certificate.serialHex.uppercased()))
        for (leaf, issuer, expected) in [(beforeLeaf, oldIssuing, "revoked"), (afterLeaf, newIssuing, "good")] {
            let certificate = leaf == beforeLeaf ? before.certificate : after.certificate
            let issuerCertificate = leaf == beforeLeaf ? old.certificate : renewed.certificate
            let request = try OCSPRequest.make(for: [certificate], issuer: issuerCertificate)
            let answer = try dir.write("resp.der", fixture.ca.ocsp.respondNow(request.der))
            let status = try Subprocess.run(
                "openssl",
                [
                    "ocsp", "-respin", answer, "-no_nonce", "-CAfile", root, "-verify_other", issuer, "-issuer", issuer,
                    "-cert", leaf,
                ])
            #expect((status.stdout + status.stderr).contains("Response verify OK"), "\(status.stdout)\(status.stderr)")
            #expect(status.stdout.contains(": \(expected)"), "\(status.stdout)")
        }

        // Renewed once only; the new generation renews to -g3; a root is not renewed this way.
        await #expect(throws: TrustError.self) { _ = try await fixture.ca.renewCA("rsa-issuing", by: .system("test")) }
        #expect(try await fixture.ca.renewCA("rsa-issuing-g2", by: .system("test")).name == "rsa-issuing-g3")
        let (third, _) = try fixture.issue(
            .p256, profile: "tls-server", ca: "rsa-issuing", subject: tlsSubject,
            sans: [.dns("platform.example.gov.cn")])
        #expect(third.record.issuer == "rsa-issuing-g3", "the successor chain is followed")
        await #expect(throws: TrustError.self) { _ = try await fixture.ca.renewCA("rsa-root", by: .system("test")) }
        // Audited as a renewal.
        let renewals = try fixture.store.read { try $0.auditRecords(after: 0, limit: 1000) }.filter {
            $0.action == "ca.renew"
        }
        #expect(renewals.map(\.object) == ["ca:rsa-issuing-g2", "ca:rsa-issuing-g3"])
    }
}
