import APIContract
import ArgumentParser
import Foundation

extension TrustctlCommand {
    struct SigningKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "signing-key",
            abstract: "Personal and organisation signing keys held in trustd's key custody (as a platform).",
            subcommands: [Create.self, Show.self, Revoke.self])
    }
}

func printSigningKey(_ key: SigningKeyView, json: Bool) throws {
    if json { return try printJSON(key) }
    let lines: [(String, String?)] = [
        ("id", key.id),
        (
            "owner",
            key.organizationId.map { "organization \($0), held by person \(key.personId)" }
                ?? "person \(key.personId)"
        ),
        ("key type", key.keyType), ("state", key.state),
        ("certificate", "\(key.certificateSerial) (\(key.certificateStatus))"),
        ("created", key.createdAt), ("revoked", key.revokedAt),
    ]
    for (name, value) in lines {
        if let value { print("\(name.padding(toLength: 12, withPad: " ", startingAt: 0)) \(value)") }
    }
}

extension TrustctlCommand.SigningKey {
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a key and its certificate for a person, or for an organisation held by a person.")
        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions
        @Option(name: .long, help: "Person id: the owner, or the holder of an organisation key.") var person: String
        @Option(name: .long, help: "Organisation id (makes an org-signing key).") var organization: String?
        @Option(name: .long, help: "sm2, rsa2048 or p256.") var keyType = "sm2"
        @Option(name: .long, help: "Also write the certificate (PEM) here.") var certificateOut: String?

        func run() async throws {
            try await reportingErrors {
                let key = try await server.client().post(
                    SigningKeyView.self, "/v1/keys",
                    SigningKeyRequest(
                        owner: organization == nil ? "person" : "organization", personId: person,
                        organizationId: organization, keyType: keyType))
                if let certificateOut { try writeFile(certificateOut, Array(key.certificate.utf8)) }
                // Like every create command: the new id on stdout (K=$(trustctl signing-key create …)); --json for all of it.
                if output.json { return try printJSON(key) }
                note("signing key \(key.id): \(key.keyType), certificate \(key.certificateSerial)")
                print(key.id)
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a signing key.")
        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "Signing key id.") var id: String

        func run() async throws {
            try await reportingErrors {
                try printSigningKey(
                    try await server.client().get(SigningKeyView.self, "/v1/keys/\(segment(id))"), json: output.json)
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke the key's certificate and destroy the key.")
        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "Signing key id.") var id: String
        @Option(name: .long, help: "RFC 5280 reason, e.g. keyCompromise.") var reason: String?

        func run() async throws {
            try await reportingErrors {
                try printSigningKey(
                    try await server.client().post(
                        SigningKeyView.self, "/v1/keys/\(segment(id))/revoke",
                        SigningKeyRevokeRequest(reason: reason)), json: output.json)
            }
        }
    }
}
