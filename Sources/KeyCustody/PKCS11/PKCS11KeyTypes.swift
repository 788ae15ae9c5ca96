internal import CPKCS11
import Foundation
import TrustCrypto

/// Which of trustd's key types a token object is (RSA by modulus size, P-256 and SM2 by curve), and its public key.
extension PKCS11KeyStore {
    /// The OID prime256v1, DER.
    static let p256Parameters: [UInt8] = [0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07]
    /// The OID 1.2.156.10197.1.301 (SM2), DER.
    static let sm2Parameters: [UInt8] = [0x06, 0x08, 0x2A, 0x81, 0x1C, 0xCF, 0x55, 0x01, 0x82, 0x2D]

    func keyType(_ session: CK_SESSION_HANDLE, _ object: CK_OBJECT_HANDLE) throws -> KeyType? {
        guard let raw = try attribute(session, object, CKA_KEY_TYPE), raw.count == MemoryLayout<CK_ULONG>.size else {
            return nil
        }
        let type = raw.withUnsafeBytes { $0.load(as: CK_KEY_TYPE.self) }
        if type == CKK_RSA {
            guard let modulus = try attribute(session, object, CKA_MODULUS) else { return nil }
            switch modulus.drop(while: { $0 == 0 }).count * 8 {
            case 2048: return .rsa2048
            case 3072: return .rsa3072
            case 4096: return .rsa4096
            default: return nil
            }
        }
        let parameters = try attribute(session, object, CKA_EC_PARAMS)
        if type == CKK_EC, parameters == Self.p256Parameters { return .p256 }
        if let sm2 = configuration.sm2, type == CK_KEY_TYPE(sm2.keyType), parameters == Self.sm2Parameters {
            return .sm2
        }
        return nil
    }

    func publicKey(_ session: CK_SESSION_HANDLE, _ id: KeyID) throws -> PublicKey {
        let object = try key(session, id, CKO_PUBLIC_KEY)
        guard let type = try keyType(session, object) else {
            throw KeyCustodyError(
                .unsupportedAlgorithm, "key \(id) on the token is not RSA, P-256 or a configured SM2 key")
        }
        do {
            if type.isRSA {
                guard let modulus = try attribute(session, object, CKA_MODULUS),
                    let exponent = try attribute(session, object, CKA_PUBLIC_EXPONENT)
                else { throw KeyCustodyError(.hsmFailure, "token did not return the RSA public key of \(id)") }
                return try PublicKey(rsaModulus: modulus, publicExponent: exponent)
            }
            guard let point = try attribute(session, object, CKA_EC_POINT) else {
                throw KeyCustodyError(.hsmFailure, "token did not return the EC point of \(id)")
            }
            return try PublicKey(pkcs11ECPoint: point, type: type)
        } catch let error as CryptoError {
            throw KeyCustodyError(.hsmFailure, "token returned an invalid public key for \(id): \(error.message)")
        }
    }
}
