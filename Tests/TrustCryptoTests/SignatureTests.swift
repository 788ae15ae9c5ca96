import Testing
import TrustCrypto

@Suite struct SignatureTests {
    static let cases: [(KeyType, SignatureAlgorithm)] = [
        (.sm2, .sm2()),
        (.sm2, .sm2(id: try! SM2DistinguishingID("alice@example.gov.cn"))),
        (.rsa2048, .rsaPKCS1v15(.sha256)),
        (.rsa2048, .rsaPKCS1v15(.sha512)),
        (.rsa2048, .rsaPSS(.sha256)),
        (.rsa3072, .rsaPKCS1v15(.sha384)),
        (.p256, .ecdsa(.sha256)),
        (.p256, .ecdsa(.sha384)),
    ]

    @Test(arguments: cases)
    func signThenVerifyRoundTrips(_ type: KeyType, _ algorithm: SignatureAlgorithm) throws {
        let key = try PrivateKey.generate(type)
        let publicKey = try key.publicKey
        let message = SecureRandom.bytes(1000)
        let signature = try key.sign(message, algorithm: algorithm)
        #expect(try publicKey.isValidSignature(signature, for: message, algorithm: algorithm))
        var tampered = message
        tampered[500] ^= 1
        #expect(try !publicKey.isValidSignature(signature, for: tampered, algorithm: algorithm))
        var badSignature = signature
        badSignature[badSignature.count - 1] ^= 1
        #expect(try !publicKey.isValidSignature(badSignature, for: message, algorithm: algorithm))
    }

    @Test(arguments: cases)
    func digestSigningInteroperatesWithMessageSigning(_ type: KeyType, _ algorithm: SignatureAlgorithm) throws {
        let key = try PrivateKey.generate(type)
        let publicKey = try key.publicKey
        let message = SecureRandom.bytes(300)
        let digest: [UInt8]
        if case .sm2(let id) = algorithm {
            digest = try publicKey.sm2SignedDigest(of: message, id: id)
        } else {
            digest = Digest.hash(algorithm.digest, message)
        }
        // Signed over the digest, verified over the message, and the other way round.
        #expect(
            try publicKey.isValidSignature(
                try key.sign(digest: digest, algorithm: algorithm), for: message, algorithm: algorithm))
        #expect(
            try publicKey.isValidSignature(
                try key.sign(message, algorithm: algorithm), forDigest: digest, algorithm: algorithm))
    }

    @Test func sm2SignaturesAreBoundToTheirDistinguishingID() throws {
        let key = try PrivateKey.generate(.sm2)
        let message = Array("seal this".utf8)
        let signature = try key.sign(message)  // default ID
        let other = try SM2DistinguishingID("1234567812345679")
        #expect(try key.publicKey.isValidSignature(signature, for: message, algorithm: .sm2(id: .default)))
        #expect(try !key.publicKey.isValidSignature(signature, for: message, algorithm: .sm2(id: other)))
    }

    /// The key keeps Z_A for the last ID it signed with: alternating IDs must never sign under a stale one.
    @Test func oneKeyAlternatingDistinguishingIDsSignsUnderEach() throws {
        let key = try PrivateKey.generate(.sm2)
        let message = Array("seal this".utf8)
        let alice = SignatureAlgorithm.sm2(id: try SM2DistinguishingID("alice@example.gov.cn"))
        for algorithm in [SignatureAlgorithm.sm2(), alice, .sm2(), alice] {
            let signature = try key.sign(message, algorithm: algorithm)
            let other: SignatureAlgorithm = algorithm == alice ? .sm2() : alice
            #expect(try key.publicKey.isValidSignature(signature, for: message, algorithm: algorithm))
            #expect(try !key.publicKey.isValidSignature(signature, for: message, algorithm: other))
        }
    }

    @Test(arguments: [KeyType.sm2, .p256])
    func rawAndDERSignaturesConvertAndBothVerify(_ type: KeyType) throws {
        let key = try PrivateKey.generate(type)
        let message = SecureRandom.bytes(64)
        let der = try key.sign(message)
        let raw = try ECDSASignature.rawFromDER(der)
        #expect(raw.count == 64)
        #expect(try ECDSASignature.derFromRaw(raw) == der)
        #expect(try key.publicKey.isValidSignature(raw, for: message))
        #expect(try key.publicKey.isValidSignature(der, for: message))
    }

    @Test func rsaPKCS1SignaturesAreDeterministicAndPSSAreNot() throws {
        let key = try PrivateKey.generate(.rsa2048)
        let message = Array("x".utf8)
        #expect(try key.sign(message) == key.sign(message))
        #expect(try key.sign(message, algorithm: .rsaPSS(.sha256)) != key.sign(message, algorithm: .rsaPSS(.sha256)))
        #expect(try key.sign(message).count == 256)
    }

    @Test func manyTasksCanShareOneKey() async throws {
        for type in [KeyType.sm2, .rsa2048, .p256] {
            let key = try PrivateKey.generate(type)
            let publicKey = try key.publicKey
            let results = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<64 {
                    group.addTask {
                        let message = Array("message \(index)".utf8)
                        return try publicKey.isValidSignature(key.sign(message), for: message)
                    }
                }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(results.count == 64 && results.allSatisfy { $0 })
        }
    }
}
