internal import COpenSSL

/// Conversions between the two encodings of an `(r,s)` signature (SM2 and ECDSA):
/// DER `SEQUENCE { r INTEGER, s INTEGER }` (GM/T 0009 §7, RFC 3279) and raw fixed-width `r‖s`
/// (what smart cards, PKCS#11 `CKM_ECDSA` and some seal vendors produce).
public enum ECDSASignature {
    /// Encodes raw `r‖s` (two equal halves) as DER.
    public static func derFromRaw(_ raw: [UInt8]) throws -> [UInt8] {
        guard !raw.isEmpty, raw.count % 2 == 0, raw.count <= 132 else {
            throw CryptoError(
                .invalidSignatureEncoding,
                "raw r‖s signature must have an even length up to 132 bytes, got \(raw.count)")
        }
        let half = raw.count / 2
        OpenSSL.clearErrors()
        let r = raw.withUnsafeBufferPointer { BN_bin2bn($0.baseAddress, Int32(half), nil) }
        let s = raw.withUnsafeBufferPointer { BN_bin2bn($0.baseAddress! + half, Int32(half), nil) }
        guard let r, let s, let signature = ECDSA_SIG_new() else {
            BN_free(r)
            BN_free(s)
            throw OpenSSL.error(.internalFailure, "cannot allocate signature")
        }
        defer { ECDSA_SIG_free(signature) }
        guard ECDSA_SIG_set0(signature, r, s) == 1 else {  // takes ownership of r and s
            BN_free(r)
            BN_free(s)
            throw OpenSSL.error(.internalFailure, "cannot set signature values")
        }
        return try OpenSSL.i2d { i2d_ECDSA_SIG(signature, $0) }
    }

    /// Decodes DER `(r,s)` into raw `r‖s`, each half `componentLength` bytes (32 for SM2 and P-256).
    public static func rawFromDER(_ der: [UInt8], componentLength: Int = 32) throws -> [UInt8] {
        let (r, s) = try components(der)
        guard r.count <= componentLength, s.count <= componentLength else {
            throw CryptoError(.invalidSignatureEncoding, "signature value longer than \(componentLength) bytes")
        }
        return Array(repeating: 0, count: componentLength - r.count) + r
            + Array(repeating: 0, count: componentLength - s.count) + s
    }

    /// Re-encodes a DER signature canonically (minimal INTEGERs), or `nil` if it is not one DER `(r,s)`.
    static func canonicalDER(_ der: [UInt8]) -> [UInt8]? {
        guard let (r, s) = try? components(der) else { return nil }
        return try? derFromRaw(pad(r, to: max(r.count, s.count)) + pad(s, to: max(r.count, s.count)))
    }

    private static func pad(_ bytes: [UInt8], to length: Int) -> [UInt8] {
        Array(repeating: 0, count: length - bytes.count) + bytes
    }

    /// Big-endian magnitudes of r and s, without leading zeros.
    private static func components(_ der: [UInt8]) throws -> ([UInt8], [UInt8]) {
        guard !der.isEmpty, der.count <= 512 else {
            throw CryptoError(.invalidSignatureEncoding, "DER signature is empty or too long")
        }
        OpenSSL.clearErrors()
        let parsed = OpenSSL.d2iExact(der, { d2i_ECDSA_SIG(nil, $0, $1) }, free: ECDSA_SIG_free)
        guard let parsed else {
            ERR_clear_error()
            throw CryptoError(.invalidSignatureEncoding, "signature is not a DER SEQUENCE of two INTEGERs")
        }
        defer { ECDSA_SIG_free(parsed) }
        guard let r = ECDSA_SIG_get0_r(parsed), let s = ECDSA_SIG_get0_s(parsed),
            BN_is_negative(r) == 0, BN_is_negative(s) == 0
        else { throw CryptoError(.invalidSignatureEncoding, "signature values must be positive") }
        return (bytes(r), bytes(s))
    }

    private static func bytes(_ bn: OpaquePointer) -> [UInt8] {
        let count = Int((BN_num_bits(bn) + 7) / 8)
        var out = [UInt8](repeating: 0, count: count)
        _ = out.withUnsafeMutableBufferPointer { BN_bn2bin(bn, $0.baseAddress) }
        return out
    }
}
