import BoundedCache
import Foundation
import Synchronization

/// The records a seal signature is checked against — the seal, its grants, its certificate — kept in memory while the
/// store's ``SealRecordsStamp`` has not moved, so a burst of signatures with one seal reads them once.
///
/// Exact, not merely fresh: any committed change to a seal, a grant or a certificate moves the stamp, and records read
/// at an older stamp are never used (a revocation, a withdrawal or a report of loss is seen by the next signature).
/// Usage counts move with every signature without moving the stamp, so a seal with a usage-limited grant is never
/// kept: its records are read afresh each time, and the grant's count is still decided in the commit. Engines without
/// a stamp (PostgreSQL, where other nodes write) read every time.
final class SealRecordsMemo: Sendable {
    struct Records: Sendable {
        let seal: SealRecord?
        let grants: [SealGrantRecord]
        let certificate: CertificateRecord?
    }

    private struct Entry: Sendable {
        let stamp: UInt64
        let records: Records
    }

    private let entries = BoundedCache<String, Entry>(.init(maxEntries: 1024, maxBytes: 32 << 20)) { id, entry in
        let seal = entry.records.seal.map { $0.picture.count + ($0.eseal?.count ?? 0) + 512 } ?? 0
        return id.utf8.count + seal + (entry.records.certificate?.der.count ?? 0) + 256 * entry.records.grants.count
    }
    /// Signatures answered from memory (tests check the memo is used, not only that it is exact).
    let hits = Atomic<Int>(0)

    func records(_ sealID: String, in store: any TransactionalStore) throws -> Records {
        guard let stamp = store.sealRecordsStamp else { return try Self.read(sealID, in: store) }
        // Read before the records: a commit while they are read moves it, and they are never used as current.
        let current = stamp.current
        if let hit = entries.value(forKey: sealID, ifFresh: { $0.stamp == current }) {
            hits.add(1, ordering: .relaxed)
            return hit.records
        }
        let records = try Self.read(sealID, in: store)
        if records.seal != nil, !records.grants.contains(where: { $0.usageLimit != nil }) {
            entries.insert(Entry(stamp: current, records: records), forKey: sealID)
        }
        return records
    }

    private static func read(_ sealID: String, in store: any TransactionalStore) throws -> Records {
        try store.read { reader in
            let seal = try reader.seal(id: sealID)
            return Records(
                seal: seal, grants: try seal.map { try reader.sealGrants(sealID: $0.id) } ?? [],
                certificate: try seal?.certificateSerial.flatMap { try reader.certificate(serial: $0) })
        }
    }
}
