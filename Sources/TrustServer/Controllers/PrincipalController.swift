import APIContract
import Foundation
import Hummingbird
import TrustModel
import TrustServices

/// What the principal routes need of access management.
protocol PrincipalOperations: Sendable {
    func principals(by caller: Caller) async throws -> [AccessService.PrincipalDetails]
    func createPrincipal(name: String, roles: Set<Role>, by caller: Caller) async throws -> Principal
    func issueToken(principalID: String, lifetime: TimeInterval, by caller: Caller) async throws
        -> AccessService.IssuedToken
    func revokeToken(id: String, by caller: Caller) async throws
    func bindClientCertificate(principalID: String, certificatePEM: String, by caller: Caller) async throws
        -> AccessService.PrincipalDetails
}

extension AccessService: PrincipalOperations {}

/// Principals, their bearer tokens and mutual-TLS client certificates (admins).
struct PrincipalController: Controller {
    let access: any PrincipalOperations

    var routes: [Route] {
        [
            Route(.get, "/v1/principals", .permission(.principalManage)) { _, context in
                try json(
                    PrincipalList(
                        principals: try await access.principals(by: try context.caller()).map(PrincipalView.init)))
            },
            Route(.post, "/v1/principals", .permission(.principalManage)) { request, context in
                let body = try await decode(PrincipalRequest.self, request, context)
                let roles = Set(
                    try body.roles.map {
                        try named($0, "role", Role.init(rawValue:), choices: Role.allCases.map(\.rawValue))
                    })
                let principal = try await access.createPrincipal(
                    name: body.name, roles: roles, by: try context.caller())
                return try json(PrincipalView(principal, clientCertificates: []), status: .created)
            },
            Route(.post, "/v1/principals/{id}/certificates", .permission(.principalManage)) { request, context in
                let body = try await decode(ClientCertificateRequest.self, request, context)
                let details = try await access.bindClientCertificate(
                    principalID: try hexParameter(context, "id"), certificatePEM: body.certificate,
                    by: try context.caller())
                return try json(PrincipalView(details), status: .created)
            },
            Route(.post, "/v1/principals/{id}/tokens", .permission(.principalManage)) { request, context in
                let body =
                    try await decodeOptional(TokenRequest.self, request, context) ?? TokenRequest(lifetimeDays: nil)
                let issued = try await access.issueToken(
                    principalID: try hexParameter(context, "id"),
                    lifetime: TimeInterval(body.lifetimeDays ?? 90) * 86400, by: try context.caller())
                return try json(
                    TokenResponse(token: issued.token, id: issued.id, expiresAt: UTCTime.iso8601(issued.expiresAt)),
                    status: .created)
            },
            Route(.post, "/v1/tokens/{id}/revoke", .permission(.principalManage)) { _, context in
                try await access.revokeToken(id: try hexParameter(context, "id"), by: try context.caller())
                return try json(["status": "revoked"])
            },
        ]
    }
}
