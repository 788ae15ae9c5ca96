import ArgumentParser
import Foundation
import TrustModel
import TrustServices
import TrustStore
import TrustStorePostgres

/// `trustd store migrate --config FILE` (or `--from sqlite://DIR --to postgres://…`; `trustctl store migrate` runs
/// this): moves an installation's records from its SQLite file to the PostgreSQL
/// database the configuration names (`store: postgres`), with the daemon stopped. The audit chain is verified
/// before the copy and again on PostgreSQL (same records, same head, checkpoint signatures checked with the keys in
/// custody); only then is the installation switched (`DIR/store`). Keys, policies and the other files of the data
/// directory stay where they are.
struct StoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store", abstract: "Move an installation between store engines.", subcommands: [Migrate.self])

    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Copy the records of DIR/trustd.sqlite into the PostgreSQL database --config names (daemon stopped).",
            discussion: """
                The configuration is the one the daemon will run with afterwards: it says data, keyStore, store: \
                postgres and postgres: {url, passwordFile …}. The target database must be empty. The audit chain is \
                verified before and after; on success DIR/store says postgres and DIR/trustd.sqlite is no longer read \
                (keep it as a backup).
                """)

        @Option(name: .long, help: "The daemon's YAML configuration, naming the PostgreSQL store.")
        var config: String?

        @Option(name: .long, help: "The data directory (default: the configuration's data).")
        var data: String?

        @Option(name: .long, help: "The installation to move, as sqlite://DIR (instead of --data).")
        var from: String?

        @Option(name: .long, help: "The target database, postgres://USER@HOST[:PORT]/DB (instead of the config's).")
        var to: String?

        @Option(name: .customLong("password-file"), help: "The database password (0600), with --to.")
        var passwordFile: String?

        func validate() throws {
            guard config != nil || to != nil else { throw ValidationError("give --config FILE or --to postgres://…") }
            guard from == nil || data == nil else { throw ValidationError("give --from or --data, not both") }
            if let from, !from.hasPrefix("sqlite://") { throw ValidationError("--from must be sqlite://DIR") }
            guard passwordFile == nil || to != nil else { throw ValidationError("--password-file goes with --to") }
        }

        func run() async throws {
            do {
                try await migrate()
            } catch let error as TrustError {
                FileHandle.standardError.write(Data("trustd store migrate: \(error.message)\n".utf8))
                throw ExitCode(error.code == .integrity ? 65 : 1)
            }
        }

        private func migrate() async throws {
            let directoryPath = from.map { String($0.dropFirst("sqlite://".count)) } ?? data
            let settings = try ServeCommand.parse(
                (config.map { ["--config", $0] } ?? []) + (directoryPath.map { ["--data", $0] } ?? [])
            ).settings()
            var targetSettings = settings.postgres
            if let to {
                // The URL on the command line; TLS and the CA file from the configuration's postgres: if it has one.
                targetSettings = try PostgresSettings(
                    url: to, passwordFile: passwordFile, poolSize: 2, tls: settings.postgres?.tls ?? .disable,
                    caFile: settings.postgres?.caFile)
            }
            guard let postgres = targetSettings else {
                throw ValidationError(
                    "\(config ?? "") names no PostgreSQL store: add store: postgres and postgres: {url …}, or give --to"
                )
            }
            let directory = DataDirectory(settings.data)
            guard directory.isInitialized else {
                throw TrustError.notFound("no initialised installation in \(directory.path)")
            }
            // The daemon must be stopped: what it wrote after the copy would be lost. Held until the process exits.
            try DataDirectoryLock.take(directory.path)
            let engines = try settings.keyStore.engines()
            let appliance = try directory.open(engines: engines)
            guard let source = appliance.store as? SQLiteStore else {
                throw TrustError(
                    .integrity, "the installation in \(directory.path) does not keep its records in SQLite")
            }
            let caller = Caller.system("store-migrate")
            let before = try await appliance.audit.verify(by: caller)
            guard before.isIntact, let head = try source.read({ try $0.auditHead() }) else {
                throw TrustError(
                    .integrity,
                    "the audit chain in SQLite is broken (\(before.firstBroken.map { "record \($0.seq): \($0.reason)" } ?? "empty")): nothing copied"
                )
            }
            say("source: \(before.records) audit records, \(before.checkpoints) checkpoints, chain intact")
            let target = try PostgresStore(settings: postgres)
            try StoreMigration.copy(from: source, to: target) { table, rows in say("  \(table): \(rows)") }
            let audit = AuditService(
                store: target, keys: appliance.keys, anchors: AuditAnchorFile(path: directory.auditAnchorPath))
            let after = try await audit.verify(by: caller)
            let copiedHead = try target.read { try $0.auditHead() }
            guard after.isIntact, after.records == before.records, copiedHead?.hash == head.hash else {
                throw TrustError(
                    .integrity,
                    "the copied audit chain does not verify (\(after.firstBroken.map { "record \($0.seq): \($0.reason)" } ?? "\(after.records) records")): the installation still uses SQLite"
                )
            }
            try directory.switchStore(to: engines.withPostgres(postgres).storeName)
            say(
                "target \(postgres.displayURL): \(after.records) audit records, chain intact, head \(head.hash.prefix(16))…"
            )
            say(
                "\(directory.path) now uses PostgreSQL; \(directory.databasePath) is no longer read (keep it as a backup)"
            )
        }

        private func say(_ line: String) { print(line) }
    }
}
