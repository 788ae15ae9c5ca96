import ArgumentParser
import Foundation

extension TrustctlCommand {
    /// `trustctl store migrate --from sqlite://DIR --to postgres://USER@HOST/DB`: an installation's records move with
    /// the daemon stopped, on the host that holds its data directory and keys — so it is `trustd store migrate` (the
    /// key store and the audit verification are trustd's), run here with the same arguments.
    struct Store: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move an installation between store engines (runs trustd store migrate on this host).",
            subcommands: [Migrate.self])

        struct Migrate: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Copy an installation's SQLite records into an empty PostgreSQL database (daemon stopped).",
                discussion: """
                    Same options as trustd store migrate: --from sqlite://DIR --to postgres://USER@HOST[:PORT]/DB \
                    [--password-file F], or --config FILE naming store: postgres. The audit chain is verified before \
                    and after the copy; only then does the installation switch to PostgreSQL.
                    """)

            @Argument(parsing: .allUnrecognized, help: "Passed to trustd store migrate.")
            var arguments: [String] = []

            func run() throws {
                let beside = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
                    .deletingLastPathComponent().appendingPathComponent("trustd").path
                let executable = FileManager.default.isExecutableFile(atPath: beside) ? beside : "/usr/bin/env"
                let process = Process()
                process.executableURL = URL(fileURLWithPath: executable)
                process.arguments = (executable == beside ? [] : ["trustd"]) + ["store", "migrate"] + arguments
                do {
                    try process.run()
                } catch {
                    FileHandle.standardError.write(Data("trustctl: cannot run trustd (\(error))\n".utf8))
                    throw ExitCode(69)
                }
                process.waitUntilExit()
                guard process.terminationStatus == 0 else { throw ExitCode(process.terminationStatus) }
            }
        }
    }
}
