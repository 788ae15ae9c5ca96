import Testing
import TrustCrypto

/// GM/T 0003.5-2012 Appendix A example on the recommended curve (../shared/specs/gm-standards.md §3.2).
@Suite struct SM2KnownAnswerTests {
    static let xA = "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020"
    static let yA = "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13"
    static let r = "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3"
    static let s = "B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA"
    static let message = Array("message digest".utf8)

    static func publishedKey() throws -> PublicKey {
        try PublicKey(ecPoint: [0x04] + Hex.decode(xA + yA)!, type: .sm2)
    }

    @Test func zAndEMatchThePublishedValues() throws {
        let key = try Self.publishedKey()
        #expect(Hex.encode(try key.sm2Z()) == "b2e14c5c79c6df5b85f4fe7ed8db7a262b9da7e07ccb0ea9f4747b8ccda8a4f3")
        #expect(
            Hex.encode(try key.sm2SignedDigest(of: Self.message))
                == "f0b43e94ba45accaace692ed534382eb17e6ab5a19ce7b31f4486fdfc0d28640")
    }

    @Test func thePublishedSignatureVerifiesAsRawAndAsDER() throws {
        let key = try Self.publishedKey()
        let raw = Hex.decode(Self.r + Self.s)!
        let der = try ECDSASignature.derFromRaw(raw)
        #expect(Hex.encode(der).hasPrefix("3046022100f5a03b06"))
        #expect(try key.isValidSignature(raw, for: Self.message))
        #expect(try key.isValidSignature(der, for: Self.message, algorithm: .sm2(id: .default)))
        #expect(try key.isValidSignature(der, forDigest: key.sm2SignedDigest(of: Self.message)))
    }

    @Test func thePublishedSignatureFailsWithAnotherIDOrMessage() throws {
        let key = try Self.publishedKey()
        let raw = Hex.decode(Self.r + Self.s)!
        #expect(
            try !key.isValidSignature(
                raw, for: Self.message, algorithm: .sm2(id: try SM2DistinguishingID("ALICE123@YAHOO.COM"))))
        #expect(try !key.isValidSignature(raw, for: Array("message digesT".utf8)))
        var flipped = raw
        flipped[63] ^= 1
        #expect(try !key.isValidSignature(flipped, for: Self.message))
    }
}
