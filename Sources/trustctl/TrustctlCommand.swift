import ArgumentParser

/// `trustctl`: the administrators' and counter operators' command line. Groups live in their own files.
@main
struct TrustctlCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trustctl",
        abstract: "Administer trustd: certification authorities, certificates, CRLs, audit, key custody, counter readers.",
        discussion: """
            Exit codes: 0 success; 1 the operation failed (e.g. the audit chain is broken); 3 not found; \
            4 conflict with the current state (e.g. already revoked); 64 usage error; 65 bad input data; \
            69 a required service is unavailable (pcscd not running, PKCS#11 module or token missing); \
            74 I/O error; 77 credentials or permissions refused (wrong KEK or PIN, secret file readable by others).
            """,
        version: "0.1.0",
        subcommands: [CA.self, Cert.self, CRL.self, Audit.self, Keys.self, Counter.self]
    )
}
