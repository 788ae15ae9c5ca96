import APIContract
import ArgumentParser
import Foundation

extension TrustctlCommand {
    struct PrincipalCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "principal",
            abstract: "Principals (callers), their roles, bearer tokens and mTLS certificates (admin).",
            subcommands: [List.self, Create.self, Token.self, RevokeToken.self, BindCertificate.self])
    }
}

extension TrustctlCommand.PrincipalCommand {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List principals and their roles.")

        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            try await reportingErrors {
                let list = try await server.client().get(PrincipalList.self, "/v1/principals")
                if output.json { return try printJSON(list) }
                printTable(
                    list.principals.map {
                        [$0.id, $0.name, $0.roles.joined(separator: ","), String($0.clientCertificates.count)]
                    },
                    header: ["ID", "NAME", "ROLES", "MTLS CERTS"])
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a principal; prints its id.")

        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions

        @Option(name: .long, help: "Name (letters, digits, . _ @ -).")
        var name: String

        @Option(
            name: .long,
            help:
                "Role (platform, seal-applicant, seal-reviewer, seal-maker, seal-filer, seal-granter, seal-revoker, ca-officer, counter-operator, auditor, admin); repeatable."
        )
        var role: [String]

        func run() async throws {
            try await reportingErrors {
                let made = try await server.client().post(
                    PrincipalView.self, "/v1/principals", PrincipalRequest(name: name, roles: role))
                if output.json { return try printJSON(made) }
                print(made.id)
            }
        }
    }

    struct Token: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Issue a bearer token for a principal. The token is shown once: write it to a 0600 file with --out.")

        @OptionGroup var server: ServerOptions

        @Argument(help: "Principal id.")
        var id: String

        @Option(name: .long, help: "Lifetime in days (default 90).")
        var lifetimeDays: Int?

        @Option(name: .long, help: "Write the token to this file (created with mode 0600) and print the token id.")
        var out: String?

        func run() async throws {
            try await reportingErrors {
                let issued = try await server.client().post(
                    TokenResponse.self, "/v1/principals/\(segment(id))/tokens",
                    TokenRequest(lifetimeDays: lifetimeDays))
                guard let out else { return print(issued.token) }
                let fd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
                guard fd >= 0 else {
                    throw fail("cannot create \(out): \(String(cString: strerror(errno)))", code: TrustctlExit.ioError)
                }
                defer { close(fd) }
                let bytes = Array((issued.token + "\n").utf8)
                guard bytes.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == bytes.count else {
                    throw fail("cannot write \(out)", code: TrustctlExit.ioError)
                }
                print("token \(issued.id) expires \(issued.expiresAt)")
            }
        }
    }

    struct RevokeToken: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "revoke-token", abstract: "Revoke a bearer token by its id.")

        @OptionGroup var server: ServerOptions

        @Argument(help: "Token id (from `principal token`).")
        var id: String

        func run() async throws {
            try await reportingErrors {
                _ = try await server.client().post([String: String].self, "/v1/tokens/\(segment(id))/revoke", NoBody())
                print("token \(id) revoked")
            }
        }
    }

    struct BindCertificate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "bind-certificate",
            abstract: "Let a tls-client certificate issued by trustd authenticate a principal over mutual TLS.")

        @OptionGroup var server: ServerOptions

        @Argument(help: "Principal id.")
        var id: String

        @Option(name: .long, help: "Client certificate (PEM).")
        var certificate: String

        func run() async throws {
            try await reportingErrors {
                let pem = String(decoding: try readFile(certificate), as: UTF8.self)
                let bound = try await server.client().post(
                    PrincipalView.self, "/v1/principals/\(segment(id))/certificates",
                    ClientCertificateRequest(certificate: pem))
                print("\(bound.name): \(bound.clientCertificates.count) client certificate(s)")
            }
        }
    }
}
