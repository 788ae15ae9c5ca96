import Foundation
import Synchronization
import TestSupport
import Testing
import TrustModel
import TrustStorePostgres

@testable import TrustServices

/// Several nodes on one PostgreSQL database, each with its own connections (as several trustd processes have): one
/// audit chain, exact usage limits, changes announced to the others only when they commit, one leader at a time.
@Suite(.enabled(if: PostgresCluster.available, "needs PostgreSQL: run .ci/install-deps"))
struct PostgresNodesTests {
    let cluster: PostgresCluster
    let database: String

    init() throws {
        cluster = try PostgresCluster.sharedCluster()
        database = try cluster.createDatabase()
    }

    func node() throws -> PostgresStore {
        try PostgresStore(
            settings: try PostgresSettings(
                url: cluster.url(database: database), passwordFile: cluster.passwordFile, poolSize: 8))
    }

    @Test func writersOnThreeNodesAppendToOneIntactChain() async throws {
        let nodes = try (0..<3).map { _ in try node() }
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<60 {
                let store = nodes[index % 3]
                group.addTask {
                    _ = try? store.writeGrouped { tx in
                        try tx.appendAudit(
                            AuditEntry(actor: "node\(index % 3)", action: "sign.seal", object: "seal:\(index)"),
                            at: Date())
                    }
                }
            }
        }
        let records = try nodes[0].read { try $0.auditRecords(after: 0, limit: 1000) }
        #expect(records.map(\.seq) == Array(1...60).map(Int64.init), "no gaps, no duplicates")
        #expect(Set(records.map(\.actor)) == ["node0", "node1", "node2"])
        #expect(try nodes[2].read { try AuditChainVerifier.verify($0, anchors: []) }.isIntact)
    }

    /// One use of a grant through the synchronous grouped write (an async caller would get the awaited one).
    static func blockingUse(of grant: String, on store: PostgresStore) -> Bool {
        (try? store.writeGrouped { try $0.countGrantUse(grant) }) == true
    }

    /// The rows a seal signature is checked against: a person, a company, its seal, and a grant of ten signatures.
    func seedSeal() throws {
        try cluster.psql(
            """
            INSERT INTO person VALUES ('p', 'n', 'h', '\\x00', 'm', '\\x00', 'm', 'primary', 0);
            INSERT INTO organization VALUES ('o', 'org', 'c', 'p', 'primary', 0);
            INSERT INTO seal (id, organization_id, type, name, state, applicant, applicant_person_id, picture_format,
              picture, width_mm, height_mm, key_type, valid_from, valid_to, es_id, created_at, updated_at)
              VALUES ('s', 'o', 'official', 'n', 'granted', 'a', 'p', 'png', '\\x00', 40, 40, 'sm2', 0, 1, 'e', 0, 0);
            INSERT INTO seal_grant VALUES ('g', 's', 'principal', 'x', 'primary', 0, 1, 10, 0, NULL, 0);
            """, database: database)
    }

    @Test func aUsageLimitHoldsExactlyAcrossNodes() async throws {
        let nodes = try (0..<2).map { _ in try node() }
        try seedSeal()
        let granted = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<30 {
                let store = nodes[index % 2]
                group.addTask {
                    // Awaited (as signing does) on one node, blocking on the other: the limit holds either way.
                    index.isMultiple(of: 2)
                        ? (try? await store.writeGrouped { try $0.countGrantUse("g") }) == true
                        : Self.blockingUse(of: "g", on: store)
                }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(granted == 10)
        #expect(try nodes[1].read { try $0.sealGrant(id: "g") }?.usageCount == 10)
    }

    /// Nodes keep a seal's records while the database's stamp stands still, so it must move with every committed
    /// change to them, whichever node (or tool) made it, and only then: not with a usage count, not with a change
    /// rolled back, even to a savepoint, after which the same transaction changes something else.
    @Test func theSealRecordsStampMovesWithEveryCommittedChangeOnAnyNodeAndOnlyThen() throws {
        let a = try node()
        let b = try node()
        func stamp(_ node: PostgresStore = a) throws -> UInt64 { try #require(node.sealRecordsStamp).current() }
        let start = try stamp()
        try seedSeal()
        #expect(try stamp() == start + 1, "three watched tables changed in one transaction: one move")
        #expect(try stamp(b) == start + 1, "one stamp for every node")
        #expect(Self.blockingUse(of: "g", on: b))
        #expect(try stamp() == start + 1, "a usage count does not move it")
        try cluster.psql("BEGIN; UPDATE seal SET state = 'suspended'; ROLLBACK;", database: database)
        #expect(try stamp() == start + 1, "nothing committed")
        try cluster.psql(
            "BEGIN; SAVEPOINT s; UPDATE seal SET state = 'suspended'; ROLLBACK TO SAVEPOINT s; COMMIT;",
            database: database)
        #expect(try stamp() == start + 1, "the change was rolled back with its savepoint")
        try cluster.psql(
            """
            BEGIN; SAVEPOINT s; UPDATE seal SET name = 'x'; ROLLBACK TO SAVEPOINT s;
            UPDATE seal_grant SET withdrawn_at = 1; COMMIT;
            """, database: database)
        #expect(try stamp() == start + 2, "a withdrawal after a rolled-back savepoint still moves it")
        try cluster.psql("UPDATE certificate SET status = 'revoked'", database: database)
        #expect(try stamp() == start + 2, "no row changed")
        #expect(try a.read { try $0.sealGrant(id: "g") }?.withdrawnAt != nil)
    }

    @Test func aChangeReachesTheOtherNodesOnlyWhenItCommits() async throws {
        let a = try node()
        let b = try node()
        final class Seen: Sendable { let changes = Mutex<[StateChange]>([]) }
        let seen = Seen()
        b.subscribe { change in seen.changes.withLock { $0.append(change) } }
        // Wait until B's listener is in place: announce until one arrives (however loaded the machine is).
        let listening = Date()
        while seen.changes.withLock({ $0.isEmpty }) && Date().timeIntervalSince(listening) < 30 {
            try a.write { try $0.announce(.signers) }
            try await Task.sleep(for: .milliseconds(100))
        }
        struct Abandon: Error {}
        _ = try? a.write { tx in
            try tx.announce(.certificateStatus(serial: "0bad"))
            throw Abandon()
        }
        let sent = Date()
        try a.write { try $0.announce(.certificateStatus(serial: "01ab")) }
        func relevant() -> [StateChange] { seen.changes.withLock { $0.filter { $0 != .signers } } }
        while relevant().isEmpty && Date().timeIntervalSince(sent) < 1 {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(relevant() == [.certificateStatus(serial: "01ab")], "within 1 s, and nothing rolled back")
    }

    @Test func oneNodeHoldsTheLeaderLeaseAndAnotherTakesItOver() throws {
        var first: PostgresStore? = try node()
        let second = try node()
        #expect(first?.holdsLeadership() == true)
        #expect(second.holdsLeadership() == false)
        #expect(first?.holdsLeadership() == true, "held, not taken again")
        first = nil  // the node ends: its session, and the lock with it
        let deadline = Date(timeIntervalSinceNow: 5)
        while !second.holdsLeadership() && Date() < deadline { usleep(50_000) }
        #expect(second.holdsLeadership())
    }
}
