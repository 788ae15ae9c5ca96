import APIContract
import ArgumentParser
import Foundation

// Root re-key and CA import: the CA key ceremonies besides renewal (admin).

extension TrustctlCommand.CA {
    struct Rekey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-key a root CA (admin): a new root <ca>-g2 with cross-certificates both ways.",
            discussion: """
                The new root ("… Root CA G2") gets a new key. The old root certifies the new key and the new root \
                certifies the old key, so relying parties that trust either root validate both hierarchies \
                (GET /v1/cas/<new>/cross-certificates, or trustctl ca show <new> --cross). Renew each issuing CA \
                afterwards (trustctl ca renew) to move it under the new root; the old root keeps its CRL and OCSP.
                """)
        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The root CA to re-key.") var ca: String

        func run() async throws {
            try await reportingErrors {
                let rekeyed = try await server.client().post(CAView.self, "/v1/cas/\(segment(ca))/rekey", NoBody())
                if output.json { return try printJSON(rekeyed) }
                print(rekeyed.name)
            }
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Import an existing CA with its key (admin); prints the CA's name.",
            discussion: """
                The key comes from exactly one of --pkcs12, --key (PKCS#8 PEM) or --hsm-key (a key already on the \
                token, imported with its own tool under a 16-byte CKA_ID, e.g. softhsm2-util --import KEY.pem \
                --id <32 hex>). A password for --pkcs12 or an encrypted --key is read from --password-file. A \
                self-signed certificate becomes a root; one signed by a trustd root an issuing CA under it; for \
                any other give --chain with the issuer's certificates up to its self-signed root (the root's key \
                stays where it is). Keys given in clear go into the software key store under the KEK.
                """)
        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The name the CA gets in trustd (lower-case letters, digits, dashes).") var name: String
        @Option(help: "The CA certificate (PEM); optional with --pkcs12 when the file carries it.") var cert: String?
        @Option(help: "The issuer's certificates up to a self-signed root (PEM).") var chain: String?
        @Option(help: "A PKCS#12 file with the key (and usually the certificate and chain).") var pkcs12: String?
        @Option(help: "A PKCS#8 PEM private key (encrypted when --password-file is given).") var key: String?
        @Option(name: .customLong("hsm-key"), help: "The id (32 hex) of a key already in the HSM.") var hsmKey: String?
        @Option(help: "A file holding the password of --pkcs12 or --key (first line).") var passwordFile: String?

        func validate() throws {
            guard [pkcs12, key, hsmKey].compactMap({ $0 }).count == 1 else {
                throw ValidationError("give exactly one of --pkcs12, --key and --hsm-key")
            }
            if pkcs12 == nil, cert == nil { throw ValidationError("--cert is required unless --pkcs12 carries it") }
        }

        func run() async throws {
            try await reportingErrors {
                func text(_ path: String?) throws -> String? {
                    try path.map { String(decoding: try readFile($0), as: UTF8.self) }
                }
                let password = try text(passwordFile).map {
                    String($0.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
                }
                let body = CAImportBody(
                    name: name, certificate: try text(cert), chain: try text(chain),
                    pkcs12: try pkcs12.map { Data(try readFile($0)).base64EncodedString() }, privateKey: try text(key),
                    password: password, keyId: hsmKey)
                let imported = try await server.client().post(CAView.self, "/v1/cas/import", body)
                if output.json { return try printJSON(imported) }
                print(imported.name)
            }
        }
    }
}
