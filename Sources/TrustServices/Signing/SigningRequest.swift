import Foundation
import SealFormat
import TrustCrypto
import TrustModel

// What a signing request carries and what it answers (``SigningService``'s nested types).
extension SigningService {
    public enum Format: String, Sendable, CaseIterable {
        /// A signature over the data (or over the precomputed digest: for SM2 that is `e = SM3(Z‖M)`).
        case raw
        /// Detached RFC 5652 SignedData with PKCS#7 OIDs (SM2: `sm2-with-sm3`, SM3).
        case cms
        /// The same with GM/T 0010 OIDs (`1.2.156.10197.6.1.4.2.x`, signature `SM2-1`).
        case gmt0010
        /// GB/T 38540 `SES_Signature` over SM3 of the document (seals only).
        case ses
    }

    public enum Credential: Sendable, Hashable {
        case seal(String)
        case key(String)
        var object: String {
            switch self {
            case .seal(let id): "seal:\(id)"
            case .key(let id): "signing-key:\(id)"
            }
        }
    }

    public struct Request: Sendable {
        public let credential: Credential
        /// The person signing (checked against the seal's person grants and levels, or the key's owner); `nil` = the
        /// calling platform signs as itself under a principal grant (seals only).
        public let signerPersonID: String?
        /// An ID token from the login service naming the signer instead (see ``SigningAssertion``).
        public let signerIDToken: String?
        /// The level the ID token states: the signature's level checks use no more than this.
        var levelCap: AssuranceLevel? = nil
        public let format: Format
        public let data: [UInt8]?
        /// The digest of the document: for `raw` what the algorithm signs, for `cms`/`gmt0010` the messageDigest
        /// (SM3 for SM2 keys, SHA-256 otherwise), for `ses` the SM3 hash.
        public let digest: [UInt8]?
        public let propertyInfo: String?
        public let timestamp: Bool
        /// Signing a document whose signed part depends on the credential (an OFD Signature.xml names the seal's
        /// size and carries the signing time): given instead of data or digest.
        public let document: DocumentSigning?

        public init(
            credential: Credential, signerPersonID: String?, signerIDToken: String? = nil, format: Format,
            data: [UInt8]?, digest: [UInt8]?, propertyInfo: String? = nil,
            timestamp: Bool = false, document: DocumentSigning? = nil
        ) {
            self.credential = credential
            self.signerPersonID = signerPersonID
            self.signerIDToken = signerIDToken
            self.format = format
            self.data = data
            self.digest = digest
            self.propertyInfo = propertyInfo
            self.timestamp = timestamp
            self.document = document
        }

        /// The same request with the prepared data in place of the preparation.
        func prepared(_ data: [UInt8], propertyInfo: String?) -> Request {
            var prepared = Request(
                credential: credential, signerPersonID: signerPersonID, format: format, data: data, digest: nil,
                propertyInfo: propertyInfo, timestamp: timestamp, document: document)
            prepared.levelCap = levelCap
            return prepared
        }

        /// The request with the signer an ID token named, and the level it states.
        func asserted(_ assertion: SigningAssertion) -> Request {
            var asserted = Request(
                credential: credential, signerPersonID: assertion.personID, format: format, data: data,
                digest: digest, propertyInfo: propertyInfo, timestamp: timestamp, document: document)
            asserted.levelCap = assertion.level
            return asserted
        }

        public init(
            sealID: String, signerPersonID: String?, format: Format, data: [UInt8]?, digest: [UInt8]?,
            propertyInfo: String? = nil,
            timestamp: Bool = false
        ) {
            self.init(
                credential: .seal(sealID), signerPersonID: signerPersonID, format: format, data: data, digest: digest,
                propertyInfo: propertyInfo, timestamp: timestamp)
        }
    }

    /// What a document preparation is told once the checks passed: the seal (seals only), the certificate and the time
    /// the signature will carry.
    public struct Preparation: Sendable {
        public let seal: ElectronicSeal?
        public let certificate: Certificate
        public let signingTime: Date
    }

    /// A document to sign: its SM3 digest as received (for the audit record) and how to build the bytes to sign.
    public struct DocumentSigning: Sendable {
        public let digest: [UInt8]
        public let prepare: @Sendable (Preparation) throws -> (data: [UInt8], propertyInfo: String?)

        public init(
            digest: [UInt8], prepare: @escaping @Sendable (Preparation) throws -> (data: [UInt8], propertyInfo: String?)
        ) {
            self.digest = digest
            self.prepare = prepare
        }
    }

    public struct Result: Sendable {
        public let format: Format
        public let signature: [UInt8]
        public let certificate: Certificate
        /// The seal grant used (seals), or nil (keys).
        public let grantID: String?
    }
}
