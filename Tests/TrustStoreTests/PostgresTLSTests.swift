import Foundation
import TestSupport
import Testing
import TrustModel
import TrustStorePostgres

@testable import TrustServices

/// TLS to the database: `tls: verify-full` checks the server's certificate against the configured CA and its
/// address; a server that accepts TLS connections only refuses a node configured without it.
@Suite(.enabled(if: PostgresCluster.available, "needs PostgreSQL: run .ci/install-deps"))
struct PostgresTLSTests {
    @Test func verifyFullConnectsAndPlainOrUnverifiedConnectionsAreRefused() throws {
        let cluster = try PostgresCluster(tlsOnly: true)
        let database = try cluster.createDatabase()
        func settings(_ tls: PostgresSettings.TLSMode, caFile: String?) throws -> PostgresSettings {
            try PostgresSettings(
                url: cluster.url(database: database), passwordFile: cluster.passwordFile, tls: tls, caFile: caFile)
        }
        let store = try PostgresStore(settings: try settings(.verifyFull, caFile: cluster.caFile))
        try store.write { try $0.setSetting("over", "tls") }
        #expect(try store.read { try $0.setting("over") } == "tls")
        let encrypted = try cluster.psql(
            "SELECT count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE s.ssl AND a.datname = '\(database)'"
        )
        #expect((Int(encrypted.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) > 0, "the connections use TLS")

        #expect { _ = try PostgresStore(settings: try settings(.disable, caFile: nil)) } throws: {
            ($0 as? TrustError)?.code == .unavailable
        }
        // A certificate from a CA the node does not trust (the system roots, not the database's CA).
        #expect { _ = try PostgresStore(settings: try settings(.verifyFull, caFile: nil)) } throws: {
            ($0 as? TrustError)?.code == .unavailable
        }
    }
}
