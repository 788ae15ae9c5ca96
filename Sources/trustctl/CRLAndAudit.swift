import APIContract
import ArgumentParser
import Foundation
import TrustCrypto

extension TrustctlCommand {
    struct CRL: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "crl", abstract: "Certificate revocation lists.", subcommands: [Fetch.self, Generate.self])
    }

    struct Audit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The hash-chained audit log.", subcommands: [Verify.self, Checkpoint.self, List.self])
    }
}

extension TrustctlCommand.CRL {
    struct Fetch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Download a CA's current CRL (public; no token needed).")

        @OptionGroup var server: ServerOptions

        @Option(name: .long, help: "CA name.")
        var ca: String

        @Option(name: .long, help: "Write the CRL here (DER, or PEM with --pem); default standard output.")
        var out: String?

        @Flag(help: "PEM instead of DER.")
        var pem = false

        func run() async throws {
            try await reportingErrors {
                let reply = try await server.client(authenticated: false).call(
                    .GET, "/v1/cas/\(segment(ca))/crl", accept: "application/pkix-crl")
                try emitCRL(reply.body, pem: pem, out: out)
            }
        }
    }

    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Have trustd sign a new full CRL now, then download it.")

        @OptionGroup var server: ServerOptions

        @Option(name: .long, help: "CA name.")
        var ca: String

        @Option(name: .long, help: "Write the CRL here (DER, or PEM with --pem).")
        var out: String?

        @Flag(help: "PEM instead of DER.")
        var pem = false

        func run() async throws {
            try await reportingErrors {
                // The CRL this request signed comes back in the answer: another request (on any node) may have
                // made a newer one current before a separate download.
                let client = try server.client()
                let reply = try await Progress.whileWaiting("trustd is signing a CRL for \(ca)") {
                    try await client.call(.POST, "/v1/cas/\(segment(ca))/crl", body: [], accept: "application/pkix-crl")
                }
                try emitCRL(reply.body, pem: pem, out: out)
                if out != nil {
                    let number = reply.headers["x-crl-number"] ?? "?"
                    let entries = reply.headers["x-crl-entries"] ?? "?"
                    print(
                        "CRL \(number) for \(ca): \(entries) entries, next update \(reply.headers["x-crl-next-update"] ?? "?")"
                    )
                }
            }
        }
    }
}

/// Writes a downloaded CRL after checking it parses (so a proxy's error page is not saved as a CRL).
func emitCRL(_ der: [UInt8], pem: Bool, out: String?) throws {
    let crl: CertificateRevocationList
    do { crl = try CertificateRevocationList(der: der) } catch {
        throw CallFailure(
            message: "trustd answered something that is not a CRL: \(error)", exitCode: TrustctlExit.failure)
    }
    let bytes = pem ? Array(crl.pem.utf8) : crl.der
    if let out { return try writeFile(out, bytes) }
    FileHandle.standardOutput.write(Data(bytes))
}

extension TrustctlCommand.Audit {
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Have trustd walk the audit chain and check every signed checkpoint; name the first broken record (exit 1)."
        )

        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            try await reportingErrors {
                let client = try server.client()
                let report = try await Progress.whileWaiting("trustd is walking the audit chain", quiet: output.json) {
                    try await client.post(AuditVerifyResponse.self, "/v1/audit/verify", NoBody())
                }
                if output.json {
                    try printJSON(report)
                } else if let seq = report.brokenSeq {
                    print("BROKEN at record \(seq): \(report.reason ?? "")")
                } else {
                    print("intact: \(report.records) records, \(report.checkpoints) signed checkpoints")
                }
                if !report.intact { throw ExitCode(TrustctlExit.failure) }
            }
        }
    }

    struct Checkpoint: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Have trustd sign a checkpoint over the audit chain head now.")

        @OptionGroup var server: ServerOptions

        func run() async throws {
            try await reportingErrors {
                let made = try await server.client().post(CheckpointResponse.self, "/v1/audit/checkpoints", NoBody())
                print(made.created ? "checkpoint at record \(made.seq ?? 0)" : "nothing new since the last checkpoint")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List audit records.")

        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions

        @Option(name: .long, help: "Only records after this sequence number.")
        var after: Int64 = 0

        @Option(name: .long, help: "At most this many records (1–1000).")
        var limit = 100

        func run() async throws {
            try await reportingErrors {
                let list = try await server.client().get(AuditList.self, "/v1/audit?after=\(after)&limit=\(limit)")
                if output.json { return try printJSON(list) }
                printTable(
                    list.records.map { [String($0.seq), $0.time, $0.actor, $0.action, $0.object, $0.outcome] },
                    header: ["SEQ", "TIME", "ACTOR", "ACTION", "OBJECT", "OUTCOME"])
            }
        }
    }
}
