import ArgumentParser
import TrustCrypto
import TrustModel

/// `trustd`: the trust-services daemon. The HTTP server lands with the server issue; today the binary offers the
/// crypto self-test that the daemon will run before serving.
@main
struct TrustdCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trustd",
        abstract: "trustd — PKI and trust-services appliance (CA, electronic seals, signing, real-name levels).",
        discussion: """
            `trustd --data DIR --listen HOST:PORT` runs the daemon (the default command). With an empty DIR it \
            initialises a working default — SQLite, software key store with a generated KEK, SM2 and RSA \
            hierarchies, policies copied from --policies — and writes a bootstrap admin token to DIR/admin.token (0600).
            """,
        version: TrustdVersion.string,
        subcommands: [
            ServeCommand.self, SelfTestCommand.self, StoreCommand.self, BackupCommand.self, RestoreCommand.self,
        ],
        defaultSubcommand: ServeCommand.self
    )
}

enum TrustdVersion {
    static let string = "0.1.0"
}

struct SelfTestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "self-test",
        abstract: "Run the crypto known-answer and pairwise self-tests (SM3, SHA-256, SM2, RSA, P-256, AES-GCM)."
    )

    @Flag(name: .long, help: "Print one JSON object per check.")
    var json = false

    func run() throws {
        let checks = SelfTest.run()
        for check in checks {
            if json {
                print(
                    "{\"check\":\"\(check.name)\",\"passed\":\(check.passed),\"detail\":\(JSONText.quote(check.detail))}"
                )
            } else {
                print("\(check.passed ? "ok  " : "FAIL") \(check.name)\(check.passed ? "" : ": \(check.detail)")")
            }
        }
        guard checks.allSatisfy(\.passed) else { throw ExitCode.failure }
    }
}
