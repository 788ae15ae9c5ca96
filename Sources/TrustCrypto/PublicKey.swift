internal import COpenSSL

/// A public key (SM2, RSA or P-256), immutable and `Sendable`.
public struct PublicKey: Sendable {
    let key: EVPKey

    init(_ key: EVPKey) { self.key = key }

    /// The key's algorithm and size.
    public var type: KeyType { key.type }

    // MARK: Import

    /// Loads a PEM `PUBLIC KEY` (SubjectPublicKeyInfo).
    public init(pem: String) throws {
        let bytes = Array(pem.utf8)
        guard !bytes.isEmpty else { throw CryptoError.malformed("public key PEM is empty") }
        guard pem.contains("-----BEGIN ") else { throw CryptoError.malformed("public key PEM has no BEGIN line") }
        OpenSSL.clearErrors()
        let loaded = try OpenSSL.withReadBIO(bytes) { bio in PEM_read_bio_PUBKEY(bio, nil, nil, nil) }
        guard let loaded else { throw OpenSSL.error(.malformedInput, "cannot decode public key PEM") }
        self.key = try EVPKey(takingOwnership: loaded)
    }

    /// Loads a DER SubjectPublicKeyInfo. Trailing bytes are an error.
    public init(spkiDER der: [UInt8]) throws {
        guard !der.isEmpty else { throw CryptoError.malformed("public key DER is empty") }
        OpenSSL.clearErrors()
        let loaded = OpenSSL.d2iExact(der, { d2i_PUBKEY(nil, $0, $1) }, free: EVP_PKEY_free)
        guard let loaded else {
            throw OpenSSL.error(
                .malformedInput, "cannot decode SubjectPublicKeyInfo (truncated, trailing bytes or not a key)")
        }
        self.key = try EVPKey(takingOwnership: loaded)
    }

    /// Builds an RSA public key from its modulus and public exponent (big-endian, as PKCS#11 returns them).
    public init(rsaModulus modulus: [UInt8], publicExponent exponent: [UInt8]) throws {
        guard !modulus.isEmpty, !exponent.isEmpty else { throw CryptoError.malformed("empty RSA modulus or exponent") }
        OpenSSL.clearErrors()
        guard let builder = OSSL_PARAM_BLD_new() else {
            throw OpenSSL.error(.internalFailure, "cannot allocate parameters")
        }
        defer { OSSL_PARAM_BLD_free(builder) }
        let n = modulus.withUnsafeBufferPointer { BN_bin2bn($0.baseAddress, Int32($0.count), nil) }
        let e = exponent.withUnsafeBufferPointer { BN_bin2bn($0.baseAddress, Int32($0.count), nil) }
        defer {
            BN_free(n)
            BN_free(e)
        }
        guard let n, let e, OSSL_PARAM_BLD_push_BN(builder, OpenSSL.cName("n"), n) == 1,
            OSSL_PARAM_BLD_push_BN(builder, OpenSSL.cName("e"), e) == 1
        else {
            throw OpenSSL.error(.internalFailure, "cannot build RSA parameters")
        }
        self.key = try PublicKey.fromData("RSA", builder)
    }

    /// Builds an SM2 or P-256 public key from an uncompressed point `04‖X‖Y`.
    public init(ecPoint point: [UInt8], type: KeyType) throws {
        guard type.isElliptic else { throw CryptoError.mismatch("\(type) is not an elliptic-curve key type") }
        guard point.count == 65, point.first == 0x04 else {
            throw CryptoError.malformed("EC point must be 65 bytes 04‖X‖Y, got \(point.count) bytes")
        }
        OpenSSL.clearErrors()
        guard let builder = OSSL_PARAM_BLD_new() else {
            throw OpenSSL.error(.internalFailure, "cannot allocate parameters")
        }
        defer { OSSL_PARAM_BLD_free(builder) }
        let group = Array((type == .sm2 ? "SM2" : "prime256v1").utf8CString)
        // OSSL_PARAM_BLD keeps the caller's pointers until OSSL_PARAM_BLD_to_param (inside fromData), so the
        // buffers must stay alive until the key is built.
        let key = try group.withUnsafeBufferPointer { name in
            try point.withUnsafeBytes { raw in
                guard OSSL_PARAM_BLD_push_utf8_string(builder, OpenSSL.cName("group"), name.baseAddress, 0) == 1,
                    OSSL_PARAM_BLD_push_octet_string(builder, OpenSSL.cName("pub"), raw.baseAddress, raw.count) == 1
                else { throw OpenSSL.error(.internalFailure, "cannot build EC parameters") }
                // fromdata does not check that the point lies on the curve; that is done explicitly below.
                return try PublicKey.fromData(type == .sm2 ? "SM2" : "EC", builder)
            }
        }
        guard let check = EVP_PKEY_CTX_new_from_pkey(nil, key.pointer, nil) else {
            throw OpenSSL.error(.internalFailure, "cannot check EC point")
        }
        defer { EVP_PKEY_CTX_free(check) }
        guard EVP_PKEY_public_check(check) == 1 else {
            throw OpenSSL.error(.malformedInput, "EC point is not on the \(type) curve")
        }
        self.key = key
    }

    private static func fromData(_ algorithm: String, _ builder: OpaquePointer) throws -> EVPKey {
        guard let params = OSSL_PARAM_BLD_to_param(builder) else {
            throw OpenSSL.error(.internalFailure, "cannot build key parameters")
        }
        defer { OSSL_PARAM_free(params) }
        guard let context = EVP_PKEY_CTX_new_from_name(nil, algorithm, nil) else {
            throw OpenSSL.error(.internalFailure, "cannot create \(algorithm) context")
        }
        defer { EVP_PKEY_CTX_free(context) }
        var made: OpaquePointer? = nil
        guard EVP_PKEY_fromdata_init(context) == 1,
            EVP_PKEY_fromdata(context, &made, trustd_EVP_PKEY_PUBLIC_KEY, params) == 1, let made
        else { throw OpenSSL.error(.malformedInput, "invalid \(algorithm) public key parameters") }
        return try EVPKey(takingOwnership: made)
    }

    // MARK: Export

    /// DER SubjectPublicKeyInfo.
    public var spkiDER: [UInt8] {
        // i2d_PUBKEY cannot fail for a key that decoded or generated successfully.
        (try? OpenSSL.i2d { i2d_PUBKEY(key.pointer, $0) }) ?? []
    }

    /// PEM `PUBLIC KEY`.
    public var pem: String {
        let bytes = (try? OpenSSL.writeBIO { PEM_write_bio_PUBKEY($0, key.pointer) == 1 }) ?? []
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The uncompressed point `04‖X‖Y` of an SM2 or P-256 key; `nil` for RSA.
    public var ecPoint: [UInt8]? {
        guard type.isElliptic else { return nil }
        var out = [UInt8](repeating: 0, count: 65)
        var length = 0
        guard EVP_PKEY_get_octet_string_param(key.pointer, "pub", &out, out.count, &length) == 1, length == 65 else {
            ERR_clear_error()
            return nil
        }
        return out
    }

    /// Fingerprint: the hash of the DER SubjectPublicKeyInfo (SHA-256 unless told otherwise).
    public func fingerprint(_ algorithm: DigestAlgorithm = .sha256) -> [UInt8] {
        Digest.hash(algorithm, spkiDER)
    }

    /// Fingerprint as lower-case hex.
    public func fingerprintHex(_ algorithm: DigestAlgorithm = .sha256) -> String {
        Hex.encode(fingerprint(algorithm))
    }
}

extension PublicKey: Equatable {
    /// Two public keys are equal when their SubjectPublicKeyInfo encodings are equal.
    public static func == (lhs: PublicKey, rhs: PublicKey) -> Bool { lhs.spkiDER == rhs.spkiDER }
}
