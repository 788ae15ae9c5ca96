import Hummingbird
import TrustModel
import TrustServices

/// Who may call a route.
public enum RouteAccess: Sendable, Hashable {
    /// Anyone, without credentials (health, CA certificates, CRLs, OCSP, the API document).
    case `public`
    /// Anyone on the network, authenticated by the OAuth / OpenID Connect protocol itself (client credentials, codes,
    /// session cookies, trustd's own access tokens); trustd's API tokens and client certificates play no part there
    /// (the authentication middleware leaves `/oidc/` alone).
    case oauth
    /// Authenticated callers whose roles hold the permission (``RolePermissions``, the same table the services ask).
    case permission(Permission)

    /// The roles that may call the route (every role for a public route).
    public var roles: Set<Role> {
        switch self {
        case .public, .oauth: Set(Role.allCases)
        case .permission(let permission): RolePermissions.roles(holding: permission)
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

typealias Handler = @Sendable (Request, TrustRequestContext) async throws -> Response

/// A route and its handler, declared together by a controller.
struct Route: Sendable {
    let spec: RouteSpec
    let handler: Handler

    init(_ method: HTTPRequest.Method, _ path: String, _ access: RouteAccess, _ handler: @escaping Handler) {
        spec = RouteSpec(method, path, access)
        self.handler = handler
    }
}

/// The routes of one resource. A handler decodes and validates the request, makes one service call with the caller,
/// and renders the answer; it never touches the store, OpenSSL or PC/SC.
protocol Controller: Sendable {
    var routes: [Route] { get }
}

/// The route table — every route the server registers, with its access — derived from the controllers, so the
/// authorisation matrix and the OpenAPI document are checked against what is actually served.
public enum RouteTable {
    public static func routes(_ api: TrustAPI) -> [RouteSpec] { api.controllers.flatMap(\.routes).map(\.spec) }
}

extension TrustRequestContext {
    /// The authenticated caller (routes with a permission run only with one).
    func caller() throws -> Caller {
        guard let principal else { throw APIError(.unauthorized, "unauthenticated", "this route needs credentials") }
        return Caller(principal)
    }
}
