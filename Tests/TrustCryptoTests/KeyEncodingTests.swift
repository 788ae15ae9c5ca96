import TestSupport
import Testing
import TrustCrypto

@Suite struct KeyEncodingTests {
    @Test(arguments: KeyType.allCases)
    func generatedKeysHaveTheirTypeAndRoundTripThroughPEMAndDER(_ type: KeyType) throws {
        let key = try PrivateKey.generate(type)
        #expect(key.type == type)
        let pem = try key.pkcs8PEM()
        #expect(pem.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        let fromPEM = try PrivateKey(pem: pem)
        let fromDER = try PrivateKey(der: try key.pkcs8DER())
        #expect(fromPEM.type == type && fromDER.type == type)
        #expect(try fromPEM.publicKey == key.publicKey)
        #expect(try fromDER.publicKey == key.publicKey)

        let publicKey = try key.publicKey
        #expect(try PublicKey(pem: publicKey.pem) == publicKey)
        #expect(try PublicKey(spkiDER: publicKey.spkiDER) == publicKey)
        #expect(try PublicKey(spkiDER: publicKey.spkiDER).type == type)
        // A signature from the re-imported key verifies with the original public key.
        #expect(try publicKey.isValidSignature(fromDER.sign([1, 2, 3]), for: [1, 2, 3]))
    }

    @Test(arguments: [KeyType.sm2, .p256])
    func ecPublicKeysRebuildFromTheirPoint(_ type: KeyType) throws {
        let publicKey = try PrivateKey.generate(type).publicKey
        let point = try #require(publicKey.ecPoint)
        #expect(point.count == 65 && point[0] == 4)
        #expect(try PublicKey(ecPoint: point, type: type) == publicKey)
    }

    @Test func opensslGeneratedKeysLoadWithTheRightType() throws {
        let dir = try TemporaryDirectory()
        let cases: [(String, [String], KeyType)] = [
            ("sm2", ["-algorithm", "SM2"], .sm2),
            ("sm2ec", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:SM2"], .sm2),
            ("rsa", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072"], .rsa3072),
            ("p256", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"], .p256),
        ]
        for (name, options, type) in cases {
            let path = dir.file("\(name).pem")
            let result = try Subprocess.run("openssl", ["genpkey"] + options + ["-out", path])
            try #require(result.succeeded, "\(result.stderr)")
            let key = try PrivateKey(pem: String(decoding: try dir.read("\(name).pem"), as: UTF8.self))
            #expect(key.type == type, "\(name)")
            // Traditional (SEC1 / PKCS#1) encodings load too.
            if type != .sm2 {
                let traditional = try Subprocess.run("openssl", ["pkey", "-in", path, "-traditional"])
                #expect(try PrivateKey(pem: traditional.stdout).type == type)
            }
        }
    }

    @Test(arguments: KeyType.allCases)
    func fingerprintsMatchTheOpenSSLCommandLine(_ type: KeyType) throws {
        let dir = try TemporaryDirectory()
        let key = try PrivateKey.generate(type)
        let path = try dir.write("key.pem", try key.pkcs8PEM())
        let spki = try Subprocess.run("openssl", ["pkey", "-in", path, "-pubout", "-outform", "DER"])
        try #require(spki.succeeded, "\(spki.stderr)")
        #expect(spki.stdoutBytes == (try key.publicKey).spkiDER)
        #expect(try key.publicKey.fingerprint() == Digest.hash(.sha256, spki.stdoutBytes))
        #expect(try key.publicKey.fingerprintHex(.sm3).count == 64)
    }
}

@Suite struct RSAComponentTests {
    @Test func rsaPublicKeysRebuildFromModulusAndExponent() throws {
        let dir = try TemporaryDirectory()
        let key = try PrivateKey.generate(.rsa2048)
        let path = try dir.write("pub.pem", try key.publicKey.pem)
        // The modulus as the openssl command line prints it: "Modulus=HEX".
        let printed = try Subprocess.run("openssl", ["rsa", "-pubin", "-in", path, "-noout", "-modulus"])
        let modulus = try #require(Hex.decode(String(printed.stdout.dropFirst("Modulus=".count)).trimmingCharacters()))
        let rebuilt = try PublicKey(rsaModulus: modulus, publicExponent: [0x01, 0x00, 0x01])
        #expect(rebuilt == (try key.publicKey))
        #expect(rebuilt.type == .rsa2048)
        #expect(throws: CryptoError(.malformedInput, "")) { try PublicKey(rsaModulus: [], publicExponent: [3]) }
    }
}
