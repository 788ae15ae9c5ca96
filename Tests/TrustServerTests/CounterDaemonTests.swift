import Foundation
import TestSupport
import Testing
import TrustCrypto

/// The counter flow as a service desk runs it: the built trustd, a private pcscd with the vpcd driver, the test's
/// virtual card in the reader, and `trustctl counter …` as the terminal.
@Suite struct CounterDaemonTests {
    @Test func aCounterOperatorChecksAPersonWithTheirCard() throws {
        let dir = try TemporaryDirectory("trustd-counter")
        try FileManager.default.createDirectory(atPath: dir.file("data"), withIntermediateDirectories: true)
        try dir.write("data/registry.csv", "person,110101199003071233,张三\n")
        let daemon = try DaemonAndTrustctlTests.startDaemon(
            in: dir,
            config: """
                data: \(dir.file("data"))
                listen: 127.0.0.1:0
                policies: \(TestPaths.packageRoot.appendingPathComponent("policies").path)
                """)
        defer { daemon.process.stop() }
        let pcscd = try PCSCDaemon(port: PCSCDaemon.freePort())
        defer { pcscd.stop() }
        func ctl(_ arguments: [String], as token: String = "data/admin.token", socket: String? = nil) throws
            -> ProcessResult
        {
            try Subprocess.run(
                try TestPaths.builtProduct("trustctl"), arguments,
                environment: [
                    "TRUSTCTL_SERVER": daemon.url, "TRUSTCTL_TOKEN_FILE": dir.file(token),
                    "PCSCLITE_CSOCK_NAME": socket ?? pcscd.socketPath,
                ])
        }
        func out(_ result: ProcessResult) -> String { result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) }
        for (name, role) in [("desk-1", "counter-operator"), ("platform-1", "platform")] {
            let id = out(try ctl(["principal", "create", "--name", name, "--role", role]))
            #expect(try ctl(["principal", "token", id, "--out", dir.file("\(role).token")]).succeeded)
        }
        // A primary person; the card issuer's CAs and CRL in the data directory.
        let person = out(
            try ctl([
                "person", "create", "--name", "张三", "--id-number", "110101199003071233", "--mobile", "13800138000",
            ]))
        let sent = try ctl(["person", "verify", person, "--method", "sms-otp", "--json"])
        let otp = try #require(
            (try JSONSerialization.jsonObject(with: Data(sent.stdout.utf8)) as? [String: Any])?["otpId"] as? String)
        let code = String(
            try #require(
                String(decoding: try dir.read("data/otp-outbox"), as: UTF8.self).split(separator: " ").first {
                    $0.hasPrefix("code=")
                }
            ).dropFirst(5))
        #expect(
            try ctl(["person", "verify", person, "--method", "sms-otp", "--otp-id", otp, "--code", code]).succeeded)
        #expect(out(try ctl(["person", "verify", person, "--method", "population-registry"])).contains("primary"))
        let issuer = try TestPKI(.sm2, name: "Card issuer")
        try FileManager.default.createDirectory(
            atPath: dir.file("data/certs/card-issuers"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir.file("data/certs/crls"), withIntermediateDirectories: true)
        try dir.write("data/certs/card-issuers/issuer.pem", issuer.root.pem + issuer.issuing.pem)
        try dir.write(
            "data/certs/crls/issuer.crl",
            try CRLBuilder.build(
                issuer: issuer.issuing, signer: try PrivateKeySigner(issuer.issuingKey), number: 1,
                thisUpdate: Date(timeIntervalSinceNow: -60),
                nextUpdate: Date(timeIntervalSinceNow: 86400), entries: []
            ).der)
        func card(_ type: KeyType, pin: String) throws -> VirtualCard {
            let key = try PrivateKey.generate(type)
            let certificate = try issuer.leaf(
                key, subject: DistinguishedName(["C": "CN", "CN": "张三", "serialNumber": "110101199003071233"]))
            return VirtualCard(port: pcscd.port, certificate: certificate.der, key: key, pin: pin)
        }
        try dir.write("pin", "123456\n")
        try dir.write("wrong-pin", "000000\n")
        let check = ["counter", "check", "--person", person, "--reader", PCSCDaemon.firstReader, "--timeout", "20"]

        // readers shows the card; the check raises the person to intermediate; the operator role is required.
        let sm2 = try card(.sm2, pin: "123456")
        sm2.insert()
        var listed = ""
        // pcscd loads the vpcd driver and the card connects in the background: up to 30 s on a loaded CI machine.
        for _ in 0..<300 {
            listed = out(try ctl(["counter", "readers"]))
            if listed.contains("present") { break }
            usleep(100_000)
        }
        #expect(
            listed.contains(PCSCDaemon.firstReader) && listed.contains("present") && listed.contains("3B 88 80 01"),
            "\(listed)")
        let wrongRole = try ctl(check + ["--pin-file", dir.file("pin")], as: "platform.token")
        #expect(wrongRole.status == 77, "a platform is not a counter operator: \(wrongRole.stderr)")
        let checked = try ctl(check + ["--pin-file", dir.file("pin")], as: "counter-operator.token")
        #expect(checked.succeeded && checked.stdout.contains("is intermediate"), "\(checked.stdout)\(checked.stderr)")
        #expect(checked.stderr.contains("certificate read") && checked.stderr.contains("PIN verified"))
        let shown = try ctl(["person", "show", person, "--json"])
        #expect(shown.stdout.contains("counter-card") && shown.stdout.contains("intermediate"), "\(shown.stdout)")

        // watch prints the removal and the next insertion.
        let watch = try BackgroundProcess(
            try TestPaths.builtProduct("trustctl"), ["counter", "watch", "--events", "2", "--timeout", "30"],
            environment: ["PCSCLITE_CSOCK_NAME": pcscd.socketPath])
        defer { watch.stop() }
        _ = try watch.waitForLine("Virtual PCD 00 00: present")
        sm2.remove()
        _ = try watch.waitForLine("Virtual PCD 00 00: removed")
        let rsa = try card(.rsa2048, pin: "123456")
        rsa.insert()
        defer { rsa.remove() }
        _ = try watch.waitForLine("Virtual PCD 00 00: inserted ATR (3B 88 80 01[0-9A-F ]+)")

        // A wrong PIN: tries left shown, exit 77; then the right one.
        let wrong = try ctl(check + ["--pin-file", dir.file("wrong-pin")], as: "counter-operator.token")
        #expect(wrong.status == 77 && wrong.stderr.contains("2 tries left"), "\(wrong.stderr)")
        let retried = try ctl(check + ["--pin-file", dir.file("pin")], as: "counter-operator.token")
        #expect(retried.succeeded, "\(retried.stderr)")
        let audit = out(try ctl(["audit", "list", "--limit", "1000", "--json"]))
        #expect(audit.contains("counter.check") && audit.contains("counter.challenge"))
        #expect(audit.contains("at the terminal: wrong_pin"), "the refused PIN is audited")
        #expect(
            audit.replacingOccurrences(of: "\\/", with: "/").contains("access.denied")
                && audit.replacingOccurrences(of: "\\/", with: "/")
                    .contains("POST /v1/counter/challenges"),
            "the platform's attempt is audited")

        // pcscd not running: a clear message and exit 69.
        let down = try ctl(
            check + ["--pin-file", dir.file("pin")], as: "counter-operator.token", socket: dir.file("no-such.comm"))
        #expect(down.status == 69 && down.stderr.contains("pcscd"), "\(down.stderr)")
        #expect(try ctl(["audit", "verify"]).succeeded)
    }
}
