internal import COpenSSL
import Foundation

/// Owns one `X509_REQ`. SM2 requests get the standard distinguishing ID once, at construction, so the common
/// case verifies without copying the request.
final class X509RequestHandle: @unchecked Sendable {
    let pointer: OpaquePointer
    init(takingOwnership pointer: OpaquePointer) {
        self.pointer = pointer
        if let key = X509_REQ_get0_pubkey(pointer), EVP_PKEY_is_a(key, "SM2") == 1, let id = SM2IDSupport.makeID() {
            X509_REQ_set0_distinguishing_id(pointer, id)
        }
        ERR_clear_error()
    }
    deinit { X509_REQ_free(pointer) }
}

/// A PKCS#10 certificate signing request (RFC 2986), immutable, keeping its DER.
public struct CertificateSigningRequest: Sendable {
    let handle: X509RequestHandle
    public let der: [UInt8]

    /// Upper bound on accepted CSR size (a CSR with a 4096-bit key and many names is a few KiB).
    public static let maxSize = 64 * 1024

    public init(der: [UInt8]) throws {
        guard !der.isEmpty else { throw CryptoError.malformed("CSR is empty") }
        guard der.count <= Self.maxSize else { throw CryptoError.malformed("CSR is larger than \(Self.maxSize) bytes") }
        OpenSSL.clearErrors()
        let parsed = OpenSSL.d2iExact(der, { d2i_X509_REQ(nil, $0, $1) }, free: X509_REQ_free)
        guard let parsed else {
            throw OpenSSL.error(
                .malformedInput, "cannot decode CSR DER (truncated, trailing bytes or not a PKCS#10 request)")
        }
        self.handle = X509RequestHandle(takingOwnership: parsed)
        self.der = der
    }

    /// Parses a PEM `CERTIFICATE REQUEST` (also the legacy `NEW CERTIFICATE REQUEST` label).
    public init(pem: String) throws {
        guard pem.utf8.count <= Self.maxSize * 2 else { throw CryptoError.malformed("CSR PEM is too large") }
        guard pem.contains("CERTIFICATE REQUEST-----") else {
            throw CryptoError.malformed("no CERTIFICATE REQUEST block in PEM")
        }
        OpenSSL.clearErrors()
        let request = try OpenSSL.withReadBIO(Array(pem.utf8)) { PEM_read_bio_X509_REQ($0, nil, nil, nil) }
        guard let request else { throw OpenSSL.error(.malformedInput, "cannot decode CSR PEM") }
        defer { X509_REQ_free(request) }
        try self.init(der: try OpenSSL.i2d { i2d_X509_REQ(request, $0) })
    }

    public var subject: DistinguishedName { DistinguishedName(borrowing: X509_REQ_get_subject_name(handle.pointer)) }

    public var publicKey: PublicKey {
        get throws {
            guard let key = X509_REQ_get0_pubkey(handle.pointer) else {
                throw OpenSSL.error(.unsupportedAlgorithm, "CSR public key is not supported")
            }
            return PublicKey(try EVPKey(sharing: key))
        }
    }

    /// Proof of possession: `true` when the request's self-signature verifies with its own key. SM2 requests are
    /// checked with the given distinguishing ID (default `1234567812345678`) — OpenSSL 3.0 would use an empty one.
    public func verifySignature(sm2ID: SM2DistinguishingID = .default) -> Bool {
        OpenSSL.clearErrors()
        defer { ERR_clear_error() }
        guard let key = X509_REQ_get0_pubkey(handle.pointer) else { return false }
        if sm2ID == .default || EVP_PKEY_is_a(key, "SM2") != 1 {
            return X509_REQ_verify(handle.pointer, key) == 1  // the default ID was set at construction
        }
        // Another ID: work on a copy, since the ID is stored in the (shared) request object.
        guard let copy = X509_REQ_dup(handle.pointer) else { return false }
        defer { X509_REQ_free(copy) }
        guard let id = SM2IDSupport.makeID(sm2ID) else { return false }
        X509_REQ_set0_distinguishing_id(copy, id)
        return X509_REQ_verify(copy, key) == 1
    }

    /// subjectAltName entries requested in the extensionRequest attribute.
    public var requestedSubjectAlternativeNames: [GeneralName] {
        guard let extensions = X509_REQ_get_extensions(handle.pointer) else {
            ERR_clear_error()
            return []
        }
        defer { trustd_sk_X509_EXTENSION_pop_free(extensions) }
        guard let names = X509V3_get_d2i(extensions, NID_subject_alt_name, nil, nil) else { return [] }
        let stack = OpaquePointer(names)
        defer { trustd_GENERAL_NAMES_free(stack) }
        return GeneralName.read(stack)
    }

    /// Dotted OIDs of every requested extension (so a profile can refuse ones it does not allow).
    public var requestedExtensionOIDs: [String] {
        guard let extensions = X509_REQ_get_extensions(handle.pointer) else {
            ERR_clear_error()
            return []
        }
        defer { trustd_sk_X509_EXTENSION_pop_free(extensions) }
        return (0..<trustd_sk_X509_EXTENSION_num(extensions)).compactMap { index in
            trustd_sk_X509_EXTENSION_value(extensions, index).flatMap { X509_EXTENSION_get_object($0) }.map(
                ObjectID.dotted)
        }
    }
}

// MARK: - CSR creation (clients, tests, and trustd's own keys)

extension CertificateSigningRequest {
    /// Makes a CSR signed by `key` (SM2 with the default ID), optionally asking for subjectAltNames.
    public static func make(subject: DistinguishedName, key: PrivateKey, subjectAlternativeNames: [GeneralName] = [])
        throws -> CertificateSigningRequest
    {
        OpenSSL.clearErrors()
        guard let request = X509_REQ_new() else { throw OpenSSL.error(.internalFailure, "cannot allocate CSR") }
        defer { X509_REQ_free(request) }
        let name = try subject.makeX509Name()
        defer { X509_NAME_free(name) }
        guard X509_REQ_set_version(request, 0) == 1, X509_REQ_set_subject_name(request, name) == 1,
            X509_REQ_set_pubkey(request, key.key.pointer) == 1
        else { throw OpenSSL.error(.internalFailure, "cannot fill CSR") }
        if !subjectAlternativeNames.isEmpty {
            let names = try GeneralNames.make(subjectAlternativeNames)
            defer { trustd_GENERAL_NAMES_free(names) }
            guard let stack = OPENSSL_sk_new_null() else {
                throw OpenSSL.error(.internalFailure, "cannot allocate extensions")
            }
            defer { OPENSSL_sk_pop_free(stack, { X509_EXTENSION_free(OpaquePointer($0)) }) }
            guard let ext = X509V3_EXT_i2d(NID_subject_alt_name, 0, UnsafeMutableRawPointer(names)),
                OPENSSL_sk_push(stack, UnsafeRawPointer(ext)) > 0,
                X509_REQ_add_extensions(request, stack) == 1
            else { throw OpenSSL.error(.internalFailure, "cannot add subjectAltName to CSR") }
        }
        let algorithm = key.type.defaultSignatureAlgorithm
        guard let mdContext = EVP_MD_CTX_new() else {
            throw OpenSSL.error(.internalFailure, "cannot allocate digest context")
        }
        defer { EVP_MD_CTX_free(mdContext) }
        var keyContext: OpaquePointer? = nil
        guard EVP_DigestSignInit(mdContext, &keyContext, algorithm.digest.md.pointer, nil, key.key.pointer) == 1,
            let keyContext
        else {
            throw OpenSSL.error(.internalFailure, "cannot start CSR signature")
        }
        try SignatureEngine.configure(keyContext, algorithm, signing: true, digestMode: false)
        guard X509_REQ_sign_ctx(request, mdContext) > 0 else {
            throw OpenSSL.error(.internalFailure, "cannot sign CSR")
        }
        return try CertificateSigningRequest(der: try OpenSSL.i2d { i2d_X509_REQ(request, $0) })
    }

    public var pem: String {
        let body = Data(der).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        return "-----BEGIN CERTIFICATE REQUEST-----\n\(body)\n-----END CERTIFICATE REQUEST-----\n"
    }
}

enum GeneralNames {
    /// An owned GENERAL_NAMES stack built value by value (no string parsing, so no injection through commas).
    static func make(_ names: [GeneralName]) throws -> OpaquePointer {
        guard let stack = OPENSSL_sk_new_null() else { throw OpenSSL.error(.internalFailure, "cannot allocate names") }
        for name in names {
            guard let general = GENERAL_NAME_new() else {
                trustd_GENERAL_NAMES_free(stack)
                throw OpenSSL.error(.internalFailure, "cannot allocate name")
            }
            let ok: Bool
            switch name {
            case .ip(let address):
                if let octets = a2i_IPADDRESS(address) {
                    GENERAL_NAME_set0_value(general, GEN_IPADD, UnsafeMutableRawPointer(octets))
                    ok = true
                } else {
                    ok = false
                }
            case .dns(let text), .email(let text), .uri(let text):
                let type: Int32 =
                    if case .dns = name { GEN_DNS } else if case .email = name { GEN_EMAIL } else { GEN_URI }
                if let ia5 = ASN1_IA5STRING_new(), ASN1_STRING_set(ia5, text, Int32(text.utf8.count)) == 1 {
                    GENERAL_NAME_set0_value(general, type, UnsafeMutableRawPointer(ia5))
                    ok = true
                } else {
                    ok = false
                }
            }
            guard ok, OPENSSL_sk_push(stack, UnsafeRawPointer(general)) > 0 else {
                GENERAL_NAME_free(general)
                trustd_GENERAL_NAMES_free(stack)
                throw OpenSSL.error(.invalidArgument, "subjectAltName \(name) is not valid")
            }
        }
        return stack
    }
}
