import CMSFormat
import Foundation
import SwiftASN1
import TestSupport
import Testing
import TrustCrypto

@testable import TrustServices

@Suite(.serialized) struct TimestampAuthorityTests {
    /// RSA tokens for an openssl-made query verify with `openssl ts -verify` against trustd's RSA chain.
    @Test func rsaTimestampsVerifyWithOpenSSL() async throws {
        let fixture = try CAFixture()
        let tsa = TimestampAuthority(ca: fixture.ca, keys: fixture.keys)
        let dir = try TemporaryDirectory()
        try dir.write("document.txt", "电子证照 — a document to time-stamp")
        let query = try Subprocess.run(
            "openssl",
            ["ts", "-query", "-data", dir.file("document.txt"), "-sha256", "-cert", "-out", dir.file("q.der")])
        try #require(query.succeeded, "\(query.stderr)")
        try dir.write("r.der", try await tsa.timestamp(der: try dir.read("q.der"), unit: .rsa, by: .system("test")))
        let chain = try tsa.identity(.rsa).chain
        try dir.write("ca.pem", chain[1].pem + chain[2].pem)
        let verified = try Subprocess.run(
            "openssl",
            [
                "ts", "-verify", "-data", dir.file("document.txt"), "-in", dir.file("r.der"),
                "-CAfile", dir.file("ca.pem"),
            ])
        #expect(verified.stdout.contains("Verification: OK"), "\(verified.stdout)\(verified.stderr)")
        let text = try Subprocess.run("openssl", ["ts", "-reply", "-in", dir.file("r.der"), "-text"])
        #expect(
            text.stdout.contains("Status: Granted") && text.stdout.contains("Policy OID: 0.4.0.2023.1.1"),
            "\(text.stdout)")
        #expect(text.stdout.contains("Accuracy: 0x01 seconds"), "\(text.stdout)")

        // Another document does not verify against the token.
        try dir.write("other.txt", "something else")
        let wrong = try Subprocess.run(
            "openssl",
            ["ts", "-verify", "-data", dir.file("other.txt"), "-in", dir.file("r.der"), "-CAfile", dir.file("ca.pem")])
        #expect(!wrong.stdout.contains("Verification: OK"))

        // Rejections carry the RFC 3161 failure bit; openssl reads them.
        let bad: [(String, [UInt8], String)] = [
            ("garbage", [0x30, 0x03, 0x02, 0x01], "the data submitted has the wrong format"),
            (
                "sha1",
                try TimeStampRequest(hashAlgorithm: CMSObjectID.sha1, hashedMessage: Array(repeating: 1, count: 20))
                    .der, "unrecognized or unsupported algorithm"
            ),
            (
                "short", try TimeStampRequest(hashAlgorithm: CMSObjectID.sha256, hashedMessage: [1, 2, 3]).der,
                "the data submitted has the wrong format"
            ),
            (
                "policy",
                try TimeStampRequest(
                    hashAlgorithm: CMSObjectID.sha256, hashedMessage: Array(repeating: 1, count: 32), policy: [1, 2, 3]
                ).der,
                "the requested TSA policy is not supported"
            ),
        ]
        for (name, request, expected) in bad {
            try dir.write("bad.der", try await tsa.timestamp(der: request, unit: .rsa, by: .system("test")))
            let shown = try Subprocess.run("openssl", ["ts", "-reply", "-in", dir.file("bad.der"), "-text"])
            #expect(
                shown.stdout.contains("Status: Rejected") && shown.stdout.contains(expected), "\(name): \(shown.stdout)"
            )
        }
    }

    /// SM2 tokens (SM3 imprint, nonce, certReq) checked by an independent Python implementation.
    @Test func sm2TimestampsVerifyInGmssl() throws {
        let fixture = try CAFixture()
        let tsa = TimestampAuthority(ca: fixture.ca, keys: fixture.keys)
        let imprint = Digest.hash(.sm3, Array("document".utf8))
        let nonce: [UInt8] = [0x02, 0x08, 0x1f, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]
        let request = TimeStampRequest(
            hashAlgorithm: CMSObjectID.sm3, hashedMessage: imprint, nonceDER: nonce, certReq: true)
        let granted = try tsa.respond(to: request, unit: .sm2)
        let dir = try TemporaryDirectory()
        try dir.write("r.der", granted.response)
        try dir.write("tsa.der", try tsa.identity(.sm2).certificate.der)
        let check = try Subprocess.run(
            try TestPaths.python,
            [TestPaths.pythonScript("tsp_check.py"), dir.file("r.der"), Hex.encode(imprint), dir.file("tsa.der")])
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any], "\(check.stderr)")
        #expect(
            report["status"] as? String == "granted" && report["content_type"] as? String == "1.2.840.113549.1.9.16.1.4"
        )
        #expect(
            report["imprint_ok"] as? Bool == true && report["digest_ok"] as? Bool == true
                && report["signature_ok"] as? Bool == true, "\(report)")
        #expect(report["ess_ok"] as? Bool == true && report["certificate_included"] as? Bool == true)
        #expect((report["nonce"] as? NSNumber)?.uint64Value == 0x1f22_3344_5566_7788)
        #expect(
            report["digest_algorithm"] as? String == "1.2.156.10197.1.401"
                && report["signature_algorithm"] as? String == "1.2.156.10197.1.501")
        #expect(try tsa.identity(.sm2).certificate.extendedKeyUsage == ["1.3.6.1.5.5.7.3.8"])

        // Without certReq the token carries no certificates (RFC 3161 §2.4.1); serials never repeat.
        let plain = try tsa.respond(
            to: TimeStampRequest(hashAlgorithm: CMSObjectID.sm3, hashedMessage: imprint), unit: .sm2)
        try dir.write("p.der", plain.response)
        let second = try Subprocess.run(
            try TestPaths.python,
            [TestPaths.pythonScript("tsp_check.py"), dir.file("p.der"), Hex.encode(imprint), dir.file("tsa.der")])
        #expect(
            second.stdout.contains("\"certificate_included\": false")
                && second.stdout.contains("\"signature_ok\": true"), "\(second.stdout)\(second.stderr)")
        var serials = Set<[UInt8]>()
        for _ in 0..<50 { serials.insert(try tsa.respond(to: request, unit: .sm2).serialNumber) }
        #expect(serials.count == 50)
    }
}
