import Foundation
import GRDB
import TestSupport
import Testing
import TrustCrypto
import TrustModel
import TrustStore

@testable import TrustServices

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
}
