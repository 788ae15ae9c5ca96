import BoundedCache
internal import COpenSSL
import Foundation

/// Key usage bits (RFC 5280 §4.2.1.3), named as in OpenSSL configuration.
public struct KeyUsage: OptionSet, Sendable, Hashable, Codable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    // OpenSSL's KU_* bit values.
    public static let digitalSignature = KeyUsage(rawValue: 0x0080)
    public static let nonRepudiation = KeyUsage(rawValue: 0x0040)
    public static let keyEncipherment = KeyUsage(rawValue: 0x0020)
    public static let dataEncipherment = KeyUsage(rawValue: 0x0010)
    public static let keyAgreement = KeyUsage(rawValue: 0x0008)
    public static let keyCertSign = KeyUsage(rawValue: 0x0004)
    public static let cRLSign = KeyUsage(rawValue: 0x0002)
    public static let encipherOnly = KeyUsage(rawValue: 0x0001)
    public static let decipherOnly = KeyUsage(rawValue: 0x8000)

    public static let names: [(String, KeyUsage)] = [
        ("digitalSignature", .digitalSignature), ("nonRepudiation", .nonRepudiation),
        ("keyEncipherment", .keyEncipherment), ("dataEncipherment", .dataEncipherment),
        ("keyAgreement", .keyAgreement), ("keyCertSign", .keyCertSign), ("cRLSign", .cRLSign),
        ("encipherOnly", .encipherOnly), ("decipherOnly", .decipherOnly),
    ]

    public init?(name: String) {
        guard let match = Self.names.first(where: { $0.0 == name }) else { return nil }
        self = match.1
    }

    public var names: [String] { Self.names.filter { contains($0.1) }.map(\.0) }
}

/// Well-known extended key usage OIDs (RFC 5280 §4.2.1.12, RFC 6960 §4.2.2.2).
public enum ExtendedKeyUsage {
    public static let serverAuth = "1.3.6.1.5.5.7.3.1"
    public static let clientAuth = "1.3.6.1.5.5.7.3.2"
    public static let codeSigning = "1.3.6.1.5.5.7.3.3"
    public static let emailProtection = "1.3.6.1.5.5.7.3.4"
    public static let timeStamping = "1.3.6.1.5.5.7.3.8"
    public static let ocspSigning = "1.3.6.1.5.5.7.3.9"

    public static let names: [String: String] = [
        "serverAuth": serverAuth, "clientAuth": clientAuth, "codeSigning": codeSigning,
        "emailProtection": emailProtection, "timeStamping": timeStamping, "OCSPSigning": ocspSigning,
    ]
}

/// An X.509 certificate, immutable, keeping the exact DER it was made from.
public struct Certificate: Sendable, Hashable, CustomStringConvertible {
    let handle: X509Handle
    /// The DER encoding as received or issued.
    public let der: [UInt8]

    /// Wraps an X509 this module built, with its DER (no re-parse). `keyDecoded: false` when its key was copied
    /// encoded from a CSR and must be decoded from the DER on first key use.
    init(building x509: OpaquePointer, der: [UInt8], keyDecoded: Bool = true) {
        self.handle = X509Handle(takingOwnership: x509, keyDecodedFrom: keyDecoded ? nil : der)
        self.der = der
    }

    /// Parses DER. Trailing bytes are an error.
    public init(der: [UInt8]) throws {
        guard !der.isEmpty else { throw CryptoError.malformed("certificate DER is empty") }
        OpenSSL.clearErrors()
        let parsed = OpenSSL.d2iExact(der, { d2i_X509(nil, $0, $1) }, free: X509_free)
        guard let parsed else {
            throw OpenSSL.error(
                .malformedInput, "cannot decode certificate DER (truncated, trailing bytes or not a certificate)")
        }
        self.handle = X509Handle(takingOwnership: parsed)
        self.der = der
    }

    /// Parses DER, or answers the certificate parsed before from the same bytes. OpenSSL 3.0 decodes a certificate's key
    /// through its decoder framework (hundreds of microseconds, under global locks), and verification sees the same
    /// signer, seal-maker and CA certificates over and over; a certificate is immutable, so sharing it is safe.
    public static func cached(der: [UInt8]) throws -> Certificate {
        try recentlyParsed.value(forKey: ByteKey(der), makingIfAbsent: { try Certificate(der: der) })
    }

    /// Keyed by the DER; an OpenSSL X509 costs a few times its encoding in memory.
    private static let recentlyParsed = BoundedCache<ByteKey, Certificate>(.init(maxEntries: 2048, maxBytes: 32 << 20))
    { der, _ in
        4 * der.count + 256
    }

    /// Parses the first `CERTIFICATE` block of a PEM text.
    public init(pem: String) throws {
        let all = try Certificate.parseChain(pem: pem)
        guard let first = all.first else { throw CryptoError.malformed("no CERTIFICATE block in PEM") }
        self = first
    }

    /// Parses every `CERTIFICATE` block of a PEM text, in order.
    public static func parseChain(pem: String) throws -> [Certificate] {
        guard pem.contains("-----BEGIN CERTIFICATE-----") else {
            throw CryptoError.malformed("no CERTIFICATE block in PEM")
        }
        OpenSSL.clearErrors()
        return try OpenSSL.withReadBIO(Array(pem.utf8)) { bio in
            var out: [Certificate] = []
            while let x509 = PEM_read_bio_X509(bio, nil, nil, nil) {
                defer { X509_free(x509) }
                out.append(try Certificate(der: try OpenSSL.i2d { i2d_X509(x509, $0) }))
            }
            let reason = ERR_peek_last_error()
            // The loop ends with "no start line" at end of input; anything else is a broken block.
            if ERR_GET_REASON(reason) != PEM_R_NO_START_LINE && reason != 0 {
                throw OpenSSL.error(.malformedInput, "cannot decode certificate PEM")
            }
            OpenSSL.clearErrors()
            guard !out.isEmpty else { throw CryptoError.malformed("no decodable CERTIFICATE block in PEM") }
            return out
        }
    }

    // MARK: Fields

    public var pem: String {
        let body = Data(der).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        return "-----BEGIN CERTIFICATE-----\n\(body)\n-----END CERTIFICATE-----\n"
    }

    /// Serial number magnitude, big-endian without leading zeros.
    public var serialNumber: [UInt8] {
        guard let serial = X509_get0_serialNumber(handle.pointer) else { return [] }
        return Array(ASN1Text.bytes(serial).drop { $0 == 0 })
    }

    /// Serial number as lower-case hex.
    public var serialHex: String { Hex.encode(serialNumber) }

    public var subject: DistinguishedName { DistinguishedName(borrowing: X509_get_subject_name(handle.pointer)) }
    /// `subject.description`, made once per parsed certificate.
    public var subjectText: String { handle.subjectText }
    public var issuer: DistinguishedName { DistinguishedName(borrowing: X509_get_issuer_name(handle.pointer)) }

    public var notBefore: Date { X509_get0_notBefore(handle.pointer).flatMap(ASN1Text.date) ?? .distantPast }
    public var notAfter: Date { X509_get0_notAfter(handle.pointer).flatMap(ASN1Text.date) ?? .distantPast }

    /// The subject public key.
    public var publicKey: PublicKey {
        get throws { PublicKey(try handle.publicKey()) }
    }

    /// `true` when basicConstraints says CA:TRUE.
    public var isCA: Bool { X509_get_extension_flags(handle.pointer) & UInt32(EXFLAG_CA) != 0 }

    /// basicConstraints pathLenConstraint, if set.
    public var pathLengthConstraint: Int? {
        let value = X509_get_pathlen(handle.pointer)
        return value >= 0 ? Int(value) : nil
    }

    /// Key usage bits; `nil` when the extension is absent.
    public var keyUsage: KeyUsage? {
        guard X509_get_extension_flags(handle.pointer) & UInt32(EXFLAG_KUSAGE) != 0 else { return nil }
        return KeyUsage(rawValue: X509_get_key_usage(handle.pointer))
    }

    /// Extended key usage OIDs (dotted); empty when the extension is absent.
    public var extendedKeyUsage: [String] {
        var critical: Int32 = 0
        guard let stack = X509_get_ext_d2i(handle.pointer, NID_ext_key_usage, &critical, nil) else { return [] }
        let objects = OpaquePointer(stack)
        defer { OPENSSL_sk_pop_free(objects, { ASN1_OBJECT_free(OpaquePointer($0)) }) }
        return (0..<trustd_sk_ASN1_OBJECT_num(objects)).map {
            ObjectID.dotted(trustd_sk_ASN1_OBJECT_value(objects, $0))
        }
    }

    public var subjectKeyIdentifier: [UInt8]? {
        X509_get0_subject_key_id(handle.pointer).map { ASN1Text.bytes($0) }
    }

    public var authorityKeyIdentifier: [UInt8]? {
        X509_get0_authority_key_id(handle.pointer).map { ASN1Text.bytes($0) }
    }

    /// Dotted OID of the signature algorithm.
    public var signatureAlgorithmOID: String {
        let nid = X509_get_signature_nid(handle.pointer)
        guard let object = OBJ_nid2obj(nid) else { return "" }
        return ObjectID.dotted(object)
    }

    /// The raw `extnValue` contents of an extension, by dotted OID, and its criticality.
    public func extensionValue(_ oid: String) -> (critical: Bool, value: [UInt8])? {
        guard let object = try? ObjectID.make(oid) else { return nil }
        defer { ASN1_OBJECT_free(object) }
        let index = X509_get_ext_by_OBJ(handle.pointer, object, -1)
        guard index >= 0, let ext = X509_get_ext(handle.pointer, index), let data = X509_EXTENSION_get_data(ext) else {
            return nil
        }
        return (X509_EXTENSION_get_critical(ext) == 1, ASN1Text.bytes(data))
    }

    /// DNS names, IP addresses, e-mail addresses and URIs of subjectAltName, as `DNS:…`, `IP:…`, `email:…`, `URI:…`.
    public var subjectAlternativeNames: [GeneralName] {
        guard let names = X509_get_ext_d2i(handle.pointer, NID_subject_alt_name, nil, nil) else { return [] }
        let stack = OpaquePointer(names)
        defer { trustd_GENERAL_NAMES_free(stack) }
        return GeneralName.read(stack)
    }

    /// `true` if this certificate's signature verifies with `issuerKey` (SM2 with the standard ID).
    public func isSigned(by issuerKey: PublicKey) -> Bool {
        OpenSSL.clearErrors()
        let ok = X509_verify(handle.pointer, issuerKey.key.pointer) == 1
        ERR_clear_error()
        return ok
    }

    /// `true` when subject and issuer names are equal.
    public var isSelfIssued: Bool {
        X509_NAME_cmp(X509_get_subject_name(handle.pointer), X509_get_issuer_name(handle.pointer)) == 0
    }

    /// SHA-256 of the DER, hex: a stable identifier for logs and audit.
    public var fingerprint: String { Hex.encode(Digest.hash(.sha256, der)) }

    public var description: String { "Certificate(\(subject), serial \(serialHex))" }

    public static func == (lhs: Certificate, rhs: Certificate) -> Bool { lhs.der == rhs.der }
    public func hash(into hasher: inout Hasher) { hasher.combine(der) }
}

/// A subjectAltName entry.
public enum GeneralName: Sendable, Hashable, Codable, CustomStringConvertible {
    case dns(String)
    case ip(String)
    case email(String)
    case uri(String)

    public var description: String {
        switch self {
        case .dns(let v): "DNS:\(v)"
        case .ip(let v): "IP:\(v)"
        case .email(let v): "email:\(v)"
        case .uri(let v): "URI:\(v)"
        }
    }

    /// Reads a borrowed GENERAL_NAMES stack; other name forms are skipped.
    static func read(_ stack: OpaquePointer) -> [GeneralName] {
        var out: [GeneralName] = []
        for index in 0..<trustd_sk_GENERAL_NAME_num(stack) {
            guard let name = trustd_sk_GENERAL_NAME_value(stack, index) else { continue }
            var type: Int32 = 0
            guard let value = GENERAL_NAME_get0_value(name, &type) else { continue }
            let string = value.assumingMemoryBound(to: ASN1_STRING.self)
            switch type {
            case GEN_DNS: out.append(.dns(ASN1Text.utf8(string)))
            case GEN_EMAIL: out.append(.email(ASN1Text.utf8(string)))
            case GEN_URI: out.append(.uri(ASN1Text.utf8(string)))
            case GEN_IPADD:
                let bytes = ASN1Text.bytes(string)
                if bytes.count == 4 {
                    out.append(.ip(bytes.map(String.init).joined(separator: ".")))
                } else if bytes.count == 16 {
                    out.append(
                        .ip(
                            stride(from: 0, to: 16, by: 2).map {
                                String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16)
                            }.joined(separator: ":")))
                }
            default: continue
            }
        }
        return out
    }
}
