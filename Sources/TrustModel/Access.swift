/// Roles a principal can hold (DESIGN §4). Every API route declares which roles may call it; the default is deny.
public enum Role: String, Sendable, Hashable, Codable, CaseIterable {
    case platform
    case sealApplicant = "seal-applicant"
    case sealReviewer = "seal-reviewer"
    case sealMaker = "seal-maker"
    case sealFiler = "seal-filer"
    case sealGranter = "seal-granter"
    case sealRevoker = "seal-revoker"
    case caOfficer = "ca-officer"
    case counterOperator = "counter-operator"
    case auditor
    case admin
}

/// Someone or something that calls trustd: an administrator, an officer, a platform.
public struct Principal: Sendable, Hashable, Codable {
    public let id: String
    public let name: String
    public let roles: Set<Role>

    public init(id: String, name: String, roles: Set<Role>) {
        self.id = id
        self.name = name
        self.roles = roles
    }

    /// The name used in audit records.
    public var auditName: String { "principal:\(name)" }
}
