import TestSupport
import Testing
import TrustCrypto

/// Signatures checked by independent implementations: Python `gmssl` (with Z_A written from the standard in
/// Tests/Support/python/sm2_gmssl.py) for SM2, and the `openssl` command line for RSA and ECDSA.
@Suite struct InteropTests {
    static let ids = ["1234567812345678", "ALICE123@YAHOO.COM"]

    @Test(arguments: ids)
    func trustCryptoSM2SignaturesVerifyWithGmssl(_ id: String) throws {
        let key = try PrivateKey.generate(.sm2)
        let message = SecureRandom.bytes(200)
        let signature = try key.sign(message, algorithm: .sm2(id: try SM2DistinguishingID(id)))
        let point = Hex.encode(try #require(try key.publicKey.ecPoint))
        let check = try Subprocess.run(
            try TestPaths.python,
            [
                TestPaths.pythonScript("sm2_gmssl.py"), "verify",
                point, id.utf8Hex, Hex.encode(message), Hex.encode(signature),
            ])
        #expect(check.stdout.trimmingCharacters() == "OK", "\(check.stderr)")
        // The same signature must not pass under the empty ID OpenSSL 3.0 would otherwise use.
        let wrong = try Subprocess.run(
            try TestPaths.python,
            [
                TestPaths.pythonScript("sm2_gmssl.py"), "verify",
                point, "", Hex.encode(message), Hex.encode(signature),
            ])
        #expect(wrong.stdout.trimmingCharacters() == "FAIL")
    }

    @Test(arguments: ids)
    func gmsslSM2SignaturesVerifyWithTrustCrypto(_ id: String) throws {
        let message = SecureRandom.bytes(100)
        let made = try Subprocess.run(
            try TestPaths.python, [TestPaths.pythonScript("sm2_gmssl.py"), "sign", id.utf8Hex, Hex.encode(message)])
        try #require(made.succeeded, "\(made.stderr)")
        let fields = made.stdout.split(separator: " ").map { String($0).trimmingCharacters() }
        let publicKey = try PublicKey(ecPoint: [4] + Hex.decode(fields[0])!, type: .sm2)
        let raw = Hex.decode(fields[1])!
        let algorithm = SignatureAlgorithm.sm2(id: try SM2DistinguishingID(id))
        #expect(try publicKey.isValidSignature(raw, for: message, algorithm: algorithm))
        #expect(try publicKey.isValidSignature(try ECDSASignature.derFromRaw(raw), for: message, algorithm: algorithm))
        #expect(try !publicKey.isValidSignature(raw, for: message + [0], algorithm: algorithm))
    }

    @Test(arguments: [
        (KeyType.rsa2048, SignatureAlgorithm.rsaPKCS1v15(.sha256), ["-sha256"]),
        (KeyType.rsa4096, SignatureAlgorithm.rsaPKCS1v15(.sha512), ["-sha512"]),
        (
            KeyType.rsa2048, SignatureAlgorithm.rsaPSS(.sha256),
            ["-sha256", "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:digest"]
        ),
        (KeyType.p256, SignatureAlgorithm.ecdsa(.sha256), ["-sha256"]),
    ])
    func rsaAndECDSASignaturesVerifyWithTheOpenSSLCommandLine(
        _ type: KeyType, _ algorithm: SignatureAlgorithm, _ options: [String]
    ) throws {
        let dir = try TemporaryDirectory()
        let key = try PrivateKey.generate(type)
        let message = SecureRandom.bytes(5000)
        let pub = try dir.write("pub.pem", try key.publicKey.pem)
        let msg = try dir.write("msg.bin", message)
        let sig = try dir.write("sig.bin", try key.sign(message, algorithm: algorithm))
        let check = try Subprocess.run("openssl", ["dgst"] + options + ["-verify", pub, "-signature", sig, msg])
        #expect(check.stdout.contains("Verified OK"), "\(check.stdout) \(check.stderr)")
        // And the other direction: OpenSSL signs, TrustCrypto verifies.
        let priv = try dir.write("key.pem", try key.pkcs8PEM())
        let theirs = dir.file("theirs.bin")
        let signed = try Subprocess.run("openssl", ["dgst"] + options + ["-sign", priv, "-out", theirs, msg])
        try #require(signed.succeeded, "\(signed.stderr)")
        #expect(try key.publicKey.isValidSignature(try dir.read("theirs.bin"), for: message, algorithm: algorithm))
    }

    @Test func sm2SignaturesInteroperateWithTheOpenSSLCommandLineWhenTheIDIsGiven() throws {
        let dir = try TemporaryDirectory()
        let key = try PrivateKey.generate(.sm2)
        let message = SecureRandom.bytes(777)
        let pub = try dir.write("pub.pem", try key.publicKey.pem)
        let priv = try dir.write("key.pem", try key.pkcs8PEM())
        let msg = try dir.write("msg.bin", message)
        let sig = try dir.write("sig.bin", try key.sign(message))
        let id = ["-sigopt", "distid:1234567812345678"]
        let check = try Subprocess.run("openssl", ["dgst", "-sm3"] + id + ["-verify", pub, "-signature", sig, msg])
        #expect(check.stdout.contains("Verified OK"), "\(check.stderr)")
        let signed = try Subprocess.run(
            "openssl", ["dgst", "-sm3"] + id + ["-sign", priv, "-out", dir.file("theirs.bin"), msg])
        try #require(signed.succeeded, "\(signed.stderr)")
        #expect(try key.publicKey.isValidSignature(try dir.read("theirs.bin"), for: message))
    }
}

extension String {
    func trimmingCharacters() -> String {
        String(self.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
