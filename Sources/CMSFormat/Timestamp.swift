import Foundation
import SwiftASN1

/// An RFC 3161 `TimeStampReq`, parsed strictly (DER) and bounded.
///
/// ```
/// TimeStampReq ::= SEQUENCE { version INTEGER { v1(1) }, messageImprint MessageImprint, reqPolicy TSAPolicyId OPTIONAL,
///   nonce INTEGER OPTIONAL, certReq BOOLEAN DEFAULT FALSE, extensions [0] IMPLICIT Extensions OPTIONAL }
/// MessageImprint ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier, hashedMessage OCTET STRING }
/// ```
public struct TimeStampRequest: Sendable, Hashable {
    public let hashAlgorithm: ASN1ObjectIdentifier
    public let hashedMessage: [UInt8]
    public let policy: ASN1ObjectIdentifier?
    /// The nonce INTEGER as encoded (echoed into TSTInfo byte for byte).
    public let nonceDER: [UInt8]?
    public let certReq: Bool
    public let hasExtensions: Bool

    public static let maxSize = 4096

    public init(
        hashAlgorithm: ASN1ObjectIdentifier, hashedMessage: [UInt8], policy: ASN1ObjectIdentifier? = nil,
        nonceDER: [UInt8]? = nil,
        certReq: Bool = false
    ) {
        self.hashAlgorithm = hashAlgorithm
        self.hashedMessage = hashedMessage
        self.policy = policy
        self.nonceDER = nonceDER
        self.certReq = certReq
        self.hasExtensions = false
    }

    public init(der bytes: [UInt8]) throws {
        guard !bytes.isEmpty, bytes.count <= Self.maxSize else {
            throw CMSFormatError("a timestamp request must be 1 to \(Self.maxSize) bytes")
        }
        do {
            let root = try DER.parse(bytes)
            (hashAlgorithm, hashedMessage, policy, nonceDER, certReq, hasExtensions) = try DER.sequence(
                root, identifier: .sequence
            ) { nodes in
                guard let versionNode = nodes.next(), try Int(derEncoded: versionNode) == 1 else {
                    throw CMSFormatError("version must be 1")
                }
                guard let imprint = nodes.next() else { throw CMSFormatError("messageImprint is missing") }
                let (algorithm, hash) = try DER.sequence(imprint, identifier: .sequence) {
                    fields -> (ASN1ObjectIdentifier, [UInt8]) in
                    guard let algorithmNode = fields.next(), let hashNode = fields.next() else {
                        throw CMSFormatError("messageImprint is incomplete")
                    }
                    let algorithm = try DER.sequence(algorithmNode, identifier: .sequence) {
                        parts -> ASN1ObjectIdentifier in
                        guard let oid = parts.next() else { throw CMSFormatError("hashAlgorithm has no OID") }
                        if let parameters = parts.next(), parameters.identifier != .null {
                            throw CMSFormatError("hashAlgorithm parameters must be absent or NULL")
                        }
                        return try ASN1ObjectIdentifier(derEncoded: oid)
                    }
                    return (algorithm, Array(try ASN1OctetString(derEncoded: hashNode).bytes))
                }
                var next = nodes.next()
                var policy: ASN1ObjectIdentifier? = nil
                if let node = next, node.identifier == .objectIdentifier {
                    policy = try ASN1ObjectIdentifier(derEncoded: node)
                    next = nodes.next()
                }
                var nonce: [UInt8]? = nil
                if let node = next, node.identifier == .integer {
                    _ = try ArraySlice<UInt8>(derEncoded: node)  // a valid INTEGER
                    guard node.encodedBytes.count <= 66 else { throw CMSFormatError("nonce is longer than 64 bytes") }
                    nonce = Array(node.encodedBytes)
                    next = nodes.next()
                }
                var certReq = false
                if let node = next, node.identifier == .boolean {
                    certReq = try Bool(derEncoded: node)
                    next = nodes.next()
                }
                var extensions = false
                if let node = next, node.identifier == ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific) {
                    extensions = true
                    next = nodes.next()
                }
                if next != nil { throw CMSFormatError("unexpected field after the request's known fields") }
                return (algorithm, hash, policy, nonce, certReq, extensions)
            }
        } catch let error as CMSFormatError {
            throw error
        } catch {
            throw CMSFormatError("not a DER TimeStampReq")
        }
    }

    /// A request for `digest` (made with `hash`) with an optional nonce given as an unsigned big-endian number.
    public init(hash: TimestampHash, digest: [UInt8], nonce: [UInt8]?, certReq: Bool) throws {
        guard digest.count == hash.length else {
            throw CMSFormatError("the digest has \(digest.count) bytes; \(hash.rawValue) digests have \(hash.length)")
        }
        var nonceDER: [UInt8]? = nil
        if let nonce {
            guard (1...32).contains(nonce.count) else { throw CMSFormatError("the nonce must be 1 to 32 bytes") }
            nonceDER = try CMSFormat.der { try $0.serialize(nonce[...]) }
        }
        self.init(hashAlgorithm: hash.oid, hashedMessage: digest, nonceDER: nonceDER, certReq: certReq)
    }

    /// DER encoding (for clients and tests).
    public var der: [UInt8] {
        get throws {
            try CMSFormat.der { coder in
                try coder.appendConstructedNode(identifier: .sequence) { coder in
                    try coder.serialize(1)
                    try coder.appendConstructedNode(identifier: .sequence) { coder in
                        coder.serializeRawBytes(try SignedDataBuilder.algorithmIdentifier(hashAlgorithm))
                        try coder.serialize(ASN1OctetString(contentBytes: hashedMessage[...]))
                    }
                    if let policy { try coder.serialize(policy) }
                    if let nonceDER { coder.serializeRawBytes(nonceDER) }
                    if certReq { try coder.serialize(true) }
                }
            }
        }
    }
}

/// The message-imprint hashes a time-stamping unit accepts.
public enum TimestampHash: String, Sendable, CaseIterable {
    case sm3, sha256, sha384, sha512

    public var oid: ASN1ObjectIdentifier {
        switch self {
        case .sm3: CMSObjectID.sm3
        case .sha256: CMSObjectID.sha256
        case .sha384: [2, 16, 840, 1, 101, 3, 4, 2, 2]
        case .sha512: [2, 16, 840, 1, 101, 3, 4, 2, 3]
        }
    }

    public var length: Int { self == .sha384 ? 48 : self == .sha512 ? 64 : 32 }

    public init?(oid: ASN1ObjectIdentifier) {
        guard let hash = Self.allCases.first(where: { $0.oid == oid }) else { return nil }
        self = hash
    }
}

/// RFC 3161 `PKIFailureInfo` bits.
public enum TimeStampFailure: Int, Sendable {
    case badAlg = 0
    case badRequest = 2
    case badDataFormat = 5
    case timeNotAvailable = 14
    case unacceptedPolicy = 15
    case unacceptedExtension = 16
    case systemFailure = 25
}

/// Builds `TimeStampResp` values: granted with a token, or rejected with a failure bit and text.
public enum TimeStampResponse {
    /// ```
    /// TSTInfo ::= SEQUENCE { version INTEGER { v1(1) }, policy TSAPolicyId, messageImprint MessageImprint,
    ///   serialNumber INTEGER, genTime GeneralizedTime, accuracy Accuracy OPTIONAL, ordering BOOLEAN DEFAULT FALSE,
    ///   nonce INTEGER OPTIONAL, tsa [0] GeneralName OPTIONAL, extensions [1] IMPLICIT Extensions OPTIONAL }
    /// ```
    /// `serialNumber`: a positive integer's big-endian bytes (high bit clear); `accuracySeconds` ≥ 1.
    public static func tstInfo(
        request: TimeStampRequest, policy: ASN1ObjectIdentifier, serialNumber: [UInt8], time: Date,
        accuracySeconds: Int
    ) throws -> [UInt8] {
        guard let first = serialNumber.first, first & 0x80 == 0, first != 0 || serialNumber.count == 1,
            serialNumber.count <= 20
        else {
            throw CMSFormatError("the serial number must be a positive minimal INTEGER of at most 20 bytes")
        }
        let c = utcComponents(time)
        let millis = (c.nanosecond ?? 0) / 1_000_000
        let genTime = try GeneralizedTime(
            year: c.year!, month: c.month!, day: c.day!, hours: c.hour!, minutes: c.minute!, seconds: c.second!,
            fractionalSeconds: Double(millis) / 1000)
        return try der { coder in
            try coder.appendConstructedNode(identifier: .sequence) { coder in
                try coder.serialize(1)
                try coder.serialize(policy)
                try coder.appendConstructedNode(identifier: .sequence) { coder in
                    coder.serializeRawBytes(try SignedDataBuilder.algorithmIdentifier(request.hashAlgorithm))
                    try coder.serialize(ASN1OctetString(contentBytes: request.hashedMessage[...]))
                }
                coder.serializeRawBytes(header(0x02, serialNumber.count) + serialNumber)
                try coder.serialize(genTime)
                try coder.appendConstructedNode(identifier: .sequence) { try $0.serialize(max(1, accuracySeconds)) }
                if let nonce = request.nonceDER { coder.serializeRawBytes(nonce) }
            }
        }
    }

    public static func granted(token: [UInt8]) throws -> [UInt8] {
        try der { coder in
            try coder.appendConstructedNode(identifier: .sequence) { coder in
                try coder.appendConstructedNode(identifier: .sequence) { try $0.serialize(0) }
                coder.serializeRawBytes(token)
            }
        }
    }

    public static func rejected(_ failure: TimeStampFailure, _ text: String) throws -> [UInt8] {
        let bit = failure.rawValue
        var bits = [UInt8](repeating: 0, count: bit / 8 + 1)
        bits[bit / 8] |= 0x80 >> UInt8(bit % 8)
        return try der { coder in
            try coder.appendConstructedNode(identifier: .sequence) { coder in
                try coder.appendConstructedNode(identifier: .sequence) { coder in
                    try coder.serialize(2)  // rejection
                    try coder.appendConstructedNode(identifier: .sequence) { try $0.serialize(ASN1UTF8String(text)) }
                    try coder.serialize(ASN1BitString(bytes: bits[...], paddingBits: 7 - bit % 8))
                }
            }
        }
    }

    /// `SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2 }` with one ESSCertIDv2 for the TSA
    /// certificate (RFC 5816): `hashAlgorithm` SHA-256 is the DEFAULT and omitted, or SM3 written out.
    public static func signingCertificateV2(certificateHash: [UInt8], hashAlgorithm: ASN1ObjectIdentifier) throws
        -> CMSAttribute
    {
        let value = try der { coder in
            try coder.appendConstructedNode(identifier: .sequence) { coder in
                try coder.appendConstructedNode(identifier: .sequence) { coder in
                    try coder.appendConstructedNode(identifier: .sequence) { coder in
                        if hashAlgorithm != CMSObjectID.sha256 {
                            coder.serializeRawBytes(try SignedDataBuilder.algorithmIdentifier(hashAlgorithm))
                        }
                        try coder.serialize(ASN1OctetString(contentBytes: certificateHash[...]))
                    }
                }
            }
        }
        return CMSAttribute(type: CMSObjectID.signingCertificateV2, valueDER: value)
    }
}
