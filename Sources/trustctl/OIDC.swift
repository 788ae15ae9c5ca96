import APIContract
import ArgumentParser
import Foundation

extension TrustctlCommand {
    struct OIDC: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "oidc",
            abstract: "The login service (OpenID Connect): platforms and login sessions (admin).",
            subcommands: [Client.self, Sessions.self])
    }
}

extension TrustctlCommand.OIDC {
    struct Client: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register and list platforms (OIDC clients).", subcommands: [Create.self, List.self])
    }

    struct Sessions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List active login sessions, or end one with --revoke HANDLE.")
        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions
        @Option(help: "End this session (its sid): the cookie stops working, its refresh tokens are revoked.")
        var revoke: String?

        func run() async throws {
            try await reportingErrors {
                let client = try server.client()
                if let revoke {
                    _ = try await client.post(
                        [String: String].self, "/v1/login/sessions/\(segment(revoke))/revoke", NoBody())
                    return print("revoked \(revoke)")
                }
                let list = try await client.get(LoginSessionList.self, "/v1/login/sessions")
                if output.json { return try printJSON(list) }
                printTable(
                    list.sessions.map { [$0.handle, $0.person, $0.acr, $0.amr.joined(separator: " "), $0.authTime] },
                    header: ["SID", "PERSON", "ACR", "AMR", "LOGGED IN"])
            }
        }
    }
}

extension TrustctlCommand.OIDC.Client {
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a platform; prints its client id (and its secret, once).")
        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions
        @Option(help: "The platform's name, shown on the login page.") var name: String
        @Option(name: .customLong("redirect-uri"), help: "A redirect URI (repeat for several); matched exactly.")
        var redirectURIs: [String]
        @Option(name: .customLong("scope"), help: "A scope it may ask for: openid, profile, identity (repeat).")
        var scopes: [String] = ["openid"]
        @Flag(name: .customLong("public"), help: "A public client (a browser or mobile app): PKCE only, no secret.")
        var isPublic = false
        @Option(name: .customLong("backchannel-logout-uri"), help: "Where trustd posts logout tokens.")
        var backchannelLogoutURI: String?
        @Flag(help: "Ask the person's agreement before the platform gets their data (remembered per scope set).")
        var consent = false
        @Option(help: "The platform's trustd principal: it may then pass ID tokens to /v1/sign as the signer.")
        var principal: String?
        @Option(
            name: .customLong("jwt-key"),
            help: "The platform's PEM public key (P-256 or RSA): it authenticates with private_key_jwt, no secret.")
        var jwtKey: String?

        func run() async throws {
            try await reportingErrors {
                let key = try jwtKey.map { try String(contentsOfFile: $0, encoding: .utf8) }
                let created = try await server.client().post(
                    LoginClientView.self, "/v1/login/clients",
                    LoginClientRequest(
                        name: name, redirectUris: redirectURIs, scopes: scopes, confidential: !isPublic,
                        backchannelLogoutUri: backchannelLogoutURI, consentRequired: consent,
                        principalId: principal, jwtPublicKey: key))
                if output.json { return try printJSON(created) }
                print("client_id: \(created.clientId)")
                if let secret = created.clientSecret { print("client_secret: \(secret)  (shown once)") }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the registered platforms.")
        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            try await reportingErrors {
                let list = try await server.client().get(LoginClientList.self, "/v1/login/clients")
                if output.json { return try printJSON(list) }
                printTable(
                    list.clients.map {
                        [
                            $0.clientId, $0.authMethod ?? $0.type, $0.name, $0.scopes.joined(separator: " "),
                            $0.redirectUris.joined(separator: " "),
                        ]
                    },
                    header: ["CLIENT ID", "AUTHENTICATION", "NAME", "SCOPES", "REDIRECT URIS"])
            }
        }
    }
}
