import TestSupport
import Testing
import TrustCrypto

/// Every malformed input gives a typed ``CryptoError`` with a message — never a crash or a silent bad key.
@Suite struct BadInputTests {
    static let malformedPEM = [
        "",
        "hello",
        "-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n",
        "-----BEGIN PRIVATE KEY-----\nAAAA!!!!\n-----END PRIVATE KEY-----\n",
        "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n",
    ]

    @Test(arguments: malformedPEM)
    func garbageOrTruncatedPEMIsMalformed(_ pem: String) {
        #expect(throws: CryptoError(.malformedInput, "")) { try PrivateKey(pem: pem) }
        #expect(throws: CryptoError(.malformedInput, "")) { try PublicKey(pem: pem.replacingPrivateWithPublic()) }
    }

    @Test func truncatedOrPaddedDERIsMalformed() throws {
        let key = try PrivateKey.generate(.p256)
        let der = try key.pkcs8DER()
        let spki = try key.publicKey.spkiDER
        for bad in [[], Array(der.prefix(der.count / 2)), der + [0], Array(der.dropLast())] {
            #expect(throws: CryptoError(.malformedInput, "")) { try PrivateKey(der: bad) }
        }
        for bad in [[], Array(spki.prefix(10)), spki + [0, 0], SecureRandom.bytes(91)] {
            #expect(throws: CryptoError(.malformedInput, "")) { try PublicKey(spkiDER: bad) }
        }
    }

    @Test func aPublicKeyIsNotAPrivateKey() throws {
        let publicPEM = try PrivateKey.generate(.sm2).publicKey.pem
        #expect(throws: CryptoError.self) { try PrivateKey(pem: publicPEM) }
        let privatePEM = try PrivateKey.generate(.sm2).pkcs8PEM()
        #expect(throws: CryptoError(.malformedInput, "")) { try PublicKey(pem: privatePEM) }
    }

    @Test func encryptedPEMIsRefusedWithoutPrompting() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("enc.pem")
        let made = try Subprocess.run(
            "openssl",
            [
                "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                "-aes256", "-pass", "pass:secret", "-out", path,
            ])
        try #require(made.succeeded)
        let pem = String(decoding: try dir.read("enc.pem"), as: UTF8.self)
        #expect(throws: CryptoError(.malformedInput, "")) { try PrivateKey(pem: pem) }
    }

    @Test func unsupportedKeyKindsAreNamed() throws {
        let dir = try TemporaryDirectory()
        let kinds: [[String]] = [
            ["-algorithm", "ED25519"],
            ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"],
            ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],
            ["-algorithm", "RSA-PSS"],
        ]
        for (index, options) in kinds.enumerated() {
            let path = dir.file("k\(index).pem")
            try #require(try Subprocess.run("openssl", ["genpkey"] + options + ["-out", path]).succeeded)
            let pem = String(decoding: try dir.read("k\(index).pem"), as: UTF8.self)
            #expect(throws: CryptoError(.unsupportedAlgorithm, "")) { try PrivateKey(pem: pem) }
        }
    }

    @Test func algorithmsMustFitTheKey() throws {
        let rsa = try PrivateKey.generate(.rsa2048)
        let sm2 = try PrivateKey.generate(.sm2)
        let p256 = try PrivateKey.generate(.p256)
        #expect(throws: CryptoError(.keyTypeMismatch, "")) { try rsa.sign([1], algorithm: .sm2()) }
        #expect(throws: CryptoError(.keyTypeMismatch, "")) { try sm2.sign([1], algorithm: .ecdsa(.sha256)) }
        #expect(throws: CryptoError(.keyTypeMismatch, "")) { try p256.sign([1], algorithm: .rsaPSS(.sha256)) }
        #expect(throws: CryptoError(.keyTypeMismatch, "")) {
            try p256.publicKey.isValidSignature([1], for: [1], algorithm: .sm2())
        }
        #expect(throws: CryptoError(.unsupportedAlgorithm, "")) { try rsa.sign([1], algorithm: .rsaPKCS1v15(.sha1)) }
    }

    @Test func digestsMustHaveTheAlgorithmsLength() throws {
        let key = try PrivateKey.generate(.p256)
        #expect(throws: CryptoError(.invalidArgument, "")) { try key.sign(digest: [1, 2, 3]) }
        #expect(throws: CryptoError(.invalidArgument, "")) {
            try key.sign(digest: SecureRandom.bytes(48), algorithm: .ecdsa(.sha256))
        }
        #expect(throws: CryptoError(.invalidArgument, "")) {
            try key.publicKey.isValidSignature([0x30, 0], forDigest: [])
        }
    }

    @Test func emptyOrOversizedSM2IDsAreRefused() {
        #expect(throws: CryptoError(.invalidArgument, "")) { try SM2DistinguishingID([]) }
        #expect(throws: CryptoError(.invalidArgument, "")) {
            try SM2DistinguishingID([UInt8](repeating: 1, count: 8192))
        }
        #expect(throws: Never.self) { try SM2DistinguishingID([UInt8](repeating: 1, count: 8191)) }
    }

    @Test func undecodableECSignaturesAreReportedAsSuch() throws {
        let key = try PrivateKey.generate(.sm2).publicKey
        for bad in [[], [0x30], SecureRandom.bytes(63), [0x30, 0x03, 0x02, 0x01]] {
            #expect(throws: CryptoError(.invalidSignatureEncoding, "")) { try key.isValidSignature(bad, for: [1]) }
        }
        #expect(throws: CryptoError(.invalidSignatureEncoding, "")) { try ECDSASignature.derFromRaw([1, 2, 3]) }
        #expect(throws: CryptoError(.invalidSignatureEncoding, "")) {
            try ECDSASignature.rawFromDER(SecureRandom.bytes(70))
        }
        // A wrong-length RSA signature is simply invalid.
        let rsa = try PrivateKey.generate(.rsa2048).publicKey
        #expect(try !rsa.isValidSignature([1, 2, 3], for: [1]))
    }

    @Test func ecPointsMustBeOnTheCurve() {
        var point: [UInt8] = [4] + [UInt8](repeating: 0x11, count: 64)
        #expect(throws: CryptoError(.malformedInput, "")) { try PublicKey(ecPoint: point, type: .p256) }
        #expect(throws: CryptoError(.malformedInput, "")) { try PublicKey(ecPoint: point, type: .sm2) }
        point[0] = 2
        #expect(throws: CryptoError(.malformedInput, "")) { try PublicKey(ecPoint: point, type: .sm2) }
        #expect(throws: CryptoError(.keyTypeMismatch, "")) { try PublicKey(ecPoint: point, type: .rsa2048) }
    }

    @Test func errorMessagesSayWhatWentWrong() {
        do {
            _ = try PrivateKey(der: [0x30, 0x82, 0x01])
            Issue.record("expected an error")
        } catch let error as CryptoError {
            #expect(error.message.contains("cannot decode private key DER"))
            #expect("\(error)".hasPrefix("malformed_input:"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }
}

extension String {
    func replacingPrivateWithPublic() -> String {
        var out = self
        while let range = out.range(of: "PRIVATE KEY") { out.replaceSubrange(range, with: "PUBLIC KEY") }
        return out
    }
}
