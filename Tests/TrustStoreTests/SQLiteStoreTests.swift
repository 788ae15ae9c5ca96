import Foundation
import GRDB
import TestSupport
import Testing
import TrustCrypto
import TrustModel
import TrustStore

@testable import TrustServices

/// The SQLite engine behind the repositories: typed columns read back or fail loudly, transactions are all or
/// nothing, group commit keeps every concurrent writer and one audit chain.
@Suite struct SQLiteStoreTests {
    static func challenge(_ id: String) -> ChallengeRecord {
        ChallengeRecord(
            id: id, subjectKind: .person, subjectID: "p", purpose: .counterCard, nonce: Data([1, 2, 3]),
            createdAt: Date(),
            expiresAt: Date(timeIntervalSinceNow: 120))
    }

    @Test func aStoredStateTrustdDoesNotKnowIsAnIntegrityFailureNotADefault() throws {
        let dir = try TemporaryDirectory("trustd-store")
        let store = try SQLiteStore(path: dir.file("t.sqlite"))
        try store.write { try $0.insert(Self.challenge("c1")) }
        #expect(try store.read { try $0.challenge(id: "c1") }?.purpose == .counterCard)
        try DatabaseQueue(path: dir.file("t.sqlite")).write {
            try $0.execute(sql: "UPDATE challenge SET purpose = 'teleport' WHERE id = 'c1'")
        }
        #expect { _ = try store.read { try $0.challenge(id: "c1") } } throws: {
            ($0 as? TrustError)?.code == .integrity
        }
    }

    @Test func aThrowingTransactionLeavesNothing() throws {
        let store = try SQLiteStore()
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
        // A constraint violation is a conflict, not a crash.
        try store.write { try $0.insert(Self.challenge("c3")) }
        #expect { try store.write { try $0.insert(Self.challenge("c3")) } } throws: {
            ($0 as? TrustError)?.code == .conflict
        }
    }

    @Test func groupCommitKeepsEveryConcurrentWriterInOneIntactChain() async throws {
        let dir = try TemporaryDirectory("trustd-store")
        let store = try SQLiteStore(path: dir.file("t.sqlite"))
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<64 {
                group.addTask {
                    _ = try? store.writeGrouped { tx in
                        try tx.appendAudit(
                            AuditEntry(
                                actor: "w\(index)", action: "sign.seal", object: "seal:x", details: ["n": "\(index)"]),
                            at: Date())
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
        #expect(try store.read { try $0.auditCount() } == 64)
    }

    @Test func reopeningMigratesNothingTwiceAndTheFilesAreOwnerOnly() throws {
        let dir = try TemporaryDirectory("trustd-store")
        _ = try SQLiteStore(path: dir.file("t.sqlite"))
        let again = try SQLiteStore(path: dir.file("t.sqlite"))
        try again.write { try $0.setSetting("k", "v") }
        #expect(try again.read { try $0.setting("k") } == "v")
        let mode = try FileManager.default.attributesOfItem(atPath: dir.file("t.sqlite"))[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }
}
