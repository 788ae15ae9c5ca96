internal import COpenSSL

/// Keys that arrive from elsewhere: a CA a province already runs brings its key as a password-protected PKCS#8 PEM
/// or a PKCS#12 file. OpenSSL decrypts them; the caller hands the key to custody at once and keeps no copy.
extension PrivateKey {
    /// Loads a PEM private key protected by `password` (`ENCRYPTED PRIVATE KEY`, or a traditional PEM with a
    /// `DEK-Info` header). An unencrypted PEM is accepted as well.
    public init(pem: String, password: String) throws {
        let bytes = Array(pem.utf8)
        guard pem.contains("-----BEGIN ") else { throw CryptoError.malformed("private key PEM has no BEGIN line") }
        OpenSSL.clearErrors()
        let loaded = try OpenSSL.withReadBIO(bytes) { bio in
            // With no callback OpenSSL reads the passphrase from the user-data argument (a NUL-terminated string).
            password.withCString { passphrase in
                PEM_read_bio_PrivateKey(bio, nil, nil, UnsafeMutableRawPointer(mutating: passphrase))
            }
        }
        guard let loaded else {
            throw OpenSSL.error(
                .authenticationFailed, "cannot decrypt the private key PEM (wrong password or not a key)")
        }
        self.init(try EVPKey(takingOwnership: loaded))
        guard key.hasPrivateKey else { throw CryptoError.malformed("PEM holds no private key") }
    }
}

/// What a PKCS#12 file holds: one private key, its certificate and the other certificates it carries.
public struct PKCS12Contents: Sendable {
    public let privateKey: PrivateKey
    public let certificate: Certificate
    /// The other certificates in the file (usually the issuer chain), in file order.
    public let others: [Certificate]

    /// Decrypts a DER PKCS#12 file (RFC 7292) with `password`. The MAC is checked; a file without a key or without
    /// a certificate is refused. Algorithms OpenSSL 3 keeps in its legacy provider (RC2, 3DES) are not loaded here:
    /// such a file is refused with a message saying to re-export it.
    public init(der: [UInt8], password: String) throws {
        guard !der.isEmpty else { throw CryptoError.malformed("PKCS#12 file is empty") }
        OpenSSL.clearErrors()
        guard let p12 = OpenSSL.d2iExact(der, { d2i_PKCS12(nil, $0, $1) }, free: PKCS12_free) else {
            throw OpenSSL.error(.malformedInput, "cannot decode PKCS#12 DER (truncated, trailing bytes or not PKCS#12)")
        }
        defer { PKCS12_free(p12) }
        let macOK = password.withCString { PKCS12_verify_mac(p12, $0, -1) } == 1
        guard macOK else { throw OpenSSL.error(.authenticationFailed, "PKCS#12 password is wrong (MAC check failed)") }
        var key: OpaquePointer? = nil
        var x509: OpaquePointer? = nil
        var others: OpaquePointer? = nil
        let parsed = password.withCString { PKCS12_parse(p12, $0, &key, &x509, &others) } == 1
        defer {
            if let x509 { X509_free(x509) }
            if let others { OPENSSL_sk_pop_free(others, { X509_free(OpaquePointer($0)) }) }
        }
        guard parsed else {
            if let key { EVP_PKEY_free(key) }
            throw OpenSSL.error(
                .unsupportedAlgorithm,
                "cannot decrypt the PKCS#12 contents (a legacy cipher such as RC2 or 3DES? re-export it with "
                    + "openssl pkcs12 -export, which uses AES-256 and PBKDF2)")
        }
        guard let key else {
            throw CryptoError.malformed("PKCS#12 file holds no private key")
        }
        privateKey = PrivateKey(try EVPKey(takingOwnership: key))
        guard let x509 else { throw CryptoError.malformed("PKCS#12 file holds no certificate for its key") }
        certificate = try Certificate(der: try OpenSSL.i2d { i2d_X509(x509, $0) })
        var chain: [Certificate] = []
        if let others {
            for index in 0..<OPENSSL_sk_num(others) {
                guard let element = OPENSSL_sk_value(others, index) else { continue }
                chain.append(try Certificate(der: try OpenSSL.i2d { i2d_X509(OpaquePointer(element), $0) }))
            }
        }
        self.others = chain
    }
}
