import Foundation
import SwiftASN1
import TrustCrypto

/// A GM/T 0031-2014 seal ("v1"; the C++ verifier calls it v2), decoded and verified read-only so seals made
/// elsewhere can be checked (gm-standards.md §4.5):
/// `SESeal ::= SEQUENCE { esealInfo SES_SealInfo, signInfo SES_SignInfo }`,
/// `SES_SignInfo ::= SEQUENCE { cert OCTET STRING, signatureAlgorithm OBJECT IDENTIFIER, signData BIT STRING }`.
/// The maker signed the DER of `SEQUENCE { SES_SealInfo, cert, signatureAlgorithm }`, rebuilt here from the
/// received encodings of those three fields.
public struct LegacySeal: Sendable {
    public let info: SealInfo
    public let makerCertificate: [UInt8]
    public let signatureAlgorithm: String
    public let signedValue: [UInt8]
    /// The bytes the maker signed.
    public let signedBytes: [UInt8]
    public let der: [UInt8]

    public init(der: [UInt8]) throws {
        try self.init(node: try Wire.parse(der, maxSize: ElectronicSeal.maxSize, what: "SESeal (v1)"))
    }

    init(node: ASN1Node) throws {
        var parts: (SealInfo, [UInt8], String, [UInt8], [UInt8])? = nil
        try BER.sequence(node, identifier: .sequence) { nodes in
            guard let infoNode = nodes.next(), let signNode = nodes.next() else {
                throw Wire.fail("SESeal (v1) needs esealInfo and signInfo")
            }
            if nodes.next() != nil { throw Wire.fail("SESeal (v1) has unexpected trailing fields") }
            let info = try Wire.sealInfo(infoNode, legacy: true)
            guard info.header.version < 4 else {
                throw Wire.fail("SES_Header.version \(info.header.version) is not a GM/T 0031-2014 seal")
            }
            try BER.sequence(signNode, identifier: .sequence) { sign in
                guard let certNode = sign.next(), let algorithmNode = sign.next() else {
                    throw Wire.fail("SES_SignInfo is incomplete")
                }
                let certificate = try Wire.octets(certNode, "SES_SignInfo.cert")
                let algorithm = try Wire.oid(algorithmNode, "SES_SignInfo.signatureAlgorithm")
                let value = try Wire.bits(sign.next(), "SES_SignInfo.signData")
                let content =
                    Array(infoNode.encodedBytes) + Array(certNode.encodedBytes) + Array(algorithmNode.encodedBytes)
                parts = (info, certificate, algorithm, value, Wire.sequenceHeader(content.count) + content)
            }
        }
        guard let parts else { throw Wire.fail("SESeal (v1) is empty") }
        (info, makerCertificate, signatureAlgorithm, signedValue, signedBytes) = parts
        der = Array(node.encodedBytes)
    }

    public func makerSignatureProblem() -> String? {
        SealVerification.signatureProblem(
            certificate: makerCertificate, algorithm: signatureAlgorithm, signature: signedValue,
            signed: signedBytes, who: "seal maker")
    }
}

/// A GM/T 0031-2014 seal signature, read-only:
/// `SES_Signature ::= SEQUENCE { toSign TBS_Sign, signature BIT STRING }`,
/// `TBS_Sign ::= SEQUENCE { version INTEGER, eseal SESeal, timeInfo BIT STRING, dataHash BIT STRING,
///   propertyInfo IA5String, cert OCTET STRING, signatureAlgorithm OBJECT IDENTIFIER }`.
public struct LegacySealSignature: Sendable {
    public let version: Int
    public let seal: LegacySeal
    /// `timeInfo`: a time string (e.g. `2020-01-25 07:31:56`) or a timestamp, as the signer wrote it.
    public let timeInfo: [UInt8]
    public let dataHash: [UInt8]
    public let propertyInfo: String
    public let signerCertificate: [UInt8]
    public let signatureAlgorithm: String
    public let signature: [UInt8]
    public let toSignBytes: [UInt8]
    public let der: [UInt8]

    public init(der: [UInt8]) throws {
        let root = try Wire.parse(der, maxSize: SealSignature.maxSize, what: "SES_Signature (v1)")
        var fields: (Int, LegacySeal, [UInt8], [UInt8], String, [UInt8], String, [UInt8], [UInt8])? = nil
        try BER.sequence(root, identifier: .sequence) { nodes in
            guard let tbsNode = nodes.next() else { throw Wire.fail("SES_Signature.toSign is missing") }
            let signature = try Wire.bits(nodes.next(), "SES_Signature.signature")
            if nodes.next() != nil { throw Wire.fail("SES_Signature (v1) has unexpected trailing fields") }
            try BER.sequence(tbsNode, identifier: .sequence) { tbs in
                let version = try Wire.integer(&tbs, "TBS_Sign.version")
                guard let sealNode = tbs.next() else { throw Wire.fail("TBS_Sign.eseal is missing") }
                fields = (
                    version, try LegacySeal(node: sealNode), try Wire.bits(tbs.next(), "TBS_Sign.timeInfo"),
                    try Wire.bits(tbs.next(), "TBS_Sign.dataHash"), try Wire.ia5(&tbs, "TBS_Sign.propertyInfo"),
                    try Wire.octets(tbs.next(), "TBS_Sign.cert"),
                    try Wire.oid(tbs.next(), "TBS_Sign.signatureAlgorithm"),
                    signature, Array(tbsNode.encodedBytes)
                )
                if tbs.next() != nil { throw Wire.fail("TBS_Sign (v1) has unexpected trailing fields") }
            }
        }
        guard let fields else { throw Wire.fail("SES_Signature (v1) is empty") }
        (
            version, seal, timeInfo, dataHash, propertyInfo, signerCertificate, signatureAlgorithm, signature,
            toSignBytes
        ) = fields
        self.der = Array(root.encodedBytes)
    }

    public func signerSignatureProblem() -> String? {
        SealVerification.signatureProblem(
            certificate: signerCertificate, algorithm: signatureAlgorithm, signature: signature,
            signed: toSignBytes, who: "signer")
    }

    public var signerIsListedInSeal: Bool {
        if case .certificates(let list) = seal.info.property.certificateList { return list.contains(signerCertificate) }
        return false
    }
}

/// Either seal version, by the header's version (4 = GB/T 38540, below 4 = GM/T 0031-2014).
public enum AnySeal: Sendable {
    case v4(ElectronicSeal)
    case v1(LegacySeal)

    public init(der: [UInt8]) throws {
        do {
            self = .v4(try ElectronicSeal(der: der))
        } catch let v4Error as SealFormatError {
            guard let legacy = try? LegacySeal(der: der) else { throw v4Error }
            self = .v1(legacy)
        }
    }

    public var info: SealInfo {
        switch self {
        case .v4(let seal): seal.info
        case .v1(let seal): seal.info
        }
    }

    public func makerSignatureProblem() -> String? {
        switch self {
        case .v4(let seal): seal.makerSignatureProblem()
        case .v1(let seal): seal.makerSignatureProblem()
        }
    }
}

extension Wire {
    /// `30` + DER length for a SEQUENCE of `length` content bytes.
    static func sequenceHeader(_ length: Int) -> [UInt8] {
        if length < 0x80 { return [0x30, UInt8(length)] }
        var bytes: [UInt8] = []
        var remaining = length
        while remaining > 0 {
            bytes.insert(UInt8(remaining & 0xff), at: 0)
            remaining >>= 8
        }
        return [0x30, 0x80 | UInt8(bytes.count)] + bytes
    }
}
