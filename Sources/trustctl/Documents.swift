import APIContract
import ArgumentParser
import Foundation

extension TrustctlCommand {
    struct SealDocument: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "seal-document",
            abstract: "Seal an OFD document (电子证照) with an electronic seal, or sign it with a signing key.",
            discussion: """
                Places the seal by page and position (--page N [--page-id ID] --x MM --y MM: its top-left corner), on a \
                text (--keyword 盖章处 [--occurrence N]: centred on it) or across pages (--riding 1-5: a riding seal). \
                --mode whole also protects the signature list, so nothing may be added after it. Writes the sealed \
                document to --out (never over --in) and prints the new signature's id and path.
                """)

        @OptionGroup var server: ServerOptions
        @Option(name: .long, help: "Seal id (an electronic seal, Type=Seal).") var seal: String?
        @Option(name: .long, help: "Signing key id (a digital signature, Type=Sign; SM2).") var key: String?
        @Option(name: .long, help: "Person id of the signer.") var signer: String?
        @Option(name: .customLong("in"), help: "The OFD document.") var input: String
        @Option(name: .long, help: "Where to write the sealed document.") var out: String
        @Option(name: .long, help: "Page number (from 1).") var page: Int?
        @Option(name: .long, help: "Page ID (the ID attribute in Document.xml).") var pageId: String?
        @Option(name: .long, help: "Millimetres from the page's left edge.") var x: Double?
        @Option(name: .long, help: "Millimetres from the page's top edge.") var y: Double?
        @Option(name: .long, help: "A text on the page to centre the seal on.") var keyword: String?
        @Option(name: .long, help: "Which occurrence of the keyword (from 1).") var occurrence: Int?
        @Option(name: .long, help: "Pages for a riding seal, e.g. 1-5.") var riding: String?
        @Option(name: .long, help: "continue (default) or whole.") var mode: String?
        @Flag(name: .long, help: "Add an RFC 3161 timestamp over the signature value.") var timestamp = false
        @Flag(name: .long, help: "Overwrite --out if it exists.") var force = false

        func validate() throws {
            guard (seal == nil) != (key == nil) else { throw ValidationError("give exactly one of --seal and --key") }
            guard input != out else { throw ValidationError("--out must differ from --in") }
        }

        func run() async throws {
            try await reportingErrors {
                if !force, FileManager.default.fileExists(atPath: out) {
                    throw fail("\(out) exists; pass --force to replace it", code: TrustctlExit.cannotCreate)
                }
                let placement = PlacementBody(
                    page: page ?? ((pageId == nil && keyword == nil && riding == nil) ? 1 : nil), pageId: pageId, x: x,
                    y: y, keyword: keyword, occurrence: occurrence, riding: riding)
                let body = SealDocumentRequestBody(
                    sealId: seal, keyId: key, signer: signer,
                    document: Data(try readFile(input)).base64EncodedString(), placements: [placement], mode: mode,
                    timestamp: timestamp)
                // The sealed package comes back as itself (Accept: application/ofd), its signature in headers.
                let reply = try await server.client().call(
                    .POST, "/v1/documents/seal", body: Array(try JSONEncoder().encode(body)), accept: "application/ofd")
                guard reply.contentType?.hasPrefix("application/ofd") == true, let id = reply.headers["x-signature-id"],
                    let path = reply.headers["x-signature-path"]
                else {
                    throw CallFailure(message: "trustd answered no sealed document", exitCode: TrustctlExit.failure)
                }
                try writeFile(out, reply.body)
                print("\(id) \(path)")
            }
        }
    }
}

/// `trustctl verify` on an OFD document: the overall verdict, then each signature's checks.
func printDocumentReport(_ report: DocumentReportView) {
    print(
        "\(report.indication)\(report.subIndication.map { " / \($0)" } ?? "")  \(report.format) document, "
            + "\(report.signatures.count) signature(s)")
    for warning in report.warnings { print("warning: \(warning)") }
    if !report.unprotectedFiles.isEmpty {
        print("not protected by any signature: \(report.unprotectedFiles.joined(separator: ", "))")
    }
    for signature in report.signatures {
        let inner = signature.report
        print("")
        print(
            "signature \(signature.id) (\(signature.type), pages \(signature.pages.joined(separator: ", "))): "
                + "\(inner.indication)\(inner.subIndication.map { " / \($0)" } ?? "")"
                + (inner.signingTime.map { ", signed \($0) (\(inner.timeSource ?? "-"))" } ?? ""))
        if let signer = inner.signer { print("signer \(signer)") }
        if let seal = inner.seal { print("seal   \(seal.name ?? "-") (\(seal.esId ?? "-"))") }
        printTable(inner.checks.map { [$0.name, $0.status, $0.detail] }, header: ["CHECK", "STATUS", "DETAIL"])
    }
}
