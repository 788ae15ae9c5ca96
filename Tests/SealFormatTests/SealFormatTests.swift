import Foundation
import SealFormat
import SwiftASN1
import TestSupport
import Testing
import TrustCrypto

/// A seal made by an SM2 maker for an SM2 signer, from a test PKI.
struct SealFixture {
    let pki: TestPKI
    let makerKey: PrivateKey
    let maker: Certificate
    let signerKey: PrivateKey
    let signer: Certificate
    let picture: [UInt8] = Array("\u{89}PNG\r\n\u{1a}\n".utf8) + Array(repeating: 0x42, count: 200)

    init() throws {
        pki = try TestPKI(.sm2, name: "Seal")
        makerKey = try PrivateKey.generate(.sm2)
        maker = try pki.leaf(makerKey, commonName: "Seal Maker")
        signerKey = try PrivateKey.generate(.sm2)
        signer = try pki.leaf(signerKey, commonName: "Bureau Seal")
    }

    func info(extensions: [SealExtension]? = nil) -> SealInfo {
        let start = Date(timeIntervalSince1970: 1_790_000_000)
        return SealInfo(
            header: SealHeader(vendorID: "trustd"), esID: "11010000000001",
            property: SealProperty(
                type: 1, name: "某某局公章", certificateList: .certificates([signer.der]),
                createDate: start, validStart: start, validEnd: start.addingTimeInterval(3 * 365 * 86400)),
            picture: SealPicture(type: "PNG", data: picture, widthMM: 40, heightMM: 40), extensions: extensions)
    }

    func seal(extensions: [SealExtension]? = nil) throws -> ElectronicSeal {
        try ElectronicSeal.make(
            info: info(extensions: extensions), makerCertificate: maker.der,
            signatureAlgorithm: SealAlgorithm.sm2WithSM3
        ) {
            try makerKey.sign($0)
        }
    }

    func pythonCheck(_ arguments: [String]) throws -> [String: Any] {
        let result = try Subprocess.run(try TestPaths.python, [TestPaths.pythonScript("ses_check.py")] + arguments)
        guard result.succeeded,
            let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        else {
            throw TestSupportError("ses_check.py failed: \(result.stderr)")
        }
        return object
    }
}

@Suite struct SealFormatTests {
    @Test func aSealRoundTripsAndItsMakerSignatureVerifiesHereAndInGmssl() throws {
        let fixture = try SealFixture()
        let seal = try fixture.seal()
        #expect(seal.makerSignatureProblem() == nil)
        let decoded = try ElectronicSeal(der: seal.der)
        #expect(decoded.info == fixture.info() && decoded.makerCertificate == fixture.maker.der)
        #expect(decoded.signatureAlgorithm == SealAlgorithm.sm2WithSM3 && decoded.makerSignatureProblem() == nil)

        let dir = try TemporaryDirectory()
        try dir.write("seal.der", seal.der)
        let checked = try fixture.pythonCheck(["seal", dir.file("seal.der")])
        #expect(checked["maker_ok"] as? Bool == true, "\(checked)")
        #expect(checked["esID"] as? String == "11010000000001" && checked["name"] as? String == "某某局公章")
        #expect((checked["header"] as? [Any])?.map { "\($0)" } == ["ES", "4", "trustd"])
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMddHHmmss'Z'"
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.locale = Locale(identifier: "en_US_POSIX")
        #expect(
            checked["validEnd"] as? String == formatter.string(from: fixture.info().property.validEnd), "\(checked)")

        // Any change to the signed SES_SealInfo breaks the maker signature.
        var tampered = seal.der
        // Inside the picture bytes (a 0x42 elsewhere may be a length byte, and changing it breaks the structure).
        let picture = try #require(tampered.firstRange(of: fixture.picture))
        tampered[picture.upperBound - 1] = 0x43
        #expect(try ElectronicSeal(der: tampered).makerSignatureProblem() == "the seal maker signature does not verify")
        // A signature by another key.
        let forged = try ElectronicSeal.make(
            info: fixture.info(), makerCertificate: fixture.maker.der, signatureAlgorithm: SealAlgorithm.sm2WithSM3
        ) {
            try fixture.signerKey.sign($0)
        }
        #expect(forged.makerSignatureProblem() != nil)
    }

    @Test func aSealSignatureRoundTripsWithTimestampAndVerifiesInGmssl() throws {
        let fixture = try SealFixture()
        let seal = try fixture.seal(extensions: [SealExtension(oid: "1.2.156.10197.6.1.4.1", value: [1, 2, 3])])
        let document = Array("电子证照 2026".utf8)
        let token: [UInt8] = [0x30, 0x03, 0x02, 0x01, 0x00]
        let signature = try SealSignature.make(
            seal: seal, signingTime: Date(timeIntervalSince1970: 1_795_000_000),
            dataHash: Digest.hash(.sm3, document), propertyInfo: "/Doc_0/Signs/Sign_0/Signature.xml",
            signerCertificate: fixture.signer.der, signatureAlgorithm: SealAlgorithm.sm2WithSM3,
            sign: { try fixture.signerKey.sign($0) }, timeStamp: { _ in token })
        let decoded = try SealSignature(der: signature.der)
        #expect(decoded.signerSignatureProblem() == nil && decoded.seal.makerSignatureProblem() == nil)
        #expect(
            decoded.signerIsListedInSeal && decoded.timeStamp == token
                && decoded.dataHash == Digest.hash(.sm3, document))
        #expect(decoded.seal.info.extensions == [SealExtension(oid: "1.2.156.10197.6.1.4.1", value: [1, 2, 3])])

        let dir = try TemporaryDirectory()
        try dir.write("sig.der", signature.der)
        try dir.write("doc.bin", document)
        let checked = try fixture.pythonCheck(["signature", dir.file("sig.der"), dir.file("doc.bin")])
        #expect(checked["signer_ok"] as? Bool == true && checked["maker_ok"] as? Bool == true, "\(checked)")
        #expect(checked["hash_ok"] as? Bool == true && checked["listed"] as? Bool == true)
        #expect(checked["timestamp"] as? String == Hex.encode(token))

        // A signer not in the seal's certList is noticed; a raw r‖s signature is accepted.
        let otherKey = try PrivateKey.generate(.sm2)
        let other = try fixture.pki.leaf(otherKey, commonName: "Someone Else")
        let unlisted = try SealSignature.make(
            seal: seal, signingTime: Date(), dataHash: Digest.hash(.sm3, document), propertyInfo: "x",
            signerCertificate: other.der, signatureAlgorithm: SealAlgorithm.sm2WithSM3,
            sign: { try ECDSASignature.rawFromDER(try otherKey.sign($0)) })
        #expect(!unlisted.signerIsListedInSeal && unlisted.signerSignatureProblem() == nil)
    }

    /// Vendors' non-strict encodings: `critical FALSE` written out, extDatas tagged `[0]` or not, timeStamp untagged
    /// or `[0]` implicit. Signatures are checked over the bytes as received.
    @Test func vendorEncodingsDecodeAndVerifyOverTheReceivedBytes() throws {
        let fixture = try SealFixture()
        let base = fixture.info()
        func extData(_ critical: Bool?) throws -> [UInt8] {
            var coder = DER.Serializer()
            try coder.appendConstructedNode(identifier: .sequence) { coder in
                try coder.serialize(ASN1ObjectIdentifier(elements: [1, 2, 3]))
                if let critical { try coder.serialize(critical) }
                try coder.serialize(ASN1OctetString(contentBytes: [9, 9][...]))
            }
            return coder.serializedBytes
        }
        // Re-wrap the SES_SealInfo of a fresh seal with a hand-made extDatas, then sign those bytes.
        let plain = try ElectronicSeal.make(
            info: base, makerCertificate: fixture.maker.der, signatureAlgorithm: SealAlgorithm.sm2WithSM3
        ) { _ in [] }
        let infoNode = try BER.parse(plain.sealInfoBytes)
        guard case .constructed(let children) = infoNode.content else {
            Issue.record("not constructed")
            return
        }
        let fields = Array(children).map { Array($0.encodedBytes) }
        let explicitFalse = try extData(false)
        let variants: [(String, [UInt8])] = [
            ("untagged with explicit FALSE", [0x30, UInt8(explicitFalse.count)] + explicitFalse),
            ("[0] explicit", [0xA0, UInt8(explicitFalse.count + 2), 0x30, UInt8(explicitFalse.count)] + explicitFalse),
            ("[0] implicit", [0xA0, UInt8(explicitFalse.count)] + explicitFalse),
        ]
        for (name, ext) in variants {
            let content = fields.joined() + ext
            let info = [0x30, 0x82, UInt8(content.count >> 8), UInt8(content.count & 0xff)] + content
            let signature = try fixture.makerKey.sign(info)
            var coder = DER.Serializer()
            try coder.appendConstructedNode(identifier: .sequence) { coder in
                coder.serializeRawBytes(info)
                try coder.serialize(ASN1OctetString(contentBytes: fixture.maker.der[...]))
                try coder.serialize(ASN1ObjectIdentifier(elements: [1, 2, 156, 10197, 1, 501]))
                try coder.serialize(ASN1BitString(bytes: signature[...]))
            }
            let seal = try ElectronicSeal(der: coder.serializedBytes)
            #expect(seal.info.extensions == [SealExtension(oid: "1.2.3", critical: false, value: [9, 9])], "\(name)")
            #expect(seal.makerSignatureProblem() == nil, "\(name): the signature covers the received bytes")
        }
    }

    /// GM/T 0031-2014 (v1) seals and signatures with the quirks vendors produce: UTCTime, raw r‖s maker signature,
    /// `critical FALSE` written out, a non-SEQUENCE certList; signed bytes rebuilt from the received encodings.
    @Test func legacyV1SealsAndSignaturesDecodeAndVerify() throws {
        let fixture = try SealFixture()
        func utc(_ text: String) throws -> UTCTime {
            try UTCTime(derEncoded: [0x17, UInt8(text.utf8.count)] + Array(text.utf8))
        }
        func sealInfo(certList: (inout DER.Serializer) throws -> Void) throws -> [UInt8] {
            var coder = DER.Serializer()
            try coder.appendConstructedNode(identifier: .sequence) { coder in
                try coder.appendConstructedNode(identifier: .sequence) { coder in
                    try coder.serialize(ASN1IA5String("ES"))
                    try coder.serialize(1)
                    try coder.serialize(ASN1IA5String("LEGACY.VENDOR"))
                }
                try coder.serialize(ASN1IA5String("3201000000123"))
                try coder.appendConstructedNode(identifier: .sequence) { coder in
                    try coder.serialize(1)
                    try coder.serialize(ASN1UTF8String("旧版公章"))
                    try certList(&coder)
                    try coder.serialize(try utc("200125073156Z"))
                    try coder.serialize(try utc("200125000000Z"))
                    try coder.serialize(try utc("300125000000Z"))
                }
                try coder.appendConstructedNode(identifier: .sequence) { coder in
                    try coder.serialize(ASN1IA5String("PNG"))
                    try coder.serialize(ASN1OctetString(contentBytes: fixture.picture[...]))
                    try coder.serialize(40)
                    try coder.serialize(40)
                }
                try coder.appendConstructedNode(identifier: .sequence) { coder in
                    try coder.appendConstructedNode(identifier: .sequence) { coder in
                        try coder.serialize(ASN1ObjectIdentifier(elements: [1, 2, 156, 1]))
                        try coder.serialize(false)  // DER would omit a DEFAULT value: a vendor quirk
                        try coder.serialize(ASN1OctetString(contentBytes: [1][...]))
                    }
                }
            }
            return coder.serializedBytes
        }
        func v1Seal(_ info: [UInt8]) throws -> [UInt8] {
            var certCoder = DER.Serializer()
            var algorithmCoder = DER.Serializer()
            try certCoder.serialize(ASN1OctetString(contentBytes: fixture.maker.der[...]))
            try algorithmCoder.serialize(ASN1ObjectIdentifier(elements: [1, 2, 156, 10197, 1, 501]))
            let content = info + certCoder.serializedBytes + algorithmCoder.serializedBytes
            var signedCoder = DER.Serializer()
            signedCoder.appendConstructedNode(identifier: .sequence) { $0.serializeRawBytes(content) }
            let raw = try ECDSASignature.rawFromDER(try fixture.makerKey.sign(signedCoder.serializedBytes))
            var coder = DER.Serializer()
            try coder.appendConstructedNode(identifier: .sequence) { coder in
                coder.serializeRawBytes(info)
                try coder.appendConstructedNode(identifier: .sequence) { coder in
                    coder.serializeRawBytes(certCoder.serializedBytes)
                    coder.serializeRawBytes(algorithmCoder.serializedBytes)
                    try coder.serialize(ASN1BitString(bytes: raw[...]))
                }
            }
            return coder.serializedBytes
        }
        let seal = try v1Seal(
            try sealInfo { coder in
                try coder.appendConstructedNode(identifier: .sequence) {
                    try $0.serialize(ASN1OctetString(contentBytes: fixture.signer.der[...]))
                }
            })
        let legacy = try LegacySeal(der: seal)
        #expect(
            legacy.info.header.version == 1 && legacy.info.property.name == "旧版公章"
                && legacy.info.extensions?.first?.critical == false)
        #expect(legacy.makerSignatureProblem() == nil)
        #expect(legacy.info.property.validEnd == Date(timeIntervalSince1970: 1_895_529_600))
        guard case .v1 = try AnySeal(der: seal) else {
            Issue.record("not detected as v1")
            return
        }
        #expect(throws: SealFormatError.self) { _ = try ElectronicSeal(der: seal) }
        // A vendor that wrote an IA5String instead of the certificate list: read as an empty list.
        let odd = try LegacySeal(der: try v1Seal(try sealInfo { try $0.serialize(ASN1IA5String("1")) }))
        #expect(odd.info.property.certificateList == .certificates([]) && odd.makerSignatureProblem() == nil)

        // A v1 signature over a document: TBS_Sign carries the signer certificate; timeInfo is a time string.
        let document = Array("v1 document".utf8)
        var tbsCoder = DER.Serializer()
        try tbsCoder.appendConstructedNode(identifier: .sequence) { coder in
            try coder.serialize(1)
            coder.serializeRawBytes(seal)
            try coder.serialize(ASN1BitString(bytes: Array("2020-01-25 07:31:56".utf8)[...]))
            try coder.serialize(ASN1BitString(bytes: Digest.hash(.sm3, document)[...]))
            try coder.serialize(ASN1IA5String("/Doc_0/Signs/Sign_0/Signature.xml"))
            try coder.serialize(ASN1OctetString(contentBytes: fixture.signer.der[...]))
            try coder.serialize(ASN1ObjectIdentifier(elements: [1, 2, 156, 10197, 1, 501]))
        }
        let tbs = tbsCoder.serializedBytes
        var coder = DER.Serializer()
        try coder.appendConstructedNode(identifier: .sequence) { coder in
            coder.serializeRawBytes(tbs)
            try coder.serialize(ASN1BitString(bytes: try fixture.signerKey.sign(tbs)[...]))
        }
        let signature = try LegacySealSignature(der: coder.serializedBytes)
        #expect(
            signature.signerSignatureProblem() == nil && signature.signerIsListedInSeal
                && signature.seal.makerSignatureProblem() == nil)
        #expect(
            String(decoding: signature.timeInfo, as: UTF8.self) == "2020-01-25 07:31:56"
                && signature.dataHash == Digest.hash(.sm3, document))
        var tampered = coder.serializedBytes
        let at = try #require(
            tampered.firstRange(of: Array("v1 document".utf8)) ?? tampered.firstRange(of: Array("Sign_0".utf8)))
        tampered[at.lowerBound] ^= 1
        #expect(try LegacySealSignature(der: tampered).signerSignatureProblem() != nil)
    }

    /// Bounded decoding: empty, oversized, truncated, mutated and random inputs give a `SealFormatError`, never a crash.
    @Test func malformedInputNeverCrashes() throws {
        let fixture = try SealFixture()
        let seal = try fixture.seal()
        #expect(throws: SealFormatError.self) { _ = try ElectronicSeal(der: []) }
        #expect(throws: SealFormatError.self) {
            _ = try ElectronicSeal(der: [UInt8](repeating: 0x30, count: ElectronicSeal.maxSize + 1))
        }
        #expect(throws: SealFormatError.self) { _ = try SealSignature(der: seal.der) }
        for cut in stride(from: 0, to: seal.der.count, by: 7) {
            #expect(throws: SealFormatError.self) { _ = try ElectronicSeal(der: Array(seal.der.prefix(cut))) }
        }
        // Mutated inputs (seal and signature bytes with 1–4 random byte changes, insertions or cuts) through
        // every decoder; verification runs on whatever still decodes.
        let signature = try SealSignature.make(
            seal: seal, signingTime: Date(), dataHash: Digest.hash(.sm3, [1]), propertyInfo: "p",
            signerCertificate: fixture.signer.der, signatureAlgorithm: SealAlgorithm.sm2WithSM3,
            sign: { try fixture.signerKey.sign($0) })
        var generator = SystemRandomNumberGenerator()
        var decoded = 0
        // 100,000 in the release run (`swift test -c release`, part of .ci/test); a tenth in debug, where swift-asn1
        // is an order of magnitude slower.
        #if DEBUG
            let rounds = 10_000
        #else
            let rounds = 100_000
        #endif
        for round in 0..<rounds {
            var mutated = round % 2 == 0 ? seal.der : signature.der
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                let at = Int.random(in: 0..<mutated.count, using: &generator)
                switch Int.random(in: 0..<8, using: &generator) {
                case 0: mutated.insert(UInt8.random(in: 0...255, using: &generator), at: at)
                case 1: mutated.removeSubrange(at..<min(mutated.count, at + Int.random(in: 1...64, using: &generator)))
                default: mutated[at] = UInt8.random(in: 0...255, using: &generator)
                }
                if mutated.isEmpty { mutated = [0x30] }
            }
            // Verification (an SM2 operation) on a sample only, so the loop measures the decoders.
            if let any = try? AnySeal(der: mutated) {
                decoded += 1
                if round % 500 == 0 { _ = any.makerSignatureProblem() }
            }
            if let parsed = try? SealSignature(der: mutated) {
                decoded += 1
                if round % 500 == 1 { _ = parsed.signerSignatureProblem() }
            }
            _ = try? LegacySealSignature(der: mutated)
        }
        #expect(decoded > 0, "some mutations (e.g. inside the picture) still decode")
        // Deep nesting.
        var deep: [UInt8] = []
        for _ in 0..<5000 { deep += [0x30, 0x80] }
        deep += [UInt8](repeating: 0, count: 10000)
        #expect(throws: SealFormatError.self) { _ = try ElectronicSeal(der: deep) }
    }
}
