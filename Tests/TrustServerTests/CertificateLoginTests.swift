import Foundation
import TestSupport
import Testing
import TrustCrypto

/// Logging in with a card or USB-key certificate (`amr` `hwk`) through `trustctl login`, which walks the login
/// pages as a browser with a key plug-in would: the certificate must come from a card issuer trustd trusts and name
/// the person's ID number, and the challenge is single-use.
@Suite struct CertificateLoginTests {
    @Test func aPersonLogsInWithTheirCardCertificate() throws {
        let dir = try TemporaryDirectory("trustd-cert-login")
        let daemon = try LoginFlowTests.startIssuer(in: dir, registry: "person,110101199003071233,张三\n")
        defer { daemon.process.stop() }
        func ctl(_ arguments: [String]) throws -> ProcessResult {
            try Subprocess.run(
                try TestPaths.builtProduct("trustctl"), arguments,
                environment: ["TRUSTCTL_SERVER": daemon.url, "TRUSTCTL_TOKEN_FILE": dir.file("data/admin.token")])
        }
        func out(_ result: ProcessResult) -> String { result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) }
        _ = out(
            try ctl([
                "person", "create", "--name", "张三", "--id-number", "110101199003071233", "--mobile", "13800138000",
            ]))
        // The card issuer (its CA and current CRL in the data directory), and a card for 张三 and one for someone else.
        let issuer = try TestPKI(.p256, name: "Card issuer")
        for folder in ["data/certs/card-issuers", "data/certs/crls"] {
            try FileManager.default.createDirectory(atPath: dir.file(folder), withIntermediateDirectories: true)
        }
        try dir.write("data/certs/card-issuers/issuer.pem", issuer.root.pem + issuer.issuing.pem)
        try dir.write(
            "data/certs/crls/issuer.crl",
            try CRLBuilder.build(
                issuer: issuer.issuing, signer: try PrivateKeySigner(issuer.issuingKey), number: 1,
                thisUpdate: Date(timeIntervalSinceNow: -60), nextUpdate: Date(timeIntervalSinceNow: 86400), entries: []
            ).der)
        for (name, number) in [("zhang", "110101199003071233"), ("other", "110101199001011237")] {
            let key = try PrivateKey.generate(.p256)
            let certificate = try issuer.leaf(
                key, subject: DistinguishedName(["C": "CN", "CN": name, "serialNumber": number]))
            try dir.write("\(name).pem", certificate.pem)
            try dir.write("\(name).key", try key.pkcs8PEM())
        }
        let created = try ctl([
            "oidc", "client", "create", "--name", "某市政务服务网", "--redirect-uri", "http://127.0.0.1:9/cb", "--public",
            "--json",
        ])
        let client = try #require(
            (try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: Any])?["clientId"]
                as? String)
        func login(_ card: String) throws -> ProcessResult {
            try ctl([
                "login", "--client-id", client, "--redirect-uri", "http://127.0.0.1:9/cb", "--id-number",
                "110101199003071233", "--cert", dir.file("\(card).pem"), "--key", dir.file("\(card).key"),
            ])
        }
        let done = try login("zhang")
        try #require(done.succeeded, "\(done.stderr)")
        let answer = try #require(try JSONSerialization.jsonObject(with: Data(done.stdout.utf8)) as? [String: Any])
        let claims = try #require(answer["claims"] as? [String: Any])
        #expect(claims["amr"] as? [String] == ["hwk"])
        #expect(claims["acr"] as? String == "urn:trustd:loa:anonymous", "a login proves presence, not identity")
        #expect((answer["tokens"] as? [String: Any])?["refresh_token"] is String)
        // Someone else's card (a valid certificate naming another ID number) is refused.
        let refused = try login("other")
        #expect(!refused.succeeded && refused.stderr.contains("the certificate login"), "\(refused.stderr)")
        // At a service-hall terminal: the person's smart card in a reader (a real pcscd with the virtual card),
        // the PIN entered, the card signing the challenge (ISO 7816 INTERNAL AUTHENTICATE).
        let pcscd = try PCSCDaemon(port: PCSCDaemon.freePort())
        defer { pcscd.stop() }
        let cardKey = try PrivateKey.generate(.sm2)
        let cardCertificate = try issuer.leaf(
            cardKey, subject: DistinguishedName(["C": "CN", "CN": "张三", "serialNumber": "110101199003071233"]))
        let card = VirtualCard(port: pcscd.port, certificate: cardCertificate.der, key: cardKey, pin: "123456")
        card.insert()
        try dir.write("pin", "123456\n")
        let atCounter = try Subprocess.run(
            try TestPaths.builtProduct("trustctl"),
            [
                "login", "--client-id", client, "--redirect-uri", "http://127.0.0.1:9/cb", "--id-number",
                "110101199003071233", "--card", "--pin-file", dir.file("pin"),
            ],
            environment: ["TRUSTCTL_SERVER": daemon.url, "PCSCLITE_CSOCK_NAME": pcscd.socketPath])
        try #require(atCounter.succeeded, "\(atCounter.stderr)")
        let counterClaims =
            (try JSONSerialization.jsonObject(with: Data(atCounter.stdout.utf8)) as? [String: Any])?["claims"]
            as? [String: Any]
        #expect(counterClaims?["amr"] as? [String] == ["hwk"])

        let records = try #require(
            (try JSONSerialization.jsonObject(
                with: Data(try ctl(["audit", "list", "--limit", "1000", "--json"]).stdout.utf8)) as? [String: Any])?[
                    "records"] as? [[String: Any]])
        let logins = records.filter { $0["action"] as? String == "login" }
        #expect(logins.map { $0["outcome"] as? String } == ["success", "failure", "success"])
    }
}
