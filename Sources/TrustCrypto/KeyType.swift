/// The asymmetric key kinds trustd generates and accepts.
public enum KeyType: String, Sendable, Hashable, CaseIterable, Codable, CustomStringConvertible {
    /// SM2 on the GM/T 0003.5 recommended curve (`sm2p256v1`), signing SM2-with-SM3.
    case sm2
    case rsa2048
    case rsa3072
    case rsa4096
    /// ECDSA on NIST P-256 (`prime256v1`).
    case p256

    public var description: String { rawValue }

    /// `true` for SM2 and P-256: signatures are `(r,s)` pairs over a 256-bit group.
    public var isElliptic: Bool { self == .sm2 || self == .p256 }

    /// `true` for the RSA sizes.
    public var isRSA: Bool { rsaBits != nil }

    /// Modulus length for RSA key types.
    public var rsaBits: Int? {
        switch self {
        case .rsa2048: 2048
        case .rsa3072: 3072
        case .rsa4096: 4096
        case .sm2, .p256: nil
        }
    }

    /// The signature algorithm trustd uses with this key unless told otherwise.
    public var defaultSignatureAlgorithm: SignatureAlgorithm {
        switch self {
        case .sm2: .sm2()
        case .rsa2048, .rsa3072, .rsa4096: .rsaPKCS1v15(.sha256)
        case .p256: .ecdsa(.sha256)
        }
    }

    /// Parses the names used in configuration and on the command line (`sm2`, `rsa2048`, `p256`, also
    /// `rsa` = `rsa2048`, `ecdsa-p256`, `prime256v1`).
    public init?(name: String) {
        switch name.lowercased() {
        case "sm2": self = .sm2
        case "rsa", "rsa2048", "rsa-2048": self = .rsa2048
        case "rsa3072", "rsa-3072": self = .rsa3072
        case "rsa4096", "rsa-4096": self = .rsa4096
        case "p256", "p-256", "ecdsa-p256", "prime256v1", "secp256r1": self = .p256
        default: return nil
        }
    }
}
