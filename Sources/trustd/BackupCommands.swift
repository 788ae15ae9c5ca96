import ArgumentParser
import Foundation
import TrustBackup
import TrustModel
import TrustServices

#if canImport(Glibc)
    import Glibc
#endif

/// `trustd backup` and `trustd restore`: one archive of an installation, taken while the daemon runs, restored onto a
/// new directory with the audit chain verified. The KEK never goes into the archive.
struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Write a consistent backup of a running (or stopped) installation to one archive (mode 0600).",
        discussion: """
            The archive holds the database (copied with SQLite's online backup API), the key store still encrypted \
            under the KEK, the identity key wrapped under the KEK, policies, certificates and the audit checkpoint \
            file. It does not hold the KEK: keep DATA/kek apart from the data and its backups (offline; a restore \
            needs it). PostgreSQL installations: back the database up with pg_dump.
            """)

    @Option(name: .long, help: "The data directory.") var data: String
    @Option(name: .long, help: "Where to write the archive (never overwritten).") var out: String
    @Flag(name: .long, help: "Print the summary as JSON (and no progress).") var json = false

    func run() throws {
        let directory = DataDirectory(data)
        let progress = ProgressLine(enabled: !json)
        do {
            let summary = try ApplianceBackup.create(
                directory, storeName: directory.recordedStore,
                keyStoreName: directory.recordedKeyStore?.split(separator: " ").first.map(String.init) ?? "software",
                out: out
            ) { progress.say("backup: \($0)") }
            progress.done()
            if json {
                print(
                    #"{"path":\#(JSONText.quote(summary.path)),"files":\#(summary.files),"bytes":\#(summary.bytes),"auditRecords":\#(summary.auditRecords),"kek":\#(JSONText.quote(summary.kek))}"#
                )
            } else {
                print(
                    "\(summary.path): \(summary.files) files, \(summary.bytes) bytes, \(summary.auditRecords) audit records"
                )
                print(
                    "The KEK (\(summary.kek)) is not in the backup. Keep \(directory.kekPath) apart from it — offline, "
                        + "e.g. on paper in a safe; restoring needs it.")
            }
        } catch let error as TrustError {
            progress.done()
            FileHandle.standardError.write(Data("trustd backup: \(error.message)\n".utf8))
            throw ExitCode(error.code == .notConfigured ? 69 : 1)
        }
    }
}

struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore a backup onto a new data directory, refusing one whose audit chain is broken.",
        discussion: """
            Every file is checked against the archive's manifest, the KEK must be the one the keys are under, and \
            the audit chain is verified (checkpoint signatures with the keys in custody) before the directory takes \
            its name. Exit 65 when the backup is altered or its chain broken (nothing is written then), 77 for the \
            wrong KEK. Start trustd on the new directory afterwards; the old tokens still work.
            """)

    @Argument(help: "The backup archive.") var archive: String
    @Option(name: .long, help: "The new data directory (must not exist or be empty).") var data: String
    @Option(name: .long, help: "The KEK file the backup's keys are under (copied into the new directory, 0600).")
    var kekFile: String
    @Option(name: .long, help: "The daemon's configuration, for an installation whose keys are in an HSM.")
    var config: String?
    @Flag(name: .long, help: "Print the summary as JSON (and no progress).") var json = false

    func run() async throws {
        let progress = ProgressLine(enabled: !json)
        do {
            let engines =
                try config.map { try ServeCommand.parse(["--config", $0]).settings().keyStore.engines() }
                ?? .embedded
            let summary = try await ApplianceRestore.restore(
                archive, to: data, kekFile: kekFile, engines: engines
            ) { progress.say("restore: \($0)") }
            progress.done()
            if json {
                print(
                    #"{"path":\#(JSONText.quote(summary.path)),"files":\#(summary.files),"auditRecords":\#(summary.auditRecords),"checkpoints":\#(summary.checkpoints)}"#
                )
            } else {
                print(
                    "\(summary.path): \(summary.files) files restored; \(summary.auditRecords) audit records, "
                        + "\(summary.checkpoints) checkpoints, chain intact. Start: trustd --data \(summary.path)")
            }
        } catch let error as TrustError {
            progress.done()
            FileHandle.standardError.write(Data("trustd restore: \(error.message)\n".utf8))
            throw ExitCode(error.code == .integrity ? 65 : error.code == .forbidden ? 77 : 1)
        }
    }
}

/// Progress of long work on one terminal line (stderr), only when stderr is a terminal.
final class ProgressLine: @unchecked Sendable {
    private let enabled: Bool
    private var shown = false

    init(enabled: Bool) { self.enabled = enabled && isatty(STDERR_FILENO) == 1 }

    func say(_ text: String) {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K\(text)".utf8))
        shown = true
    }

    func done() {
        guard shown else { return }
        FileHandle.standardError.write(Data("\n".utf8))
        shown = false
    }
}
