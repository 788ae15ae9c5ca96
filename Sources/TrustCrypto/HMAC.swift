internal import COpenSSL

/// HMAC (RFC 2104) through OpenSSL 3's one-shot `EVP_Q_mac`, with SHA-256 or SM3.
public enum HMAC {
    public static func authenticate(_ message: [UInt8], key: [UInt8], digest: DigestAlgorithm = .sha256) throws
        -> [UInt8]
    {
        guard !key.isEmpty else { throw CryptoError.invalid("HMAC key must not be empty") }
        OpenSSL.clearErrors()
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length = 0
        let name =
            digest == .sm3
            ? "SM3" : digest == .sha1 ? "SHA1" : digest == .sha384 ? "SHA384" : digest == .sha512 ? "SHA512" : "SHA256"
        let done = message.withUnsafeBufferPointer { messageBuffer in
            key.withUnsafeBufferPointer { keyBuffer in
                out.withUnsafeMutableBufferPointer { outBuffer in
                    EVP_Q_mac(
                        nil, "HMAC", nil, name, nil, keyBuffer.baseAddress, keyBuffer.count, messageBuffer.baseAddress,
                        messageBuffer.count, outBuffer.baseAddress, outBuffer.count, &length)
                }
            }
        }
        guard done != nil else { throw OpenSSL.error(.internalFailure, "HMAC failed") }
        return Array(out.prefix(Int(length)))
    }
}
