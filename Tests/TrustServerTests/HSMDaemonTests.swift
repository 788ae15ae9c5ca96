import Foundation
import KeyCustody
import TestSupport
import Testing
import TrustCrypto

/// The daemon with its keys on a SoftHSM2 token, from `--config`: CA, OCSP signer, TSA, TLS and seal keys are
/// generated and used inside the token (RSA and P-256; SoftHSM2 has no SM2, so SM2 keys are kept in the software
/// store only because the configuration says so). Checked end to end with openssl and the token's own key list.
@Suite(.serialized) struct HSMDaemonTests {
    @Test func theDaemonRunsWithItsKeysInSoftHSM2() throws {
        let dir = try TemporaryDirectory("trustd-hsm-daemon")
        let made = try Subprocess.run(
            "/bin/bash",
            [TestPaths.packageRoot.appendingPathComponent("hsm/init-softhsm.sh").path, dir.file("hsm"), "trustd"])
        try #require(made.succeeded, "\(made.stderr)")
        let policies = TestPaths.packageRoot.appendingPathComponent("policies").path
        let trustd = try TestPaths.builtProduct("trustd")

        // A token without SM2 mechanisms cannot hold trustd's SM2 keys: refused before anything is written.
        try dir.write(
            "sm2-on-token.yaml",
            """
            data: \(dir.file("data"))
            listen: 127.0.0.1:0
            policies: \(policies)
            keyStore: { type: pkcs11, pkcs11: \(dir.file("hsm/pkcs11.yaml")) }
            """)
        let refused = try Subprocess.run(trustd, ["--config", dir.file("sm2-on-token.yaml")])
        #expect(
            refused.status == 1 && refused.stderr.contains("no SM2 mechanisms configured")
                && refused.stderr.contains("sm2Keys: software"),
            "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.file("data/trustd.sqlite")))

        try dir.write(
            "trustd.yaml",
            """
            data: \(dir.file("data"))
            listen: 127.0.0.1:0
            policies: \(policies)
            tls: { ca: rsa-issuing }
            keyStore:
              type: pkcs11
              pkcs11: hsm/pkcs11.yaml
              sm2Keys: software
            """)
        let process = try BackgroundProcess(trustd, ["--config", dir.file("trustd.yaml")])
        let url = try process.waitForLine(#"listening on (https?://\S+)"#)
        defer { process.stop() }
        let admin = String(decoding: try dir.read("data/admin.token"), as: UTF8.self).trimmingCharacters(
            in: .whitespacesAndNewlines)
        func ctl(_ arguments: [String], token: String? = nil) throws -> ProcessResult {
            try Subprocess.run(
                try TestPaths.builtProduct("trustctl"), arguments,
                environment: [
                    "TRUSTCTL_SERVER": url, "TRUSTCTL_CA_FILE": dir.file("data/tls-root.pem"),
                    "TRUSTCTL_TOKEN_FILE": token ?? dir.file("data/admin.token"),
                ])
        }
        func out(_ result: ProcessResult) -> String { result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) }
        func curl(_ arguments: [String]) throws -> ProcessResult {
            try Subprocess.run(
                "curl", ["-sS", "--fail-with-body", "--cacert", dir.file("data/tls-root.pem")] + arguments)
        }
        #expect(
            try String(decoding: dir.read("data/keystore"), as: UTF8.self).contains(
                "pkcs11 token=trustd, sm2 in software"))

        // Issue: an officer's CSR, signed by the RSA issuing CA's key in the token; openssl verifies the chain.
        let officer = out(try ctl(["principal", "create", "--name", "officer", "--role", "ca-officer"]))
        #expect(try ctl(["principal", "token", officer, "--out", dir.file("officer.token")]).succeeded)
        #expect(
            try Subprocess.run(
                "openssl",
                [
                    "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                    dir.file("leaf.key"), "-subj", "/CN=svc.example.gov.cn", "-addext",
                    "subjectAltName=DNS:svc.example.gov.cn",
                    "-out", dir.file("leaf.csr"),
                ]
            ).succeeded)
        let issued = try ctl(
            [
                "cert", "issue", "--ca", "rsa-issuing", "--profile", "tls-server", "--csr", dir.file("leaf.csr"),
                "--out", dir.file("leaf.pem"),
            ], token: dir.file("officer.token"))
        #expect(issued.succeeded, "\(issued.stderr)")
        try dir.write("root.pem", out(try ctl(["ca", "show", "rsa-root"])) + "\n")
        try dir.write("issuing.pem", out(try ctl(["ca", "show", "rsa-issuing"])) + "\n")
        let verified = try Subprocess.run(
            "openssl",
            ["verify", "-CAfile", dir.file("root.pem"), "-untrusted", dir.file("issuing.pem"), dir.file("leaf.pem")])
        #expect(verified.succeeded && verified.stdout.contains("OK"), "\(verified.stdout)\(verified.stderr)")

        // OCSP: the RSA CA's delegated responder signs in the token.
        #expect(
            try Subprocess.run(
                "openssl",
                [
                    "ocsp", "-issuer", dir.file("issuing.pem"), "-cert", dir.file("leaf.pem"), "-reqout",
                    dir.file("req.der"),
                    "-no_nonce",
                ]
            ).succeeded)
        #expect(
            try curl([
                "-H", "Content-Type: application/ocsp-request", "--data-binary", "@\(dir.file("req.der"))", "-o",
                dir.file("resp.der"),
                "\(url)/ocsp",
            ]).succeeded)
        try dir.write(
            "chain.pem",
            String(decoding: try dir.read("issuing.pem"), as: UTF8.self)
                + String(decoding: try dir.read("root.pem"), as: UTF8.self))
        let ocsp = try Subprocess.run(
            "openssl",
            [
                "ocsp", "-respin", dir.file("resp.der"), "-reqin", dir.file("req.der"), "-CAfile",
                dir.file("chain.pem"),
                "-issuer", dir.file("issuing.pem"), "-cert", dir.file("leaf.pem"),
            ])
        #expect(
            (ocsp.stdout + ocsp.stderr).contains("Response verify OK") && ocsp.stdout.contains(": good"),
            "\(ocsp.stdout)\(ocsp.stderr)")

        // TSA: the RSA unit's key is made in the token on first use; openssl ts verifies the reply.
        try dir.write("doc.txt", "电子证照 — time-stamped by a key in the HSM")
        #expect(
            try Subprocess.run(
                "openssl",
                ["ts", "-query", "-data", dir.file("doc.txt"), "-sha256", "-cert", "-out", dir.file("q.der")]
            ).succeeded)
        #expect(
            try curl([
                "-H", "Authorization: Bearer \(admin)", "-H", "Content-Type: application/timestamp-query",
                "--data-binary", "@\(dir.file("q.der"))",
                "-o", dir.file("r.der"), "\(url)/tsa?tsa=rsa",
            ]).succeeded)
        let ts = try Subprocess.run(
            "openssl",
            [
                "ts", "-verify", "-in", dir.file("r.der"), "-queryfile", dir.file("q.der"), "-CAfile",
                dir.file("chain.pem"),
            ])
        #expect(ts.succeeded && ts.stdout.contains("Verification: OK"), "\(ts.stdout)\(ts.stderr)")

        // Seal make: an RSA seal key generated in the token, its certificate from the RSA issuing CA.
        try FileManager.default.createDirectory(atPath: dir.file("tokens"), withIntermediateDirectories: true)
        for role in ["seal-applicant", "seal-reviewer", "seal-maker"] {
            let id = out(try ctl(["principal", "create", "--name", role, "--role", role]))
            #expect(try ctl(["principal", "token", id, "--out", dir.file("tokens/\(role).token")]).succeeded)
        }
        try dir.write(
            "data/registry.csv",
            """
            person,110101199003071233,张三
            bank-card,110101199003071233,张三,bank:1
            organization,91350100M000100Y43,某某科技有限公司,张三,110101199003071233
            tax-account,91350100M000100Y43,某某科技有限公司,tax:1
            """)
        let person = out(
            try ctl([
                "person", "create", "--name", "张三", "--id-number", "110101199003071233", "--mobile", "13800138000",
            ]))
        let sent = try ctl(["person", "verify", person, "--method", "sms-otp", "--json"])
        let otp = try #require(
            (try JSONSerialization.jsonObject(with: Data(sent.stdout.utf8)) as? [String: Any])?["otpId"] as? String)
        let outbox = String(decoding: try dir.read("data/otp-outbox"), as: UTF8.self)
        let code = String(try #require(outbox.split(separator: " ").first { $0.hasPrefix("code=") }).dropFirst(5))
        #expect(
            try ctl(["person", "verify", person, "--method", "sms-otp", "--otp-id", otp, "--code", code]).succeeded)
        #expect(try ctl(["person", "verify", person, "--method", "population-registry"]).succeeded)
        #expect(try ctl(["person", "verify", person, "--method", "bank-card"]).succeeded)
        let org = out(
            try ctl([
                "org", "create", "--name", "某某科技有限公司", "--credit-code", "91350100M000100Y43", "--legal-representative",
                person,
            ]))
        #expect(try ctl(["org", "verify", org, "--method", "business-registry"]).succeeded)
        #expect(try ctl(["org", "verify", org, "--method", "tax-account"]).succeeded)
        try dir.write("seal.png", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 7, count: 100))
        let applied = try ctl(
            [
                "seal", "apply", "--organization", org, "--applicant", person, "--type", "contract", "--name",
                "某某科技有限公司合同专用章",
                "--picture", dir.file("seal.png"), "--width-mm", "40", "--height-mm", "40", "--key-type", "rsa2048",
            ],
            token: dir.file("tokens/seal-applicant.token"))
        #expect(applied.succeeded, "\(applied.stderr)")
        let seal = out(applied)
        #expect(
            try ctl(["seal", "review", seal, "--approve"], token: dir.file("tokens/seal-reviewer.token")).succeeded)
        let sealMade = try ctl(["seal", "make", seal], token: dir.file("tokens/seal-maker.token"))
        #expect(sealMade.succeeded && sealMade.stdout.contains("made"), "\(sealMade.stdout)\(sealMade.stderr)")

        try importExistingCAs(dir: dir, ctl: { try ctl($0, token: $1) })
        process.stop()

        // The token holds the RSA and P-256 keys (CAs, OCSP signers, TSA unit, TLS, seal), the software store only SM2 keys.
        // Listed by trustctl in its own process: PKCS#11 modules are initialised once per process, and this test
        // process's SoftHSM2 may already be bound to another test's token directory.
        let listed = try Subprocess.run(
            try TestPaths.builtProduct("trustctl"),
            ["keys", "list", "--hsm-config", dir.file("hsm/pkcs11.yaml"), "--json"])
        try #require(listed.succeeded, "\(listed.stderr)")
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let onToken = try decoder.decode([KeyInfo].self, from: Data(listed.stdout.utf8))
        #expect(
            onToken.filter { $0.type == .rsa2048 }.count >= 5 && onToken.contains { $0.type == .p256 },
            "\(onToken.map { ($0.label, $0.type) })")
        let software = try SoftwareKeyStore(
            directory: dir.file("data/keys"), kek: try KeyEncryptionKey(file: dir.file("data/kek")))
        let inFiles = try software.list()
        #expect(!inFiles.isEmpty && inFiles.allSatisfy { $0.type == .sm2 }, "\(inFiles.map { ($0.label, $0.type) })")

        // The installation remembers its key store: started with the software store, it refuses with the reason.
        let mismatch = try Subprocess.run(trustd, ["--data", dir.file("data"), "--listen", "127.0.0.1:0"])
        #expect(
            mismatch.status == 1 && mismatch.stderr.contains("keeps its keys in pkcs11 token=trustd, sm2 in software"),
            "\(mismatch.stderr)")
    }

    /// A province's existing CAs: an issuing CA whose key was put on the token with the token's own tool (its root
    /// stays offline), and an SM2 root from a PKCS#12 file (into the software store: the token has no SM2).
    private func importExistingCAs(dir: TemporaryDirectory, ctl: ([String], String?) throws -> ProcessResult) throws {
        func openssl(_ arguments: [String]) throws {
            let result = try Subprocess.run("openssl", arguments)
            try #require(result.succeeded, "openssl \(arguments): \(result.stderr)")
        }
        try dir.write("ca.ext", "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n")
        for (stem, curve) in [("prov-root", "P-256"), ("prov-issuing", "P-256"), ("prov-sm2", "SM2")] {
            try openssl([
                "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:\(curve)", "-out",
                dir.file("\(stem).key"),
            ])
        }
        try openssl(
            [
                "req", "-x509", "-new", "-key", dir.file("prov-root.key"), "-subj",
                "/C=CN/O=Province/CN=Province Root CA",
                "-days", "3650", "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", dir.file("prov-root.pem"),
            ])
        try openssl(
            [
                "req", "-new", "-key", dir.file("prov-issuing.key"), "-subj", "/C=CN/O=Province/CN=Province Issuing CA",
                "-out", dir.file("prov-issuing.csr"),
            ])
        try openssl(
            [
                "x509", "-req", "-in", dir.file("prov-issuing.csr"), "-CA", dir.file("prov-root.pem"), "-CAkey",
                dir.file("prov-root.key"), "-CAcreateserial", "-days", "1825", "-extfile", dir.file("ca.ext"), "-out",
                dir.file("prov-issuing.pem"),
            ])
        try openssl(
            [
                "req", "-x509", "-new", "-key", dir.file("prov-sm2.key"), "-subj",
                "/C=CN/O=Province/CN=Province SM2 Root CA",
                "-sm3", "-sigopt", "distid:1234567812345678", "-days", "3650", "-addext",
                "keyUsage=critical,keyCertSign,cRLSign", "-out", dir.file("prov-sm2.pem"),
            ])
        try dir.write("p12.password", "a PKCS#12 password\n")
        try openssl(
            [
                "pkcs12", "-export", "-inkey", dir.file("prov-sm2.key"), "-in", dir.file("prov-sm2.pem"), "-passout",
                "file:\(dir.file("p12.password"))", "-out", dir.file("prov-sm2.p12"),
            ])

        // A key in clear is not written into the HSM by trustd: the answer says how to bring it.
        let refused = try ctl(
            [
                "ca", "import", "prov-issuing", "--cert", dir.file("prov-issuing.pem"), "--chain",
                dir.file("prov-root.pem"),
                "--key", dir.file("prov-issuing.key"),
            ], nil)
        #expect(!refused.succeeded && refused.stderr.contains("token's own tool"), "\(refused.stderr)")

        // The operator puts the key on the token under a 16-byte id, then names it.
        let keyID = Hex.encode(SecureRandom.bytes(16))
        let onToken = try Subprocess.run(
            "softhsm2-util",
            [
                "--import", dir.file("prov-issuing.key"), "--token", "trustd", "--label", "prov-issuing", "--id", keyID,
                "--pin",
                String(decoding: try dir.read("hsm/user.pin"), as: UTF8.self).trimmingCharacters(
                    in: .whitespacesAndNewlines),
            ],
            environment: ["SOFTHSM2_CONF": dir.file("hsm/softhsm2.conf")])
        try #require(onToken.succeeded, "\(onToken.stdout)\(onToken.stderr)")
        let unknown = try ctl(
            [
                "ca", "import", "prov-issuing", "--cert", dir.file("prov-issuing.pem"), "--chain",
                dir.file("prov-root.pem"),
                "--hsm-key", String(repeating: "0", count: 32),
            ], nil)
        #expect(unknown.status == 3, "no such key: \(unknown.stderr)")
        let imported = try ctl(
            [
                "ca", "import", "prov-issuing", "--cert", dir.file("prov-issuing.pem"), "--chain",
                dir.file("prov-root.pem"),
                "--hsm-key", keyID,
            ], nil)
        #expect(imported.succeeded && imported.stdout.contains("prov-issuing"), "\(imported.stderr)")

        // It issues with the key on the token; openssl validates up to the province's root.
        let issued = try ctl(
            [
                "cert", "issue", "--ca", "prov-issuing", "--profile", "tls-server", "--csr", dir.file("leaf.csr"),
                "--out", dir.file("prov-leaf.pem"),
            ], dir.file("officer.token"))
        #expect(issued.succeeded, "\(issued.stderr)")
        let chain = try ctl(["ca", "show", "prov-issuing", "--chain"], nil)
        #expect(chain.stdout.components(separatedBy: "BEGIN CERTIFICATE").count == 3, "issuing CA and the root")
        let verified = try Subprocess.run(
            "openssl",
            [
                "verify", "-x509_strict", "-CAfile", dir.file("prov-root.pem"), "-untrusted",
                dir.file("prov-issuing.pem"),
                dir.file("prov-leaf.pem"),
            ])
        #expect(verified.stdout.contains(": OK"), "\(verified.stdout)\(verified.stderr)")

        // The SM2 root from PKCS#12, password from a file.
        let sm2 = try ctl(
            [
                "ca", "import", "prov-sm2-root", "--pkcs12", dir.file("prov-sm2.p12"), "--password-file",
                dir.file("p12.password"), "--json",
            ], nil)
        #expect(
            sm2.succeeded
                && (try? JSONSerialization.jsonObject(with: Data(sm2.stdout.utf8)) as? [String: Any])?["role"]
                    as? String == "root",
            "\(sm2.stdout)\(sm2.stderr)")
        let listed = try ctl(["ca", "list"], nil)
        #expect(listed.stdout.contains("prov-sm2-root") && listed.stdout.contains("prov-issuing"), "\(listed.stdout)")
    }
}
