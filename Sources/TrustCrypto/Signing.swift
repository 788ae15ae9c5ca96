internal import COpenSSL

// MARK: - Signing

extension PrivateKey {
    /// Signs `message` (hashing it as the algorithm says). SM2 signatures always carry the algorithm's
    /// distinguishing ID (default `1234567812345678`). Output: DER `(r,s)` for SM2/ECDSA, the RSA block for RSA.
    ///
    /// - Parameter algorithm: defaults to the key type's ``KeyType/defaultSignatureAlgorithm``.
    /// - Throws: ``CryptoError`` `.keyTypeMismatch` when the algorithm does not fit the key.
    public func sign(_ message: [UInt8], algorithm: SignatureAlgorithm? = nil) throws -> [UInt8] {
        let algorithm = algorithm ?? type.defaultSignatureAlgorithm
        try algorithm.check(type)
        return try SignatureEngine.signMessage(key, message, algorithm)
    }

    /// Signs a precomputed hash. For RSA and ECDSA `digest` is the hash of the message under
    /// `algorithm.digest`; for SM2 it is `e = SM3(Z_A ‖ M)` (see ``PublicKey/sm2SignedDigest(of:id:)``).
    public func sign(digest: [UInt8], algorithm: SignatureAlgorithm? = nil) throws -> [UInt8] {
        let algorithm = algorithm ?? type.defaultSignatureAlgorithm
        try algorithm.check(type)
        try SignatureEngine.checkDigestLength(digest, algorithm)
        return try SignatureEngine.signDigest(key, digest, algorithm)
    }
}

// MARK: - Verification

extension PublicKey {
    /// `true` if `signature` is valid for `message`. SM2 and ECDSA signatures are accepted as DER `(r,s)` or as
    /// raw 64-byte `r‖s`.
    ///
    /// - Returns: `false` for a well-formed signature that does not verify.
    /// - Throws: `.keyTypeMismatch` for an algorithm that does not fit the key; `.invalidSignatureEncoding` when
    ///   an SM2/ECDSA signature is neither DER nor raw `r‖s`.
    public func isValidSignature(_ signature: [UInt8], for message: [UInt8], algorithm: SignatureAlgorithm? = nil)
        throws -> Bool
    {
        let algorithm = algorithm ?? type.defaultSignatureAlgorithm
        try algorithm.check(type)
        for candidate in try SignatureEngine.candidates(signature, type) {
            if try SignatureEngine.verifyMessage(key, candidate, message, algorithm) { return true }
        }
        return false
    }

    /// `true` if `signature` is valid for a precomputed hash (for SM2: `e = SM3(Z_A ‖ M)`).
    public func isValidSignature(_ signature: [UInt8], forDigest digest: [UInt8], algorithm: SignatureAlgorithm? = nil)
        throws -> Bool
    {
        let algorithm = algorithm ?? type.defaultSignatureAlgorithm
        try algorithm.check(type)
        try SignatureEngine.checkDigestLength(digest, algorithm)
        for candidate in try SignatureEngine.candidates(signature, type) {
            if try SignatureEngine.verifyDigest(key, candidate, digest, algorithm) { return true }
        }
        return false
    }
}

// MARK: - Engine

/// The OpenSSL calls behind signing and verification: every operation hashes first and takes a pooled context of the
/// key (``ContextPool``) for the digest.
enum SignatureEngine {
    static func checkDigestLength(_ digest: [UInt8], _ algorithm: SignatureAlgorithm) throws {
        guard digest.count == algorithm.digest.outputLength else {
            throw CryptoError.invalid(
                "\(algorithm) needs a \(algorithm.digest.outputLength)-byte digest, got \(digest.count) bytes")
        }
    }

    /// Applies the scheme's parameters to a signature context (after `*Init`, before any data).
    static func configure(_ context: OpaquePointer, _ algorithm: SignatureAlgorithm, signing: Bool, digestMode: Bool)
        throws
    {
        let ok: Bool
        switch algorithm {
        case .sm2(let id):
            // Must precede the first update: Z_A is computed lazily from the ID and the public key.
            ok = id.bytes.withUnsafeBytes { EVP_PKEY_CTX_set1_id(context, $0.baseAddress, Int32($0.count)) } == 1
        case .rsaPKCS1v15(let digest):
            ok =
                EVP_PKEY_CTX_set_rsa_padding(context, RSA_PKCS1_PADDING) == 1
                && (!digestMode || EVP_PKEY_CTX_set_signature_md(context, digest.md.pointer) == 1)
        case .rsaPSS(let digest):
            ok =
                EVP_PKEY_CTX_set_rsa_padding(context, RSA_PKCS1_PSS_PADDING) == 1
                && (!digestMode || EVP_PKEY_CTX_set_signature_md(context, digest.md.pointer) == 1)
                && EVP_PKEY_CTX_set_rsa_mgf1_md(context, digest.md.pointer) == 1
                && EVP_PKEY_CTX_set_rsa_pss_saltlen(context, signing ? RSA_PSS_SALTLEN_DIGEST : RSA_PSS_SALTLEN_AUTO)
                    == 1
        case .ecdsa(let digest):
            ok = !digestMode || EVP_PKEY_CTX_set_signature_md(context, digest.md.pointer) == 1
        }
        guard ok else { throw OpenSSL.error(.internalFailure, "cannot configure \(algorithm)") }
    }

    /// Message signing: hash, then sign the digest with a pooled context. For SM2 the digest is
    /// `e = SM3(Z_A ‖ M)` with `Z_A` kept on the key, which is exactly what `EVP_DigestSign` signs; its per-call
    /// `EVP_DigestSignInit` (a provider fetch, a new context, `Z_A` again) was 1.5 % of an SM2 signature in trustd.
    static func signMessage(_ key: EVPKey, _ message: [UInt8], _ algorithm: SignatureAlgorithm) throws -> [UInt8] {
        guard case .sm2(let id) = algorithm else {
            return try signDigest(key, Digest.hash(algorithm.digest, message), algorithm)
        }
        return try signDigest(key, sm2SignedDigest(key, message, id), algorithm)
    }

    /// Message verification, the same way: hash (for SM2 with the key's `Z_A`), then verify the digest with a
    /// pooled context. A certificate's key is kept with the parsed certificate, so its context and `Z_A` are reused.
    static func verifyMessage(_ key: EVPKey, _ signature: [UInt8], _ message: [UInt8], _ algorithm: SignatureAlgorithm)
        throws -> Bool
    {
        guard case .sm2(let id) = algorithm else {
            return try verifyDigest(key, signature, Digest.hash(algorithm.digest, message), algorithm)
        }
        return try verifyDigest(key, signature, sm2SignedDigest(key, message, id), algorithm)
    }

    /// `e = SM3(Z_A ‖ M)`, what an SM2 signature signs.
    static func sm2SignedDigest(_ key: EVPKey, _ message: [UInt8], _ id: SM2DistinguishingID) throws
        -> [UInt8]
    {
        var digester = Digester(.sm3)
        digester.update(try key.sm2Z(id))
        digester.update(message)
        return digester.finalize()
    }

    /// A fresh context initialised for signing or verifying a digest with `algorithm`.
    private static func makeDigestContext(_ key: EVPKey, _ algorithm: SignatureAlgorithm, signing: Bool) throws
        -> OpaquePointer
    {
        guard let context = EVP_PKEY_CTX_new_from_pkey(nil, key.pointer, nil) else {
            throw OpenSSL.error(.internalFailure, "cannot allocate signature context")
        }
        do {
            guard (signing ? EVP_PKEY_sign_init(context) : EVP_PKEY_verify_init(context)) == 1 else {
                throw OpenSSL.error(.keyTypeMismatch, "cannot start \(algorithm) with this key")
            }
            // SM2 signs e directly: no digest or ID parameters apply at this level.
            if case .sm2 = algorithm {} else { try configure(context, algorithm, signing: signing, digestMode: true) }
            return context
        } catch {
            EVP_PKEY_CTX_free(context)
            throw error
        }
    }

    static func signDigest(_ key: EVPKey, _ digest: [UInt8], _ algorithm: SignatureAlgorithm) throws -> [UInt8] {
        OpenSSL.clearErrors()
        return try key.contexts.withContext(
            .init(signing: true, algorithm: algorithm),
            make: try makeDigestContext(key, algorithm, signing: true)
        ) { context in
            var length = key.maxSignatureLength
            var signature = [UInt8](repeating: 0, count: length)
            let ok = signature.withUnsafeMutableBufferPointer { out in
                digest.withUnsafeBufferPointer {
                    EVP_PKEY_sign(context, out.baseAddress, &length, $0.baseAddress, $0.count)
                }
            }
            guard ok == 1 else { throw OpenSSL.error(.internalFailure, "\(algorithm) signing failed") }
            signature.removeSubrange(length...)
            return (signature, true)
        }
    }

    static func verifyDigest(_ key: EVPKey, _ signature: [UInt8], _ digest: [UInt8], _ algorithm: SignatureAlgorithm)
        throws -> Bool
    {
        OpenSSL.clearErrors()
        return try key.contexts.withContext(
            .init(signing: false, algorithm: algorithm),
            make: try makeDigestContext(key, algorithm, signing: false)
        ) { context in
            let result = signature.withUnsafeBufferPointer { sig in
                digest.withUnsafeBufferPointer {
                    EVP_PKEY_verify(context, sig.baseAddress, sig.count, $0.baseAddress, $0.count)
                }
            }
            ERR_clear_error()
            // Only a context whose last call succeeded goes back to the pool.
            return (result == 1, result == 1)
        }
    }

    /// The DER encodings to try for a received signature: SM2/ECDSA accept canonicalised DER and raw `r‖s`.
    static func candidates(_ signature: [UInt8], _ type: KeyType) throws -> [[UInt8]] {
        guard !signature.isEmpty else { throw CryptoError(.invalidSignatureEncoding, "signature is empty") }
        guard type.isElliptic else { return [signature] }
        var found: [[UInt8]] = []
        if let der = ECDSASignature.canonicalDER(signature) { found.append(der) }
        if signature.count == 64, let der = try? ECDSASignature.derFromRaw(signature) { found.append(der) }
        guard !found.isEmpty else {
            throw CryptoError(
                .invalidSignatureEncoding,
                "\(type) signature is neither DER (r,s) nor 64-byte raw r‖s (\(signature.count) bytes)")
        }
        return found
    }
}
