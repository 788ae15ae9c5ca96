import APIContract
import ArgumentParser
import Foundation

extension TrustctlCommand {
    struct CA: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ca",
            abstract: "Certification authorities (the daemon creates the SM2 and RSA hierarchies on first start).",
            subcommands: [List.self, Show.self, Renew.self, Rekey.self, Import.self])
    }
}

extension TrustctlCommand.CA {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the CAs, flagging (!) those whose certificate ends within --warn-days.")

        /// `in 412 d`, `in 12 d !` within the warning window, `expired !` after the end.
        static func remaining(_ notAfter: String, now: Date, warnDays: Int) -> String {
            guard let end = ISO8601DateFormatter().date(from: notAfter) else { return "?" }
            let days = Int(end.timeIntervalSince(now) / 86400)
            if end <= now { return "expired !" }
            return days < warnDays ? "in \(days) d !" : "in \(days) d"
        }

        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions
        @Option(name: .long, help: "Flag CAs whose certificate ends within this many days (default 30).")
        var warnDays = 30

        func run() async throws {
            try await reportingErrors {
                let list = try await server.client().get(CAList.self, "/v1/cas")
                if output.json { return try printJSON(list) }
                let now = Date()
                printTable(
                    list.cas.map {
                        [
                            $0.name, $0.role, $0.algorithm, $0.parent ?? "-", $0.notAfter,
                            Self.remaining($0.notAfter, now: now, warnDays: warnDays),
                            $0.successor.map { "renewed → \($0)" } ?? "issuing", $0.subject,
                        ]
                    },
                    header: ["NAME", "ROLE", "ALG", "PARENT", "NOT AFTER", "EXPIRES", "STATE", "SUBJECT"])
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a CA's certificate (PEM), or its chain up to the root.")

        @OptionGroup var server: ServerOptions

        @Argument(help: "CA name, e.g. sm2-issuing.")
        var name: String

        @Flag(help: "Print the chain up to the root.")
        var chain = false

        @Flag(help: "Print a re-keyed root's cross-certificates (its key by the old root, then the old key by it).")
        var cross = false

        func run() async throws {
            try await reportingErrors {
                let cas = try await server.client().get(CAList.self, "/v1/cas").cas
                var next: String? = name
                var pems: [String] = []
                while let current = next, pems.count < 8 {
                    guard let ca = cas.first(where: { $0.name == current }) else {
                        throw CallFailure(message: "no CA named \(current)", exitCode: TrustctlExit.notFound)
                    }
                    if cross {
                        pems = ca.crossCertificates ?? []
                        break
                    }
                    pems.append(ca.certificate)
                    next = chain ? ca.parent : nil
                    // An imported CA whose issuer is outside trustd carries that chain.
                    if chain, next == nil { pems += ca.issuerChain ?? [] }
                }
                print(pems.joined(), terminator: "")
            }
        }
    }
}

extension TrustctlCommand.CA {
    struct Renew: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Renew an issuing CA (admin): new key and certificate from its root; prints the new CA's name.",
            discussion: """
                The new CA is named <ca>-g2 (then -g3 …) and takes over issuance for everything that names the old \
                one (profiles, seal types, TLS). The old CA keeps signing its CRL and OCSP answers for the \
                certificates it issued until the last of them ends.
                """)
        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The issuing CA to renew.") var ca: String

        func run() async throws {
            try await reportingErrors {
                let renewed = try await server.client().post(CAView.self, "/v1/cas/\(segment(ca))/renew", NoBody())
                if output.json { return try printJSON(renewed) }
                print(renewed.name)
            }
        }
    }
}
