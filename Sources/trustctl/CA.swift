import ArgumentParser
import Foundation
import TrustCrypto
import TrustModel
import TrustServices

/// `--data DIR`: the installation the local CA-officer commands work on.
struct DataOptions: ParsableArguments {
    @Option(name: .long, help: "trustd data directory (created by `trustctl ca init`).")
    var data: String

    @Option(name: .long, help: "Who is acting, for the audit log (default: the login name).")
    var actor: String?

    var actorName: String { actor ?? "trustctl:\(ProcessInfo.processInfo.environment["USER"] ?? "\(getuid())")" }

    func open() throws -> Appliance { try DataDirectory(data).open() }
}

extension TrustctlCommand {
    struct CA: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ca", abstract: "Certification authorities.", subcommands: [Init.self, List.self, Show.self])
    }
}

extension TrustctlCommand.CA {
    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a data directory with SM2 and RSA hierarchies (root + issuing CA each, keys in key custody).")

        @OptionGroup var data: DataOptions

        @Option(name: .long, help: "Policies directory to copy into the installation.")
        var policies = "policies"

        @Option(name: .long, help: "Base URL put into CRL distribution points and AIA (OCSP, CA issuers).")
        var baseURL = "http://127.0.0.1:8443"

        @Option(name: .long, help: "Organisation (O) of the CA certificates.")
        var organization = "trustd"

        func run() throws {
            try runReportingErrors {
                let appliance = try DataDirectory(data.data).initialize(
                    policiesFrom: policies, configuration: CAConfiguration(baseURL: baseURL, organization: organization),
                    actor: data.actorName)
                printCAs(try appliance.ca.list())
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the CAs.")

        @OptionGroup var data: DataOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            try runReportingErrors {
                let cas = try data.open().ca.list()
                if output.json {
                    try printJSON(cas.map { CAView($0) })
                } else {
                    printCAs(cas)
                }
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a CA's certificate (PEM) or its chain.")

        @OptionGroup var data: DataOptions

        @Argument(help: "CA name, e.g. sm2-issuing.")
        var name: String

        @Flag(help: "Print the chain up to the root.")
        var chain = false

        func run() throws {
            try runReportingErrors {
                let certificates = try data.open().ca.chain(of: name)
                print((chain ? certificates : [certificates[0]]).map(\.pem).joined(), terminator: "")
            }
        }
    }
}

struct CAView: Encodable {
    let name, role, algorithm: String
    let parent: String?
    let subject, serial, notAfter, certificate: String

    init(_ info: CAInfo) {
        name = info.name
        role = info.role
        algorithm = info.algorithm
        parent = info.parent
        subject = info.certificate.subject.description
        serial = info.certificate.serialHex
        notAfter = ISO8601DateFormatter().string(from: info.certificate.notAfter)
        certificate = info.certificate.pem
    }
}

func printCAs(_ cas: [CAInfo]) {
    printTable(cas.map { [$0.name, $0.role, $0.algorithm, $0.parent ?? "-", ISO8601DateFormatter().string(from: $0.certificate.notAfter),
                          $0.certificate.subject.description] },
               header: ["NAME", "ROLE", "ALG", "PARENT", "NOT AFTER", "SUBJECT"])
}
