import Hummingbird
import TrustModel
import TrustServices

/// Reads `Authorization: Bearer <token>` and sets the context's principal. A presented but invalid, expired or revoked
/// token is refused at once (401); no header leaves the principal empty and the route decides (default deny).
struct BearerAuthMiddleware: RouterMiddleware {
    typealias Context = TrustRequestContext
    let access: AccessService

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else { return try await next(request, context) }
        guard header.hasPrefix("Bearer ") else {
            throw APIError(.unauthorized, "unauthenticated", "Authorization must be 'Bearer <token>'")
        }
        var context = context
        context.principal = try access.authenticate(token: String(header.dropFirst("Bearer ".count)))
        return try await next(request, context)
    }
}
