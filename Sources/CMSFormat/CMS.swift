import Foundation
import SwiftASN1

/// Object identifiers of CMS (RFC 5652), GM/T 0010 and RFC 3161 (gm-standards.md §1).
public enum CMSObjectID {
    public static let data: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 7, 1]
    public static let signedData: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 7, 2]
    public static let gmData: ASN1ObjectIdentifier = [1, 2, 156, 10197, 6, 1, 4, 2, 1]
    public static let gmSignedData: ASN1ObjectIdentifier = [1, 2, 156, 10197, 6, 1, 4, 2, 2]
    public static let tstInfo: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 9, 16, 1, 4]
    public static let contentTypeAttribute: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 9, 3]
    public static let messageDigestAttribute: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 9, 4]
    public static let signingTimeAttribute: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 9, 5]
    public static let signingCertificateV2: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 9, 16, 2, 47]
    /// id-aa-signatureTimeStampToken (RFC 3161 appendix A): an unsigned attribute holding a token over the signature.
    public static let signatureTimeStampToken: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 9, 16, 2, 14]
    public static let sm3: ASN1ObjectIdentifier = [1, 2, 156, 10197, 1, 401]
    public static let sha256: ASN1ObjectIdentifier = [2, 16, 840, 1, 101, 3, 4, 2, 1]
    public static let sha1: ASN1ObjectIdentifier = [1, 3, 14, 3, 2, 26]
    public static let sm2WithSM3: ASN1ObjectIdentifier = [1, 2, 156, 10197, 1, 501]
    public static let sm2Sign: ASN1ObjectIdentifier = [1, 2, 156, 10197, 1, 301, 1]
    public static let rsaEncryption: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 1, 1]
    public static let sha256WithRSA: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 1, 11]
    public static let ecdsaWithSHA256: ASN1ObjectIdentifier = [1, 2, 840, 10045, 4, 3, 2]
    public static let ecPublicKey: ASN1ObjectIdentifier = [1, 2, 840, 10045, 2, 1]
    public static let ecdsaWithSHA384: ASN1ObjectIdentifier = [1, 2, 840, 10045, 4, 3, 3]
    public static let ecdsaWithSHA512: ASN1ObjectIdentifier = [1, 2, 840, 10045, 4, 3, 4]
    public static let sha384: ASN1ObjectIdentifier = [2, 16, 840, 1, 101, 3, 4, 2, 2]
    public static let sha512: ASN1ObjectIdentifier = [2, 16, 840, 1, 101, 3, 4, 2, 3]
    public static let sha384WithRSA: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 1, 12]
    public static let sha512WithRSA: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 1, 13]
}

/// A problem with CMS or timestamp bytes.
public struct CMSFormatError: Error, Sendable, Hashable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Which OIDs a SignedData uses: RFC 5652 / PKCS#7, or GM/T 0010 (`1.2.156.10197.6.1.4.2.x`).
public enum CMSFlavor: Sendable, Hashable {
    case pkcs7
    case gmt0010

    var signedDataType: ASN1ObjectIdentifier { self == .pkcs7 ? CMSObjectID.signedData : CMSObjectID.gmSignedData }
    public var dataType: ASN1ObjectIdentifier { self == .pkcs7 ? CMSObjectID.data : CMSObjectID.gmData }
}

/// The signer's algorithms as they go into SignerInfo.
public struct CMSSignerAlgorithms: Sendable, Hashable {
    public let digest: ASN1ObjectIdentifier
    public let signature: ASN1ObjectIdentifier
    public init(digest: ASN1ObjectIdentifier, signature: ASN1ObjectIdentifier) {
        self.digest = digest
        self.signature = signature
    }

    /// SM2 with SM3: `sm2-with-sm3` in PKCS#7 form, `SM2-1` in GM/T 0010 form (as Chinese verifiers expect).
    public static func sm2(_ flavor: CMSFlavor) -> CMSSignerAlgorithms {
        CMSSignerAlgorithms(
            digest: CMSObjectID.sm3, signature: flavor == .gmt0010 ? CMSObjectID.sm2Sign : CMSObjectID.sm2WithSM3)
    }
    public static let rsaSHA256 = CMSSignerAlgorithms(digest: CMSObjectID.sha256, signature: CMSObjectID.rsaEncryption)
    public static let ecdsaSHA256 = CMSSignerAlgorithms(
        digest: CMSObjectID.sha256, signature: CMSObjectID.ecdsaWithSHA256)
}

/// One signed attribute: type and its single value's DER.
public struct CMSAttribute: Sendable, Hashable {
    public let type: ASN1ObjectIdentifier
    public let valueDER: [UInt8]
    public init(type: ASN1ObjectIdentifier, valueDER: [UInt8]) {
        self.type = type
        self.valueDER = valueDER
    }
}

/// Builds a CMS SignedData (`ContentInfo`) with one signer, signed attributes (contentType, messageDigest,
/// signingTime and any extra), signer identified by issuer and serial number. The signature is made by the caller
/// (key custody) over the DER of the attributes as a SET OF, exactly as RFC 5652 §5.4 says.
public enum SignedDataBuilder {
    public static func build(
        flavor: CMSFlavor, contentType: ASN1ObjectIdentifier, content: [UInt8], detached: Bool, contentDigest: [UInt8],
        algorithms: CMSSignerAlgorithms, signerCertificate: [UInt8], extraCertificates: [[UInt8]] = [],
        includeCertificates: Bool = true, signingTime: Date?, extraAttributes: [CMSAttribute] = [],
        sign: ([UInt8]) throws -> [UInt8],
        unsignedAttributes: (([UInt8]) throws -> [CMSAttribute])? = nil
    ) throws -> [UInt8] {
        let (issuer, serial) = try issuerAndSerial(signerCertificate)
        var attributes: [CMSAttribute] = [
            CMSAttribute(type: CMSObjectID.contentTypeAttribute, valueDER: try der { try $0.serialize(contentType) }),
            CMSAttribute(
                type: CMSObjectID.messageDigestAttribute,
                valueDER: try der { try $0.serialize(ASN1OctetString(contentBytes: contentDigest[...])) }),
        ]
        if let signingTime {
            attributes.append(
                CMSAttribute(
                    type: CMSObjectID.signingTimeAttribute,
                    valueDER: try der { try $0.serialize(try utcTime(signingTime)) }))
        }
        attributes += extraAttributes
        // DER SET OF: elements in ascending order of their encodings.
        let encodedAttributes = try attributes.map { attribute in
            try der { coder in
                try coder.appendConstructedNode(identifier: .sequence) { coder in
                    try coder.serialize(attribute.type)
                    coder.appendConstructedNode(identifier: .set) { $0.serializeRawBytes(attribute.valueDER) }
                }
            }
        }.sorted { $0.lexicographicallyPrecedes($1) }
        let attributeContent = encodedAttributes.flatMap { $0 }
        let toSign = header(0x31, attributeContent.count) + attributeContent
        let signature = try sign(toSign)
        let unsigned = try unsignedAttributes?(signature) ?? []
        let unsignedContent = try unsigned.map { attribute in
            try der { coder in
                try coder.appendConstructedNode(identifier: .sequence) { coder in
                    try coder.serialize(attribute.type)
                    coder.appendConstructedNode(identifier: .set) { $0.serializeRawBytes(attribute.valueDER) }
                }
            }
        }.sorted { $0.lexicographicallyPrecedes($1) }.flatMap { $0 }

        let signedData = try der { coder in
            try coder.appendConstructedNode(identifier: .sequence) { coder in
                try coder.serialize(contentType == flavor.dataType ? 1 : 3)
                let digestAlgorithm = try algorithmIdentifier(algorithms.digest)
                coder.appendConstructedNode(identifier: .set) { $0.serializeRawBytes(digestAlgorithm) }
                try coder.appendConstructedNode(identifier: .sequence) { coder in
                    try coder.serialize(contentType)
                    if !detached {
                        try coder.appendConstructedNode(
                            identifier: ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)
                        ) { coder in
                            try coder.serialize(ASN1OctetString(contentBytes: content[...]))
                        }
                    }
                }
                if includeCertificates {
                    coder.appendConstructedNode(
                        identifier: ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)
                    ) { coder in
                        coder.serializeRawBytes(signerCertificate)
                        for certificate in extraCertificates { coder.serializeRawBytes(certificate) }
                    }
                }
                try coder.appendConstructedNode(identifier: .set) { coder in
                    // SignerInfo
                    try coder.appendConstructedNode(identifier: .sequence) { coder in
                        try coder.serialize(1)
                        coder.appendConstructedNode(identifier: .sequence) { coder in
                            coder.serializeRawBytes(issuer)
                            coder.serializeRawBytes(serial)
                        }
                        coder.serializeRawBytes(try algorithmIdentifier(algorithms.digest))
                        coder.serializeRawBytes(header(0xA0, attributeContent.count) + attributeContent)
                        coder.serializeRawBytes(
                            try algorithmIdentifier(
                                algorithms.signature, nullParameters: algorithms.signature == CMSObjectID.rsaEncryption)
                        )
                        try coder.serialize(ASN1OctetString(contentBytes: signature[...]))
                        if !unsignedContent.isEmpty {
                            coder.serializeRawBytes(header(0xA1, unsignedContent.count) + unsignedContent)
                        }
                    }
                }
            }
        }
        return try der { coder in
            try coder.appendConstructedNode(identifier: .sequence) { coder in
                try coder.serialize(flavor.signedDataType)
                coder.appendConstructedNode(identifier: ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)) {
                    $0.serializeRawBytes(signedData)
                }
            }
        }
    }

    /// The issuer Name (as encoded) and serial INTEGER (as encoded) of a DER certificate.
    public static func issuerAndSerial(_ certificate: [UInt8]) throws -> (issuer: [UInt8], serial: [UInt8]) {
        do {
            let root = try DER.parse(certificate)
            return try DER.sequence(root, identifier: .sequence) { nodes in
                guard let tbs = nodes.next() else { throw CMSFormatError("certificate has no tbsCertificate") }
                while nodes.next() != nil {}  // signatureAlgorithm, signatureValue
                return try DER.sequence(tbs, identifier: .sequence) { fields in
                    var field = fields.next()
                    if field?.identifier == ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific) {
                        field = fields.next()
                    }  // version
                    guard let serial = field, fields.next() != nil, let issuer = fields.next() else {
                        throw CMSFormatError("certificate is missing serial or issuer")
                    }
                    while fields.next() != nil {}
                    return (Array(issuer.encodedBytes), Array(serial.encodedBytes))
                }
            }
        } catch let error as CMSFormatError {
            throw error
        } catch {
            throw CMSFormatError("the signer certificate is not DER: \(error)")
        }
    }

    static func algorithmIdentifier(_ oid: ASN1ObjectIdentifier, nullParameters: Bool = false) throws -> [UInt8] {
        try der { coder in
            try coder.appendConstructedNode(identifier: .sequence) { coder in
                try coder.serialize(oid)
                if nullParameters { try coder.serialize(ASN1Null()) }
            }
        }
    }
}

func der(_ body: (inout DER.Serializer) throws -> Void) throws -> [UInt8] {
    var coder = DER.Serializer()
    try body(&coder)
    return coder.serializedBytes
}

/// Tag + DER length for `length` content bytes.
func header(_ tag: UInt8, _ length: Int) -> [UInt8] {
    if length < 0x80 { return [tag, UInt8(length)] }
    var bytes: [UInt8] = []
    var remaining = length
    while remaining > 0 {
        bytes.insert(UInt8(remaining & 0xff), at: 0)
        remaining >>= 8
    }
    return [tag, 0x80 | UInt8(bytes.count)] + bytes
}

func utcComponents(_ date: Date) -> DateComponents {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    return calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .nanosecond], from: date)
}

func utcTime(_ date: Date) throws -> UTCTime {
    let c = utcComponents(date)
    return try UTCTime(
        year: c.year!, month: c.month!, day: c.day!, hours: c.hour!, minutes: c.minute!, seconds: c.second!)
}
