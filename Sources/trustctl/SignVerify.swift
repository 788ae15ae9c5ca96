import APIContract
import ArgumentParser
import Foundation

extension TrustctlCommand {
    struct Sign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Sign a file with a seal (as a platform holding a grant, or for a granted signer person) or a signing key.",
            discussion: """
                Writes the signature: the DER SES_Signature for --format ses, a detached DER CMS SignedData for cms (PKCS#7 OIDs) \
                and gmt0010 (GM/T 0010 OIDs), the raw signature bytes for raw. Give exactly one of --seal and --key.
                """)

        @OptionGroup var server: ServerOptions
        @Option(name: .long, help: "Seal id.") var seal: String?
        @Option(name: .long, help: "Signing key id (POST /v1/keys); --signer must be its holder.") var key: String?
        @Option(
            name: .long,
            help: "Person id of the signer (checked against the seal's grants and levels, or the key's holder).")
        var signer: String?
        @Option(name: .long, help: "raw, cms, gmt0010 or ses.") var format = "ses"
        @Option(name: .customLong("in"), help: "The document to sign.") var input: String
        @Option(name: .long, help: "Where to write the signature.") var out: String
        @Option(name: .long, help: "ses: propertyInfo (e.g. the signature's path in an OFD).") var propertyInfo: String?
        @Flag(name: .long, help: "ses, cms, gmt0010: add an RFC 3161 timestamp over the signature value.")
        var timestamp = false

        func validate() throws {
            guard (seal == nil) != (key == nil) else { throw ValidationError("give exactly one of --seal and --key") }
        }

        func run() async throws {
            try await reportingErrors {
                let document = try readFile(input)
                let answer = try await server.client().post(
                    SignResponse.self, "/v1/sign",
                    SignRequestBody(
                        sealId: seal, keyId: key, signer: signer, format: format,
                        data: Data(document).base64EncodedString(), propertyInfo: propertyInfo,
                        timestamp: timestamp))
                guard let bytes = Data(base64Encoded: answer.signature) else {
                    throw CallFailure(message: "trustd answered a malformed signature", exitCode: TrustctlExit.failure)
                }
                try writeFile(out, Array(bytes))
                print("\(out): \(answer.format) signature, \(bytes.count) bytes")
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Verify a CMS, GM/T 0010 or seal signature, a bare SESeal, or a signed OFD document, and print trustd's report.",
            discussion: "Exit codes: 0 TOTAL_PASSED, 1 TOTAL_FAILED, 75 INDETERMINATE (plus the usual ones for errors)."
        )

        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions
        @Option(name: .long, help: "The signature file (DER), or a signed OFD document.") var signature: String
        @Option(name: .long, help: "The signed document, to check the document hash.") var data: String?
        @Option(
            name: .long,
            help: "Also write the report as an HTML page here, with trustd's RFC 3161 timestamp over it in FILE.tsr.")
        var html: String?

        func run() async throws {
            var indication = "TOTAL_PASSED"
            try await reportingErrors {
                let bytes = try readFile(signature)
                let client = try server.client()
                let isDocument = bytes.starts(with: [0x50, 0x4B, 0x03, 0x04])
                let body =
                    isDocument
                    ? VerifyRequestBody(document: Data(bytes).base64EncodedString())
                    : VerifyRequestBody(
                        signature: Data(bytes).base64EncodedString(),
                        data: try data.map { Data(try readFile($0)).base64EncodedString() })
                if isDocument {
                    guard data == nil else {
                        throw ValidationError("an OFD document carries its own data: drop --data")
                    }
                    let report = try await client.post(DocumentReportView.self, "/v1/verify", body)
                    indication = report.indication
                    try await writeHTML(client, body)
                    if output.json { return try printJSON(report) }
                    return printDocumentReport(report)
                }
                let report = try await client.post(ValidationReportView.self, "/v1/verify", body)
                indication = report.indication
                try await writeHTML(client, body)
                if output.json { return try printJSON(report) }
                print(
                    "\(report.indication)\(report.subIndication.map { " / \($0)" } ?? "")  format \(report.format)"
                        + (report.signingTime.map { ", signed \($0) (\(report.timeSource ?? "-"))" } ?? ""))
                if let signer = report.signer { print("signer \(signer)") }
                if let seal = report.seal { print("seal   \(seal.name ?? "-") (\(seal.esId ?? "-"))") }
                print("")
                printTable(
                    report.checks.map { [$0.name, $0.status, $0.detail] }, header: ["CHECK", "STATUS", "DETAIL"])
            }
            switch indication {
            case "TOTAL_PASSED": return
            case "INDETERMINATE": throw ExitCode(TrustctlExit.indeterminate)
            default: throw ExitCode(TrustctlExit.failure)
            }
        }

        /// With --html, the same report as a page.
        private func writeHTML(_ client: TrustdClient, _ body: VerifyRequestBody) async throws {
            guard let html else { return }
            let page = try await client.call(
                .POST, "/v1/verify?format=html", body: Array(try JSONEncoder().encode(body)), accept: "text/html")
            guard let stamp = page.headers["trustd-report-timestamp"].flatMap({ Data(base64Encoded: $0) }) else {
                throw ValidationError("trustd sent the report page without its timestamp")
            }
            try writeFile(html, page.body)
            try writeFile(html + ".tsr", Array(stamp))
        }
    }
}
