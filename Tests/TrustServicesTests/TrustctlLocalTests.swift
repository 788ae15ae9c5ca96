import Foundation
import GRDB
import Testing
import TestSupport
import TrustCrypto

/// `trustctl` local CA-officer commands, run as a user would: the built binary on a fresh data directory.
@Suite struct TrustctlLocalTests {
    func trustctl(_ arguments: [String]) throws -> ProcessResult {
        try Subprocess.run(try TestPaths.builtProduct("trustctl"), arguments)
    }

    @Test func anOfficerInitialisesIssuesRevokesPublishesAndVerifiesTheAudit() throws {
        let dir = try TemporaryDirectory()
        let data = dir.file("data")
        let policies = TestPaths.packageRoot.appendingPathComponent("policies").path
        let initialised = try trustctl(["ca", "init", "--data", data, "--policies", policies, "--actor", "officer-1"])
        #expect(initialised.succeeded, "\(initialised.stderr)")
        #expect(initialised.stdout.contains("sm2-issuing") && initialised.stdout.contains("rsa-root"))
        let mode = try FileManager.default.attributesOfItem(atPath: data)[.posixPermissions] as? Int
        #expect(mode == 0o700)
        #expect(try trustctl(["ca", "init", "--data", data, "--policies", policies]).status == 4, "initialising twice is a conflict")

        let list = try trustctl(["ca", "list", "--data", data, "--json"])
        #expect(list.stdout.contains("\"name\" : \"sm2-root\""))

        // A CSR made by the openssl command line, issued under tls-server by the RSA issuing CA.
        let key = dir.file("leaf.key"), csr = dir.file("leaf.csr")
        let made = try Subprocess.run("openssl", ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                                                  "-keyout", key, "-subj", "/CN=svc.example.gov.cn", "-addext",
                                                  "subjectAltName=DNS:svc.example.gov.cn", "-out", csr])
        try #require(made.succeeded, "\(made.stderr)")
        let issued = try trustctl(["cert", "issue", "--data", data, "--csr", csr, "--profile", "tls-server", "--ca", "rsa-issuing",
                                   "--out", dir.file("chain.pem")])
        #expect(issued.succeeded, "\(issued.stderr)")
        let serial = issued.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let chain = try Certificate.parseChain(pem: String(decoding: try dir.read("chain.pem"), as: UTF8.self))
        #expect(chain.count == 3 && chain[0].serialHex == serial)
        try dir.write("leaf.pem", chain[0].pem)
        try dir.write("issuing.pem", chain[1].pem)
        try dir.write("root.pem", chain[2].pem)
        let verified = try Subprocess.run("openssl", ["verify", "-CAfile", dir.file("root.pem"), "-untrusted", dir.file("issuing.pem"), dir.file("leaf.pem")])
        #expect(verified.stdout.contains("OK"), "\(verified.stderr)")

        // Profile violation: exit 65 with the rule.
        let refused = try trustctl(["cert", "issue", "--data", data, "--csr", csr, "--profile", "seal", "--ca", "sm2-issuing"])
        #expect(refused.status == 65 && refused.stderr.contains("does not allow p256 keys"), "\(refused.stderr)")

        let shown = try trustctl(["cert", "show", "--data", data, serial, "--json"])
        #expect(shown.stdout.contains("\"status\" : \"valid\""))
        #expect(try trustctl(["cert", "revoke", "--data", data, serial, "--reason", "keyCompromise"]).succeeded)
        #expect(try trustctl(["cert", "revoke", "--data", data, serial, "--reason", "keyCompromise"]).status == 4)
        #expect(try trustctl(["cert", "revoke", "--data", data, "0badc0de"]).status == 3)
        #expect(try trustctl(["cert", "revoke", "--data", data, serial, "--reason", "bored"]).status == 64)

        let crl = try trustctl(["crl", "generate", "--data", data, "--ca", "rsa-issuing", "--out", dir.file("crl.der")])
        #expect(crl.succeeded && crl.stdout.contains("1 entries"), "\(crl.stdout)\(crl.stderr)")
        let crlCheck = try Subprocess.run("openssl", ["crl", "-inform", "DER", "-in", dir.file("crl.der"), "-CAfile", dir.file("issuing.pem"), "-noout"])
        #expect((crlCheck.stdout + crlCheck.stderr).contains("verify OK"))

        #expect(try trustctl(["audit", "checkpoint", "--data", data]).succeeded)
        let intact = try trustctl(["audit", "verify", "--data", data])
        #expect(intact.succeeded && intact.stdout.hasPrefix("intact:"), "\(intact.stdout)\(intact.stderr)")

        // Someone edits the SQLite file: audit verify names the record and exits 1.
        let queue = try DatabaseQueue(path: "\(data)/trustd.sqlite")
        try queue.write { try $0.execute(sql: "UPDATE audit_log SET outcome = 'failure' WHERE seq = 7") }
        let broken = try trustctl(["audit", "verify", "--data", data, "--json"])
        #expect(broken.status == 1)
        #expect(broken.stdout.contains("\"brokenSeq\" : 7"), "\(broken.stdout)")
    }
}
