internal import COpenSSL

/// Something that signs bytes with a key it does not hand out: a key in key custody (software store or HSM), or
/// an in-memory ``PrivateKey``. Certificate, CRL and OCSP builders take a `Signer`, so CA keys never leave custody.
public protocol Signer: Sendable {
    /// The key's public half (for key identifiers and self-checks).
    var publicKey: PublicKey { get }
    /// The scheme every signature uses (SM2 always carries its distinguishing ID).
    var signatureAlgorithm: SignatureAlgorithm { get }
    /// Signs `message` (hashing it per the algorithm); DER `(r,s)` for SM2/ECDSA.
    func sign(_ message: [UInt8]) throws -> [UInt8]
}

/// A ``Signer`` over an in-memory private key.
public struct PrivateKeySigner: Signer {
    public let key: PrivateKey
    public let publicKey: PublicKey
    public let signatureAlgorithm: SignatureAlgorithm

    public init(_ key: PrivateKey, algorithm: SignatureAlgorithm? = nil) throws {
        self.key = key
        self.publicKey = try key.publicKey
        self.signatureAlgorithm = algorithm ?? key.type.defaultSignatureAlgorithm
        try signatureAlgorithm.check(key.type)
    }

    public func sign(_ message: [UInt8]) throws -> [UInt8] { try key.sign(message, algorithm: signatureAlgorithm) }
}

extension SignatureAlgorithm {
    /// The X.509 AlgorithmIdentifier: OpenSSL NID and parameter type (NULL for RSA PKCS#1, absent otherwise;
    /// SM2-with-SM3 is `1.2.156.10197.1.501` without parameters as OpenSSL 3 and GmSSL write it).
    func x509AlgorithmIdentifier() throws -> (nid: Int32, parameterType: Int32) {
        switch self {
        case .sm2: return (NID_SM2_with_SM3, V_ASN1_UNDEF)
        case .rsaPKCS1v15(.sha256): return (NID_sha256WithRSAEncryption, V_ASN1_NULL)
        case .rsaPKCS1v15(.sha384): return (NID_sha384WithRSAEncryption, V_ASN1_NULL)
        case .rsaPKCS1v15(.sha512): return (NID_sha512WithRSAEncryption, V_ASN1_NULL)
        case .ecdsa(.sha256): return (NID_ecdsa_with_SHA256, V_ASN1_UNDEF)
        case .ecdsa(.sha384): return (NID_ecdsa_with_SHA384, V_ASN1_UNDEF)
        case .ecdsa(.sha512): return (NID_ecdsa_with_SHA512, V_ASN1_UNDEF)
        default: throw CryptoError.unsupported("\(self) is not used for certificates, CRLs or OCSP")
        }
    }

    /// The dotted OID of the X.509 signature algorithm.
    public var x509OID: String? {
        guard let (nid, _) = try? x509AlgorithmIdentifier(), let object = OBJ_nid2obj(nid) else { return nil }
        return ObjectID.dotted(object)
    }
}

enum ExternalSignature {
    /// Sets an AlgorithmIdentifier that OpenSSL exposes only as `const` (the structure is owned by the object
    /// being built; nothing else holds it).
    static func setAlgorithm(_ algorithm: UnsafePointer<X509_ALGOR>?, _ identifier: (nid: Int32, parameterType: Int32))
        throws
    {
        guard let algorithm,
            X509_ALGOR_set0(
                UnsafeMutablePointer(mutating: algorithm), OBJ_nid2obj(identifier.nid),
                identifier.parameterType, nil) == 1
        else { throw OpenSSL.error(.internalFailure, "cannot set the signature algorithm") }
    }

    /// Stores `signature` in a BIT STRING with zero unused bits.
    static func setSignature(_ bits: UnsafePointer<ASN1_BIT_STRING>?, _ signature: [UInt8]) throws {
        guard let bits else { throw OpenSSL.error(.internalFailure, "object has no signature field") }
        let mutable = UnsafeMutablePointer(mutating: bits)
        var copy = signature  // ASN1_BIT_STRING_set copies the bytes during the call
        guard
            copy.withUnsafeMutableBufferPointer({ ASN1_BIT_STRING_set(mutable, $0.baseAddress, Int32($0.count)) }) == 1
        else {
            throw OpenSSL.error(.internalFailure, "cannot store the signature")
        }
        trustd_ASN1_BIT_STRING_set_unused_zero(mutable)
    }
}
