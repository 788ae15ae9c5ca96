/// The SM2 distinguishing identifier (`ID_A` in GM/T 0003.2) that enters `Z_A`.
///
/// OpenSSL 3.0 silently signs and verifies with an **empty** ID unless one is set
/// (../shared/specs/platform-recipes.md §4.1); trustd therefore always sets one, and an empty ID is refused.
public struct SM2DistinguishingID: Sendable, Hashable, CustomStringConvertible {
    public let bytes: [UInt8]

    /// GM/T 0009-2012 §10 default: ASCII `1234567812345678`.
    public static let `default` = SM2DistinguishingID(uncheckedBytes: Array("1234567812345678".utf8))

    /// An ID given by a caller. `ENTL` is a 16-bit *bit* length, so at most 8191 bytes; empty is refused.
    public init(_ bytes: [UInt8]) throws {
        guard !bytes.isEmpty else { throw CryptoError.invalid("SM2 distinguishing ID must not be empty") }
        guard bytes.count <= 8191 else { throw CryptoError.invalid("SM2 distinguishing ID longer than 8191 bytes") }
        self.bytes = bytes
    }

    /// An ID from a string's UTF-8 bytes.
    public init(_ string: String) throws { try self.init(Array(string.utf8)) }

    private init(uncheckedBytes: [UInt8]) { self.bytes = uncheckedBytes }

    public var description: String { String(decoding: bytes, as: UTF8.self) }
}

/// A signature scheme together with its hash.
public enum SignatureAlgorithm: Sendable, Hashable, CustomStringConvertible {
    /// SM2 signature with SM3 (GB/T 32918.2) and the given distinguishing ID.
    case sm2(id: SM2DistinguishingID = .default)
    /// RSASSA-PKCS1-v1_5.
    case rsaPKCS1v15(DigestAlgorithm)
    /// RSASSA-PSS with MGF1 over the same hash; signs with salt length = hash length, verifies any salt length.
    case rsaPSS(DigestAlgorithm)
    /// ECDSA (P-256).
    case ecdsa(DigestAlgorithm)

    /// The hash the scheme uses.
    public var digest: DigestAlgorithm {
        switch self {
        case .sm2: .sm3
        case .rsaPKCS1v15(let d), .rsaPSS(let d), .ecdsa(let d): d
        }
    }

    /// Whether a key of `type` can use this scheme.
    public func isCompatible(with type: KeyType) -> Bool {
        switch self {
        case .sm2: type == .sm2
        case .rsaPKCS1v15, .rsaPSS: type.isRSA
        case .ecdsa: type == .p256
        }
    }

    public var description: String {
        switch self {
        case .sm2(let id): id == .default ? "sm2-with-sm3" : "sm2-with-sm3(id=\(id))"
        case .rsaPKCS1v15(let d): "rsa-pkcs1v15-\(d)"
        case .rsaPSS(let d): "rsa-pss-\(d)"
        case .ecdsa(let d): "ecdsa-\(d)"
        }
    }

    func check(_ type: KeyType) throws {
        guard isCompatible(with: type) else {
            throw CryptoError.mismatch("\(self) cannot be used with a \(type) key")
        }
        if digest == .sha1 { throw CryptoError.unsupported("SHA-1 is not accepted for signatures") }
        if case .sm2 = self {
        } else if digest == .sm3, type.isRSA || type == .p256 {
            // RSA/ECDSA with SM3 exist (1.2.156.10197.1.504) but OpenSSL's TSA/CMS refuse them; keep them out.
            throw CryptoError.unsupported("\(self) is not supported; use SM2 for SM3 signatures")
        }
    }
}
