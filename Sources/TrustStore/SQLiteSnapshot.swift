import Foundation
import GRDB
import TrustModel

/// A consistent copy of a live SQLite database through SQLite's online backup API: other processes (the daemon) may
/// keep writing; the copy is the database as of one read transaction. All pages are copied in one step: stepwise,
/// SQLite restarts the copy whenever another connection writes, which a busy daemon always does.
public enum SQLiteSnapshot {
    public static func copy(_ source: String, to destination: String) throws {
        do {
            var configuration = Configuration()
            configuration.readonly = true
            let from = try DatabaseQueue(path: source, configuration: configuration)
            let to = try DatabaseQueue(path: destination)
            try from.backup(to: to)
            try to.close()
            try from.close()
        } catch let error as DatabaseError {
            throw TrustError(.unavailable, "cannot copy \(source): \(error.message ?? "\(error)")")
        }
    }
}
