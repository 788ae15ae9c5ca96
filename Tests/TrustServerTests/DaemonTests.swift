import Foundation
import GRDB
import TestSupport
import Testing
import TrustCrypto

/// The built `trustd` daemon and `trustctl`, run as an operator would: TLS with mutual TLS from a --config file on an
/// ephemeral port, the README walk-through through trustctl, checked by the openssl command line.
@Suite(.serialized) struct DaemonAndTrustctlTests {
    struct Daemon {
        let process: BackgroundProcess
        let url: String
        let dir: TemporaryDirectory
        var data: String { dir.file("data") }

        func trustctl(_ arguments: [String], token: Bool = true) throws -> ProcessResult {
            var environment = ["TRUSTCTL_SERVER": url, "TRUSTCTL_CA_FILE": dir.file("data/tls-root.pem")]
            environment["TRUSTCTL_TOKEN_FILE"] = token ? dir.file("data/admin.token") : dir.file("missing.token")
            return try Subprocess.run(try TestPaths.builtProduct("trustctl"), arguments, environment: environment)
        }
    }

    static func startDaemon(in dir: TemporaryDirectory, config: String) throws -> Daemon {
        try dir.write("trustd.yaml", config)
        let process = try BackgroundProcess(
            try TestPaths.builtProduct("trustd"), ["--config", dir.file("trustd.yaml")])
        let url = try process.waitForLine(#"listening on (https?://\S+)"#)
        return Daemon(process: process, url: url, dir: dir)
    }

    static func tlsConfig(_ dir: TemporaryDirectory) -> String {
        """
        data: \(dir.file("data"))
        listen: 127.0.0.1:0
        policies: \(TestPaths.packageRoot.appendingPathComponent("policies").path)
        tls:
          ca: rsa-issuing
          clientCertificates: optional
        """
    }

    @Test func theReadmeWalkThroughOverTLSWithTrustctl() throws {
        let dir = try TemporaryDirectory("trustd-daemon")
        let daemon = try Self.startDaemon(in: dir, config: Self.tlsConfig(dir))
        defer { daemon.process.stop() }
        #expect(daemon.url.hasPrefix("https://127.0.0.1:"))
        let tokenMode =
            try FileManager.default.attributesOfItem(atPath: dir.file("data/admin.token"))[.posixPermissions] as? Int
        #expect(tokenMode == 0o600)
        // A second daemon on the same SQLite directory is refused: the first is its one writer.
        let second = try Subprocess.run(
            try TestPaths.builtProduct("trustd"), ["--data", dir.file("data"), "--listen", "127.0.0.1:0"])
        #expect(second.status != 0 && second.stderr.contains("another trustd already serves"), "\(second.stderr)")

        // The server certificate chains to trustd's RSA root, for the listen address, with the key in custody.
        let host = daemon.url.replacingOccurrences(of: "https://", with: "")
        let handshake = try Subprocess.run(
            "openssl",
            [
                "s_client", "-connect", host, "-CAfile", dir.file("data/tls-root.pem"),
                "-verify_return_error", "-verify_ip", "127.0.0.1", "-brief",
            ], input: Array("Q\n".utf8))
        #expect((handshake.stdout + handshake.stderr).contains("Verification: OK"), "\(handshake.stderr)")
        // TLS 1.2 offers AEAD suites only: a client that wants CBC with SHA-1 gets no handshake.
        let cbc = try Subprocess.run(
            "openssl",
            [
                "s_client", "-connect", host, "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA",
                "-brief",
            ],
            input: Array("Q\n".utf8))
        #expect(!cbc.succeeded && (cbc.stdout + cbc.stderr).contains("handshake failure"), "\(cbc.stdout)\(cbc.stderr)")
        let gcm = try Subprocess.run(
            "openssl",
            [
                "s_client", "-connect", host, "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256", "-CAfile",
                dir.file("data/tls-root.pem"), "-brief",
            ],
            input: Array("Q\n".utf8))
        #expect((gcm.stdout + gcm.stderr).contains("ECDHE-ECDSA-AES128-GCM-SHA256"), "\(gcm.stdout)\(gcm.stderr)")

        let list = try daemon.trustctl(["ca", "list", "--json"])
        #expect(list.succeeded && list.stdout.contains("\"name\" : \"sm2-root\""), "\(list.stderr)")

        // Issue from an openssl-made CSR; the chain verifies with openssl.
        let key = dir.file("leaf.key")
        let csr = dir.file("leaf.csr")
        let made = try Subprocess.run(
            "openssl",
            [
                "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", key, "-subj", "/CN=svc.example.gov.cn", "-addext",
                "subjectAltName=DNS:svc.example.gov.cn", "-out", csr,
            ])
        try #require(made.succeeded, "\(made.stderr)")
        let issued = try daemon.trustctl([
            "cert", "issue", "--csr", csr, "--profile", "tls-server", "--ca", "rsa-issuing",
            "--out", dir.file("chain.pem"),
        ])
        #expect(issued.succeeded, "\(issued.stderr)")
        let serial = issued.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let chain = try Certificate.parseChain(pem: String(decoding: try dir.read("chain.pem"), as: UTF8.self))
        #expect(chain.count == 3 && chain[0].serialHex == serial)
        try dir.write("leaf.pem", chain[0].pem)
        try dir.write("issuing.pem", chain[1].pem)
        try dir.write("root.pem", chain[2].pem)
        let verified = try Subprocess.run(
            "openssl",
            ["verify", "-CAfile", dir.file("root.pem"), "-untrusted", dir.file("issuing.pem"), dir.file("leaf.pem")])
        #expect(verified.stdout.contains("OK"), "\(verified.stderr)")

        // Exit codes scripts rely on.
        let refused = try daemon.trustctl(["cert", "issue", "--csr", csr, "--profile", "seal", "--ca", "sm2-issuing"])
        #expect(refused.status == 65 && refused.stderr.contains("does not allow p256 keys"), "\(refused.stderr)")
        let shown = try daemon.trustctl(["cert", "show", serial, "--json"])
        #expect(shown.stdout.contains("\"status\" : \"valid\""), "\(shown.stderr)")
        #expect(try daemon.trustctl(["cert", "revoke", serial, "--reason", "keyCompromise"]).succeeded)
        #expect(try daemon.trustctl(["cert", "revoke", serial, "--reason", "keyCompromise"]).status == 4)
        #expect(try daemon.trustctl(["cert", "revoke", "0badc0de"]).status == 3)
        #expect(try daemon.trustctl(["cert", "revoke", serial, "--reason", "bored"]).status == 64)
        #expect(try daemon.trustctl(["cert", "show", serial], token: false).status == 77, "no token file")

        // CRL: generated now, downloaded, verified by openssl; and fetched without a token.
        let crl = try daemon.trustctl(["crl", "generate", "--ca", "rsa-issuing", "--out", dir.file("crl.der")])
        #expect(crl.succeeded && crl.stdout.contains("1 entries"), "\(crl.stdout)\(crl.stderr)")
        let crlCheck = try Subprocess.run(
            "openssl",
            [
                "crl", "-inform", "DER", "-in", dir.file("crl.der"), "-CAfile", dir.file("issuing.pem"), "-noout",
                "-text",
            ])
        #expect(
            (crlCheck.stdout + crlCheck.stderr).contains("verify OK")
                && crlCheck.stdout.uppercased().contains(serial.uppercased()))
        #expect(
            try daemon.trustctl(["crl", "fetch", "--ca", "rsa-issuing", "--out", dir.file("crl2.der")], token: false)
                .succeeded)

        // OCSP over https, checked by openssl ocsp.
        let ocsp = try Subprocess.run(
            "openssl",
            [
                "ocsp", "-issuer", dir.file("issuing.pem"), "-cert", dir.file("leaf.pem"),
                "-reqout", dir.file("req.der"), "-no_nonce",
            ])
        _ = ocsp
        let curl = try Subprocess.run(
            "curl",
            [
                "-s", "--cacert", dir.file("data/tls-root.pem"), "-H", "Content-Type: application/ocsp-request",
                "--data-binary", "@\(dir.file("req.der"))", "-o", dir.file("resp.der"), "\(daemon.url)/ocsp",
            ])
        #expect(curl.succeeded, "\(curl.stderr)")
        try dir.write("ca-chain.pem", chain[1].pem + chain[2].pem)
        let answer = try Subprocess.run(
            "openssl", ["ocsp", "-respin", dir.file("resp.der"), "-CAfile", dir.file("ca-chain.pem"), "-resp_text"])
        #expect(
            (answer.stdout + answer.stderr).contains("Response verify OK")
                && answer.stdout.contains("Cert Status: revoked"), "\(answer.stdout)\(answer.stderr)")

        // Over https the login page's cookies are __Host- cookies: Secure, no Domain, Path=/.
        let platform = try daemon.trustctl([
            "oidc", "client", "create", "--name", "p", "--redirect-uri", "https://p.example/cb", "--json",
        ])
        let clientID = try #require(
            (try JSONSerialization.jsonObject(with: Data(platform.stdout.utf8)) as? [String: Any])?["clientId"]
                as? String,
            "\(platform.stderr)")
        let page = try Subprocess.run(
            "curl",
            [
                "-s", "-D", "-", "-o", "/dev/null", "--cacert", dir.file("data/tls-root.pem"),
                "\(daemon.url)/oidc/authorize?response_type=code&client_id=\(clientID)&redirect_uri=https://p.example/cb"
                    + "&scope=openid&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256",
            ])
        let setCookie = page.stdout.split(separator: "\r\n").first { $0.lowercased().hasPrefix("set-cookie:") } ?? ""
        // The attributes in any order (the server does not promise one).
        let attributes = Set(
            setCookie.dropFirst("set-cookie:".count).split(separator: ";").map {
                $0.trimmingCharacters(in: .whitespaces)
            })
        #expect(
            attributes.contains { $0.hasPrefix("__Host-trustd_login_csrf=") } && attributes.contains("Secure")
                && attributes.contains("Path=/") && !attributes.contains { $0.hasPrefix("Domain") }, "\(page.stdout)")

        // Principals, tokens written 0600, and a client certificate for mutual TLS.
        let id = try daemon.trustctl(["principal", "create", "--name", "platform-a", "--role", "auditor"]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(id.count == 32)
        #expect(try daemon.trustctl(["principal", "create", "--name", "platform-a", "--role", "auditor"]).status == 4)
        let tokenOut = try daemon.trustctl(["principal", "token", id, "--out", dir.file("auditor.token")])
        #expect(tokenOut.succeeded && !tokenOut.stdout.contains("tdt_"), "the token goes to the file only")
        #expect(
            try FileManager.default.attributesOfItem(atPath: dir.file("auditor.token"))[.posixPermissions] as? Int
                == 0o600)

        let clientKey = dir.file("client.key")
        let clientCSR = dir.file("client.csr")
        try #require(
            try Subprocess.run(
                "openssl",
                [
                    "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", clientKey, "-subj", "/CN=platform-a", "-out", clientCSR,
                ]
            ).succeeded)
        let clientIssued = try daemon.trustctl([
            "cert", "issue", "--csr", clientCSR, "--profile", "tls-client", "--ca", "rsa-issuing",
            "--out", dir.file("client.pem"),
        ])
        #expect(clientIssued.succeeded, "\(clientIssued.stderr)")
        let clientSerial = clientIssued.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let mtls = ["--client-cert", dir.file("client.pem"), "--client-key", clientKey]
        #expect(try daemon.trustctl(["audit", "verify"] + mtls).status == 77, "not bound yet")
        #expect(
            try daemon.trustctl(["principal", "bind-certificate", id, "--certificate", dir.file("leaf.pem")]).status
                == 65,
            "a tls-server certificate is not a client certificate")
        #expect(
            try daemon.trustctl(["principal", "bind-certificate", id, "--certificate", dir.file("client.pem")])
                .succeeded)
        let viaTLS = try daemon.trustctl(["audit", "verify"] + mtls)
        #expect(viaTLS.succeeded && viaTLS.stdout.hasPrefix("intact:"), "\(viaTLS.stdout)\(viaTLS.stderr)")
        #expect(try daemon.trustctl(["principal", "list"] + mtls).status == 77, "an auditor is not an admin")

        // A certificate from a CA trustd does not know: the handshake is refused (exit 69).
        try #require(
            try Subprocess.run(
                "openssl",
                [
                    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", dir.file("rogue.key"), "-subj", "/CN=platform-a", "-out", dir.file("rogue.pem"),
                ]
            ).succeeded)
        #expect(
            try daemon.trustctl([
                "audit", "verify", "--client-cert", dir.file("rogue.pem"), "--client-key", dir.file("rogue.key"),
            ]).status == 69)
        // Revoking the client certificate ends its access at once.
        #expect(try daemon.trustctl(["cert", "revoke", clientSerial, "--reason", "keyCompromise"]).succeeded)
        let afterRevoke = try daemon.trustctl(["audit", "verify"] + mtls)
        #expect(afterRevoke.status == 77 && afterRevoke.stderr.contains("revoked"), "\(afterRevoke.stderr)")

        #expect(try daemon.trustctl(["audit", "checkpoint"]).succeeded)
        let audit = try daemon.trustctl(["audit", "list", "--limit", "1000"])
        #expect(
            audit.stdout.contains("principal.bind-certificate") && audit.stdout.contains("crl.generate"),
            "\(audit.stdout)")

        // SIGTERM: graceful shutdown, exit 0. Then tamper with the database: audit verify names the record, exit 1.
        #expect(daemon.process.stop() == 0, "\(daemon.process.stderr)")
        #expect(try daemon.trustctl(["ca", "list"]).status == 69, "trustd is down")
        let queue = try DatabaseQueue(path: dir.file("data/trustd.sqlite"))
        try queue.write { try $0.execute(sql: "UPDATE audit_log SET outcome = 'failure' WHERE seq = 7") }
        try queue.close()
        let restarted = try Self.startDaemon(in: dir, config: Self.tlsConfig(dir))
        defer { restarted.process.stop() }
        #expect(
            restarted.process.stdout.contains("admin token: ") && !restarted.process.stdout.contains("issued now"),
            "a restart reuses the admin token and the TLS certificate: \(restarted.process.stdout)")
        let broken = try restarted.trustctl(["audit", "verify", "--json"])
        #expect(broken.status == 1 && broken.stdout.contains("\"brokenSeq\" : 7"), "\(broken.stdout)\(broken.stderr)")
    }

    @Test func realNameWalkThroughWithTrustctl() throws {
        let dir = try TemporaryDirectory("trustd-identity")
        // The default registry adapters read DIR/registry.csv at start (stand-ins for the government registries).
        try FileManager.default.createDirectory(atPath: dir.file("data"), withIntermediateDirectories: true)
        try dir.write(
            "data/registry.csv",
            """
            person,110101199003071233,张三
            bank-card,110101199003071233,张三,bank:77
            organization,91350100M000100Y43,某某科技有限公司,张三,110101199003071233
            tax-account,91350100M000100Y43,某某科技有限公司,tax:42
            """)
        let daemon = try Self.startDaemon(
            in: dir,
            config: """
                data: \(dir.file("data"))
                listen: 127.0.0.1:0
                policies: \(TestPaths.packageRoot.appendingPathComponent("policies").path)
                """)
        defer { daemon.process.stop() }
        #expect(daemon.url.hasPrefix("http://127.0.0.1:"))
        func ctl(_ arguments: [String]) throws -> ProcessResult {
            let result = try Subprocess.run(
                try TestPaths.builtProduct("trustctl"), arguments,
                environment: ["TRUSTCTL_SERVER": daemon.url, "TRUSTCTL_TOKEN_FILE": dir.file("data/admin.token")])
            return result
        }
        let person = try ctl([
            "person", "create", "--name", "张三", "--id-number", "110101199003071233", "--mobile", "13800138000",
        ])
        #expect(person.succeeded, "\(person.stderr)")
        let id = person.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let badID = try ctl([
            "person", "create", "--name", "x", "--id-number", "110105194912310021", "--mobile", "13800138001",
        ])
        #expect(badID.status == 65 && badID.stderr.contains("check character"), "\(badID.stderr)")

        let sent = try ctl(["person", "verify", id, "--method", "sms-otp"])
        #expect(sent.succeeded, "\(sent.stderr)")
        let otpID = sent.stdout.trimmingCharacters(in: .whitespacesAndNewlines)  // the code's id alone on stdout
        #expect(otpID.count == 16 && sent.stderr.contains("code sent"), "\(sent.stdout)\(sent.stderr)")
        #expect(
            try FileManager.default.attributesOfItem(atPath: dir.file("data/otp-outbox"))[.posixPermissions] as? Int
                == 0o600)
        let outbox = String(decoding: try dir.read("data/otp-outbox"), as: UTF8.self)
        let code = String(try #require(outbox.split(separator: " ").first { $0.hasPrefix("code=") }).dropFirst(5))
        #expect(try ctl(["person", "verify", id, "--method", "sms-otp", "--otp-id", otpID, "--code", code]).succeeded)
        let primary = try ctl(["person", "verify", id, "--method", "population-registry", "--json"])
        #expect(
            primary.succeeded && primary.stdout.contains("\"level\" : \"primary\""),
            "\(primary.stdout)\(primary.stderr)")
        #expect(primary.stdout.contains("1101**********1233") && !primary.stdout.contains("110101199003071233"))
        let live = try ctl(["person", "verify", id, "--method", "liveness"])
        #expect(live.status == 69 && live.stderr.contains("not_configured"), "\(live.stderr)")

        let org = try ctl([
            "org", "create", "--name", "某某科技有限公司", "--credit-code", "91350100M000100Y43", "--legal-representative", id,
        ])
        #expect(org.succeeded, "\(org.stderr)")
        let orgID = org.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try ctl(["org", "verify", orgID, "--method", "business-registry"]).stdout.contains("primary"))
        // Enterprise certificate: an org-signing certificate from trustd's RSA CA naming the credit code; trustctl signs
        // the challenge with the key locally and sends certificate and signature. Policy cert.issue.org-signing: the
        // organisation and its applicant must be at intermediate first, so a certificate cannot launder a level.
        try #require(
            try Subprocess.run(
                "openssl",
                [
                    "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", dir.file("org.key"), "-subj", "/C=CN/O=Example/CN=Example Seal Office",
                    "-out", dir.file("org.csr"),
                ]
            ).succeeded)
        let orgCertificate = [
            "cert", "issue", "--csr", dir.file("org.csr"), "--profile", "org-signing", "--ca", "rsa-issuing",
            "--identity", "organization-code=91350100M000100Y43", "--applicant", id, "--out", dir.file("org.pem"),
        ]
        let tooEarly = try ctl(orgCertificate)
        #expect(
            tooEarly.status == 77 && tooEarly.stderr.contains("cert.issue.org-signing needs intermediate"),
            "\(tooEarly.stderr)")
        #expect(try ctl(["person", "verify", id, "--method", "bank-card"]).stdout.contains("intermediate"))
        #expect(try ctl(["org", "verify", orgID, "--method", "tax-account"]).stdout.contains("intermediate"))
        let issued = try ctl(orgCertificate)
        #expect(issued.succeeded, "\(issued.stderr)")
        let enterprise = try ctl([
            "org", "verify-certificate", orgID, "--certificate", dir.file("org.pem"), "--key", dir.file("org.key"),
        ])
        #expect(
            enterprise.succeeded && enterprise.stdout.contains("intermediate"),
            "\(enterprise.stdout)\(enterprise.stderr)")
        let authorized = try ctl([
            "org", "authorize", orgID, "--person", id, "--scope", "seal.apply", "--valid-to", "2099-01-01T00:00:00Z",
        ])
        #expect(authorized.succeeded, "\(authorized.stderr)")
        let shown = try ctl(["org", "show", orgID])
        #expect(
            shown.stdout.contains("enterprise-certificate") && shown.stdout.contains("seal.apply"), "\(shown.stdout)")
        let audit = try ctl(["audit", "list", "--limit", "1000"])
        #expect(audit.stdout.contains("identity.level") && audit.stdout.contains("organization.authorize"))
        #expect(
            !daemon.process.stderr.contains("110101199003071233") && !daemon.process.stdout.contains("13800138000"),
            "no ID number or mobile in logs")
    }

    @Test func aSealLifecycleWithTrustctlAndOneTokenPerRole() throws {
        let dir = try TemporaryDirectory("trustd-seals")
        try FileManager.default.createDirectory(atPath: dir.file("data"), withIntermediateDirectories: true)
        try dir.write(
            "data/registry.csv",
            """
            person,110101199003071233,张三
            bank-card,110101199003071233,张三,bank:1
            organization,91350100M000100Y43,某某科技有限公司,张三,110101199003071233
            tax-account,91350100M000100Y43,某某科技有限公司,tax:1
            """)
        let daemon = try Self.startDaemon(
            in: dir,
            config: """
                data: \(dir.file("data"))
                listen: 127.0.0.1:0
                policies: \(TestPaths.packageRoot.appendingPathComponent("policies").path)
                """)
        defer { daemon.process.stop() }
        func ctl(_ arguments: [String], as token: String = "data/admin.token") throws -> ProcessResult {
            try Subprocess.run(
                try TestPaths.builtProduct("trustctl"), arguments,
                environment: ["TRUSTCTL_SERVER": daemon.url, "TRUSTCTL_TOKEN_FILE": dir.file(token)])
        }
        func out(_ result: ProcessResult) -> String { result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) }
        var principals: [String: String] = [:]
        for role in [
            "seal-applicant", "seal-reviewer", "seal-maker", "seal-filer", "seal-granter", "seal-revoker", "platform",
        ] {
            let id = out(try ctl(["principal", "create", "--name", role, "--role", role]))
            principals[role] = id
            #expect(try ctl(["principal", "token", id, "--out", dir.file("\(role).token")]).succeeded)
        }
        // The legal representative at intermediate, the organisation at intermediate.
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
        #expect(try ctl(["person", "verify", person, "--method", "bank-card"]).stdout.contains("intermediate"))
        let org = out(
            try ctl([
                "org", "create", "--name", "某某科技有限公司", "--credit-code", "91350100M000100Y43", "--legal-representative",
                person,
            ]))
        #expect(try ctl(["org", "verify", org, "--method", "business-registry"]).succeeded)
        #expect(try ctl(["org", "verify", org, "--method", "tax-account"]).stdout.contains("intermediate"))

        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 7, count: 100)
        try dir.write("seal.png", png)
        let applied = try ctl(
            [
                "seal", "apply", "--organization", org, "--applicant", person, "--type", "official", "--name",
                "某某科技有限公司公章",
                "--picture", dir.file("seal.png"), "--width-mm", "40", "--height-mm", "40",
            ], as: "seal-applicant.token")
        #expect(applied.succeeded, "\(applied.stderr)")
        let seal = out(applied)
        #expect(
            try ctl(["seal", "review", seal, "--approve"], as: "seal-applicant.token").status == 77,
            "an applicant is not a reviewer")
        #expect(try ctl(["seal", "make", seal], as: "seal-maker.token").status == 4, "not approved yet")
        #expect(try ctl(["seal", "review", seal, "--approve", "--comment", "ok"], as: "seal-reviewer.token").succeeded)
        let made = try ctl(["seal", "make", seal], as: "seal-maker.token")
        #expect(made.succeeded && made.stdout.contains("made"), "\(made.stderr)")
        #expect(
            try ctl(
                ["seal", "file", seal, "--number", "闽公备 2026-0001", "--authority", "福州市公安局"], as: "seal-filer.token"
            ).succeeded)
        let grant = try ctl(
            [
                "seal", "grant", seal, "--person", person, "--min-level", "intermediate", "--valid-to",
                "2099-01-01T00:00:00Z",
                "--usage-limit", "100",
            ], as: "seal-granter.token")
        #expect(grant.succeeded, "\(grant.stderr)")
        #expect(out(try ctl(["seal", "status", seal])).hasPrefix("active (certificate valid)"))

        // A platform with its own grant signs a document (SES, time-stamped); gmssl + asn1crypto verify it.
        #expect(
            try ctl(
                ["seal", "grant", seal, "--principal", principals["platform"]!, "--valid-to", "2099-01-01T00:00:00Z"],
                as: "seal-granter.token"
            ).succeeded)
        try dir.write("doc.bin", "审批结果 No. 1")
        let signBody =
            #"{"sealId":"\#(seal)","format":"ses","timestamp":true,"data":"\#(Data("审批结果 No. 1".utf8).base64EncodedString())"}"#
        let signed = try Subprocess.run(
            "curl",
            [
                "-sf", "-H",
                "Authorization: Bearer \(String(decoding: try dir.read("platform.token"), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))",
                "-H", "Content-Type: application/json", "-d", signBody, "\(daemon.url)/v1/sign",
            ])
        #expect(signed.succeeded, "\(signed.stdout)\(signed.stderr)")
        let signature = try #require(
            (try JSONSerialization.jsonObject(with: Data(signed.stdout.utf8)) as? [String: Any])?["signature"]
                as? String)
        try dir.write("sig.der", Array(try #require(Data(base64Encoded: signature))))
        let sesCheck = try Subprocess.run(
            try TestPaths.python,
            [TestPaths.pythonScript("ses_check.py"), "signature", dir.file("sig.der"), dir.file("doc.bin")])
        #expect(
            sesCheck.stdout.contains("\"signer_ok\": true") && sesCheck.stdout.contains("\"hash_ok\": true")
                && !sesCheck.stdout.contains("\"timestamp\": null"),
            "\(sesCheck.stdout)\(sesCheck.stderr)")
        let platformToken = String(decoding: try dir.read("platform.token"), as: UTF8.self).trimmingCharacters(
            in: .whitespacesAndNewlines)
        let verifyBody = #"{"signature":"\#(signature)","data":"\#(Data("审批结果 No. 1".utf8).base64EncodedString())"}"#
        let verified = try Subprocess.run(
            "curl",
            [
                "-sf", "-H", "Authorization: Bearer \(platformToken)", "-H", "Content-Type: application/json",
                "-d", verifyBody, "\(daemon.url)/v1/verify",
            ])
        #expect(
            verified.stdout.contains(#""indication":"TOTAL_PASSED""#)
                && verified.stdout.contains(#""timeSource":"timestamp""#), "\(verified.stdout)")
        let page = try Subprocess.run(
            "curl",
            [
                "-sf", "-H", "Authorization: Bearer \(platformToken)", "-H", "Content-Type: application/json",
                "-d", verifyBody, "\(daemon.url)/v1/verify?format=html",
            ])
        #expect(
            page.stdout.contains("data-verdict=\"TOTAL_PASSED\">有效</strong>") && page.stdout.contains("seal-maker"))
        // The same through trustctl sign / verify; a changed document fails with exit 1.
        #expect(
            try ctl(
                ["sign", "--seal", seal, "--in", dir.file("doc.bin"), "--out", dir.file("sig2.der"), "--timestamp"],
                as: "platform.token"
            ).succeeded)
        let ctlVerified = try ctl(
            [
                "verify", "--signature", dir.file("sig2.der"), "--data", dir.file("doc.bin"), "--html",
                dir.file("report.html"),
            ],
            as: "platform.token")
        #expect(
            ctlVerified.succeeded && ctlVerified.stdout.hasPrefix("TOTAL_PASSED"),
            "\(ctlVerified.stdout)\(ctlVerified.stderr)")
        #expect(String(decoding: try dir.read("report.html"), as: UTF8.self).contains("有效</strong>"))
        // The filed page and its timestamp: OpenSSL checks the token against the page's bytes and trustd's RSA root.
        _ = try dir.write("rsa-root.pem", try ctl(["ca", "show", "rsa-root"]).stdout)
        _ = try dir.write("rsa-issuing.pem", try ctl(["ca", "show", "rsa-issuing"]).stdout)
        let stampCheck = try Subprocess.run(
            "openssl",
            [
                "ts", "-verify", "-data", dir.file("report.html"), "-in", dir.file("report.html.tsr"), "-CAfile",
                dir.file("rsa-root.pem"), "-untrusted", dir.file("rsa-issuing.pem"),
            ])
        #expect(stampCheck.succeeded && stampCheck.stdout.contains("OK"), "\(stampCheck.stdout)\(stampCheck.stderr)")
        _ = try dir.write("report-changed.html", String(decoding: try dir.read("report.html"), as: UTF8.self) + " ")
        #expect(
            !(try Subprocess.run(
                "openssl",
                [
                    "ts", "-verify", "-data", dir.file("report-changed.html"), "-in", dir.file("report.html.tsr"),
                    "-CAfile", dir.file("rsa-root.pem"), "-untrusted", dir.file("rsa-issuing.pem"),
                ]
            ).succeeded))
        try dir.write("changed.bin", "审批结果 No. 2")
        let changed = try ctl(
            ["verify", "--signature", dir.file("sig2.der"), "--data", dir.file("changed.bin")], as: "platform.token")
        #expect(changed.status == 1 && changed.stdout.contains("HASH_FAILURE"), "\(changed.stdout)")
        #expect(
            try ctl(["verify", "--signature", dir.file("sig2.der")], as: "platform.token").status == 75,
            "no document: indeterminate")

        // A personal RSA signing key: created by the platform for the person, a detached CMS signature that
        // `openssl cms -verify` accepts against trustd's RSA root, and trustd's own report; another person cannot use it.
        let key = try ctl(
            ["signing-key", "create", "--person", person, "--key-type", "rsa2048", "--json"], as: "platform.token")
        #expect(key.succeeded, "\(key.stderr)")
        let keyID = try #require(
            (try JSONSerialization.jsonObject(with: Data(key.stdout.utf8)) as? [String: Any])?["id"] as? String)
        #expect(
            try ctl(
                [
                    "sign", "--key", keyID, "--signer", person, "--format", "cms", "--in", dir.file("doc.bin"), "--out",
                    dir.file("sig.p7s"),
                    "--timestamp",
                ], as: "platform.token"
            ).succeeded)
        try dir.write("rsa-root.pem", out(try ctl(["ca", "show", "rsa-root"])) + "\n")
        let openssl = try Subprocess.run(
            "openssl",
            [
                "cms", "-verify", "-binary", "-inform", "DER", "-in", dir.file("sig.p7s"), "-content",
                dir.file("doc.bin"),
                "-CAfile", dir.file("rsa-root.pem"), "-purpose", "any", "-out", "/dev/null",
            ])
        #expect(openssl.succeeded && openssl.stderr.contains("Verification successful"), "\(openssl.stderr)")
        let cmsReport = try ctl(
            ["verify", "--signature", dir.file("sig.p7s"), "--data", dir.file("doc.bin")], as: "platform.token")
        #expect(cmsReport.succeeded && cmsReport.stdout.contains("format cms"), "\(cmsReport.stdout)")
        #expect(
            try ctl(
                ["sign", "--key", keyID, "--format", "cms", "--in", dir.file("doc.bin"), "--out", dir.file("x")],
                as: "platform.token"
            ).status == 77)
        #expect(
            try ctl(
                ["sign", "--key", keyID, "--seal", seal, "--in", dir.file("doc.bin"), "--out", dir.file("x")],
                as: "platform.token"
            ).status == 64)
        #expect(
            out(try ctl(["signing-key", "revoke", keyID, "--reason", "keyCompromise"], as: "platform.token")).contains(
                "revoked"))
        #expect(
            try ctl(
                [
                    "sign", "--key", keyID, "--signer", person, "--format", "cms", "--in", dir.file("doc.bin"), "--out",
                    dir.file("x"),
                ],
                as: "platform.token"
            ).status == 4)

        // The exported SESeal verifies with asn1crypto + gmssl.
        // The picture would land on seal.png, the file the seal was applied with: refused unless named or forced.
        let overwriting = try ctl(["seal", "export", seal, "--out", dir.file("seal.der")])
        #expect(overwriting.status == 73 && overwriting.stderr.contains("seal.png exists"), "\(overwriting.stderr)")
        let exported = try ctl([
            "seal", "export", seal, "--out", dir.file("seal.der"), "--picture", dir.file("exported.png"),
        ])
        #expect(exported.succeeded, "\(exported.stderr)")
        #expect(try dir.read("exported.png") == png)
        let check = try Subprocess.run(
            try TestPaths.python, [TestPaths.pythonScript("ses_check.py"), "seal", dir.file("seal.der")])
        #expect(
            check.stdout.contains("\"maker_ok\": true") && check.stdout.contains("某某科技有限公司公章"),
            "\(check.stdout)\(check.stderr)")

        #expect(
            out(try ctl(["seal", "report-loss", seal, "--comment", "lost"], as: "seal-revoker.token")).contains(
                "suspended"))
        #expect(out(try ctl(["seal", "status", seal])).hasPrefix("suspended (certificate hold)"))
        #expect(try ctl(["seal", "recover", seal], as: "seal-reviewer.token").succeeded)
        #expect(try ctl(["seal", "revoke", seal, "--reason", "keyCompromise"], as: "seal-revoker.token").succeeded)
        #expect(out(try ctl(["seal", "status", seal])).hasPrefix("revoked (certificate revoked)"))
        #expect(try ctl(["seal", "recover", seal], as: "seal-reviewer.token").status == 4, "revoked is final")
        #expect(try ctl(["seal", "destroy", seal], as: "seal-revoker.token").succeeded)
        let shown = try ctl(["seal", "show", seal])
        for step in ["apply", "approve", "make", "file", "grant", "report-loss", "recover", "revoke", "destroy"] {
            #expect(shown.stdout.contains(step), "history shows \(step)")
        }
        #expect(try ctl(["audit", "verify"]).succeeded)
    }
}
