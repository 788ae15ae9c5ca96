import APIContract
import Foundation
import Hummingbird
import TrustModel
import TrustServices

/// Administration of the login service (admin, `login.manage`): platforms and login sessions.
struct LoginAdminController: Controller {
    let login: LoginService

    var routes: [Route] {
        [
            Route(.post, "/v1/login/clients", .permission(.loginManage)) { request, context in
                let body = try await decode(LoginClientRequest.self, request, context)
                let client = try await login.registerClient(
                    name: body.name, redirectURIs: body.redirectUris, scopes: body.scopes ?? ["openid"],
                    confidential: body.confidential ?? true, backchannelLogoutURI: body.backchannelLogoutUri,
                    consentRequired: body.consentRequired ?? false, principalID: body.principalId,
                    jwtPublicKey: body.jwtPublicKey, by: try context.caller())
                return try json(Self.view(client), status: .created)
            },
            Route(.get, "/v1/login/clients", .permission(.loginManage)) { _, context in
                try json(LoginClientList(clients: try await login.clients(by: try context.caller()).map(Self.view)))
            },
            Route(.get, "/v1/login/sessions", .permission(.loginManage)) { _, context in
                try json(
                    LoginSessionList(
                        sessions: try await login.sessions(by: try context.caller()).map { session in
                            LoginSessionView(
                                handle: session.handle, person: session.personID,
                                acr: LoginACR.uri(AssuranceLevel(rawValue: session.level) ?? .anonymous),
                                authTime: UTCTime.iso8601(session.authTime),
                                expiresAt: UTCTime.iso8601(session.expiresAt),
                                amr: RegisteredClient.list(session.methods))
                        }))
            },
            Route(.post, "/v1/login/sessions/{handle}/revoke", .permission(.loginManage)) { _, context in
                let handle = try parameter(context, "handle")
                try await login.revokeSession(handle: handle, by: try context.caller())
                return try json(["revoked": handle])
            },
        ]
    }

    static func view(_ client: RegisteredClient) -> LoginClientView {
        LoginClientView(
            clientId: client.record.id, name: client.record.name,
            type: client.authMethod == "none" ? "public" : "confidential", authMethod: client.authMethod,
            createdAt: UTCTime.iso8601(client.record.createdAt), redirectUris: client.redirectURIs,
            scopes: client.scopes, clientSecret: client.secret)
    }
}
