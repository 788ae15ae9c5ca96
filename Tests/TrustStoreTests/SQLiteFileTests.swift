import Foundation
import GRDB
import TestSupport
import Testing
import TrustCrypto
import TrustModel

@testable import TrustServices
@testable import TrustStore

/// What only the SQLite engine has: its database file (what every engine guarantees is in `StoreEngineTests`).
@Suite struct SQLiteFileTests {
    @Test func reopeningMigratesNothingTwiceAndTheFilesAreOwnerOnly() throws {
        let dir = try TemporaryDirectory("trustd-store")
        _ = try SQLiteStore(path: dir.file("t.sqlite"))
        let again = try SQLiteStore(path: dir.file("t.sqlite"))
        try again.write { try $0.setSetting("k", "v") }
        #expect(try again.read { try $0.setting("k") } == "v")
        let mode = try FileManager.default.attributesOfItem(atPath: dir.file("t.sqlite"))[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    /// An acknowledged signature's audit record must survive power loss: the connection that commits syncs the WAL at
    /// every commit (FULL), although GRDB's WAL set-up chooses NORMAL for it.
    @Test func theWritingConnectionSyncsEveryCommit() throws {
        let dir = try TemporaryDirectory("trustd-store")
        for _ in 0..<2 {  // new, then reopened
            let store = try SQLiteStore(path: dir.file("t.sqlite"))
            let (journal, synchronous) = try store.writer.writeWithoutTransaction { db in
                (
                    try String.fetchOne(db, sql: "PRAGMA journal_mode"),
                    try Int.fetchOne(db, sql: "PRAGMA synchronous")
                )
            }
            #expect(journal == "wal")
            #expect(synchronous == 2)  // FULL; NORMAL is 1
        }
    }
}
