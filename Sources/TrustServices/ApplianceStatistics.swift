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
        /// When each CA's latest full CRL was signed (CAs without a CRL yet are absent).
        public var crlSignedAt: [String: Date] = [:]
        public var refreshedAt: Date?
    }

    let store: any TransactionalStore
    private let current = Mutex(Snapshot())
    private let expiry = Mutex<ExpiryReport?>(nil)

    /// The last expiry report (hourly; nil before the first).
    public var expiryReport: ExpiryReport? { expiry.withLock { $0 } }
    func record(_ report: ExpiryReport) { expiry.withLock { $0 = report } }

    public init(store: any TransactionalStore) { self.store = store }

    public var snapshot: Snapshot { current.withLock { $0 } }

    /// Counts again (one read transaction; off the request path).
    public func refresh(at now: Date = Date()) throws {
        let counted = try store.read { reader in
            var crls: [String: Date] = [:]
            for ca in try reader.cas() {
                crls[ca.name] = try reader.latestCRL(issuer: ca.name, delta: false)?.thisUpdate
            }
            return Snapshot(
                certificates: try reader.certificateCount(), revokedCertificates: try reader.revokedCount(),
                auditRecords: try reader.auditCount(), crlSignedAt: crls, refreshedAt: now)
        }
        current.withLock { $0 = counted }
    }
}
