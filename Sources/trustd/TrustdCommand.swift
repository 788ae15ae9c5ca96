import ArgumentParser
import TrustCrypto
import TrustModel

/// `trustd`: the trust-services daemon. The HTTP server lands with the server issue; today the binary offers the
/// crypto self-test that the daemon will run before serving.
@main
struct TrustdCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trustd",
        abstract: "trustd — PKI and trust-services appliance (CA, electronic seals, signing, real-name levels).",
        discussion: """
            The HTTP daemon (`trustd --data DIR --listen HOST:PORT`) arrives with the server work; until then \
            this binary runs the crypto self-test that the daemon runs before it serves.
            """,
        version: TrustdVersion.string,
        subcommands: [SelfTestCommand.self]
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
                print("{\"check\":\"\(check.name)\",\"passed\":\(check.passed),\"detail\":\(JSONText.quote(check.detail))}")
            } else {
                print("\(check.passed ? "ok  " : "FAIL") \(check.name)\(check.passed ? "" : ": \(check.detail)")")
            }
        }
        guard checks.allSatisfy(\.passed) else { throw ExitCode.failure }
    }
}
