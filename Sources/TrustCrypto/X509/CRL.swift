internal import COpenSSL
import Dispatch
import Foundation

/// CRLReason (RFC 5280 §5.3.1).
public enum RevocationReason: Int, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    case unspecified = 0
    case keyCompromise = 1
    case cACompromise = 2
    case affiliationChanged = 3
    case superseded = 4
    case cessationOfOperation = 5
    case certificateHold = 6
    case removeFromCRL = 8
    case privilegeWithdrawn = 9
    case aACompromise = 10

    public var description: String { name }

    public var name: String {
        switch self {
        case .unspecified: "unspecified"
        case .keyCompromise: "keyCompromise"
        case .cACompromise: "cACompromise"
        case .affiliationChanged: "affiliationChanged"
        case .superseded: "superseded"
        case .cessationOfOperation: "cessationOfOperation"
        case .certificateHold: "certificateHold"
        case .removeFromCRL: "removeFromCRL"
        case .privilegeWithdrawn: "privilegeWithdrawn"
        case .aACompromise: "aACompromise"
        }
    }

    public init?(name: String) {
        guard let match = Self.allCases.first(where: { $0.name.lowercased() == name.lowercased() }) else { return nil }
        self = match
    }
}

/// One revoked certificate on a CRL.
public struct RevokedEntry: Sendable, Hashable {
    public let serialNumber: [UInt8]
    public let revocationDate: Date
    public let reason: RevocationReason?

    public init(serialNumber: [UInt8], revocationDate: Date, reason: RevocationReason?) {
        self.serialNumber = serialNumber
        self.revocationDate = revocationDate
        self.reason = reason
    }
}

final class X509CRLHandle: @unchecked Sendable {
    let pointer: OpaquePointer
    init(takingOwnership pointer: OpaquePointer) { self.pointer = pointer }
    deinit { X509_CRL_free(pointer) }
}

/// An X.509 v2 CRL, immutable, keeping its DER.
public struct CertificateRevocationList: Sendable {
    let handle: X509CRLHandle
    public let der: [UInt8]

    init(building crl: OpaquePointer, der: [UInt8]) {
        self.handle = X509CRLHandle(takingOwnership: crl)
        self.der = der
    }

    public init(der: [UInt8]) throws {
        guard !der.isEmpty else { throw CryptoError.malformed("CRL is empty") }
        OpenSSL.clearErrors()
        let parsed = OpenSSL.d2iExact(der, { d2i_X509_CRL(nil, $0, $1) }, free: X509_CRL_free)
        guard let parsed else { throw OpenSSL.error(.malformedInput, "cannot decode CRL DER") }
        self.handle = X509CRLHandle(takingOwnership: parsed)
        self.der = der
    }

    public var pem: String {
        let body = Data(der).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        return "-----BEGIN X509 CRL-----\n\(body)\n-----END X509 CRL-----\n"
    }

    public var issuer: DistinguishedName { DistinguishedName(borrowing: X509_CRL_get_issuer(handle.pointer)) }
    public var thisUpdate: Date { X509_CRL_get0_lastUpdate(handle.pointer).flatMap(ASN1Text.date) ?? .distantPast }
    public var nextUpdate: Date? { X509_CRL_get0_nextUpdate(handle.pointer).flatMap(ASN1Text.date) }

    /// The cRLNumber extension.
    public var number: [UInt8]? {
        guard let value = X509_CRL_get_ext_d2i(handle.pointer, NID_crl_number, nil, nil) else { return nil }
        let integer = value.assumingMemoryBound(to: ASN1_INTEGER.self)
        defer { ASN1_INTEGER_free(integer) }
        return Array(ASN1Text.bytes(integer).drop { $0 == 0 })
    }

    /// The deltaCRLIndicator (base CRL number) when this is a delta CRL.
    public var deltaBaseNumber: [UInt8]? {
        guard let value = X509_CRL_get_ext_d2i(handle.pointer, NID_delta_crl, nil, nil) else { return nil }
        let integer = value.assumingMemoryBound(to: ASN1_INTEGER.self)
        defer { ASN1_INTEGER_free(integer) }
        return Array(ASN1Text.bytes(integer).drop { $0 == 0 })
    }

    /// Every entry (serial, date, reason).
    public var entries: [RevokedEntry] {
        guard let stack = X509_CRL_get_REVOKED(handle.pointer) else { return [] }
        return (0..<trustd_sk_X509_REVOKED_num(stack)).compactMap { index in
            guard let revoked = trustd_sk_X509_REVOKED_value(stack, index),
                let serial = X509_REVOKED_get0_serialNumber(revoked),
                let date = X509_REVOKED_get0_revocationDate(revoked).flatMap(ASN1Text.date)
            else { return nil }
            var reason: RevocationReason? = nil
            if let value = X509_REVOKED_get_ext_d2i(revoked, NID_crl_reason, nil, nil) {
                let enumerated = value.assumingMemoryBound(to: ASN1_ENUMERATED.self)
                reason = RevocationReason(rawValue: Int(ASN1_ENUMERATED_get(enumerated)))
                ASN1_ENUMERATED_free(enumerated)
            }
            return RevokedEntry(
                serialNumber: Array(ASN1Text.bytes(serial).drop { $0 == 0 }), revocationDate: date, reason: reason)
        }
    }

    /// `true` if the CRL's signature verifies with `issuerKey`, checked over the TBSCertList bytes as received.
    /// SM2 uses the standard distinguishing ID (OpenSSL 3.0 has no ID setter for CRLs).
    public func isSigned(by issuerKey: PublicKey) -> Bool {
        guard let tbs = DERSlice.firstElement(der) else { return false }
        var bits: UnsafePointer<ASN1_BIT_STRING>? = nil
        var algorithm: UnsafePointer<X509_ALGOR>? = nil
        X509_CRL_get0_signature(handle.pointer, &bits, &algorithm)
        guard let bits, let scheme = SignatureAlgorithm(x509NID: X509_CRL_get_signature_nid(handle.pointer)) else {
            return false
        }
        return
            (try? issuerKey.isValidSignature(
                ASN1Text.bytes(UnsafePointer(OpaquePointer(bits))), for: Array(tbs), algorithm: scheme)) == true
    }
}

extension SignatureAlgorithm {
    /// The scheme for an X.509 signature algorithm NID (SM2 with the default ID).
    init?(x509NID nid: Int32) {
        switch nid {
        case NID_SM2_with_SM3: self = .sm2()
        case NID_sha256WithRSAEncryption: self = .rsaPKCS1v15(.sha256)
        case NID_sha384WithRSAEncryption: self = .rsaPKCS1v15(.sha384)
        case NID_sha512WithRSAEncryption: self = .rsaPKCS1v15(.sha512)
        case NID_ecdsa_with_SHA256: self = .ecdsa(.sha256)
        case NID_ecdsa_with_SHA384: self = .ecdsa(.sha384)
        case NID_ecdsa_with_SHA512: self = .ecdsa(.sha512)
        default: return nil
        }
    }
}

/// Builds and signs CRLs (RFC 5280 §5) with OpenSSL, signed through a ``Signer``.
public enum CRLBuilder {
    /// - Parameters:
    ///   - number: the cRLNumber (monotonic per issuer).
    ///   - deltaOf: for a delta CRL, the number of the base CRL it updates.
    public static func build(
        issuer: Certificate, signer: Signer, number: UInt64, thisUpdate: Date, nextUpdate: Date,
        entries: [RevokedEntry], deltaOf baseNumber: UInt64? = nil
    ) throws -> CertificateRevocationList {
        OpenSSL.clearErrors()
        guard thisUpdate < nextUpdate else { throw CryptoError.invalid("thisUpdate must be before nextUpdate") }
        guard let crl = X509_CRL_new() else { throw OpenSSL.error(.internalFailure, "cannot allocate CRL") }
        var owned = true
        defer { if owned { X509_CRL_free(crl) } }
        guard X509_CRL_set_version(crl, 1) == 1,
            X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer.handle.pointer)) == 1
        else { throw OpenSSL.error(.internalFailure, "cannot fill CRL") }

        // Set both AlgorithmIdentifiers the only way OpenSSL 3.0 allows for CRLs: sign the still-empty CRL once
        // with a throwaway key of the same scheme. The real signature over the final TBS replaces it below.
        try DummyKeys.signPlaceholder(crl, algorithm: signer.signatureAlgorithm)

        guard let last = ASN1_TIME_set(nil, time_t(thisUpdate.timeIntervalSince1970)),
            let next = ASN1_TIME_set(nil, time_t(nextUpdate.timeIntervalSince1970))
        else { throw OpenSSL.error(.internalFailure, "cannot encode CRL times") }
        defer {
            ASN1_TIME_free(last)
            ASN1_TIME_free(next)
        }
        guard X509_CRL_set1_lastUpdate(crl, last) == 1, X509_CRL_set1_nextUpdate(crl, next) == 1 else {
            throw OpenSSL.error(.internalFailure, "cannot set CRL times")
        }

        try addEntries(entries, to: crl)

        // Extensions: AKI, cRLNumber, and deltaCRLIndicator for deltas.
        var context = X509V3_CTX()
        X509V3_set_ctx(&context, issuer.handle.pointer, nil, nil, crl, 0)
        guard let aki = X509V3_EXT_nconf_nid(nil, &context, NID_authority_key_identifier, "keyid:always") else {
            throw OpenSSL.error(.invalidArgument, "issuer has no subjectKeyIdentifier for the CRL's AKI")
        }
        defer { X509_EXTENSION_free(aki) }
        guard X509_CRL_add_ext(crl, aki, -1) == 1 else { throw OpenSSL.error(.internalFailure, "cannot add AKI") }
        try addInteger(NID_crl_number, number, critical: false, crl)
        if let baseNumber { try addInteger(NID_delta_crl, baseNumber, critical: true, crl) }

        var bits: UnsafePointer<ASN1_BIT_STRING>? = nil
        var algorithm: UnsafePointer<X509_ALGOR>? = nil
        X509_CRL_get0_signature(crl, &bits, &algorithm)
        let tbs = try OpenSSL.i2dOnce { i2d_re_X509_CRL_tbs(crl, $0) }
        try ExternalSignature.setSignature(bits, try signer.sign(tbs))
        let der = try OpenSSL.i2dOnce { i2d_X509_CRL(crl, $0) }
        owned = false  // hand the built CRL over instead of re-parsing megabytes of DER
        return CertificateRevocationList(building: crl, der: der)
    }

    /// Creates the X509_REVOKED objects on all cores (they are independent), then appends them in order.
    private static func addEntries(_ entries: [RevokedEntry], to crl: OpaquePointer) throws {
        // One encoded reasonCode extension per reason, copied into each entry (read-only while shared).
        var reasons: [RevocationReason: OpaquePointer] = [:]
        defer { for value in reasons.values { X509_EXTENSION_free(value) } }
        for reason in RevocationReason.allCases where reason != .unspecified {
            guard let code = ASN1_ENUMERATED_new() else {
                throw OpenSSL.error(.internalFailure, "cannot allocate reason")
            }
            defer { ASN1_ENUMERATED_free(code) }
            guard ASN1_ENUMERATED_set(code, reason.rawValue) == 1,
                let ext = X509V3_EXT_i2d(NID_crl_reason, 0, UnsafeMutableRawPointer(code))
            else { throw OpenSSL.error(.internalFailure, "cannot encode reason code") }
            reasons[reason] = ext
        }
        let shared = SharedReasons(reasons)
        let chunks = entries.count < 10_000 ? 1 : 8
        let made = (0..<chunks).map { _ in ChunkResult() }  // one box per chunk, each written by one thread
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let range = (entries.count * chunk / chunks)..<(entries.count * (chunk + 1) / chunks)
            var out: [OpaquePointer] = []
            out.reserveCapacity(range.count)
            for index in range {
                guard let revoked = makeEntry(entries[index], shared) else {
                    made[chunk].failed = true
                    break
                }
                out.append(revoked)
            }
            made[chunk].entries = out
        }
        var failure = false
        for chunk in made {
            for revoked in chunk.entries {
                if failure || X509_CRL_add0_revoked(crl, revoked) != 1 {
                    failure = true
                    X509_REVOKED_free(revoked)
                }
            }
            failure = failure || chunk.failed
        }
        if failure {
            throw OpenSSL.error(.internalFailure, "cannot build CRL entries (empty serial or allocation failure)")
        }
    }

    private final class ChunkResult: @unchecked Sendable {
        var entries: [OpaquePointer] = []
        var failed = false
    }

    private struct SharedReasons: @unchecked Sendable {
        let extensions: [RevocationReason: OpaquePointer]
        init(_ extensions: [RevocationReason: OpaquePointer]) { self.extensions = extensions }
    }

    /// One CRL entry, owned by the caller; `nil` on failure.
    private static func makeEntry(_ entry: RevokedEntry, _ reasons: SharedReasons) -> OpaquePointer? {
        guard let revoked = X509_REVOKED_new() else { return nil }
        // The serial is a positive INTEGER: set its magnitude directly (no BIGNUM round trip).
        let magnitude = Array(entry.serialNumber.drop { $0 == 0 })
        guard !magnitude.isEmpty, let integer = ASN1_INTEGER_new() else {
            X509_REVOKED_free(revoked)
            return nil
        }
        defer { ASN1_INTEGER_free(integer) }
        guard ASN1_STRING_set(integer, magnitude, Int32(magnitude.count)) == 1,
            let date = ASN1_TIME_set(nil, time_t(entry.revocationDate.timeIntervalSince1970))
        else {
            X509_REVOKED_free(revoked)
            return nil
        }
        defer { ASN1_TIME_free(date) }
        var ok =
            X509_REVOKED_set_serialNumber(revoked, integer) == 1 && X509_REVOKED_set_revocationDate(revoked, date) == 1
        // RFC 5280 §5.3.1: omit the reason code rather than use unspecified.
        if ok, let reason = entry.reason, reason != .unspecified, let ext = reasons.extensions[reason] {
            ok = X509_REVOKED_add_ext(revoked, ext, -1) == 1  // copies the extension
        }
        guard ok else {
            X509_REVOKED_free(revoked)
            return nil
        }
        return revoked
    }

    private static func addInteger(_ nid: Int32, _ value: UInt64, critical: Bool, _ crl: OpaquePointer) throws {
        guard let integer = ASN1_INTEGER_new() else { throw OpenSSL.error(.internalFailure, "cannot allocate integer") }
        defer { ASN1_INTEGER_free(integer) }
        guard ASN1_INTEGER_set_uint64(integer, value) == 1,
            X509_CRL_add1_ext_i2d(crl, nid, UnsafeMutableRawPointer(integer), critical ? 1 : 0, 0) == 1
        else { throw OpenSSL.error(.internalFailure, "cannot add CRL extension") }
    }
}

/// Throwaway keys used only to let OpenSSL fill AlgorithmIdentifiers it gives no setter for; their signatures
/// are always replaced by the real signer's.
enum DummyKeys {
    static let sm2 = try! PrivateKey.generate(.sm2)
    static let rsa = try! PrivateKey.generate(.rsa2048)
    static let p256 = try! PrivateKey.generate(.p256)

    static func key(for algorithm: SignatureAlgorithm) -> PrivateKey {
        switch algorithm {
        case .sm2: sm2
        case .rsaPKCS1v15, .rsaPSS: rsa
        case .ecdsa: p256
        }
    }

    /// Signs a CRL with the matching throwaway key so both of its AlgorithmIdentifiers are set.
    static func signPlaceholder(_ crl: OpaquePointer, algorithm: SignatureAlgorithm) throws {
        _ = try algorithm.x509AlgorithmIdentifier()  // refuse schemes we do not use for CRLs
        let key = key(for: algorithm)
        guard let mdContext = EVP_MD_CTX_new() else { throw OpenSSL.error(.internalFailure, "cannot allocate context") }
        defer { EVP_MD_CTX_free(mdContext) }
        var keyContext: OpaquePointer? = nil
        guard EVP_DigestSignInit(mdContext, &keyContext, algorithm.digest.md.pointer, nil, key.key.pointer) == 1,
            let keyContext
        else {
            throw OpenSSL.error(.internalFailure, "cannot start placeholder signature")
        }
        try SignatureEngine.configure(keyContext, algorithm, signing: true, digestMode: false)
        guard X509_CRL_sign_ctx(crl, mdContext) > 0 else {
            throw OpenSSL.error(.internalFailure, "placeholder CRL signature failed")
        }
    }
}
