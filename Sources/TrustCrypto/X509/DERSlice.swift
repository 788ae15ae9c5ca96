internal import COpenSSL

/// Locating elements inside received DER with OpenSSL's `ASN1_get_object`, so signatures are checked over the
/// bytes exactly as received (never over a re-encoding).
enum DERSlice {
    /// The complete TLV of the first element inside the outer SEQUENCE of `der` (the TBS part of a signed
    /// structure such as CertificateList or BasicOCSPResponse).
    static func firstElement(_ der: [UInt8]) -> ArraySlice<UInt8>? {
        der.withUnsafeBufferPointer { buffer -> ArraySlice<UInt8>? in
            guard let base = buffer.baseAddress else { return nil }
            var cursor: UnsafePointer<UInt8>? = base
            var length = 0
            var tag: Int32 = 0
            var tagClass: Int32 = 0
            let outer = ASN1_get_object(&cursor, &length, &tag, &tagClass, buffer.count)
            guard outer & 0x80 == 0, outer & V_ASN1_CONSTRUCTED != 0, tag == V_ASN1_SEQUENCE, let start = cursor else {
                return nil
            }
            let innerStart = start - base
            let inner = ASN1_get_object(&cursor, &length, &tag, &tagClass, buffer.count - innerStart)
            guard inner & 0x80 == 0, let contents = cursor else { return nil }
            let end = (contents - base) + length
            guard end <= buffer.count else { return nil }
            return der[innerStart..<end]
        }
    }
}
