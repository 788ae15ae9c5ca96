import APIContract
import ArgumentParser
import Foundation
import TrustCrypto

extension TrustctlCommand {
    struct Cert: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "cert", abstract: "Issue, show and revoke certificates.",
            subcommands: [Issue.self, Show.self, Revoke.self])
    }
}

extension TrustctlCommand.Cert {
    struct Issue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue a certificate from a PKCS#10 CSR under a profile.")

        @OptionGroup var server: ServerOptions

        @Option(name: .long, help: "CSR file (PEM or DER).")
        var csr: String

        @Option(name: .long, help: "Certificate profile, e.g. tls-server, seal, person-signing.")
        var profile: String

        @Option(name: .long, help: "Issuing CA, e.g. sm2-issuing or rsa-issuing.")
        var ca: String

        @Option(
            name: .long,
            help: "Identity extension value KIND=VALUE (citizen-id, organization-code, tax-number, …); repeatable.")
        var identity: [String] = []

        @Option(
            name: .long,
            help:
                "The person applying: for a certificate naming an organisation, the person id acting for it (policy cert.issue.PROFILE)."
        )
        var applicant: String?

        @Option(name: .long, help: "Validity in days (at most the profile's).")
        var validityDays: Int?

        @Option(
            name: .long,
            help: "Write the certificate and chain (PEM) here and print the serial, instead of printing the PEM.")
        var out: String?

        func run() async throws {
            var values: [String: String] = [:]
            for item in identity {
                let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, !parts[1].isEmpty else { throw ValidationError("--identity takes KIND=VALUE") }
                values[parts[0]] = parts[1]
            }
            try await reportingErrors {
                let bytes = try readFile(csr)
                let text = String(decoding: bytes, as: UTF8.self)
                let pem = text.contains("-----BEGIN") ? text : pemEncode(bytes, label: "CERTIFICATE REQUEST")
                let issued = try await server.client().post(
                    IssueResponse.self, "/v1/certificates",
                    IssueRequest(
                        ca: ca, profile: profile, csr: pem, identity: values.isEmpty ? nil : values,
                        applicant: applicant,
                        validityDays: validityDays))
                let chain = ([issued.certificate] + issued.chain).joined()
                if let out {
                    try writeFile(out, Array(chain.utf8))
                    print(issued.serial)
                } else {
                    print(chain, terminator: "")
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a certificate and its status by serial number.")

        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions

        @Argument(help: "Serial number (hex).")
        var serial: String

        @Flag(help: "Print the certificate PEM only.")
        var pem = false

        func run() async throws {
            try await reportingErrors {
                let view = try await server.client().get(CertificateView.self, "/v1/certificates/\(segment(serial))")
                if pem { return print(view.certificate, terminator: "") }
                if output.json { return try printJSON(view) }
                let lines =
                    [
                        ("serial", view.serial), ("ca", view.ca), ("subject", view.subject), ("profile", view.profile),
                        ("status", view.status), ("not before", view.notBefore), ("not after", view.notAfter),
                        ("fingerprint", view.fingerprint),
                    ]
                    + (view.revokedAt.map { [("revoked at", $0)] } ?? []) + (view.reason.map { [("reason", $0)] } ?? [])
                for (key, value) in lines {
                    print("\(key.padding(toLength: 12, withPad: " ", startingAt: 0)) \(value)")
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a certificate, put it on hold (certificateHold) or release a hold (removeFromCRL).")

        static let reasons = RevocationReason.allCases.map(\.name)

        @OptionGroup var server: ServerOptions

        @Argument(help: "Serial number (hex).")
        var serial: String

        @Option(name: .long, help: "RFC 5280 reason: \(reasons.joined(separator: ", ")).")
        var reason = "unspecified"

        func validate() throws {
            guard Self.reasons.contains(reason) else {
                throw ValidationError("unknown reason '\(reason)'; one of \(Self.reasons.joined(separator: ", "))")
            }
        }

        func run() async throws {
            try await reportingErrors {
                let view = try await server.client().post(
                    CertificateView.self, "/v1/certificates/\(segment(serial))/revoke",
                    RevokeRequest(reason: reason))
                print("\(view.serial) \(view.status)")
            }
        }
    }
}

func pemEncode(_ der: [UInt8], label: String) -> String {
    "-----BEGIN \(label)-----\n"
        + Data(der).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        + "\n-----END \(label)-----\n"
}
