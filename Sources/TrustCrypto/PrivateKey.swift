internal import COpenSSL

/// A private key held in memory (SM2, RSA or P-256).
///
/// Immutable and `Sendable`: one key may sign from many tasks at once; each operation uses its own OpenSSL
/// context. Keys meant to stay in custody live in `KeyCustody`; this type is what the software key store
/// decrypts into and what tests use.
public struct PrivateKey: Sendable {
    let key: EVPKey

    init(_ key: EVPKey) { self.key = key }

    /// The key's algorithm and size.
    public var type: KeyType { key.type }

    // MARK: Generation

    /// Generates a fresh key with OpenSSL's DRBG.
    public static func generate(_ type: KeyType) throws -> PrivateKey {
        OpenSSL.clearErrors()
        let algorithm: String
        switch type {
        case .sm2: algorithm = "SM2"
        case .rsa2048, .rsa3072, .rsa4096: algorithm = "RSA"
        case .p256: algorithm = "EC"
        }
        guard let context = EVP_PKEY_CTX_new_from_name(nil, algorithm, nil) else {
            throw OpenSSL.error(.internalFailure, "cannot create a key generation context for \(type)")
        }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_keygen_init(context) == 1 else {
            throw OpenSSL.error(.internalFailure, "cannot initialise key generation for \(type)")
        }
        if let bits = type.rsaBits {
            guard EVP_PKEY_CTX_set_rsa_keygen_bits(context, Int32(bits)) == 1 else {
                throw OpenSSL.error(.internalFailure, "cannot set RSA key size")
            }
        }
        if type == .p256 {
            guard EVP_PKEY_CTX_set_group_name(context, "P-256") == 1 else {
                throw OpenSSL.error(.internalFailure, "cannot select curve P-256")
            }
        }
        var generated: OpaquePointer? = nil
        guard EVP_PKEY_generate(context, &generated) == 1, let generated else {
            throw OpenSSL.error(.internalFailure, "key generation failed for \(type)")
        }
        return PrivateKey(try EVPKey(takingOwnership: generated))
    }

    // MARK: Import

    /// Loads a PEM private key: PKCS#8 (`PRIVATE KEY`) or the traditional `EC PRIVATE KEY` / `RSA PRIVATE KEY`
    /// forms. Encrypted PEM is refused (keys at rest are protected by the key store, not by PEM passwords).
    public init(pem: String) throws {
        let bytes = Array(pem.utf8)
        guard !bytes.isEmpty else { throw CryptoError.malformed("private key PEM is empty") }
        guard pem.contains("-----BEGIN ") else { throw CryptoError.malformed("private key PEM has no BEGIN line") }
        if pem.contains("ENCRYPTED") {
            throw CryptoError.malformed("encrypted PEM private keys are not accepted; decrypt first")
        }
        OpenSSL.clearErrors()
        let loaded = try OpenSSL.withReadBIO(bytes) { bio in
            PEM_read_bio_PrivateKey(bio, nil, { _, _, _, _ in 0 }, nil)
        }
        guard let loaded else { throw OpenSSL.error(.malformedInput, "cannot decode private key PEM") }
        self.key = try EVPKey(takingOwnership: loaded)
        guard key.hasPrivateKey else { throw CryptoError.malformed("PEM holds no private key") }
    }

    /// Loads a DER private key (PKCS#8 `PrivateKeyInfo`, or a traditional SEC1/PKCS#1 structure).
    /// Trailing bytes after the structure are an error.
    public init(der: [UInt8]) throws {
        guard !der.isEmpty else { throw CryptoError.malformed("private key DER is empty") }
        OpenSSL.clearErrors()
        let loaded = OpenSSL.d2iExact(der, { d2i_AutoPrivateKey(nil, $0, $1) }, free: EVP_PKEY_free)
        guard let loaded else {
            throw OpenSSL.error(
                .malformedInput, "cannot decode private key DER (truncated, trailing bytes or not a key)")
        }
        self.key = try EVPKey(takingOwnership: loaded)
    }

    // MARK: Export

    /// PKCS#8 `PrivateKeyInfo` DER. Handle with care: this is the key in clear.
    public func pkcs8DER() throws -> [UInt8] {
        OpenSSL.clearErrors()
        guard let info = EVP_PKEY2PKCS8(key.pointer) else {
            throw OpenSSL.error(.internalFailure, "cannot convert key to PKCS#8")
        }
        defer { PKCS8_PRIV_KEY_INFO_free(info) }
        return try OpenSSL.i2d { i2d_PKCS8_PRIV_KEY_INFO(info, $0) }
    }

    /// PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`). Handle with care: this is the key in clear.
    public func pkcs8PEM() throws -> String {
        OpenSSL.clearErrors()
        let bytes = try OpenSSL.writeBIO { bio in
            PEM_write_bio_PKCS8PrivateKey(bio, key.pointer, nil, nil, 0, nil, nil) == 1
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The matching public key.
    public var publicKey: PublicKey {
        // Derived once (an EVP_PKEY with no private part) and shared afterwards.
        get throws { PublicKey(try key.publicOnly()) }
    }
}
