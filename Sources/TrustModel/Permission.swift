/// What a caller may do. Routes and services both ask ``RolePermissions`` — the one table of who may do what — so an
/// HTTP route and a direct service call cannot disagree.
public enum Permission: String, Sendable, Hashable, Codable, CaseIterable {
    // Certificate authority
    case caRead = "ca.read"
    /// Renew an issuing CA (a key ceremony: admins only).
    case caRenew = "ca.renew"
    /// Re-key a root (new root key and cross-certificates) and import an existing CA with its key: key ceremonies.
    case caRekey = "ca.rekey"
    case caImport = "ca.import"
    // Login service (OpenID Connect)
    /// Register platforms (OIDC clients), list and end login sessions.
    case loginManage = "login.manage"
    case certificateIssue = "certificate.issue"
    case certificateRead = "certificate.read"
    case certificateRevoke = "certificate.revoke"
    case crlGenerate = "crl.generate"
    // Audit
    case auditRead = "audit.read"
    case auditVerify = "audit.verify"
    case auditCheckpoint = "audit.checkpoint"
    // Principals, tokens, client certificates
    case principalManage = "principal.manage"
    // Identity
    case identityRegister = "identity.register"
    case identityRead = "identity.read"
    case identityVerify = "identity.verify"
    case organizationAuthorize = "organization.authorize"
    case evidenceRevoke = "evidence.revoke"
    case decisionQuery = "decision.query"
    // Seals
    case sealApply = "seal.apply"
    case sealRead = "seal.read"
    /// A seal's public status (name, holder, state, validity, filing number) by id, esID or filing number.
    case sealLookup = "seal.lookup"
    /// Draw a standard seal picture (nothing is stored).
    case sealPicture = "seal.picture"
    case sealReview = "seal.review"
    case sealMake = "seal.make"
    case sealFile = "seal.file"
    case sealGrant = "seal.grant"
    case sealReportLoss = "seal.report-loss"
    case sealRecover = "seal.recover"
    case sealRevoke = "seal.revoke"
    case sealDestroy = "seal.destroy"
    // Signing, keys, verification, time-stamping
    case sign = "sign"
    case keyCreate = "key.create"
    case keyRead = "key.read"
    case keyRevoke = "key.revoke"
    case verify = "verify"
    case timestamp = "timestamp"
    // Counter checks
    case counterCheck = "counter.check"
    // Metrics (when they are not public)
    case metricsRead = "metrics.read"
}

/// The one table of which role holds which permissions (DESIGN §4 roles).
public enum RolePermissions {
    public static let table: [Role: Set<Permission>] = [
        .platform: [
            .caRead, .identityRegister, .identityRead, .identityVerify, .organizationAuthorize, .decisionQuery,
            .sealRead, .sealLookup, .sealPicture, .sign,
            .keyCreate, .keyRead, .keyRevoke, .verify, .timestamp,
        ],
        .sealApplicant: [.caRead, .sealApply, .sealRead, .sealPicture],
        .sealReviewer: [.caRead, .sealRead, .sealReview, .sealRecover],
        .sealMaker: [.caRead, .sealRead, .sealMake],
        .sealFiler: [.caRead, .sealRead, .sealFile],
        .sealGranter: [.caRead, .sealRead, .sealGrant],
        .sealRevoker: [.caRead, .sealRead, .sealReportLoss, .sealRevoke, .sealDestroy],
        .caOfficer: [.caRead, .certificateIssue, .certificateRead, .certificateRevoke, .crlGenerate],
        .counterOperator: [.caRead, .identityRegister, .identityRead, .identityVerify, .evidenceRevoke, .counterCheck],
        .auditor: [
            .caRead, .certificateRead, .auditRead, .auditVerify, .auditCheckpoint, .identityRead, .sealRead, .keyRead,
            .verify,
            .metricsRead,
        ],
        .admin: [
            .caRead, .caRenew, .caRekey, .caImport, .certificateIssue, .certificateRead, .certificateRevoke,
            .crlGenerate, .auditRead,
            .auditVerify,
            .auditCheckpoint,
            .principalManage, .identityRegister, .identityRead, .identityVerify, .organizationAuthorize,
            .evidenceRevoke,
            .decisionQuery, .sealRead, .keyRead, .keyRevoke, .verify, .timestamp, .metricsRead, .loginManage,
        ],
    ]

    /// What anyone may do without credentials, on the public verification page (验章): verify a document or a
    /// signature (which stores nothing) and look up a seal's public status.
    public static let anonymous: Set<Permission> = [.verify, .sealLookup]

    /// The roles that hold `permission`.
    public static func roles(holding permission: Permission) -> Set<Role> {
        Set(table.filter { $0.value.contains(permission) }.keys)
    }
}

/// Who is calling a use case: an authenticated principal, or trustd itself (start-up, maintenance).
public struct Caller: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case principal(Principal)
        /// trustd acting on its own behalf (`system:<name>` in the audit log); holds every permission.
        case system(String)
        /// Someone without credentials on a public page; holds ``RolePermissions/anonymous`` only.
        case anonymous
    }

    public let kind: Kind

    public init(_ principal: Principal) { kind = .principal(principal) }

    public static func system(_ name: String) -> Caller { Caller(kind: .system(name)) }

    public static let anonymous = Caller(kind: .anonymous)

    private init(kind: Kind) { self.kind = kind }

    public var principal: Principal? {
        if case .principal(let principal) = kind { return principal }
        return nil
    }

    /// The name used in audit records.
    public var auditName: String {
        switch kind {
        case .principal(let principal): principal.auditName
        case .system(let name): "system:\(name)"
        case .anonymous: "anonymous"
        }
    }

    public var roles: Set<Role> { principal?.roles ?? [] }

    public func holds(_ permission: Permission) -> Bool {
        switch kind {
        case .system: true
        case .anonymous: RolePermissions.anonymous.contains(permission)
        case .principal(let principal):
            principal.roles.contains { RolePermissions.table[$0]?.contains(permission) == true }
        }
    }
}
