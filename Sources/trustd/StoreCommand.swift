import ArgumentParser
import Foundation
import TrustModel
import TrustServices
import TrustStore
import TrustStorePostgres

/// `trustd store migrate --config FILE`: moves an installation's records from its SQLite file to the PostgreSQL
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
        var config: String

        @Option(name: .long, help: "The data directory (default: the configuration's data).")
        var data: String?

        func run() async throws {
            do {
                try await migrate()
            } catch let error as TrustError {
                FileHandle.standardError.write(Data("trustd store migrate: \(error.message)\n".utf8))
                throw ExitCode(error.code == .integrity ? 65 : 1)
            }
        }

        private func migrate() async throws {
            let settings = try ServeCommand.parse(["--config", config] + (data.map { ["--data", $0] } ?? [])).settings()
            guard let postgres = settings.postgres else {
                throw ValidationError("\(config) names no PostgreSQL store: add store: postgres and postgres: {url …}")
            }
            let directory = DataDirectory(settings.data)
            guard directory.isInitialized else {
                throw TrustError.notFound("no initialised installation in \(directory.path)")
            }
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
