import Foundation
import SwiftASN1

/// A problem with seal or seal-signature bytes: what is wrong, never a crash.
public struct SealFormatError: Error, Sendable, Hashable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// `SES_Header ::= SEQUENCE { id IA5String ("ES"), version INTEGER, vid IA5String }`
public struct SealHeader: Sendable, Hashable {
    public var id: String
    public var version: Int
    /// Vendor id (`vid`).
    public var vendorID: String

    public init(id: String = "ES", version: Int = 4, vendorID: String) {
        self.id = id
        self.version = version
        self.vendorID = vendorID
    }
}

/// `SES_ESPictrueInfo ::= SEQUENCE { type IA5String, data OCTET STRING, width INTEGER, height INTEGER }` (mm).
public struct SealPicture: Sendable, Hashable {
    public var type: String
    public var data: [UInt8]
    public var widthMM: Int
    public var heightMM: Int

    public init(type: String, data: [UInt8], widthMM: Int, heightMM: Int) {
        self.type = type
        self.data = data
        self.widthMM = widthMM
        self.heightMM = heightMM
    }
}

/// `ExtData ::= SEQUENCE { extnID OBJECT IDENTIFIER, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }`
public struct SealExtension: Sendable, Hashable {
    public var oid: String
    public var critical: Bool
    public var value: [UInt8]

    public init(oid: String, critical: Bool = false, value: [UInt8]) {
        self.oid = oid
        self.critical = critical
        self.value = value
    }
}

/// `CertDigestObj ::= SEQUENCE { type PrintableString, value OCTET STRING }`
public struct CertificateDigest: Sendable, Hashable {
    public var type: String
    public var value: [UInt8]
    public init(type: String, value: [UInt8]) {
        self.type = type
        self.value = value
    }
}

/// `SES_CertList ::= CHOICE { certs SEQUENCE OF OCTET STRING, certDigestList SEQUENCE OF CertDigestObj }`, chosen
/// by `certListType` (1 = certificates, 2 = digests).
public enum SealCertificateList: Sendable, Hashable {
    case certificates([[UInt8]])
    case digests([CertificateDigest])

    public var typeCode: Int {
        switch self {
        case .certificates: 1
        case .digests: 2
        }
    }
}

/// `SES_ESPropertyInfo ::= SEQUENCE { type INTEGER, name UTF8String, certListType INTEGER, certList SES_CertList,
///   createDate GeneralizedTime, validStart GeneralizedTime, validEnd GeneralizedTime }`
public struct SealProperty: Sendable, Hashable {
    /// Seal type code (open INTEGER; 1 = organisation seal, 2 = personal seal in GM/T 0031).
    public var type: Int
    public var name: String
    /// Certificates (DER) of the signers allowed to use the seal, or their digests.
    public var certificateList: SealCertificateList
    public var createDate: Date
    public var validStart: Date
    public var validEnd: Date

    public init(
        type: Int, name: String, certificateList: SealCertificateList, createDate: Date, validStart: Date,
        validEnd: Date
    ) {
        self.type = type
        self.name = name
        self.certificateList = certificateList
        self.createDate = createDate
        self.validStart = validStart
        self.validEnd = validEnd
    }
}

/// `SES_SealInfo ::= SEQUENCE { header SES_Header, esID IA5String, property SES_ESPropertyInfo,
///   picture SES_ESPictrueInfo, extDatas ExtensionDatas OPTIONAL }`
public struct SealInfo: Sendable, Hashable {
    public var header: SealHeader
    /// The seal's unique id (`esID`).
    public var esID: String
    public var property: SealProperty
    public var picture: SealPicture
    public var extensions: [SealExtension]?

    public init(
        header: SealHeader, esID: String, property: SealProperty, picture: SealPicture,
        extensions: [SealExtension]? = nil
    ) {
        self.header = header
        self.esID = esID
        self.property = property
        self.picture = picture
        self.extensions = extensions
    }
}

/// Signature algorithm OIDs used in seals (bare OIDs, not AlgorithmIdentifiers).
public enum SealAlgorithm {
    public static let sm2WithSM3 = "1.2.156.10197.1.501"
    public static let sha256WithRSA = "1.2.840.113549.1.1.11"
    public static let ecdsaWithSHA256 = "1.2.840.10045.4.3.2"
}
