/// The kinds and states persisted with trustd's records: each column that holds one is read back as one of these
/// (an unknown value in the database is an error, never a silent default).

/// A CA's place in its hierarchy.
public enum CARole: String, Sendable, Hashable, Codable, CaseIterable {
    case root, issuing
}

/// The key family of a CA (its certificates are signed with SM2-with-SM3, RSA or ECDSA).
public enum CAAlgorithm: String, Sendable, Hashable, Codable, CaseIterable {
    case sm2, rsa, ecdsa
}

/// Status of a certificate in trustd's registry.
public enum CertificateStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case valid
    case revoked
    /// Revoked with reason certificateHold; may return to `valid` (removeFromCRL).
    case hold
}

/// How an audited use case ended.
public enum AuditOutcome: String, Sendable, Hashable, Codable, CaseIterable {
    case success, failure, denied
}

/// Who a seal grant is for.
public enum GranteeKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// A natural person, signing through a platform at the grant's minimum level.
    case person
    /// A platform principal signing as itself.
    case principal
}

/// Whose a signing key is.
public enum KeyOwnerKind: String, Sendable, Hashable, Codable, CaseIterable {
    case person, organization
}

/// A signing key's state.
public enum SigningKeyState: String, Sendable, Hashable, Codable, CaseIterable {
    case active, revoked
}

/// What a single-use challenge is for.
public enum ChallengePurpose: String, Sendable, Hashable, Codable, CaseIterable {
    /// An organisation signs it with an enterprise certificate.
    case enterpriseCertificate = "enterprise-certificate"
    /// A smart card signs it at a service counter.
    case counterCard = "counter-card"
    /// A person's card or USB key signs it to log in (the login service).
    case certificateLogin = "certificate-login"
}

/// The picture formats a seal may carry.
public enum SealPictureFormat: String, Sendable, Hashable, Codable, CaseIterable {
    case png, jpeg, gif

    /// Accepts `jpg` for JPEG, any case.
    public init?(name: String) {
        let lower = name.lowercased()
        self.init(rawValue: lower == "jpg" ? "jpeg" : lower)
    }

    /// The first bytes of a file of this format.
    public var magic: [UInt8] {
        switch self {
        case .png: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        case .jpeg: [0xFF, 0xD8, 0xFF]
        case .gif: Array("GIF8".utf8)
        }
    }
}
