import TestSupport
import Testing
import TrustCrypto

@Suite struct DigestTests {
    // GM/T 0004 / gm-standards.md §3.1
    @Test func sm3MatchesThePublishedVectors() {
        #expect(
            Hex.encode(Digest.hash(.sm3, utf8: "abc"))
                == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0")
        #expect(
            Hex.encode(Digest.hash(.sm3, utf8: String(repeating: "abcd", count: 16)))
                == "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732")
    }

    @Test func shaFamilyMatchesFIPS180Vectors() {
        #expect(
            Hex.encode(Digest.hash(.sha256, utf8: "abc"))
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Hex.encode(Digest.hash(.sha384, utf8: "abc")).hasPrefix("cb00753f45a35e8bb5a03d699ac65007"))
        #expect(Hex.encode(Digest.hash(.sha512, utf8: "abc")).hasPrefix("ddaf35a193617abacc417349ae204131"))
        #expect(Hex.encode(Digest.hash(.sha1, utf8: "abc")) == "a9993e364706816aba3e25717850c26c9cd0d89d")
    }

    @Test(arguments: DigestAlgorithm.allCases)
    func streamingEqualsOneShot(_ algorithm: DigestAlgorithm) {
        let data = SecureRandom.bytes(10_000)
        var digester = Digester(algorithm)
        var index = 0
        for size in [0, 1, 63, 64, 65, 1000, 4096] where index + size <= data.count {
            digester.update(Array(data[index..<index + size]))
            index += size
        }
        digester.update(Array(data[index...]))
        #expect(digester.finalize() == Digest.hash(algorithm, data))
        #expect(digester.finalize().count == algorithm.outputLength)
    }

    @Test func copyingADigesterForksItsState() {
        var first = Digester(.sm3)
        first.update(Array("ab".utf8))
        var second = first
        second.update(Array("c".utf8))
        first.update(Array("x".utf8))
        #expect(second.finalize() == Digest.hash(.sm3, utf8: "abc"))
        #expect(first.finalize() == Digest.hash(.sm3, utf8: "abx"))
    }

    @Test(arguments: [DigestAlgorithm.sm3, .sha256, .sha384, .sha512])
    func digestsAgreeWithTheOpenSSLCommandLine(_ algorithm: DigestAlgorithm) throws {
        let dir = try TemporaryDirectory()
        let data = SecureRandom.bytes(3000)
        let path = try dir.write("data.bin", data)
        let result = try Subprocess.run("openssl", ["dgst", "-\(algorithm.rawValue)", "-r", path])
        #expect(result.succeeded, "\(result.stderr)")
        #expect(result.stdout.split(separator: " ").first.map(String.init) == Hex.encode(Digest.hash(algorithm, data)))
    }
}

@Suite struct RandomAndComparisonTests {
    @Test func randomBytesHaveTheRequestedLengthAndDiffer() {
        #expect(SecureRandom.bytes(0).isEmpty)
        let a = SecureRandom.bytes(32)
        let b = SecureRandom.bytes(32)
        #expect(a.count == 32 && b.count == 32)
        #expect(a != b)
    }

    @Test func constantTimeEqualityBehavesLikeEquality() {
        let a = SecureRandom.bytes(32)
        var b = a
        #expect(ConstantTime.equals(a, b))
        b[31] ^= 1
        #expect(!ConstantTime.equals(a, b))
        #expect(!ConstantTime.equals(a, Array(a.dropLast())))
        #expect(ConstantTime.equals([], []))
    }

    @Test func hexRoundTripsAndRejectsGarbage() {
        let bytes = SecureRandom.bytes(17)
        #expect(Hex.decode(Hex.encode(bytes)) == bytes)
        #expect(Hex.decode("ABCDEF") == [0xab, 0xcd, 0xef])
        #expect(Hex.decode("abc") == nil)
        #expect(Hex.decode("zz") == nil)
    }
}

@Suite struct AEADTests {
    @Test func sealThenOpenReturnsThePlaintext() throws {
        let key = SecureRandom.bytes(32)
        let plaintext = Array("private key bytes".utf8)
        let box = try AES256GCM.seal(plaintext, key: key, authenticatedData: [1, 2, 3])
        #expect(box.ciphertext != plaintext)
        #expect(try AES256GCM.open(box, key: key, authenticatedData: [1, 2, 3]) == plaintext)
    }

    @Test func anyAlterationOrWrongKeyFailsAuthentication() throws {
        let key = SecureRandom.bytes(32)
        let box = try AES256GCM.seal(SecureRandom.bytes(40), key: key, authenticatedData: [9])
        var badCipher = box.ciphertext
        badCipher[0] ^= 1
        var badTag = box.tag
        badTag[15] ^= 0x80
        var badNonce = box.nonce
        badNonce[0] ^= 1
        let cases: [(AES256GCM.SealedBox, [UInt8], [UInt8])] = [
            (box, SecureRandom.bytes(32), [9]),
            (box, key, [8]),
            (AES256GCM.SealedBox(nonce: box.nonce, ciphertext: badCipher, tag: box.tag), key, [9]),
            (AES256GCM.SealedBox(nonce: box.nonce, ciphertext: box.ciphertext, tag: badTag), key, [9]),
            (AES256GCM.SealedBox(nonce: badNonce, ciphertext: box.ciphertext, tag: box.tag), key, [9]),
            (
                AES256GCM.SealedBox(nonce: box.nonce, ciphertext: Array(box.ciphertext.dropLast()), tag: box.tag), key,
                [9]
            ),
        ]
        for (sealed, key, aad) in cases {
            #expect(throws: CryptoError(.authenticationFailed, "")) {
                try AES256GCM.open(sealed, key: key, authenticatedData: aad)
            }
        }
        #expect(throws: CryptoError(.invalidArgument, "")) { try AES256GCM.seal([1], key: [1, 2, 3]) }
    }
}
