import Foundation
import Hummingbird
import TrustModel
import TrustServices

/// Who may call a route.
public enum RouteAccess: Sendable, Hashable {
    /// Anyone, without credentials (health, CA certificates, CRLs, OCSP, the API document).
    case `public`
    /// Authenticated principals holding at least one of these roles.
    case roles(Set<Role>)

    func allows(_ principal: Principal?) -> Bool {
        switch self {
        case .public: true
        case .roles(let roles): principal.map { !$0.roles.isDisjoint(with: roles) } ?? false
        }
    }
}

/// One API route: method, path pattern (Hummingbird syntax, `{name}` for parameters) and access.
public struct RouteSpec: Sendable, Hashable {
    public let method: HTTPRequest.Method
    public let path: String
    public let access: RouteAccess

    public init(_ method: HTTPRequest.Method, _ path: String, _ access: RouteAccess) {
        self.method = method
        self.path = path
        self.access = access
    }
}

/// The route table: every route the server registers, with the roles it needs. Tests generate their
/// authorisation matrix from it, so a new route cannot be added without being checked.
public enum RouteTable {
    static let officers: Set<Role> = [.caOfficer, .admin]
    static let readers: Set<Role> = [.caOfficer, .auditor, .admin]
    static let auditors: Set<Role> = [.auditor, .admin]
    static let anyone: Set<Role> = Set(Role.allCases)
    static let identityClerks: Set<Role> = [.platform, .counterOperator, .admin]
    static let identityReaders: Set<Role> = [.platform, .counterOperator, .auditor, .admin]
    static let sealReaders: Set<Role> = [.platform, .sealApplicant, .sealReviewer, .sealMaker, .sealFiler, .sealGranter, .sealRevoker,
                                         .auditor, .admin]

    public static let routes: [RouteSpec] = [
        RouteSpec(.get, "/healthz", .public),
        RouteSpec(.get, "/openapi.yaml", .public),
        RouteSpec(.get, "/metrics", .public),
        RouteSpec(.get, "/v1/cas", .roles(anyone)),
        RouteSpec(.get, "/v1/cas/{ca}/certificate", .public),
        RouteSpec(.get, "/v1/cas/{ca}/crl", .public),
        RouteSpec(.post, "/v1/cas/{ca}/crl", .roles(officers)),
        RouteSpec(.post, "/v1/certificates", .roles(officers)),
        RouteSpec(.get, "/v1/certificates/{serial}", .roles(readers)),
        RouteSpec(.post, "/v1/certificates/{serial}/revoke", .roles(officers)),
        RouteSpec(.post, "/ocsp", .public),
        RouteSpec(.get, "/ocsp/{request}", .public),
        RouteSpec(.get, "/v1/audit", .roles(auditors)),
        RouteSpec(.post, "/v1/audit/verify", .roles(auditors)),
        RouteSpec(.post, "/v1/audit/checkpoints", .roles(auditors)),
        RouteSpec(.get, "/v1/principals", .roles([.admin])),
        RouteSpec(.post, "/v1/principals", .roles([.admin])),
        RouteSpec(.post, "/v1/principals/{id}/tokens", .roles([.admin])),
        RouteSpec(.post, "/v1/principals/{id}/certificates", .roles([.admin])),
        RouteSpec(.post, "/v1/tokens/{id}/revoke", .roles([.admin])),
        RouteSpec(.post, "/v1/persons", .roles(identityClerks)),
        RouteSpec(.get, "/v1/persons/{id}", .roles(identityReaders)),
        RouteSpec(.post, "/v1/persons/{id}/verifications", .roles(identityClerks)),
        RouteSpec(.post, "/v1/organizations", .roles(identityClerks)),
        RouteSpec(.get, "/v1/organizations/{id}", .roles(identityReaders)),
        RouteSpec(.post, "/v1/organizations/{id}/verifications", .roles(identityClerks)),
        RouteSpec(.post, "/v1/organizations/{id}/challenges", .roles(identityClerks)),
        RouteSpec(.post, "/v1/organizations/{id}/authorizations", .roles([.platform, .admin])),
        RouteSpec(.post, "/v1/authorizations/{id}/revoke", .roles([.platform, .admin])),
        RouteSpec(.post, "/v1/evidence/{id}/revoke", .roles([.counterOperator, .admin])),
        RouteSpec(.post, "/v1/decisions", .roles([.platform, .admin])),
        RouteSpec(.post, "/tsa", .roles([.platform, .admin])),
        RouteSpec(.post, "/v1/sign", .roles([.platform])),
        RouteSpec(.post, "/v1/keys", .roles([.platform])),
        RouteSpec(.post, "/v1/counter/challenges", .roles([.counterOperator])),
        RouteSpec(.post, "/v1/counter/checks", .roles([.counterOperator])),
        RouteSpec(.get, "/v1/keys/{id}", .roles([.platform, .auditor, .admin])),
        RouteSpec(.post, "/v1/keys/{id}/revoke", .roles([.platform, .admin])),
        RouteSpec(.post, "/v1/verify", .roles([.platform, .auditor, .admin])),
        RouteSpec(.post, "/v1/timestamp", .roles([.platform, .admin])),
        RouteSpec(.post, "/v1/seals", .roles([.sealApplicant])),
        RouteSpec(.get, "/v1/seals", .roles(sealReaders)),
        RouteSpec(.get, "/v1/seals/{id}", .roles(sealReaders)),
        RouteSpec(.get, "/v1/seals/{id}/status", .roles(sealReaders)),
        RouteSpec(.get, "/v1/seals/{id}/eseal", .roles(sealReaders)),
        RouteSpec(.get, "/v1/seals/{id}/picture", .roles(sealReaders)),
        RouteSpec(.post, "/v1/seals/{id}/review", .roles([.sealReviewer])),
        RouteSpec(.post, "/v1/seals/{id}/make", .roles([.sealMaker])),
        RouteSpec(.post, "/v1/seals/{id}/file", .roles([.sealFiler])),
        RouteSpec(.post, "/v1/seals/{id}/grants", .roles([.sealGranter])),
        RouteSpec(.post, "/v1/seals/{id}/grants/{grant}/withdraw", .roles([.sealGranter])),
        RouteSpec(.post, "/v1/seals/{id}/report-loss", .roles([.sealRevoker])),
        RouteSpec(.post, "/v1/seals/{id}/recover", .roles([.sealReviewer])),
        RouteSpec(.post, "/v1/seals/{id}/revoke", .roles([.sealRevoker])),
        RouteSpec(.post, "/v1/seals/{id}/destroy", .roles([.sealRevoker])),
    ]
}
