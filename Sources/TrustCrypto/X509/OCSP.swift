// Over 350 lines on purpose: the request, the response builder and the parsed response share OpenSSL handles whose
// lifetimes must stay in one file so that no OCSP pointer escapes its wrapper.
internal import COpenSSL
import Foundation

final class OCSPRequestHandle: @unchecked Sendable {
    let pointer: OpaquePointer
    init(takingOwnership pointer: OpaquePointer) { self.pointer = pointer }
    deinit { OCSP_REQUEST_free(pointer) }
}

/// An OCSP request (RFC 6960 §4.1), parsed by OpenSSL.
public struct OCSPRequest: Sendable {
    let handle: OCSPRequestHandle
    public let der: [UInt8]

    /// RFC 5019 keeps requests small; a request for many certificates is a denial-of-service vector.
    public static let maxSize = 16 * 1024
    public static let maxCertificates = 32
    public static let maxSerialOctets = 20

    /// One requested certificate: hash algorithm, issuer name/key hashes and serial number.
    public struct CertificateID: Sendable, Hashable {
        public let hashAlgorithm: DigestAlgorithm?
        public let hashAlgorithmOID: String
        public let issuerNameHash: [UInt8]
        public let issuerKeyHash: [UInt8]
        public let serialNumber: [UInt8]
        /// The CertID DER as received, echoed in the response.
        public let der: [UInt8]
    }

    public let certificateIDs: [CertificateID]
    /// The nonce extension's value (the OCTET STRING contents), if present.
    public let nonce: [UInt8]?

    public init(der: [UInt8]) throws {
        guard !der.isEmpty else { throw CryptoError.malformed("OCSP request is empty") }
        guard der.count <= Self.maxSize else {
            throw CryptoError.malformed("OCSP request is larger than \(Self.maxSize) bytes")
        }
        OpenSSL.clearErrors()
        let parsed = OpenSSL.d2iExact(der, { d2i_OCSP_REQUEST(nil, $0, $1) }, free: OCSP_REQUEST_free)
        guard let parsed else { throw OpenSSL.error(.malformedInput, "cannot decode OCSP request") }
        self.handle = OCSPRequestHandle(takingOwnership: parsed)
        self.der = der
        let count = trustd_OCSP_ONEREQ_count(parsed)
        guard count > 0 else { throw CryptoError.malformed("OCSP request names no certificate") }
        guard count <= Self.maxCertificates else {
            throw CryptoError.malformed("OCSP request names more than \(Self.maxCertificates) certificates")
        }
        var ids: [CertificateID] = []
        for index in 0..<count {
            guard let one = OCSP_request_onereq_get0(parsed, index), let id = OCSP_onereq_get0_id(one) else {
                throw CryptoError.malformed("OCSP request entry \(index) is unreadable")
            }
            var nameHash: UnsafeMutablePointer<ASN1_OCTET_STRING>? = nil
            var keyHash: UnsafeMutablePointer<ASN1_OCTET_STRING>? = nil
            var algorithm: OpaquePointer? = nil
            var serial: UnsafeMutablePointer<ASN1_INTEGER>? = nil
            guard OCSP_id_get0_info(&nameHash, &algorithm, &keyHash, &serial, id) == 1,
                let nameHash, let keyHash, let algorithm, let serial
            else { throw CryptoError.malformed("OCSP request entry \(index) has an incomplete CertID") }
            let oid = ObjectID.dotted(algorithm)
            let serialNumber = Array(ASN1Text.bytes(serial).drop { $0 == 0 })
            // RFC 5280 §4.1.2.2: conforming serials are at most 20 octets; a longer one names no certificate.
            guard serialNumber.count <= Self.maxSerialOctets else {
                throw CryptoError.malformed(
                    "OCSP request entry \(index) has a serial number longer than \(Self.maxSerialOctets) octets")
            }
            ids.append(
                CertificateID(
                    hashAlgorithm: DigestAlgorithm.allCases.first { $0.oid == oid },
                    hashAlgorithmOID: oid,
                    issuerNameHash: ASN1Text.bytes(nameHash), issuerKeyHash: ASN1Text.bytes(keyHash),
                    serialNumber: serialNumber,
                    der: try OpenSSL.i2d { i2d_OCSP_CERTID(id, $0) }))
        }
        self.certificateIDs = ids
        let index = OCSP_REQUEST_get_ext_by_NID(parsed, NID_id_pkix_OCSP_Nonce, -1)
        if index >= 0, let ext = OCSP_REQUEST_get_ext(parsed, index), let data = X509_EXTENSION_get_data(ext) {
            // The extension value is an OCTET STRING wrapping the nonce (RFC 6960 §4.4.1).
            let raw = ASN1Text.bytes(data)
            nonce = raw.withUnsafeBufferPointer { buffer -> [UInt8]? in
                var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
                guard let octets = d2i_ASN1_OCTET_STRING(nil, &cursor, buffer.count) else { return raw }
                defer { ASN1_OCTET_STRING_free(octets) }
                return ASN1Text.bytes(octets)
            }
        } else {
            nonce = nil
        }
    }

    /// Builds a request (for clients and tests): SHA-1 or SHA-256 CertIDs, optional nonce.
    public static func make(
        for certificates: [Certificate], issuer: Certificate, hash: DigestAlgorithm = .sha1,
        nonce: [UInt8]? = nil
    ) throws -> OCSPRequest {
        guard let request = OCSP_REQUEST_new() else { throw OpenSSL.error(.internalFailure, "cannot allocate request") }
        defer { OCSP_REQUEST_free(request) }
        for certificate in certificates {
            guard let id = OCSP_cert_to_id(hash.md.pointer, certificate.handle.pointer, issuer.handle.pointer),
                OCSP_request_add0_id(request, id) != nil
            else { throw OpenSSL.error(.internalFailure, "cannot add CertID") }
        }
        if var nonce {
            guard
                nonce.withUnsafeMutableBufferPointer({
                    OCSP_request_add1_nonce(request, $0.baseAddress, Int32($0.count))
                }) == 1
            else {
                throw OpenSSL.error(.internalFailure, "cannot add nonce")
            }
        }
        return try OCSPRequest(der: try OpenSSL.i2d { i2d_OCSP_REQUEST(request, $0) })
    }

    /// The DER of a request for bare serial numbers of `issuer`'s certificates (for clients, tests and load tools);
    /// not parsed back, so it may carry serials a responder must refuse.
    public static func der(serials: [[UInt8]], issuer: Certificate, hash: DigestAlgorithm = .sha1) throws -> [UInt8] {
        guard let request = OCSP_REQUEST_new() else { throw OpenSSL.error(.internalFailure, "cannot allocate request") }
        defer { OCSP_REQUEST_free(request) }
        for serialNumber in serials {
            let serial = serialNumber.withUnsafeBufferPointer { BN_bin2bn($0.baseAddress, Int32($0.count), nil) }
            defer { BN_free(serial) }
            guard let serial, let integer = BN_to_ASN1_INTEGER(serial, nil) else {
                throw OpenSSL.error(.internalFailure, "bad serial")
            }
            defer { ASN1_INTEGER_free(integer) }
            guard
                let id = OCSP_cert_id_new(
                    hash.md.pointer, X509_get_subject_name(issuer.handle.pointer),
                    X509_get0_pubkey_bitstr(issuer.handle.pointer), integer),
                OCSP_request_add0_id(request, id) != nil
            else { throw OpenSSL.error(.internalFailure, "cannot add CertID") }
        }
        return try OpenSSL.i2d { i2d_OCSP_REQUEST(request, $0) }
    }
}

/// Status of one certificate in an OCSP response.
public enum OCSPCertificateStatus: Sendable, Hashable {
    case good
    case revoked(at: Date, reason: RevocationReason?)
    case unknown
}

/// Answers for one CertID.
public struct OCSPSingleResponse: Sendable {
    public let certificateID: OCSPRequest.CertificateID
    public let status: OCSPCertificateStatus
    public let thisUpdate: Date
    public let nextUpdate: Date

    public init(
        certificateID: OCSPRequest.CertificateID, status: OCSPCertificateStatus, thisUpdate: Date, nextUpdate: Date
    ) {
        self.certificateID = certificateID
        self.status = status
        self.thisUpdate = thisUpdate
        self.nextUpdate = nextUpdate
    }
}

/// RFC 6960 §4.2.1 response status for unsuccessful responses.
public enum OCSPErrorStatus: Int32, Sendable {
    case malformedRequest = 1
    case internalError = 2
    case tryLater = 3
    case sigRequired = 5
    case unauthorized = 6
}

/// A delegated OCSP signer (RFC 6960 §4.2.2.2): its certificate and a ``Signer`` for its key.
public struct OCSPSigner: Sendable {
    public let certificate: Certificate
    public let signer: Signer
    /// A throwaway certificate with the signer's subject name and a throwaway key; OpenSSL's OCSP builder needs a
    /// certificate/key pair to set producedAt and the byName responderID. Its signature is always replaced.
    let placeholder: (certificate: Certificate, key: PrivateKey)

    public init(certificate: Certificate, signer: Signer) throws {
        self.certificate = certificate
        self.signer = signer
        let key = DummyKeys.p256
        let template = CertificateTemplate(
            serialNumber: [1], subject: certificate.subject, notBefore: certificate.notBefore,
            notAfter: certificate.notAfter, publicKey: try key.publicKey, extensions: [])
        self.placeholder = (try CertificateBuilder.issue(template, issuer: nil, signer: try PrivateKeySigner(key)), key)
    }
}

/// Builds signed OCSP responses with OpenSSL.
public enum OCSPResponseBuilder {
    /// A `successful` response with a BasicOCSPResponse for `responses`, signed by `signer`; the request `nonce`
    /// is echoed when given. The signer certificate is included.
    public static func build(
        _ responses: [OCSPSingleResponse], signer: OCSPSigner, producedAt: Date = Date(),
        nonce: [UInt8]? = nil
    ) throws -> [UInt8] {
        OpenSSL.clearErrors()
        guard let basic = OCSP_BASICRESP_new() else {
            throw OpenSSL.error(.internalFailure, "cannot allocate response")
        }
        defer { OCSP_BASICRESP_free(basic) }
        for single in responses {
            let id: OpaquePointer? = single.certificateID.der.withUnsafeBufferPointer { buffer in
                var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
                return d2i_OCSP_CERTID(nil, &cursor, buffer.count)
            }
            guard let id else { throw OpenSSL.error(.malformedInput, "cannot decode CertID") }
            defer { OCSP_CERTID_free(id) }
            guard let thisUpdate = ASN1_TIME_set(nil, time_t(single.thisUpdate.timeIntervalSince1970)),
                let nextUpdate = ASN1_TIME_set(nil, time_t(single.nextUpdate.timeIntervalSince1970))
            else { throw OpenSSL.error(.internalFailure, "cannot encode times") }
            defer {
                ASN1_TIME_free(thisUpdate)
                ASN1_TIME_free(nextUpdate)
            }
            var revokedAt: UnsafeMutablePointer<ASN1_TIME>? = nil
            defer { ASN1_TIME_free(revokedAt) }
            let status: Int32
            let reason: Int32
            switch single.status {
            case .good: (status, reason) = (V_OCSP_CERTSTATUS_GOOD, -1)
            case .unknown: (status, reason) = (V_OCSP_CERTSTATUS_UNKNOWN, -1)
            case .revoked(let date, let why):
                revokedAt = ASN1_TIME_set(nil, time_t(date.timeIntervalSince1970))
                status = V_OCSP_CERTSTATUS_REVOKED
                reason = Int32(why.map { $0 == .unspecified ? -1 : $0.rawValue } ?? -1)
            }
            guard OCSP_basic_add1_status(basic, id, status, reason, revokedAt, thisUpdate, nextUpdate) != nil else {
                throw OpenSSL.error(.internalFailure, "cannot add single response")
            }
        }
        if var nonce {
            guard
                nonce.withUnsafeMutableBufferPointer({ OCSP_basic_add1_nonce(basic, $0.baseAddress, Int32($0.count)) })
                    == 1
            else {
                throw OpenSSL.error(.internalFailure, "cannot add nonce")
            }
        }
        // Placeholder signature: sets producedAt and responderID (byName = the real signer's subject).
        let key = signer.placeholder.key
        guard let mdContext = EVP_MD_CTX_new() else { throw OpenSSL.error(.internalFailure, "cannot allocate context") }
        defer { EVP_MD_CTX_free(mdContext) }
        guard EVP_DigestSignInit(mdContext, nil, FetchedMD.sha256.pointer, nil, key.key.pointer) == 1,
            OCSP_basic_sign_ctx(
                basic, signer.placeholder.certificate.handle.pointer, mdContext, nil, UInt(OCSP_NOCERTS)) == 1
        else { throw OpenSSL.error(.internalFailure, "cannot prepare the OCSP response") }
        // The real signature over tbsResponseData (OCSP_RESPDATA has no cached encoding: i2d re-encodes).
        try ExternalSignature.setAlgorithm(
            OCSP_resp_get0_tbs_sigalg(basic), try signer.signer.signatureAlgorithm.x509AlgorithmIdentifier())
        let tbs = try OpenSSL.i2d { i2d_OCSP_RESPDATA(OCSP_resp_get0_respdata(basic), $0) }
        let signature = try signer.signer.sign(tbs)
        try ExternalSignature.setSignature(UnsafePointer(OpaquePointer(OCSP_resp_get0_signature(basic))), signature)
        guard OCSP_basic_add1_cert(basic, signer.certificate.handle.pointer) == 1,
            let response = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, basic)
        else { throw OpenSSL.error(.internalFailure, "cannot finish the OCSP response") }
        defer { OCSP_RESPONSE_free(response) }
        _ = producedAt  // OpenSSL stamps producedAt with the current time during the placeholder signature.
        return try OpenSSL.i2d { i2d_OCSP_RESPONSE(response, $0) }
    }

    /// An unsuccessful response (no body).
    public static func error(_ status: OCSPErrorStatus) -> [UInt8] {
        guard let response = OCSP_response_create(status.rawValue, nil) else {
            return [0x30, 0x03, 0x0a, 0x01, UInt8(status.rawValue)]
        }
        defer { OCSP_RESPONSE_free(response) }
        return (try? OpenSSL.i2d { i2d_OCSP_RESPONSE(response, $0) }) ?? [
            0x30, 0x03, 0x0a, 0x01, UInt8(status.rawValue),
        ]
    }

    /// The CertID a response for `serial` of a certificate issued by `issuer` would carry (for pre-signing).
    public static func certificateID(serialNumber: [UInt8], issuer: Certificate, hash: DigestAlgorithm) throws
        -> OCSPRequest.CertificateID
    {
        let serial = serialNumber.withUnsafeBufferPointer { BN_bin2bn($0.baseAddress, Int32($0.count), nil) }
        defer { BN_free(serial) }
        guard let serial, let integer = BN_to_ASN1_INTEGER(serial, nil) else {
            throw OpenSSL.error(.internalFailure, "bad serial")
        }
        defer { ASN1_INTEGER_free(integer) }
        guard
            let id = OCSP_cert_id_new(
                hash.md.pointer, X509_get_subject_name(issuer.handle.pointer),
                X509_get0_pubkey_bitstr(issuer.handle.pointer), integer)
        else { throw OpenSSL.error(.internalFailure, "cannot build CertID") }
        defer { OCSP_CERTID_free(id) }
        let der = try OpenSSL.i2d { i2d_OCSP_CERTID(id, $0) }
        let hashes = issuerHashes(issuer, hash)
        return OCSPRequest.CertificateID(
            hashAlgorithm: hash, hashAlgorithmOID: hash.oid, issuerNameHash: hashes.name,
            issuerKeyHash: hashes.key, serialNumber: Array(serialNumber.drop { $0 == 0 }), der: der)
    }

    /// issuerNameHash and issuerKeyHash of `issuer` under `hash` (RFC 6960 §4.1.1): the hash of the DER subject
    /// name and of the subjectPublicKey BIT STRING value.
    public static func issuerHashes(_ issuer: Certificate, _ hash: DigestAlgorithm) -> (name: [UInt8], key: [UInt8]) {
        let name = (try? OpenSSL.i2d { i2d_X509_NAME(X509_get_subject_name(issuer.handle.pointer), $0) }) ?? []
        let key =
            X509_get0_pubkey_bitstr(issuer.handle.pointer).map { ASN1Text.bytes(UnsafePointer(OpaquePointer($0))) }
            ?? []
        return (Digest.hash(hash, name), Digest.hash(hash, key))
    }
}

/// A parsed OCSP response (for verification and tests).
public struct OCSPResponse: Sendable {
    public let der: [UInt8]
    public let status: Int32
    /// The BasicOCSPResponse DER, when successful.
    public let basicDER: [UInt8]?

    public init(der: [UInt8]) throws {
        self.der = der
        let parsed: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_OCSP_RESPONSE(nil, &cursor, buffer.count)
        }
        guard let parsed else { throw OpenSSL.error(.malformedInput, "cannot decode OCSP response") }
        defer { OCSP_RESPONSE_free(parsed) }
        status = OCSP_response_status(parsed)
        if let basic = OCSP_response_get1_basic(parsed) {
            defer { OCSP_BASICRESP_free(basic) }
            basicDER = try OpenSSL.i2d { i2d_OCSP_BASICRESP(basic, $0) }
        } else {
            ERR_clear_error()
            basicDER = nil
        }
    }

    /// `true` if the BasicOCSPResponse signature verifies with `key` over tbsResponseData as received
    /// (SM2 with the standard ID — OpenSSL 3.0 cannot set one for OCSP).
    public func isSigned(by key: PublicKey) -> Bool {
        guard let basicDER, let tbs = DERSlice.firstElement(basicDER) else { return false }
        let parsed: OpaquePointer? = basicDER.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_OCSP_BASICRESP(nil, &cursor, buffer.count)
        }
        guard let parsed else { return false }
        defer { OCSP_BASICRESP_free(parsed) }
        guard let algorithm = OCSP_resp_get0_tbs_sigalg(parsed), let object = algorithm.pointee.algorithm,
            let scheme = SignatureAlgorithm(x509NID: OBJ_obj2nid(object)),
            let signature = OCSP_resp_get0_signature(parsed)
        else { return false }
        return
            (try? key.isValidSignature(
                ASN1Text.bytes(UnsafePointer(OpaquePointer(signature))), for: Array(tbs), algorithm: scheme)) == true
    }
}
