import Foundation
import TestSupport
import Testing
import TrustCrypto
import TrustModel

@testable import TrustServices

/// Importing a CA a province already runs: its certificate and key made by the openssl command line (PKCS#12,
/// encrypted and plain PKCS#8), checked after import by openssl again (chains, OCSP, CRL).
@Suite struct CAImportTests {
    /// openssl in `dir`; fails the test on a non-zero exit.
    struct OpenSSL {
        let dir: TemporaryDirectory
        func callAsFunction(_ arguments: [String]) throws {
            let result = try Subprocess.run(
                "openssl", arguments.map { $0.hasPrefix("@") ? dir.file(String($0.dropFirst())) : $0 })
            guard result.succeeded else { throw TestSupportError("openssl \(arguments): \(result.stderr)") }
        }
        func text(_ name: String) throws -> String { String(decoding: try dir.read(name), as: UTF8.self) }

        /// A CA key and certificate: self-signed, or signed by `issuer` (file stem) when given.
        func ca(_ stem: String, subject: String, curve: String = "P-256", issuer: String? = nil) throws {
            let sm2 = curve == "SM2"
            let digest = sm2 ? ["-sm3", "-sigopt", "distid:1234567812345678"] : ["-sha256"]
            try self(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:\(curve)", "-out", "@\(stem).key"])
            let extensions =
                "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n"
                + "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n"
            _ = try dir.write("\(stem).ext", extensions)
            guard let issuer else {
                try self(
                    [
                        "req", "-x509", "-new", "-key", "@\(stem).key", "-subj", subject, "-days", "3650", "-out",
                        "@\(stem).pem", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
                    ] + digest)
                return
            }
            try self(["req", "-new", "-key", "@\(stem).key", "-subj", subject, "-out", "@\(stem).csr"] + digest)
            try self(
                [
                    "x509", "-req", "-in", "@\(stem).csr", "-CA", "@\(issuer).pem", "-CAkey", "@\(issuer).key",
                    "-CAcreateserial", "-days", "1825", "-extfile", "@\(stem).ext", "-out", "@\(stem).pem",
                ]
                    + (sm2
                        ? ["-sm3", "-sigopt", "distid:1234567812345678", "-vfyopt", "distid:1234567812345678"]
                        : ["-sha256"]))
        }
    }

    @Test func anIssuingCAWhoseRootStaysOfflineIsImportedFromEncryptedPKCS8AndIssues() async throws {
        let fixture = try CAFixture()
        let dir = try TemporaryDirectory()
        let openssl = OpenSSL(dir: dir)
        try openssl.ca("root", subject: "/C=CN/O=Province/CN=Province Root CA")
        try openssl.ca("issuing", subject: "/C=CN/O=Province/CN=Province Issuing CA", issuer: "root")
        try openssl(
            [
                "pkcs8", "-topk8", "-in", "@issuing.key", "-v2", "aes-256-cbc", "-passout", "pass:correct horse",
                "-out", "@issuing.enc.pem",
            ])
        func request(_ password: String?, chain: Bool = true) throws -> CAImportRequest {
            CAImportRequest(
                name: "prov-issuing", certificatePEM: try openssl.text("issuing.pem"),
                chainPEM: chain ? try openssl.text("root.pem") : nil,
                key: .pem(try openssl.text("issuing.enc.pem"), password: password))
        }
        let keysBefore = try fixture.keys.list().count

        // Refused, with nothing left behind: a wrong password, no chain for an issuer outside trustd.
        for bad in [try request("wrong"), try request("correct horse", chain: false)] {
            await #expect(throws: TrustError.self) { _ = try await fixture.ca.importCA(bad, by: .system("test")) }
        }
        #expect(try fixture.keys.list().count == keysBefore)
        #expect(try fixture.ca.list().allSatisfy { $0.name != "prov-issuing" })

        let imported = try await fixture.ca.importCA(try request("correct horse"), by: .system("test"))
        #expect(imported.role == .issuing && imported.parent == nil && imported.algorithm == .ecdsa)
        let provinceRoot = try Certificate(pem: try openssl.text("root.pem"))
        #expect(imported.issuerChain.map(\.der) == [provinceRoot.der])
        #expect(try fixture.keys.list().count == keysBefore + 2, "the CA key and its new OCSP signer's")

        // It issues; openssl validates the leaf up to the province's root.
        let (leaf, _) = try fixture.issue(
            .p256, profile: "tls-server", ca: "prov-issuing", subject: tlsSubject,
            sans: [.dns("platform.example.gov.cn")])
        #expect(leaf.chain.map(\.subject.description).last?.contains("Province Root CA") == true)
        let leafFile = try dir.write("leaf.pem", leaf.certificate.pem)
        let verified = try Subprocess.run(
            "openssl",
            [
                "verify", "-x509_strict", "-CAfile", dir.file("root.pem"), "-untrusted", dir.file("issuing.pem"),
                leafFile,
            ])
        #expect(verified.stdout.contains(": OK"), "\(verified.stdout)\(verified.stderr)")
        // trustd's own validation trusts the chain the admin imported.
        let anchors = try TrustAnchors.load(ca: fixture.ca, trustedDirectory: nil)
        #expect(anchors.roots.contains { $0.der == provinceRoot.der })
        #expect(
            PathValidator(trustAnchors: anchors.roots).validate(leaf.certificate, intermediates: anchors.intermediates)
                .isValid)
        // Its OCSP signer answers for the leaf, its CRL is signed by the imported key.
        let ocspRequest = try OCSPRequest.make(for: [leaf.certificate], issuer: imported.certificate)
        let answer = try dir.write("resp.der", fixture.ca.ocsp.respondNow(ocspRequest.der))
        let status = try Subprocess.run(
            "openssl",
            [
                "ocsp", "-respin", answer, "-no_nonce", "-CAfile", dir.file("root.pem"), "-verify_other",
                dir.file("issuing.pem"), "-issuer", dir.file("issuing.pem"), "-cert", leafFile,
            ])
        #expect((status.stdout + status.stderr).contains("Response verify OK") && status.stdout.contains(": good"))
        let crl = try fixture.ca.generateCRL(ca: "prov-issuing", actor: "officer")
        let crlCheck = try Subprocess.run(
            "openssl",
            [
                "crl", "-inform", "DER", "-in", try dir.write("prov.crl", Array(crl.der)), "-CAfile",
                dir.file("issuing.pem"), "-noout",
            ])
        #expect((crlCheck.stdout + crlCheck.stderr).contains("verify OK"), "\(crlCheck.stderr)")

        // Its issuer is outside trustd: it is renewed there, not here. The name is taken now.
        await #expect(throws: TrustError.self) { _ = try await fixture.ca.renewCA("prov-issuing", by: .system("t")) }
        await #expect(throws: TrustError.self) {
            _ = try await fixture.ca.importCA(try request("correct horse"), by: .system("test"))
        }
        let imports = try fixture.store.read { try $0.auditRecords(after: 0, limit: 1000) }.filter {
            $0.action == "ca.import"
        }
        #expect(imports.count == 1 && imports[0].details.contains("pkcs8") && !imports[0].details.contains("horse"))
    }

    @Test func anSM2RootFromPKCS12AndAnIssuingCAUnderItAreImported() async throws {
        let fixture = try CAFixture()
        let dir = try TemporaryDirectory()
        let openssl = OpenSSL(dir: dir)
        try openssl.ca("sm2root", subject: "/C=CN/O=Province/CN=Province SM2 Root CA", curve: "SM2")
        try openssl(
            [
                "pkcs12", "-export", "-inkey", "@sm2root.key", "-in", "@sm2root.pem", "-passout", "pass:p12 secret",
                "-out", "@sm2root.p12",
            ])
        let p12 = try dir.read("sm2root.p12")
        await #expect(throws: TrustError.self) {
            _ = try await fixture.ca.importCA(
                CAImportRequest(
                    name: "prov-sm2-root", certificatePEM: nil, chainPEM: nil, key: .pkcs12(der: p12, password: "nope")),
                by: .system("test"))
        }
        let root = try await fixture.ca.importCA(
            CAImportRequest(
                name: "prov-sm2-root", certificatePEM: nil, chainPEM: nil,
                key: .pkcs12(der: p12, password: "p12 secret")),
            by: .system("test"))
        #expect(root.role == .root && root.algorithm == .sm2 && root.parent == nil)

        // An issuing CA signed by that root (now a trustd root) goes under it, from a plain PKCS#8 PEM.
        try openssl.ca(
            "sm2issuing", subject: "/C=CN/O=Province/CN=Province SM2 Issuing CA", curve: "SM2", issuer: "sm2root")
        let issuing = try await fixture.ca.importCA(
            CAImportRequest(
                name: "prov-sm2-issuing", certificatePEM: try openssl.text("sm2issuing.pem"), chainPEM: nil,
                key: .pem(try openssl.text("sm2issuing.key"), password: nil)),
            by: .system("test"))
        #expect(issuing.parent == "prov-sm2-root" && issuing.role == .issuing && issuing.issuerChain.isEmpty)
        let (seal, _) = try fixture.issue(
            .sm2, profile: "seal", ca: "prov-sm2-issuing", subject: sealSubject,
            identity: [.organizationCode: "91350100M000100Y43"])
        #expect(seal.chain.map(\.der) == [issuing.certificate.der, root.certificate.der])
        // The OpenSSL command line checks SM2 intermediates with the empty ID (../shared/specs/platform-recipes.md
        // §4), so gmssl checks each link with the GM/T 0009 default ID.
        let links = [(seal.certificate, issuing.certificate), (issuing.certificate, root.certificate)]
        for (index, (certificate, issuer)) in links.enumerated() {
            let checked = try Subprocess.run(
                try TestPaths.python,
                [
                    TestPaths.pythonScript("sm2_x509.py"), "cert", try dir.write("c\(index).der", certificate.der),
                    try dir.write("i\(index).der", issuer.der),
                ])
            #expect(checked.succeeded && checked.stdout.contains(#""ok": true"#), "\(checked.stdout)\(checked.stderr)")
        }
    }

    @Test func whatIsNotACAOrNotItsKeyIsRefused() async throws {
        let fixture = try CAFixture()
        let dir = try TemporaryDirectory()
        let openssl = OpenSSL(dir: dir)
        try openssl.ca("root", subject: "/C=CN/O=Province/CN=Province Root CA")
        try openssl.ca("other", subject: "/C=CN/O=Elsewhere/CN=Other Root CA")
        // An end-entity certificate with its key.
        try openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "@leaf.key"])
        try openssl(
            [
                "req", "-x509", "-new", "-key", "@leaf.key", "-subj", "/CN=not a CA", "-days", "30", "-out",
                "@leaf.pem",
                "-addext", "basicConstraints=critical,CA:FALSE",
            ])
        let cases: [(String, CAImportRequest)] = [
            (
                "not a CA",
                CAImportRequest(
                    name: "leaf", certificatePEM: try openssl.text("leaf.pem"), chainPEM: nil,
                    key: .pem(try openssl.text("leaf.key"), password: nil))
            ),
            (
                "not its key",
                CAImportRequest(
                    name: "mismatch", certificatePEM: try openssl.text("root.pem"), chainPEM: nil,
                    key: .pem(try openssl.text("other.key"), password: nil))
            ),
            (
                "a name in use",
                CAImportRequest(
                    name: "sm2-root", certificatePEM: try openssl.text("root.pem"), chainPEM: nil,
                    key: .pem(try openssl.text("root.key"), password: nil))
            ),
            (
                "a bad name",
                CAImportRequest(
                    name: "Province Root", certificatePEM: try openssl.text("root.pem"), chainPEM: nil,
                    key: .pem(try openssl.text("root.key"), password: nil))
            ),
            (
                "a key not in custody",
                CAImportRequest(
                    name: "custody", certificatePEM: try openssl.text("root.pem"), chainPEM: nil,
                    key: .custody(keyID: String(repeating: "ab", count: 16)))
            ),
            (
                "a chain on a root",
                CAImportRequest(
                    name: "chained", certificatePEM: try openssl.text("root.pem"),
                    chainPEM: try openssl.text("other.pem"),
                    key: .pem(try openssl.text("root.key"), password: nil))
            ),
            (
                "garbage PKCS#12",
                CAImportRequest(
                    name: "garbage", certificatePEM: nil, chainPEM: nil,
                    key: .pkcs12(der: [0x30, 0x03, 1, 2, 3], password: ""))
            ),
        ]
        let keysBefore = try fixture.keys.list().count
        for (what, request) in cases {
            do {
                _ = try await fixture.ca.importCA(request, by: .system("test"))
                Issue.record("\(what) was imported")
            } catch let error as TrustError {
                #expect([.invalidRequest, .conflict, .notFound].contains(error.code), "\(what): \(error)")
            }
        }
        #expect(try fixture.keys.list().count == keysBefore, "nothing left in custody")
        // An existing key of a trustd CA cannot be taken by a second CA.
        let sm2Root = try #require(try fixture.ca.list().first { $0.name == "rsa-root" })
        await #expect(throws: TrustError.self) {
            _ = try await fixture.ca.importCA(
                CAImportRequest(
                    name: "twice", certificatePEM: sm2Root.certificate.pem, chainPEM: nil,
                    key: .custody(keyID: sm2Root.keyID)),
                by: .system("test"))
        }
    }
}
