import Foundation
import SwiftASN1

/// A parsed CMS SignedData (`ContentInfo`) with one signer: what a verifier needs, with the signed attributes as the
/// bytes the signature covers (re-tagged as SET OF, RFC 5652 §5.4).
public struct ParsedSignedData: Sendable {
    public typealias ObjectID = ASN1ObjectIdentifier
    /// PKCS#7 or GM/T 0010, from the ContentInfo's type.
    public let flavor: CMSFlavor
    public let contentType: ASN1ObjectIdentifier
    public let content: [UInt8]?
    public let certificates: [[UInt8]]
    public let digestAlgorithm: ASN1ObjectIdentifier
    public let signatureAlgorithm: ASN1ObjectIdentifier
    /// The DER of the signed attributes as a SET OF: the bytes the signature covers; empty when the SignerInfo has
    /// none and the signature covers the encapsulated content itself.
    public let signedAttributes: [UInt8]

    /// What the signature covers: the signed attributes, or without them the encapsulated content.
    public var signedBytes: [UInt8] { signedAttributes.isEmpty ? content ?? [] : signedAttributes }
    public let messageDigest: [UInt8]?
    /// The signingTime attribute, when present (the signer's claim).
    public let signingTime: Date?
    public let signature: [UInt8]
    /// The signer's `issuerAndSerialNumber`: the issuer Name and the serial INTEGER, as encoded.
    public let signerIssuer: [UInt8]?
    public let signerSerial: [UInt8]?
    /// An RFC 3161 token over the signature value (unsigned attribute id-aa-signatureTimeStampToken).
    public let signatureTimeStampToken: [UInt8]?

    public static let maxSize = 1 << 20

    public init(der bytes: [UInt8]) throws {
        guard !bytes.isEmpty, bytes.count <= Self.maxSize else {
            throw CMSFormatError("a SignedData must be 1 to \(Self.maxSize) bytes")
        }
        do {
            let root = try BER.parse(bytes)
            let (outer, signedNode): (ASN1ObjectIdentifier, ASN1Node) = try BER.sequence(root, identifier: .sequence) {
                nodes in
                guard let type = nodes.next(), let wrapper = nodes.next() else {
                    throw CMSFormatError("ContentInfo is incomplete")
                }
                let oid = try ASN1ObjectIdentifier(berEncoded: type)
                guard oid == CMSObjectID.signedData || oid == CMSObjectID.gmSignedData else {
                    throw CMSFormatError("not a SignedData (\(oid))")
                }
                guard case .constructed(let inner) = wrapper.content, let node = Array(inner).first else {
                    throw CMSFormatError("SignedData is missing")
                }
                return (oid, node)
            }
            flavor = outer == CMSObjectID.gmSignedData ? .gmt0010 : .pkcs7
            var parsed:
                (
                    ASN1ObjectIdentifier, [UInt8]?, [[UInt8]], ASN1ObjectIdentifier, ASN1ObjectIdentifier, [UInt8],
                    [UInt8]?, [UInt8]
                )? = nil
            var time: Date? = nil
            var issuer: [UInt8]? = nil
            var serial: [UInt8]? = nil
            var token: [UInt8]? = nil
            try BER.sequence(signedNode, identifier: .sequence) { nodes in
                _ = nodes.next()  // version
                _ = nodes.next()  // digestAlgorithms
                guard let encap = nodes.next() else { throw CMSFormatError("encapContentInfo is missing") }
                let (type, content) = try BER.sequence(encap, identifier: .sequence) {
                    fields -> (ASN1ObjectIdentifier, [UInt8]?) in
                    guard let typeNode = fields.next() else { throw CMSFormatError("eContentType is missing") }
                    var content: [UInt8]? = nil
                    if let wrapped = fields.next(), case .constructed(let inner) = wrapped.content,
                        let octets = Array(inner).first
                    {
                        content = Array(try ASN1OctetString(berEncoded: octets).bytes)
                    }
                    return (try ASN1ObjectIdentifier(berEncoded: typeNode), content)
                }
                var next = nodes.next()
                var certificates: [[UInt8]] = []
                if let node = next, node.identifier == ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific) {
                    if case .constructed(let items) = node.content {
                        certificates = items.map { Array($0.encodedBytes) }
                    }
                    next = nodes.next()
                }
                if let node = next, node.identifier == ASN1Identifier(tagWithNumber: 1, tagClass: .contextSpecific) {
                    next = nodes.next()
                }
                guard let signerInfos = next, case .constructed(let signers) = signerInfos.content,
                    let signer = Array(signers).first
                else {
                    throw CMSFormatError("no SignerInfo")
                }
                try BER.sequence(signer, identifier: .sequence) { fields in
                    _ = fields.next()  // version
                    if let sid = fields.next(), sid.identifier == .sequence, case .constructed(let parts) = sid.content
                    {
                        let items = Array(parts)
                        if items.count == 2 {
                            (issuer, serial) = (Array(items[0].encodedBytes), Array(items[1].encodedBytes))
                        }
                    }
                    guard let digestNode = fields.next(), var following = fields.next() else {
                        throw CMSFormatError("SignerInfo is incomplete")
                    }
                    // Signed attributes are optional (RFC 5652 §5.3): without them the signature covers the
                    // encapsulated content itself (GM/T 0099 writes OFD digital signatures that way too).
                    var attributesNode: ASN1Node? = nil
                    if following.identifier == ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific) {
                        attributesNode = following
                        guard let next = fields.next() else { throw CMSFormatError("SignerInfo is incomplete") }
                        following = next
                    }
                    let signatureAlgorithmNode = following
                    guard let signatureNode = fields.next() else { throw CMSFormatError("SignerInfo has no signature") }
                    let digest = try algorithmOID(digestNode)
                    let signatureAlgorithm = try algorithmOID(signatureAlgorithmNode)
                    var messageDigest: [UInt8]? = nil
                    if let attributesNode, case .constructed(let attributes) = attributesNode.content {
                        for attribute in attributes {
                            try BER.sequence(attribute, identifier: .sequence) { parts in
                                guard let oidNode = parts.next() else {
                                    throw CMSFormatError("an attribute has no type")
                                }
                                let oid = try ASN1ObjectIdentifier(berEncoded: oidNode)
                                if oid == CMSObjectID.messageDigestAttribute, let set = parts.next(),
                                    case .constructed(let values) = set.content,
                                    let value = Array(values).first
                                {
                                    messageDigest = Array(try ASN1OctetString(berEncoded: value).bytes)
                                } else if oid == CMSObjectID.signingTimeAttribute, let set = parts.next(),
                                    case .constructed(let values) = set.content,
                                    let value = Array(values).first
                                {
                                    time = try cmsTime(value)
                                }
                                while parts.next() != nil {}
                            }
                        }
                    }
                    var signed: [UInt8] = []
                    if let attributesNode {
                        signed = Array(attributesNode.encodedBytes)
                        signed[0] = 0x31
                    }
                    if let unsigned = fields.next(),
                        unsigned.identifier == ASN1Identifier(tagWithNumber: 1, tagClass: .contextSpecific),
                        case .constructed(let attributes) = unsigned.content
                    {
                        for attribute in attributes {
                            try BER.sequence(attribute, identifier: .sequence) { parts in
                                guard let oidNode = parts.next() else {
                                    throw CMSFormatError("an attribute has no type")
                                }
                                if try ASN1ObjectIdentifier(berEncoded: oidNode) == CMSObjectID.signatureTimeStampToken,
                                    let set = parts.next(),
                                    case .constructed(let values) = set.content, let value = Array(values).first
                                {
                                    token = Array(value.encodedBytes)
                                }
                                while parts.next() != nil {}
                            }
                        }
                    }
                    while fields.next() != nil {}
                    parsed = (
                        type, content, certificates, digest, signatureAlgorithm, signed, messageDigest,
                        Array(try ASN1OctetString(berEncoded: signatureNode).bytes)
                    )
                }
                while nodes.next() != nil {}
            }
            guard let parsed else { throw CMSFormatError("SignedData is empty") }
            (
                contentType, content, certificates, digestAlgorithm, signatureAlgorithm, signedAttributes,
                messageDigest, signature
            ) = parsed
            (signingTime, signerIssuer, signerSerial, signatureTimeStampToken) = (time, issuer, serial, token)
        } catch let error as CMSFormatError {
            throw error
        } catch {
            throw CMSFormatError("not a CMS SignedData: \(error)")
        }
    }
}

/// The parts of an RFC 3161 TSTInfo a verifier checks.
public struct ParsedTSTInfo: Sendable {
    public let hashAlgorithm: ASN1ObjectIdentifier
    public let hashedMessage: [UInt8]
    public let genTime: Date

    public init(der bytes: [UInt8]) throws {
        do {
            let root = try BER.parse(bytes)
            (hashAlgorithm, hashedMessage, genTime) = try BER.sequence(root, identifier: .sequence) { nodes in
                _ = nodes.next()  // version
                _ = nodes.next()  // policy
                guard let imprint = nodes.next() else { throw CMSFormatError("messageImprint is missing") }
                let (algorithm, hash) = try BER.sequence(imprint, identifier: .sequence) {
                    fields -> (ASN1ObjectIdentifier, [UInt8]) in
                    guard let algorithmNode = fields.next(), let hashNode = fields.next() else {
                        throw CMSFormatError("messageImprint is incomplete")
                    }
                    return (try algorithmOID(algorithmNode), Array(try ASN1OctetString(berEncoded: hashNode).bytes))
                }
                _ = nodes.next()  // serialNumber
                guard let timeNode = nodes.next() else { throw CMSFormatError("genTime is missing") }
                let time = try GeneralizedTime(berEncoded: timeNode)
                while nodes.next() != nil {}
                var calendar = Calendar(identifier: .gregorian)
                calendar.timeZone = TimeZone(identifier: "UTC")!
                let base =
                    calendar.date(
                        from: DateComponents(
                            year: time.year, month: time.month, day: time.day, hour: time.hours,
                            minute: time.minutes, second: time.seconds)) ?? .distantPast
                return (algorithm, hash, base.addingTimeInterval(time.fractionalSeconds))
            }
        } catch let error as CMSFormatError {
            throw error
        } catch {
            throw CMSFormatError("not a TSTInfo: \(error)")
        }
    }
}

/// A CMS `Time` (UTCTime or GeneralizedTime) as a Date.
func cmsTime(_ node: ASN1Node) throws -> Date {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    if node.identifier == UTCTime.defaultIdentifier {
        let time = try UTCTime(berEncoded: node)
        return calendar.date(
            from: DateComponents(
                year: time.year, month: time.month, day: time.day, hour: time.hours, minute: time.minutes,
                second: time.seconds)) ?? .distantPast
    }
    let time = try GeneralizedTime(berEncoded: node)
    let base =
        calendar.date(
            from: DateComponents(
                year: time.year, month: time.month, day: time.day, hour: time.hours, minute: time.minutes,
                second: time.seconds)) ?? .distantPast
    return base.addingTimeInterval(time.fractionalSeconds)
}

/// The OID of an AlgorithmIdentifier (parameters ignored).
func algorithmOID(_ node: ASN1Node) throws -> ASN1ObjectIdentifier {
    try BER.sequence(node, identifier: .sequence) { parts in
        guard let oidNode = parts.next() else { throw CMSFormatError("an AlgorithmIdentifier has no OID") }
        let oid = try ASN1ObjectIdentifier(berEncoded: oidNode)
        while parts.next() != nil {}
        return oid
    }
}
