import Foundation
import TestSupport
import Testing
import TrustCrypto
import TrustModel
import TrustStore
import TrustStorePostgres

@testable import TrustServices

/// What every store engine guarantees, run against SQLite and against a real PostgreSQL server: typed columns read
/// back or fail loudly, transactions are all or nothing, group commit keeps every concurrent writer and one audit
/// chain, grant usage limits are exact under concurrency.
@Suite struct StoreEngineTests {
    enum Engine: String, CaseIterable, CustomTestStringConvertible {
        case sqlite, postgres
        var testDescription: String { rawValue }
    }

    /// A fresh store of `engine`, with a way to change a stored value behind its back.
    struct Fixture {
        let store: any TransactionalStore
        let tamper: (String) throws -> Void
        let keep: Any
    }

    static func fixture(_ engine: Engine) throws -> Fixture {
        switch engine {
        case .sqlite:
            let dir = try TemporaryDirectory("trustd-store")
            let path = dir.file("t.sqlite")
            return Fixture(
                store: try SQLiteStore(path: path),
                tamper: { sql in _ = try Subprocess.run("sqlite3", [path, sql]) }, keep: dir)
        case .postgres:
            let cluster = try PostgresCluster.sharedCluster()
            let database = try cluster.createDatabase()
            let settings = try PostgresSettings(
                url: cluster.url(database: database), passwordFile: cluster.passwordFile, poolSize: 4)
            return Fixture(
                store: try PostgresStore(settings: settings), tamper: { try cluster.psql($0, database: database) },
                keep: cluster)
        }
    }

    static func challenge(_ id: String) -> ChallengeRecord {
        ChallengeRecord(
            id: id, subjectKind: .person, subjectID: "p", purpose: .counterCard, nonce: Data([1, 2, 3]),
            createdAt: Date(timeIntervalSince1970: 1_790_000_000.25),
            expiresAt: Date(timeIntervalSince1970: 1_790_000_120.5))
    }

    @Test(arguments: Engine.allCases)
    func aStoredStateTrustdDoesNotKnowIsAnIntegrityFailureNotADefault(_ engine: Engine) throws {
        let fixture = try Self.fixture(engine)
        defer { withExtendedLifetime(fixture) {} }
        let store = fixture.store
        try store.write { try $0.insert(Self.challenge("c1")) }
        #expect(try store.read { try $0.challenge(id: "c1") } == Self.challenge("c1"), "reads back exactly")
        try fixture.tamper("UPDATE challenge SET purpose = 'teleport' WHERE id = 'c1'")
        #expect { _ = try store.read { try $0.challenge(id: "c1") } } throws: {
            ($0 as? TrustError)?.code == .integrity
        }
    }

    @Test(arguments: Engine.allCases)
    func aThrowingTransactionLeavesNothing(_ engine: Engine) throws {
        let fixture = try Self.fixture(engine)
        defer { withExtendedLifetime(fixture) {} }
        let store = fixture.store
        struct Stop: Error {}
        #expect(throws: Stop.self) {
            try store.write { tx in
                try tx.insert(Self.challenge("c2"))
                _ = try tx.appendAudit(
                    AuditEntry(actor: "t", action: "counter.challenge", object: "person:p"), at: Date())
                throw Stop()
            }
        }
        #expect(try store.read { try $0.challenge(id: "c2") } == nil)
        #expect(try store.read { try $0.auditCount() } == 0)
        // A constraint violation is a conflict, not a crash; the store goes on.
        try store.write { try $0.insert(Self.challenge("c3")) }
        #expect { try store.write { try $0.insert(Self.challenge("c3")) } } throws: {
            ($0 as? TrustError)?.code == .conflict
        }
        try store.write { try $0.setSetting("after", "conflict") }
        #expect(try store.read { try $0.setting("after") } == "conflict")
    }

    /// The synchronous grouped write (an async caller would get the awaited one).
    static func blockingAppend(_ entry: AuditEntry, to store: any TransactionalStore) throws {
        _ = try store.writeGrouped { tx in try tx.appendAudit(entry, at: Date()) }
    }

    @Test(arguments: Engine.allCases)
    func groupCommitKeepsEveryConcurrentWriterInOneIntactChain(_ engine: Engine) async throws {
        let fixture = try Self.fixture(engine)
        defer { withExtendedLifetime(fixture) {} }
        let store = fixture.store
        // Half await their commit (the signing path), half block for it (callers on the executor): one queue.
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<64 {
                let entry = AuditEntry(
                    actor: "w\(index)", action: "sign.seal", object: "seal:x", details: ["n": "\(index)"])
                group.addTask {
                    if index.isMultiple(of: 2) {
                        _ = try? await store.writeGrouped { tx in try tx.appendAudit(entry, at: Date()) }
                    } else {
                        try? Self.blockingAppend(entry, to: store)
                    }
                }
            }
        }
        let records = try store.read { try $0.auditRecords(after: 0, limit: 1000) }
        #expect(records.count == 64 && Set(records.map(\.actor)).count == 64)
        #expect(records.map(\.seq) == Array(1...64).map(Int64.init), "no gaps, no duplicates")
        #expect(try store.read { try AuditChainVerifier.verify($0, anchors: []) }.isIntact)
        // A savepoint that fails rolls back alone; the others in the group still commit.
        struct Refused: Error {}
        #expect(throws: Refused.self) { try store.writeGrouped { _ in throw Refused() } }
        await #expect(throws: Refused.self) { try await store.writeGrouped { _ in throw Refused() } }
        // A constraint violation inside an awaited grouped write is a conflict, as in any write.
        try store.write { try $0.insert(Self.challenge("taken")) }
        await #expect {
            try await store.writeGrouped { try $0.insert(Self.challenge("taken")) }
        } throws: {
            ($0 as? TrustError)?.code == .conflict
        }
        #expect(try store.read { try $0.auditCount() } == 64)
    }

    /// Writers that fail among concurrent ones that do not: each failure takes back only its own writes (here an audit
    /// record appended before it threw), every other writer commits, each caller hears its own outcome, and the
    /// chain has no gap.
    @Test(arguments: Engine.allCases)
    func aWriterThatFailsInABatchTakesBackOnlyItsOwnWrites(_ engine: Engine) async throws {
        let fixture = try Self.fixture(engine)
        defer { withExtendedLifetime(fixture) {} }
        let store = fixture.store
        struct Refused: Error {}
        let outcomes = await withTaskGroup(of: (Int, Bool).self) { group in
            for index in 0..<48 {
                let entry = AuditEntry(actor: "w\(index)", action: "sign.seal", object: "seal:x", details: [:])
                let fails = index.isMultiple(of: 5)
                group.addTask {
                    do {
                        let record = try await store.writeGrouped { tx in
                            let record = try tx.appendAudit(entry, at: Date())
                            if fails { throw Refused() }
                            return record.seq
                        }
                        return (index, record > 0)
                    } catch {
                        return (index, false)
                    }
                }
            }
            return await group.reduce(into: [Int: Bool]()) { $0[$1.0] = $1.1 }
        }
        #expect(outcomes.count == 48)
        for (index, committed) in outcomes { #expect(committed == !index.isMultiple(of: 5), "writer \(index)") }
        let records = try store.read { try $0.auditRecords(after: 0, limit: 1000) }
        let expected = Set((0..<48).filter { !$0.isMultiple(of: 5) }.map { "w\($0)" })
        #expect(Set(records.map(\.actor)) == expected && records.count == expected.count)
        #expect(records.map(\.seq) == Array(1...Int64(expected.count)), "no gaps, no duplicates")
        #expect(try store.read { try AuditChainVerifier.verify($0, anchors: []) }.isIntact)
    }
}
