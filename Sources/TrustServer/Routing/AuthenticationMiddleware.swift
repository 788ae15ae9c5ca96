import Hummingbird
import NIOSSL
import TrustModel
import TrustServices

/// Sets the context's principal from `Authorization: Bearer <token>` or, without that header, from a verified TLS
/// client certificate bound to a principal. A presented but invalid, expired or revoked credential is refused at once
/// (401); no credential leaves the principal empty and the route decides (default deny).
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = TrustRequestContext
    let access: AccessService
    /// Whether connections may carry client certificates (TLS with client authentication configured).
    let clientCertificates: Bool

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var context = context
        // The login service's endpoints authenticate by the OAuth protocol (client credentials, its own tokens).
        if request.uri.path.hasPrefix("/oidc/") { return try await next(request, context) }
        if let header = request.headers[.authorization] {
            guard header.hasPrefix("Bearer ") else {
                throw APIError(.unauthorized, "unauthenticated", "Authorization must be 'Bearer <token>'")
            }
            context.principal = try await access.authenticate(token: String(header.dropFirst("Bearer ".count)))
        } else if clientCertificates, let channel = context.channel,
            let certificate = try await channel.nioSSL_peerCertificate().get()
        {
            context.principal = try await access.authenticate(clientCertificate: try certificate.toDERBytes())
        }
        return try await next(request, context)
    }
}
