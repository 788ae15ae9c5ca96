internal import COpenSSL

/// PKCS#1 `DigestInfo ::= SEQUENCE { digestAlgorithm AlgorithmIdentifier, digest OCTET STRING }` (RFC 8017 §9.2),
/// encoded by OpenSSL's `X509_SIG`. Needed where a device signs with raw `CKM_RSA_PKCS` over a host-side hash,
/// and by the RSA card profile.
public enum DigestInfo {
    public static func encode(_ algorithm: DigestAlgorithm, digest: [UInt8]) throws -> [UInt8] {
        guard digest.count == algorithm.outputLength else {
            throw CryptoError.invalid(
                "\(algorithm) digest must be \(algorithm.outputLength) bytes, got \(digest.count)")
        }
        OpenSSL.clearErrors()
        guard let info = X509_SIG_new() else { throw OpenSSL.error(.internalFailure, "cannot allocate DigestInfo") }
        defer { X509_SIG_free(info) }
        var algor: UnsafeMutablePointer<X509_ALGOR>? = nil
        var octets: UnsafeMutablePointer<ASN1_OCTET_STRING>? = nil
        X509_SIG_getm(info, &algor, &octets)
        let nid = OBJ_txt2nid(algorithm.oid)
        guard let algor, let octets, nid != NID_undef,
            X509_ALGOR_set0(algor, OBJ_nid2obj(nid), V_ASN1_NULL, nil) == 1,
            ASN1_OCTET_STRING_set(octets, digest, Int32(digest.count)) == 1
        else { throw OpenSSL.error(.internalFailure, "cannot build DigestInfo") }
        return try OpenSSL.i2d { i2d_X509_SIG(info, $0) }
    }
}

extension PublicKey {
    /// Builds an SM2 or P-256 key from a PKCS#11 `CKA_EC_POINT`: DER `OCTET STRING` wrapping `04‖X‖Y`
    /// (PKCS#11 v2.40 §2.3.3), or the bare point some modules return.
    public init(pkcs11ECPoint value: [UInt8], type: KeyType) throws {
        if value.count == 65, value.first == 0x04 {
            try self.init(ecPoint: value, type: type)
            return
        }
        OpenSSL.clearErrors()
        let point: [UInt8]? = value.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            guard let octets = d2i_ASN1_OCTET_STRING(nil, &cursor, buffer.count) else { return nil }
            defer { ASN1_OCTET_STRING_free(octets) }
            guard cursor == buffer.baseAddress! + buffer.count, let data = ASN1_STRING_get0_data(octets) else {
                return nil
            }
            return Array(UnsafeBufferPointer(start: data, count: Int(ASN1_STRING_length(octets))))
        }
        guard let point else {
            throw OpenSSL.error(.malformedInput, "CKA_EC_POINT is neither a DER OCTET STRING nor a raw point")
        }
        try self.init(ecPoint: point, type: type)
    }
}
