import ArgumentParser
import Foundation
import TrustCrypto
import TrustServices

extension TrustctlCommand {
    struct CRL: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "crl", abstract: "Certificate revocation lists.", subcommands: [Generate.self])
    }

    struct Audit: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The hash-chained audit log.", subcommands: [Verify.self, Checkpoint.self, List.self])
    }
}

extension TrustctlCommand.CRL {
    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Build, sign and store a CRL (full, or delta with --delta).")

        @OptionGroup var data: DataOptions

        @Option(name: .long, help: "CA name.")
        var ca: String

        @Flag(help: "A delta CRL against the latest full CRL.")
        var delta = false

        @Option(name: .long, help: "Write the CRL here (DER, or PEM with --pem).")
        var out: String?

        @Flag(help: "PEM instead of DER.")
        var pem = false

        func run() throws {
            try runReportingErrors {
                let record = try data.open().ca.generateCRL(ca: ca, delta: delta, actor: data.actorName)
                let crl = try CertificateRevocationList(der: Array(record.der))
                let bytes = pem ? Array(crl.pem.utf8) : crl.der
                if let out {
                    try Data(bytes).write(to: URL(fileURLWithPath: out))
                    print("CRL \(record.number) for \(ca): \(crl.entries.count) entries, next update \(ISO8601DateFormatter().string(from: record.nextUpdate))")
                } else if pem {
                    print(crl.pem, terminator: "")
                } else {
                    FileHandle.standardOutput.write(Data(bytes))
                }
            }
        }
    }
}

extension TrustctlCommand.Audit {
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Walk the audit chain and check every signed checkpoint; name the first broken record (exit 1).")

        @OptionGroup var data: DataOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            try runReportingErrors {
                let report = try data.open().audit.verify()
                if output.json {
                    try printJSON(AuditReportView(intact: report.isIntact, records: report.records, checkpoints: report.checkpoints,
                                                  brokenSeq: report.firstBroken?.seq, reason: report.firstBroken?.reason))
                } else if let broken = report.firstBroken {
                    print("BROKEN at record \(broken.seq): \(broken.reason)")
                } else {
                    print("intact: \(report.records) records, \(report.checkpoints) signed checkpoints")
                }
                if !report.isIntact { throw ExitCode(TrustctlExit.failure) }
            }
        }
    }

    struct Checkpoint: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Sign a checkpoint over the current chain head.")

        @OptionGroup var data: DataOptions

        func run() throws {
            try runReportingErrors {
                if let checkpoint = try data.open().audit.checkpoint(actor: data.actorName) {
                    print("checkpoint at record \(checkpoint.seq): \(checkpoint.hash)")
                } else {
                    print("nothing new to checkpoint")
                }
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List audit records.")

        @OptionGroup var data: DataOptions
        @OptionGroup var output: OutputOptions

        @Option(help: "Start after this sequence number.")
        var after: Int64 = 0

        @Option(help: "At most this many records.")
        var limit = 100

        func run() throws {
            try runReportingErrors {
                let records = try data.open().store.read { try $0.auditRecords(after: after, limit: limit) }
                if output.json {
                    try printJSON(records.map { AuditRecordView(seq: $0.seq, time: $0.time, actor: $0.actor, action: $0.action,
                                                                object: $0.object, outcome: $0.outcome, details: $0.details) })
                } else {
                    printTable(records.map { [String($0.seq), $0.time, $0.actor, $0.action, $0.object, $0.outcome] },
                               header: ["SEQ", "TIME", "ACTOR", "ACTION", "OBJECT", "OUTCOME"])
                }
            }
        }
    }
}

struct AuditReportView: Encodable {
    let intact: Bool
    let records: Int
    let checkpoints: Int
    let brokenSeq: Int64?
    let reason: String?
}

struct AuditRecordView: Encodable {
    let seq: Int64
    let time, actor, action, object, outcome, details: String
}
