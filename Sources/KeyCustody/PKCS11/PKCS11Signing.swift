internal import CPKCS11
import Foundation
import Synchronization
import TrustCrypto

/// How the token is asked to sign: the host computes the digest (SM2's e = SM3(Z_A ‖ M)), the token signs it with the
/// mechanism for the key type, and the result comes back as DER.
extension PKCS11KeyStore {

    func check(_ algorithm: SignatureAlgorithm, _ type: KeyType) throws {
        guard algorithm.isCompatible(with: type) else {
            throw KeyCustodyError(.invalidRequest, "\(algorithm) cannot be used with a \(type) key")
        }
        if algorithm.digest == .sha1 || (algorithm.digest == .sm3 && type != .sm2) {
            throw KeyCustodyError(.unsupportedAlgorithm, "\(algorithm) is not supported")
        }
    }

    func digestForSigning(_ key: PublicKey, _ algorithm: SignatureAlgorithm, _ message: [UInt8]) throws
        -> [UInt8]
    {
        if case .sm2(let id) = algorithm { return try key.sm2SignedDigest(of: message, id: id) }
        return Digest.hash(algorithm.digest, message)
    }

    /// Signs a host-computed digest: RSA via `CKM_RSA_PKCS` over DigestInfo or `CKM_RSA_PKCS_PSS`,
    /// ECDSA via `CKM_ECDSA`, SM2 via the vendor mechanism over `e`.
    func signDigest(
        _ session: CK_SESSION_HANDLE, _ id: KeyID, _ key: PublicKey, _ algorithm: SignatureAlgorithm,
        _ digest: [UInt8]
    ) throws -> [UInt8] {
        switch algorithm {
        case .rsaPKCS1v15(let hash):
            return try rawSign(session, id, CKM_RSA_PKCS, try DigestInfo.encode(hash, digest: digest))
        case .rsaPSS(let hash):
            return try pssSign(session, id, CKM_RSA_PKCS_PSS, hash, digest)
        case .ecdsa:
            return try Self.toDER(try rawSign(session, id, CKM_ECDSA, digest))
        case .sm2:
            guard let sm2 = configuration.sm2 else {
                throw KeyCustodyError(
                    .unsupportedAlgorithm, "token '\(configuration.tokenLabel)' has no SM2 mechanism configured")
            }
            let signature = try Self.toDER(try rawSign(session, id, CK_MECHANISM_TYPE(sm2.signMechanism), digest))
            // Vendor SM2 mechanisms differ (some hash internally); never hand out a signature that is not SM2.
            guard (try? key.isValidSignature(signature, forDigest: digest, algorithm: algorithm)) == true else {
                throw KeyCustodyError(
                    .hsmFailure, "the configured SM2 mechanism did not produce a valid SM2 signature over e = SM3(Z‖M)")
            }
            return signature
        }
    }

    func rawSign(
        _ session: CK_SESSION_HANDLE, _ id: KeyID, _ mechanismType: CK_MECHANISM_TYPE, _ data: [UInt8],
        parameter: UnsafeMutableRawPointer? = nil, parameterLength: Int = 0
    ) throws -> [UInt8] {
        guard mechanisms.contains(mechanismType) else {
            throw KeyCustodyError(
                .mechanismNotSupported,
                "token '\(configuration.tokenLabel)' does not offer mechanism 0x\(String(mechanismType, radix: 16))")
        }
        let handle = try key(session, id, CKO_PRIVATE_KEY)
        var mechanism = CK_MECHANISM(
            mechanism: mechanismType, pParameter: parameter, ulParameterLen: CK_ULONG(parameterLength))
        try module.check(
            module.functions.C_SignInit!(session, &mechanism, handle), "starting a signature with key \(id)")
        var input = data
        var length: CK_ULONG = 0
        try module.check(
            module.functions.C_Sign!(session, &input, CK_ULONG(input.count), nil, &length), "signing with key \(id)")
        var signature = [UInt8](repeating: 0, count: Int(length))
        try module.check(
            module.functions.C_Sign!(session, &input, CK_ULONG(input.count), &signature, &length),
            "signing with key \(id)")
        return Array(signature.prefix(Int(length)))
    }

    func pssSign(
        _ session: CK_SESSION_HANDLE, _ id: KeyID, _ mechanismType: CK_MECHANISM_TYPE, _ hash: DigestAlgorithm,
        _ data: [UInt8]
    ) throws -> [UInt8] {
        let (hashMechanism, mgf): (CK_MECHANISM_TYPE, CK_RSA_PKCS_MGF_TYPE) =
            switch hash {
            case .sha256: (CKM_SHA256, CKG_MGF1_SHA256)
            case .sha384: (CKM_SHA384, CKG_MGF1_SHA384)
            default: (CKM_SHA512, CKG_MGF1_SHA512)
            }
        var parameters = CK_RSA_PKCS_PSS_PARAMS(hashAlg: hashMechanism, mgf: mgf, sLen: CK_ULONG(hash.outputLength))
        return try withUnsafeMutableBytes(of: &parameters) { raw in
            try rawSign(session, id, mechanismType, data, parameter: raw.baseAddress, parameterLength: raw.count)
        }
    }

    static func rsaMechanism(_ digest: DigestAlgorithm, pss: Bool) throws -> CK_MECHANISM_TYPE {
        switch (digest, pss) {
        case (.sha256, false): CKM_SHA256_RSA_PKCS
        case (.sha384, false): CKM_SHA384_RSA_PKCS
        case (.sha512, false): CKM_SHA512_RSA_PKCS
        case (.sha256, true): CKM_SHA256_RSA_PKCS_PSS
        case (.sha384, true): CKM_SHA384_RSA_PKCS_PSS
        case (.sha512, true): CKM_SHA512_RSA_PKCS_PSS
        default: throw KeyCustodyError(.unsupportedAlgorithm, "RSA with \(digest) is not supported")
        }
    }

    static func toDER(_ signature: [UInt8]) throws -> [UInt8] {
        if signature.first == 0x30, let raw = try? ECDSASignature.rawFromDER(signature) {
            return try ECDSASignature.derFromRaw(raw)
        }
        do {
            return try ECDSASignature.derFromRaw(signature)
        } catch {
            throw KeyCustodyError(.hsmFailure, "token returned a malformed EC signature (\(signature.count) bytes)")
        }
    }
}
