import Foundation
import SwiftASN1
import TrustCrypto

/// A GB/T 38540 (v4) electronic seal: `SESeal ::= SEQUENCE { eSealInfo SES_SealInfo, cert OCTET STRING,
/// signAlgID OBJECT IDENTIFIER, signedValue BIT STRING }`. Immutable; keeps the bytes it was decoded from, because
/// the maker's signature covers the DER of `SES_SealInfo` **as received** (gm-standards.md §4.2).
public struct ElectronicSeal: Sendable {
    public let info: SealInfo
    /// The seal maker's (制章者) certificate, DER.
    public let makerCertificate: [UInt8]
    /// Bare OID of the maker's signature algorithm.
    public let signatureAlgorithm: String
    /// The maker's signature (DER `(r,s)` or raw `r‖s` for SM2/ECDSA).
    public let signedValue: [UInt8]
    /// `SES_SealInfo` exactly as it appears in `der`: what the maker signed.
    public let sealInfoBytes: [UInt8]
    /// The whole `SESeal`.
    public let der: [UInt8]

    /// Seals larger than this (pictures included) are refused before parsing.
    public static let maxSize = 4 << 20

    /// Decodes a v4 `SESeal`. Non-strict DER from other vendors is accepted; anything malformed is a
    /// `SealFormatError` naming the field.
    public init(der: [UInt8]) throws {
        let root = try Wire.parse(der, maxSize: Self.maxSize, what: "SESeal")
        try self.init(node: root)
    }

    init(node: ASN1Node) throws {
        var parts: (SealInfo, [UInt8], [UInt8], String, [UInt8])? = nil
        try BER.sequence(node, identifier: .sequence) { nodes in
            guard let infoNode = nodes.next() else { throw Wire.fail("SESeal.eSealInfo is missing") }
            let info = try Wire.sealInfo(infoNode)
            guard info.header.version == 4 else {
                throw Wire.fail("SES_Header.version is \(info.header.version); this decoder reads GB/T 38540 v4 seals")
            }
            parts = (
                info, Array(infoNode.encodedBytes), try Wire.octets(nodes.next(), "SESeal.cert"),
                try Wire.oid(nodes.next(), "SESeal.signAlgID"),
                try Wire.bits(nodes.next(), "SESeal.signedValue")
            )
            if nodes.next() != nil { throw Wire.fail("SESeal has unexpected trailing fields") }
        }
        guard let parts else { throw Wire.fail("SESeal is empty") }
        (info, sealInfoBytes, makerCertificate, signatureAlgorithm, signedValue) = parts
        der = Array(node.encodedBytes)
    }

    /// Builds and signs a seal: `sign` receives the DER of `SES_SealInfo` and returns the maker's signature
    /// (made in key custody by the caller).
    public static func make(
        info: SealInfo, makerCertificate: [UInt8], signatureAlgorithm: String,
        sign: ([UInt8]) throws -> [UInt8]
    ) throws -> ElectronicSeal {
        var infoCoder = DER.Serializer()
        try Wire.serialize(info, into: &infoCoder)
        let infoBytes = infoCoder.serializedBytes
        let signature = try sign(infoBytes)
        var coder = DER.Serializer()
        try coder.appendConstructedNode(identifier: .sequence) { coder in
            coder.serializeRawBytes(infoBytes)
            try coder.serialize(ASN1OctetString(contentBytes: makerCertificate[...]))
            try coder.serialize(try ASN1ObjectIdentifier(dotted: signatureAlgorithm))
            try coder.serialize(ASN1BitString(bytes: signature[...]))
        }
        return try ElectronicSeal(der: coder.serializedBytes)
    }

    /// `nil` when the maker's signature over `SES_SealInfo` verifies with the maker certificate's key; otherwise
    /// why not.
    public func makerSignatureProblem() -> String? {
        SealVerification.signatureProblem(
            certificate: makerCertificate, algorithm: signatureAlgorithm, signature: signedValue,
            signed: sealInfoBytes, who: "seal maker")
    }

    /// The maker certificate, parsed.
    public func maker() throws -> Certificate { try Certificate(der: makerCertificate) }
}

/// A GB/T 38540 (v4) seal signature over a document:
/// `SES_Signature ::= SEQUENCE { toSign TBS_Sign, cert OCTET STRING, signatureAlgID OBJECT IDENTIFIER,
///   signature BIT STRING, timeStamp [0] BIT STRING OPTIONAL }` with
/// `TBS_Sign ::= SEQUENCE { version INTEGER, eseal SESeal, timeInfo GeneralizedTime, dataHash BIT STRING,
///   propertyInfo IA5String, extDatas [0] EXPLICIT ExtensionDatas OPTIONAL }`.
public struct SealSignature: Sendable {
    public let version: Int
    public let seal: ElectronicSeal
    /// Claimed signing time (`timeInfo`).
    public let signingTime: Date
    /// SM3 of the signed document (`dataHash`).
    public let dataHash: [UInt8]
    public let propertyInfo: String
    public let extensions: [SealExtension]?
    /// The signer's (签章者) certificate, DER.
    public let signerCertificate: [UInt8]
    public let signatureAlgorithm: String
    public let signature: [UInt8]
    /// RFC 3161 token over the signature value, if present (tagged `[0]` explicit or implicit, or untagged).
    public let timeStamp: [UInt8]?
    /// `TBS_Sign` exactly as received: what the signer signed.
    public let toSignBytes: [UInt8]
    public let der: [UInt8]

    public static let maxSize = 8 << 20

    public init(der: [UInt8]) throws {
        let root = try Wire.parse(der, maxSize: Self.maxSize, what: "SES_Signature")
        var fields:
            (Int, ElectronicSeal, Date, [UInt8], String, [SealExtension]?, [UInt8], [UInt8], String, [UInt8], [UInt8]?)? =
                nil
        try BER.sequence(root, identifier: .sequence) { nodes in
            guard let tbsNode = nodes.next() else { throw Wire.fail("SES_Signature.toSign is missing") }
            let tbs = try BER.sequence(tbsNode, identifier: .sequence) {
                tbs -> (Int, ElectronicSeal, Date, [UInt8], String, [SealExtension]?) in
                let version = try Wire.integer(&tbs, "TBS_Sign.version")
                guard let sealNode = tbs.next() else { throw Wire.fail("TBS_Sign.eseal is missing") }
                let seal = try ElectronicSeal(node: sealNode)
                let time = try Wire.time(tbs.next(), "TBS_Sign.timeInfo")
                let hash = try Wire.bits(tbs.next(), "TBS_Sign.dataHash")
                let property = try Wire.ia5(&tbs, "TBS_Sign.propertyInfo")
                let extensions = try tbs.next().map(Wire.extensions)
                if tbs.next() != nil { throw Wire.fail("TBS_Sign has unexpected trailing fields") }
                return (version, seal, time, hash, property, extensions)
            }
            let cert = try Wire.octets(nodes.next(), "SES_Signature.cert")
            let algorithm = try Wire.oid(nodes.next(), "SES_Signature.signatureAlgID")
            let signature = try Wire.bits(nodes.next(), "SES_Signature.signature")
            var stamp: [UInt8]? = nil
            if let node = nodes.next() {
                let tag0 = ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)
                if node.identifier == .bitString {
                    stamp = try Wire.bits(node, "SES_Signature.timeStamp")
                } else if node.identifier == tag0, case .constructed(let children) = node.content,
                    let inner = Array(children).first
                {
                    stamp = try Wire.bits(inner, "SES_Signature.timeStamp")  // [0] EXPLICIT
                } else if node.identifier == tag0 {
                    stamp = try Wire.bits(node, "SES_Signature.timeStamp", identifier: tag0)  // [0] IMPLICIT
                } else {
                    throw Wire.fail("SES_Signature.timeStamp has an unexpected tag")
                }
            }
            if nodes.next() != nil { throw Wire.fail("SES_Signature has unexpected trailing fields") }
            fields = (
                tbs.0, tbs.1, tbs.2, tbs.3, tbs.4, tbs.5, Array(tbsNode.encodedBytes), cert, algorithm, signature, stamp
            )
        }
        guard let fields else { throw Wire.fail("SES_Signature is empty") }
        (
            version, seal, signingTime, dataHash, propertyInfo, extensions, toSignBytes, signerCertificate,
            signatureAlgorithm, signature,
            timeStamp
        ) = fields
        self.der = Array(root.encodedBytes)
    }

    /// Builds and signs a seal signature over `dataHash` (SM3 of the document); `sign` receives the DER of
    /// `TBS_Sign`. `timeStamp`, when given, is called with the signature value and returns an RFC 3161 token.
    public static func make(
        seal: ElectronicSeal, signingTime: Date, dataHash: [UInt8], propertyInfo: String, signerCertificate: [UInt8],
        signatureAlgorithm: String, sign: ([UInt8]) throws -> [UInt8],
        timeStamp: (([UInt8]) throws -> [UInt8])? = nil
    ) throws -> SealSignature {
        try SealSignature(
            der: makeDER(
                seal: seal, signingTime: signingTime, dataHash: dataHash, propertyInfo: propertyInfo,
                signerCertificate: signerCertificate, signatureAlgorithm: signatureAlgorithm, sign: sign,
                timeStamp: timeStamp))
    }

    /// The same signature as DER only, not parsed back (the signing hot path answers with the bytes; parsing them
    /// again meant parsing the seal and its picture once more per signature).
    public static func makeDER(
        seal: ElectronicSeal, signingTime: Date, dataHash: [UInt8], propertyInfo: String, signerCertificate: [UInt8],
        signatureAlgorithm: String, sign: ([UInt8]) throws -> [UInt8],
        timeStamp: (([UInt8]) throws -> [UInt8])? = nil
    ) throws -> [UInt8] {
        // The large nodes are wrapped around flat content (EncodedNode): swift-asn1 would move their bytes one by one.
        let tbs = EncodedNode.wrap(
            .sequence,
            content: try EncodedNode.content { coder in
                try coder.serialize(seal.info.header.version)
                coder.serializeRawBytes(seal.der)
                try coder.serialize(try Wire.generalizedTime(signingTime))
                try coder.serialize(ASN1BitString(bytes: dataHash[...]))
                try coder.serialize(ASN1IA5String(propertyInfo))
            })
        let signature = try sign(tbs)
        let stamp = try timeStamp?(signature)
        let certificate = EncodedNode.wrap(.octetString, constructed: false, content: signerCertificate)
        return EncodedNode.wrap(
            .sequence,
            content: try EncodedNode.content { coder in
                coder.serializeRawBytes(tbs)
                coder.serializeRawBytes(certificate)
                try coder.serialize(try ASN1ObjectIdentifier(dotted: signatureAlgorithm))
                try coder.serialize(ASN1BitString(bytes: signature[...]))
                if let stamp {
                    try coder.appendConstructedNode(
                        identifier: ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)
                    ) { coder in
                        try coder.serialize(ASN1BitString(bytes: stamp[...]))
                    }
                }
            })
    }

    /// `nil` when the signer's signature over `TBS_Sign` verifies with the signer certificate's key.
    public func signerSignatureProblem() -> String? {
        SealVerification.signatureProblem(
            certificate: signerCertificate, algorithm: signatureAlgorithm, signature: signature,
            signed: toSignBytes, who: "signer")
    }

    /// Whether the signer certificate is listed in the seal's `certList` (byte-equal, or by digest for type 2).
    public var signerIsListedInSeal: Bool {
        switch seal.info.property.certificateList {
        case .certificates(let list): return list.contains(signerCertificate)
        case .digests(let digests):
            return digests.contains { digest in
                let algorithm: DigestAlgorithm? =
                    switch digest.type.lowercased() {
                    case "sm3": .sm3
                    case "sha1", "sha-1": .sha1
                    case "sha256", "sha-256": .sha256
                    default: nil
                    }
                return algorithm.map { Digest.hash($0, signerCertificate) == digest.value } ?? false
            }
        }
    }
}

enum SealVerification {
    static func signatureProblem(
        certificate der: [UInt8], algorithm oid: String, signature: [UInt8], signed: [UInt8], who: String
    ) -> String? {
        let certificate: Certificate
        do { certificate = try Certificate.cached(der: der) } catch {
            return "the \(who) certificate does not parse: \(error)"
        }
        let key: PublicKey
        do { key = try certificate.publicKey } catch {
            return "the \(who) certificate's key is not supported: \(error)"
        }
        let algorithm: SignatureAlgorithm
        switch oid {
        case SealAlgorithm.sm2WithSM3: algorithm = .sm2(id: .default)
        case SealAlgorithm.sha256WithRSA: algorithm = .rsaPKCS1v15(.sha256)
        case SealAlgorithm.ecdsaWithSHA256: algorithm = .ecdsa(.sha256)
        default: return "unsupported \(who) signature algorithm \(oid)"
        }
        do {
            return try key.isValidSignature(signature, for: signed, algorithm: algorithm)
                ? nil : "the \(who) signature does not verify"
        } catch {
            return "the \(who) signature is malformed or does not fit the key: \(error)"
        }
    }
}
