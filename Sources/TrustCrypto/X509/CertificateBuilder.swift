internal import COpenSSL
import Foundation

/// An extension for ``CertificateBuilder``. OpenSSL encodes every one of them.
public enum CertificateExtension: Sendable, Hashable {
    case basicConstraints(ca: Bool, pathLength: Int?)
    case keyUsage(KeyUsage, critical: Bool = true)
    case extendedKeyUsage([String], critical: Bool = false)
    /// SubjectKeyIdentifier, RFC 5280 §4.2.1.2 method 1 (SHA-1 of the subjectPublicKey BIT STRING).
    case subjectKeyIdentifier
    /// AuthorityKeyIdentifier copied from the issuer's SubjectKeyIdentifier.
    case authorityKeyIdentifier
    case subjectAlternativeNames([GeneralName], critical: Bool = false)
    case crlDistributionPoints([String])
    case authorityInfoAccess(ocsp: [String], caIssuers: [String])
    /// id-pkix-ocsp-nocheck (RFC 6960 §4.2.2.2.1) for delegated OCSP signers.
    case ocspNoCheck
    /// Any other extension: dotted OID and the DER of its value.
    case custom(oid: String, critical: Bool, value: [UInt8])
}

/// What goes into a certificate before it is signed.
public struct CertificateTemplate: Sendable {
    public var serialNumber: [UInt8]
    public var subject: DistinguishedName
    public var notBefore: Date
    public var notAfter: Date
    public var publicKey: PublicKey
    public var extensions: [CertificateExtension]
    /// When the key comes from a CSR, its SubjectPublicKeyInfo is copied as encoded there (OpenSSL 3.0's
    /// encoder framework makes re-encoding a key cost several hundred microseconds).
    public var request: CertificateSigningRequest?

    public init(
        serialNumber: [UInt8], subject: DistinguishedName, notBefore: Date, notAfter: Date,
        publicKey: PublicKey, extensions: [CertificateExtension], request: CertificateSigningRequest? = nil
    ) {
        self.serialNumber = serialNumber
        self.subject = subject
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.publicKey = publicKey
        self.extensions = extensions
        self.request = request
    }
}

/// Builds X.509 v3 certificates with OpenSSL and signs them through a ``Signer``.
///
/// The TBSCertificate is encoded by OpenSSL (`i2d_re_X509_tbs`), signed by the signer (so the CA key may live in
/// an HSM), and the signature is placed into the certificate; both AlgorithmIdentifiers are set first.
public enum CertificateBuilder {
    /// A fresh serial number: 20 random bytes with the top bit cleared (positive, RFC 5280 §4.1.2.2 allows
    /// up to 20 octets) and never zero — 159 bits of entropy, well above CA/B Forum's 64.
    public static func randomSerialNumber() -> [UInt8] {
        var serial = SecureRandom.bytes(20)
        serial[0] &= 0x7f
        if serial[0] == 0 { serial[0] = 0x01 }  // keep 20 significant bytes
        return serial
    }

    /// Issues a certificate. `issuer` is `nil` for a self-signed certificate (then the signer's key must be the
    /// template's key).
    public static func issue(_ template: CertificateTemplate, issuer: Certificate?, signer: Signer) throws
        -> Certificate
    {
        OpenSSL.clearErrors()
        guard !template.serialNumber.isEmpty, template.serialNumber.count <= 20, template.serialNumber[0] & 0x80 == 0
        else {
            throw CryptoError.invalid("serial number must be 1–20 bytes and positive")
        }
        guard template.notBefore < template.notAfter else {
            throw CryptoError.invalid("notBefore must be before notAfter")
        }
        if issuer == nil, signer.publicKey != template.publicKey {
            throw CryptoError.invalid("a self-signed certificate must be signed by its own key")
        }
        guard let x509 = X509_new() else { throw OpenSSL.error(.internalFailure, "cannot allocate certificate") }
        var owned = true
        defer { if owned { X509_free(x509) } }

        // Version, serial, names, validity, key.
        let serial = template.serialNumber.withUnsafeBufferPointer { BN_bin2bn($0.baseAddress, Int32($0.count), nil) }
        defer { BN_free(serial) }
        guard X509_set_version(x509, 2) == 1, let serial,
            let asn1Serial = BN_to_ASN1_INTEGER(serial, nil)
        else { throw OpenSSL.error(.internalFailure, "cannot set serial number") }
        defer { ASN1_INTEGER_free(asn1Serial) }
        let subject = try template.subject.makeX509Name()
        defer { X509_NAME_free(subject) }
        guard X509_set_serialNumber(x509, asn1Serial) == 1,
            X509_set_subject_name(x509, subject) == 1,
            X509_set_issuer_name(x509, issuer.map { X509_get_subject_name($0.handle.pointer) } ?? subject) == 1,
            ASN1_TIME_set(X509_getm_notBefore(x509), time_t(template.notBefore.timeIntervalSince1970)) != nil,
            ASN1_TIME_set(X509_getm_notAfter(x509), time_t(template.notAfter.timeIntervalSince1970)) != nil
        else { throw OpenSSL.error(.internalFailure, "cannot fill certificate fields") }
        if let request = template.request {
            try copySubjectPublicKeyInfo(from: request, to: x509)
        } else {
            guard X509_set_pubkey(x509, template.publicKey.key.pointer) == 1 else {
                throw OpenSSL.error(.internalFailure, "cannot set the public key")
            }
        }

        // Extensions (SKI first: a self-signed AKI copies it from the certificate itself).
        var context = X509V3_CTX()
        X509V3_set_ctx(&context, issuer?.handle.pointer ?? x509, x509, nil, nil, 0)
        let ordered =
            template.extensions.filter { $0 == .subjectKeyIdentifier }
            + template.extensions.filter { $0 != .subjectKeyIdentifier }
        for ext in ordered { try add(ext, to: x509, context: &context) }

        // Sign externally.
        let identifier = try signer.signatureAlgorithm.x509AlgorithmIdentifier()
        try ExternalSignature.setAlgorithm(X509_get0_tbs_sigalg(x509), identifier)
        var signatureBits: UnsafePointer<ASN1_BIT_STRING>? = nil
        var outerAlgorithm: UnsafePointer<X509_ALGOR>? = nil
        X509_get0_signature(&signatureBits, &outerAlgorithm, x509)
        try ExternalSignature.setAlgorithm(outerAlgorithm, identifier)
        let tbs = try OpenSSL.i2d { i2d_re_X509_tbs(x509, $0) }
        try ExternalSignature.setSignature(signatureBits, try signer.sign(tbs))
        let der = try OpenSSL.i2d { i2d_X509(x509, $0) }
        // The certificate value takes the X509 we built. A copied SubjectPublicKeyInfo leaves it without a decoded
        // key, which OpenSSL 3.0 needs for key use and path validation: that is decoded on first need.
        owned = false
        return Certificate(building: x509, der: der, keyDecoded: template.request == nil)
    }

    /// Copies algorithm, parameters and key bits of the request's SubjectPublicKeyInfo into the certificate.
    private static func copySubjectPublicKeyInfo(from request: CertificateSigningRequest, to x509: OpaquePointer) throws
    {
        var algorithm: OpaquePointer? = nil
        var keyBytes: UnsafePointer<UInt8>? = nil
        var keyLength: Int32 = 0
        var parameters: UnsafeMutablePointer<X509_ALGOR>? = nil
        guard let source = X509_REQ_get_X509_PUBKEY(request.handle.pointer), let target = X509_get_X509_PUBKEY(x509),
            X509_PUBKEY_get0_param(&algorithm, &keyBytes, &keyLength, &parameters, source) == 1,
            let algorithm, let keyBytes, let parameters
        else { throw OpenSSL.error(.internalFailure, "cannot read the request's public key") }
        var parameterObject: OpaquePointer? = nil
        var parameterType: Int32 = 0
        var parameterValue: UnsafeRawPointer? = nil
        X509_ALGOR_get0(&parameterObject, &parameterType, &parameterValue, parameters)
        // Duplicate everything set0 takes ownership of.
        var copiedValue: UnsafeMutableRawPointer? = nil
        switch parameterType {
        case V_ASN1_OBJECT:
            copiedValue = parameterValue.flatMap { OBJ_dup(OpaquePointer($0)) }.map { UnsafeMutableRawPointer($0) }
        case V_ASN1_SEQUENCE, V_ASN1_OCTET_STRING:
            copiedValue = parameterValue.flatMap { ASN1_STRING_dup($0.assumingMemoryBound(to: ASN1_STRING.self)) }.map {
                UnsafeMutableRawPointer($0)
            }
        case V_ASN1_NULL, V_ASN1_UNDEF, -1:
            copiedValue = nil
        default:
            throw CryptoError.unsupported("unsupported public key parameters (type \(parameterType))")
        }
        guard let buffer = CRYPTO_malloc(Int(keyLength), nil, 0) else {
            throw OpenSSL.error(.internalFailure, "out of memory")
        }
        buffer.copyMemory(from: keyBytes, byteCount: Int(keyLength))
        guard let objectCopy = OBJ_dup(algorithm),
            X509_PUBKEY_set0_param(
                target, objectCopy, parameterType == -1 ? V_ASN1_UNDEF : parameterType, copiedValue,
                buffer.assumingMemoryBound(to: UInt8.self), keyLength) == 1
        else {
            CRYPTO_free(buffer, nil, 0)
            throw OpenSSL.error(.internalFailure, "cannot set the public key")
        }
    }

    private static func add(_ ext: CertificateExtension, to x509: OpaquePointer, context: inout X509V3_CTX) throws {
        switch ext {
        case .basicConstraints(let ca, let pathLength):
            var value = ca ? "critical,CA:TRUE" : "critical,CA:FALSE"
            if ca, let pathLength { value += ",pathlen:\(pathLength)" }
            try addConf(NID_basic_constraints, value, x509, &context)
        case .keyUsage(let usage, let critical):
            guard !usage.isEmpty else { return }
            try addConf(
                NID_key_usage, (critical ? "critical," : "") + usage.names.joined(separator: ","), x509, &context)
        case .extendedKeyUsage(let oids, let critical):
            guard !oids.isEmpty else { return }
            for oid in oids where !oid.allSatisfy({ $0.isNumber || $0 == "." }) {
                throw CryptoError.invalid("extended key usage must be a dotted OID, got \(oid)")
            }
            try addConf(NID_ext_key_usage, (critical ? "critical," : "") + oids.joined(separator: ","), x509, &context)
        case .subjectKeyIdentifier:
            try addConf(NID_subject_key_identifier, "hash", x509, &context)
        case .authorityKeyIdentifier:
            try addConf(NID_authority_key_identifier, "keyid:always", x509, &context)
        case .subjectAlternativeNames(let names, let critical):
            guard !names.isEmpty else { return }
            let stack = try GeneralNames.make(names)
            defer { trustd_GENERAL_NAMES_free(stack) }
            guard
                X509_add1_ext_i2d(
                    x509, NID_subject_alt_name, UnsafeMutableRawPointer(stack), critical ? 1 : 0,
                    UInt(X509V3_ADD_DEFAULT)) == 1
            else {
                throw OpenSSL.error(.invalidArgument, "cannot add subjectAltName")
            }
        case .crlDistributionPoints(let urls):
            guard !urls.isEmpty else { return }
            try urls.forEach(checkURL)
            try addConf(NID_crl_distribution_points, urls.map { "URI:\($0)" }.joined(separator: ","), x509, &context)
        case .authorityInfoAccess(let ocsp, let caIssuers):
            guard !(ocsp.isEmpty && caIssuers.isEmpty) else { return }
            try (ocsp + caIssuers).forEach(checkURL)
            let value = (ocsp.map { "OCSP;URI:\($0)" } + caIssuers.map { "caIssuers;URI:\($0)" }).joined(separator: ",")
            try addConf(NID_info_access, value, x509, &context)
        case .ocspNoCheck:
            guard let none = ASN1_NULL_new() else { throw OpenSSL.error(.internalFailure, "cannot allocate NULL") }
            defer { ASN1_NULL_free(none) }
            guard
                X509_add1_ext_i2d(
                    x509, NID_id_pkix_OCSP_noCheck, UnsafeMutableRawPointer(none), 0, UInt(X509V3_ADD_DEFAULT)) == 1
            else {
                throw OpenSSL.error(.internalFailure, "cannot add ocspNoCheck")
            }
        case .custom(let oid, let critical, let value):
            let object = try ObjectID.make(oid)
            defer { ASN1_OBJECT_free(object) }
            guard let octets = ASN1_OCTET_STRING_new() else { throw OpenSSL.error(.internalFailure, "cannot allocate") }
            defer { ASN1_OCTET_STRING_free(octets) }
            guard ASN1_OCTET_STRING_set(octets, value, Int32(value.count)) == 1,
                let created = X509_EXTENSION_create_by_OBJ(nil, object, critical ? 1 : 0, octets)
            else { throw OpenSSL.error(.invalidArgument, "cannot build extension \(oid)") }
            defer { X509_EXTENSION_free(created) }
            guard X509_add_ext(x509, created, -1) == 1 else {
                throw OpenSSL.error(.internalFailure, "cannot add extension \(oid)")
            }
        }
    }

    /// URLs come from configuration; still refuse characters that would change the meaning of OpenSSL's syntax.
    private static func checkURL(_ url: String) throws {
        guard url.hasPrefix("http://") || url.hasPrefix("https://") || url.hasPrefix("ldap://"),
            !url.contains(where: { $0 == "," || $0 == ";" || $0.isWhitespace || $0.isNewline })
        else { throw CryptoError.invalid("URL \(url) is not a plain http(s)/ldap URL") }
    }

    private static func addConf(_ nid: Int32, _ value: String, _ x509: OpaquePointer, _ context: inout X509V3_CTX)
        throws
    {
        guard let ext = X509V3_EXT_nconf_nid(nil, &context, nid, value) else {
            throw OpenSSL.error(
                .invalidArgument, "cannot build extension \(String(cString: OBJ_nid2sn(nid))) = \(value)")
        }
        defer { X509_EXTENSION_free(ext) }
        guard X509_add_ext(x509, ext, -1) == 1 else { throw OpenSSL.error(.internalFailure, "cannot add extension") }
    }
}

extension ASN1Value {
    /// DER of a PrintableString (used for the Chinese identity extensions 1.2.156.10260.4.1.x).
    public static func printableString(_ text: String) throws -> [UInt8] {
        guard let string = ASN1_PRINTABLESTRING_new() else { throw OpenSSL.error(.internalFailure, "cannot allocate") }
        defer { ASN1_STRING_free(string) }
        guard text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || " '()+,-./:=?".contains($0)) }),
            ASN1_STRING_set(string, text, Int32(text.utf8.count)) == 1
        else { throw CryptoError.invalid("'\(text)' is not a PrintableString") }
        return try OpenSSL.i2d { i2d_ASN1_PRINTABLESTRING(string, $0) }
    }

    /// The text of a DER-encoded ASN.1 string value (PrintableString, UTF8String, IA5String, …).
    public static func stringValue(_ der: [UInt8]) -> String? {
        der.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            guard let string = d2i_ASN1_PRINTABLE(nil, &cursor, buffer.count) else {
                ERR_clear_error()
                return nil
            }
            defer { ASN1_STRING_free(string) }
            return ASN1Text.utf8(string)
        }
    }
}

/// Namespace for small ASN.1 values trustd puts into extensions.
public enum ASN1Value {}
