import APIContract
import ArgumentParser
import Foundation

extension TrustctlCommand.Seal {
    struct Picture: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Draw a seal type's standard picture (red ring, star, the organisation's name) as PNG or SVG.",
            discussion: "The size and label come from policies/seal-types.yaml (drawing:); PNG has a transparent "
                + "background and states its DPI. Prints the size in millimetres.")
        @OptionGroup var server: ServerOptions
        @Option(name: .long, help: "Seal type, e.g. official, contract, finance, invoice.") var type: String
        @Option(name: .long, help: "The organisation's name, e.g. 某某科技有限公司.") var organization: String
        @Option(name: .long, help: "The number drawn on the seal (e.g. 3501000012345 or a credit code).")
        var number: String?
        @Option(name: .long, help: "png (default) or svg; default from --out's extension.") var format: String?
        @Option(name: .long, help: "PNG resolution (72 to 600, default 300).") var dpi: Int?
        @Option(name: .long, help: "Where to write the picture.") var out: String
        @Flag(name: .long, help: "Overwrite --out if it exists.") var force = false

        func run() async throws {
            try await reportingErrors {
                let format = format ?? (out.lowercased().hasSuffix(".svg") ? "svg" : "png")
                if !force, FileManager.default.fileExists(atPath: out) {
                    throw ValidationError("\(out) exists; pass --force to overwrite it")
                }
                let request = SealPictureRequest(
                    type: type, organization: organization, number: number, format: format, dpi: dpi)
                let reply = try await server.client().call(
                    .POST, "/v1/seal-pictures", body: try encodeBody(request),
                    accept: format == "svg" ? "image/svg+xml" : "image/png")
                try writeFile(out, reply.body)
                let width = reply.headers["x-seal-width-mm"] ?? "?"
                let height = reply.headers["x-seal-height-mm"] ?? "?"
                print("\(out): \(width) × \(height) mm\(format == "png" ? " at \(dpi ?? 300) dpi" : "")")
            }
        }
    }
}
