internal import COpenSSL
import Synchronization

/// Owns one `X509` and frees it exactly once. Never mutated after construction (SM2 certificates get the
/// standard distinguishing ID set once, here, so chain validation checks their signatures correctly).
final class X509Handle: @unchecked Sendable {
    /// The certificate. For one this module just built from a CSR's encoded key, the key is not decoded here.
    let pointer: OpaquePointer
    /// DER to parse when a decoded key is first needed (`nil` when `pointer` already has it).
    private let pendingDER: [UInt8]?
    private struct Parsed: @unchecked Sendable { let pointer: OpaquePointer }
    private let parsed = Mutex<Parsed?>(nil)

    init(takingOwnership pointer: OpaquePointer, keyDecodedFrom der: [UInt8]? = nil) {
        self.pointer = pointer
        self.pendingDER = der
        X509Handle.prepare(pointer)
    }

    private static func prepare(_ pointer: OpaquePointer) {
        if X509_get_signature_nid(pointer) == NID_SM2_with_SM3 {
            // X509_verify reads the ID from the certificate object being checked (platform-recipes §4.4).
            SM2IDSupport.attach(to: pointer)
        }
    }

    /// The certificate with its public key decoded (for key use and path validation). Decoding a key costs a few
    /// hundred microseconds in OpenSSL 3.0, so freshly issued certificates do it only when someone needs it.
    var keyed: OpaquePointer {
        guard let pendingDER else { return pointer }
        return parsed.withLock { cached in
            if let cached { return cached.pointer }
            let decoded: OpaquePointer? = pendingDER.withUnsafeBufferPointer { buffer in
                var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
                return d2i_X509(nil, &cursor, buffer.count)
            }
            guard let decoded else { return pointer }  // cannot happen for DER this module wrote
            X509Handle.prepare(decoded)
            cached = Parsed(pointer: decoded)
            return decoded
        }
    }

    /// The subject key, wrapped once: its pooled contexts and SM2 `Z_A` then serve every verification with this
    /// (cached) certificate.
    private let keyWrapper = Mutex<EVPKey?>(nil)

    /// The subject as text, made once (a report names the signer and the anchor of every verification).
    private let subjectTextMemo = Mutex<String?>(nil)

    var subjectText: String {
        if let text = subjectTextMemo.withLock({ $0 }) { return text }
        let text = DistinguishedName(borrowing: X509_get_subject_name(pointer)).description
        subjectTextMemo.withLock { $0 = text }
        return text
    }

    func publicKey() throws -> EVPKey {
        if let key = keyWrapper.withLock({ $0 }) { return key }
        guard let pointer = X509_get0_pubkey(keyed) else {
            throw OpenSSL.error(.unsupportedAlgorithm, "certificate public key is not supported")
        }
        let wrapped = try EVPKey(sharing: pointer)
        return keyWrapper.withLock { kept in
            if let kept { return kept }
            kept = wrapped
            return wrapped
        }
    }

    deinit {
        X509_free(pointer)
        if let extra = parsed.withLock({ $0 }) { X509_free(extra.pointer) }
    }
}

enum SM2IDSupport {
    /// An owned ASN1_OCTET_STRING holding the default ID.
    static func makeID(_ id: SM2DistinguishingID = .default) -> UnsafeMutablePointer<ASN1_OCTET_STRING>? {
        guard let octets = ASN1_OCTET_STRING_new() else { return nil }
        guard ASN1_OCTET_STRING_set(octets, id.bytes, Int32(id.bytes.count)) == 1 else {
            ASN1_OCTET_STRING_free(octets)
            return nil
        }
        return octets
    }

    static func attach(to x509: OpaquePointer) {
        if let id = makeID() { X509_set0_distinguishing_id(x509, id) }  // takes ownership
    }
}
