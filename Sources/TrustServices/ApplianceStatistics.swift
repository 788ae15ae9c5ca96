import Foundation
import Synchronization
import TrustModel

/// Counts the metrics endpoint shows, kept in memory: a scrape never counts whole tables (a million-record log made
/// sixteen scrapers stall the daemon). The maintenance loop refreshes them; they are as old as its last round.
public final class ApplianceStatistics: Sendable {
    public struct Snapshot: Sendable, Hashable {
        public var certificates = 0
        public var revokedCertificates = 0
        public var auditRecords = 0
        public var refreshedAt: Date?
    }

    let store: any TransactionalStore
    private let current = Mutex(Snapshot())

    public init(store: any TransactionalStore) { self.store = store }

    public var snapshot: Snapshot { current.withLock { $0 } }

    /// Counts again (one read transaction; off the request path).
    public func refresh(at now: Date = Date()) throws {
        let counted = try store.read { reader in
            Snapshot(
                certificates: try reader.certificateCount(), revokedCertificates: try reader.revokedCount(),
                auditRecords: try reader.auditCount(), refreshedAt: now)
        }
        current.withLock { $0 = counted }
    }
}
