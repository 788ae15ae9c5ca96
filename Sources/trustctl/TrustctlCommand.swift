import ArgumentParser

/// `trustctl`: the administrators' and counter operators' command line, an HTTP client of trustd. Groups live in
/// their own files. `keys` (key-custody ceremonies) and `counter readers` work on the local machine.
@main
struct TrustctlCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trustctl",
        abstract:
            "Administer trustd: certification authorities, certificates, CRLs, audit, principals; key custody; counter readers.",
        discussion: """
            Commands that talk to trustd take --server URL (env TRUSTCTL_SERVER, default http://127.0.0.1:8443), \
            --token-file FILE (env TRUSTCTL_TOKEN_FILE, default trustd-data/admin.token) and for https --ca-file PEM \
            (env TRUSTCTL_CA_FILE) or --client-cert/--client-key (mutual TLS). Read commands take --json.
            Shell completion: trustctl --generate-completion-script bash|zsh|fish.
            Exit codes: 0 success; 1 the operation failed (e.g. the audit chain is broken); 3 not found; \
            4 conflict with the current state (e.g. already revoked); 64 usage error; 65 bad input data (HTTP 400/413/415); \
            69 a required service is unavailable (trustd unreachable or failing, pcscd not running, PKCS#11 module or \
            token missing); 74 I/O error; 77 credentials or permissions refused (HTTP 401/403, wrong KEK or PIN, secret \
            file readable by others).
            """,
        version: "0.1.0",
        subcommands: [
            CA.self, Cert.self, CRL.self, Audit.self, PrincipalCommand.self, Person.self, Org.self, Seal.self,
            Sign.self, SealDocument.self, Verify.self, SigningKey.self, Keys.self, Counter.self, OIDC.self, Login.self,
            Store.self,
        ]
    )

    /// Accepted before the group too (`trustctl --server URL --token-file FILE cert show …`).
    @OptionGroup var server: ServerOptions
}
