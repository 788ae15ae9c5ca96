internal import COpenSSL

/// AES-256-GCM authenticated encryption (NIST SP 800-38D) through OpenSSL's EVP cipher interface.
public enum AES256GCM {
    public static let keyLength = 32
    public static let nonceLength = 12
    public static let tagLength = 16

    /// A sealed message: `nonce ‖ ciphertext ‖ tag` travel together.
    public struct SealedBox: Sendable, Hashable {
        public let nonce: [UInt8]
        public let ciphertext: [UInt8]
        public let tag: [UInt8]

        public init(nonce: [UInt8], ciphertext: [UInt8], tag: [UInt8]) {
            self.nonce = nonce
            self.ciphertext = ciphertext
            self.tag = tag
        }
    }

    /// Encrypts `plaintext` under `key` with a fresh random nonce, authenticating `authenticatedData` too.
    public static func seal(_ plaintext: [UInt8], key: [UInt8], authenticatedData: [UInt8] = []) throws -> SealedBox {
        guard key.count == keyLength else { throw CryptoError.invalid("AES-256-GCM key must be 32 bytes") }
        let nonce = SecureRandom.bytes(nonceLength)
        var ciphertext = [UInt8](repeating: 0, count: plaintext.count)
        var tag = [UInt8](repeating: 0, count: tagLength)
        try run(
            encrypt: true, key: key, nonce: nonce, input: plaintext, output: &ciphertext, aad: authenticatedData,
            tag: &tag)
        return SealedBox(nonce: nonce, ciphertext: ciphertext, tag: tag)
    }

    /// Decrypts and authenticates. Any change to nonce, ciphertext, tag or authenticated data, or a wrong key,
    /// gives `.authenticationFailed` and no plaintext.
    public static func open(_ box: SealedBox, key: [UInt8], authenticatedData: [UInt8] = []) throws -> [UInt8] {
        guard key.count == keyLength else { throw CryptoError.invalid("AES-256-GCM key must be 32 bytes") }
        guard box.nonce.count == nonceLength, box.tag.count == tagLength else {
            throw CryptoError(.authenticationFailed, "sealed box has a malformed nonce or tag")
        }
        var plaintext = [UInt8](repeating: 0, count: box.ciphertext.count)
        var tag = box.tag
        do {
            try run(
                encrypt: false, key: key, nonce: box.nonce, input: box.ciphertext, output: &plaintext,
                aad: authenticatedData, tag: &tag)
        } catch {
            Memory.wipe(&plaintext)
            throw error
        }
        return plaintext
    }

    private static func run(
        encrypt: Bool, key: [UInt8], nonce: [UInt8], input: [UInt8], output: inout [UInt8],
        aad: [UInt8], tag: inout [UInt8]
    ) throws {
        OpenSSL.clearErrors()
        guard let context = EVP_CIPHER_CTX_new() else {
            throw OpenSSL.error(.internalFailure, "cannot allocate cipher context")
        }
        defer { EVP_CIPHER_CTX_free(context) }
        let mode: Int32 = encrypt ? 1 : 0
        guard EVP_CipherInit_ex(context, EVP_aes_256_gcm(), nil, nil, nil, mode) == 1,
            EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_IVLEN, Int32(nonceLength), nil) == 1,
            EVP_CipherInit_ex(context, nil, nil, key, nonce, mode) == 1
        else { throw OpenSSL.error(.internalFailure, "cannot initialise AES-256-GCM") }
        var outLength: Int32 = 0
        if !aad.isEmpty {
            guard EVP_CipherUpdate(context, nil, &outLength, aad, Int32(aad.count)) == 1 else {
                throw OpenSSL.error(.internalFailure, "AES-256-GCM AAD failed")
            }
        }
        var written = 0
        if !input.isEmpty {
            let ok = output.withUnsafeMutableBufferPointer { out in
                EVP_CipherUpdate(context, out.baseAddress, &outLength, input, Int32(input.count))
            }
            guard ok == 1 else { throw OpenSSL.error(.internalFailure, "AES-256-GCM update failed") }
            written = Int(outLength)
        }
        if !encrypt {
            guard
                tag.withUnsafeMutableBytes({
                    EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_TAG, Int32(tagLength), $0.baseAddress)
                }) == 1
            else {
                throw OpenSSL.error(.internalFailure, "cannot set GCM tag")
            }
        }
        var final = [UInt8](repeating: 0, count: 16)
        let finalOK = EVP_CipherFinal_ex(context, &final, &outLength) == 1
        guard finalOK else {
            ERR_clear_error()
            throw CryptoError(.authenticationFailed, "authentication failed: wrong key or altered data")
        }
        precondition(written + Int(outLength) == input.count, "GCM produced an unexpected length")
        if encrypt {
            guard
                tag.withUnsafeMutableBytes({
                    EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_GET_TAG, Int32(tagLength), $0.baseAddress)
                }) == 1
            else {
                throw OpenSSL.error(.internalFailure, "cannot read GCM tag")
            }
        }
    }
}

/// Best-effort erasure of secrets held in Swift arrays.
public enum Memory {
    /// Overwrites the array's storage with zeros (`OPENSSL_cleanse`, which the optimiser cannot drop).
    public static func wipe(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { raw in
            if let base = raw.baseAddress { OPENSSL_cleanse(base, raw.count) }
        }
    }
}
