import Foundation
import GRDB

/// A key in custody whose fate is not settled yet: being generated for a change that has not committed (`create`), or
/// retired by a change that committed but whose key is not destroyed yet (`destroy`).
public struct KeyJournalRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy { .timeIntervalSince1970 }
    public static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy { .timeIntervalSince1970 }
    public static let databaseTableName = "key_journal"

    public enum Action: String, Codable, Sendable, Hashable, DatabaseValueConvertible {
        case create, destroy
    }

    public var keyID: String
    public var action: Action
    public var label: String
    /// The node that wrote the entry (several nodes may share one database).
    public var node: String
    public var createdAt: Date

    public init(keyID: String, action: Action, label: String, node: String, createdAt: Date) {
        self.keyID = keyID
        self.action = action
        self.label = label
        self.node = node
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case keyID = "key_id", action, label, node, createdAt = "created_at"
    }
}

extension StoreReader {
    public func keyJournal(node: String) throws -> [KeyJournalRecord] {
        try KeyJournalRecord.filter(Column("node") == node).order(Column("created_at")).fetchAll(db)
    }
}

extension StoreTransaction {
    public func journal(_ entry: KeyJournalRecord) throws { try entry.save(db) }

    /// Removes the entry; `false` when there was none.
    @discardableResult
    public func settleJournal(keyID: String) throws -> Bool {
        try KeyJournalRecord.deleteOne(db, key: keyID)
    }
}
