import ArgumentParser
import Foundation
import TrustCrypto
import TrustModel
import TrustServices
import TrustStore

extension TrustctlCommand {
    struct Cert: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "cert", abstract: "Issue, show and revoke certificates.", subcommands: [Issue.self, Show.self, Revoke.self])
    }
}

extension TrustctlCommand.Cert {
    struct Issue: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Issue a certificate from a PKCS#10 CSR under a profile.")

        @OptionGroup var data: DataOptions

        @Option(name: .long, help: "CSR file (PEM or DER).")
        var csr: String

        @Option(name: .long, help: "Certificate profile, e.g. tls-server, seal, person-signing.")
        var profile: String

        @Option(name: .long, help: "Issuing CA, e.g. sm2-issuing or rsa-issuing.")
        var ca: String

        @Option(name: .long, help: "Identity extension value KIND=VALUE (citizen-id, organization-code, tax-number, …); repeatable.")
        var identity: [String] = []

        @Option(name: .long, help: "Validity in days (at most the profile's).")
        var validityDays: Int?

        @Option(name: .long, help: "Write the certificate and chain (PEM) here instead of standard output.")
        var out: String?

        func run() throws {
            var values: [CertificateProfile.IdentityExtension: String] = [:]
            for item in identity {
                let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, let kind = CertificateProfile.IdentityExtension(rawValue: parts[0]) else {
                    throw ValidationError("--identity takes KIND=VALUE with KIND one of \(CertificateProfile.IdentityExtension.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                values[kind] = parts[1]
            }
            try runReportingErrors {
                guard let bytes = FileManager.default.contents(atPath: csr) else {
                    throw fail("cannot read \(csr)", code: TrustctlExit.ioError)
                }
                let text = String(decoding: bytes, as: UTF8.self)
                let request = text.contains("-----BEGIN") ? try CertificateSigningRequest(pem: text) : try CertificateSigningRequest(der: Array(bytes))
                let issued = try data.open().ca.issue(csr: request, profile: profile, ca: ca, identity: values,
                                                      validityDays: validityDays, actor: data.actorName)
                let pem = ([issued.certificate] + issued.chain).map(\.pem).joined()
                if let out {
                    try Data(pem.utf8).write(to: URL(fileURLWithPath: out))
                    print(issued.record.serial)
                } else {
                    print(pem, terminator: "")
                }
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a certificate by serial number.")

        @OptionGroup var data: DataOptions
        @OptionGroup var output: OutputOptions

        @Argument(help: "Serial number (hex).")
        var serial: String

        @Flag(help: "Print the certificate PEM only.")
        var pem = false

        func run() throws {
            try runReportingErrors {
                let record = try data.open().ca.certificate(serial: serial)
                let certificate = try Certificate(der: Array(record.der))
                if pem { return print(certificate.pem, terminator: "") }
                let view = CertificateView(record, certificate)
                if output.json { return try printJSON(view) }
                for (key, value) in view.lines { print("\(key.padding(toLength: 12, withPad: " ", startingAt: 0)) \(value)") }
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a certificate, put it on hold (certificateHold) or release a hold (removeFromCRL).")

        @OptionGroup var data: DataOptions

        @Argument(help: "Serial number (hex).")
        var serial: String

        @Option(name: .long, help: "RFC 5280 reason: \(RevocationReason.allCases.map(\.name).joined(separator: ", ")).")
        var reason = "unspecified"

        func run() throws {
            guard let parsed = RevocationReason(name: reason) else {
                throw ValidationError("unknown reason '\(reason)'; one of \(RevocationReason.allCases.map(\.name).joined(separator: ", "))")
            }
            try runReportingErrors {
                let record = try data.open().ca.revoke(serial: serial, reason: parsed, actor: data.actorName)
                print("\(record.serial) \(record.status.rawValue)")
            }
        }
    }
}

struct CertificateView: Encodable {
    let serial, issuer, subject, profile, status, notBefore, notAfter, fingerprint, certificate: String
    let revokedAt: String?
    let revocationReason: String?

    init(_ record: CertificateRecord, _ certificate: Certificate) {
        let formatter = ISO8601DateFormatter()
        serial = record.serial
        issuer = record.issuer
        subject = record.subject
        profile = record.profile
        status = record.status.rawValue
        notBefore = formatter.string(from: record.notBefore)
        notAfter = formatter.string(from: record.notAfter)
        fingerprint = record.fingerprint
        revokedAt = record.revokedAt.map { formatter.string(from: $0) }
        revocationReason = record.revocationReason.flatMap(RevocationReason.init(rawValue:))?.name
        self.certificate = certificate.pem
    }

    var lines: [(String, String)] {
        [("serial", serial), ("ca", issuer), ("subject", subject), ("profile", profile), ("status", status),
         ("not before", notBefore), ("not after", notAfter), ("fingerprint", fingerprint)]
            + (revokedAt.map { [("revoked at", $0)] } ?? []) + (revocationReason.map { [("reason", $0)] } ?? [])
    }
}
