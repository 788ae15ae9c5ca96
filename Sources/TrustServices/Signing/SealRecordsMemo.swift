import Foundation
import Synchronization

/// The records a seal signature is checked against — the seal, its grants, its certificate — kept in memory while the
/// store's ``SealRecordsStamp`` has not moved, so a burst of signatures with one seal reads them once.
///
/// Exact, not merely fresh: any committed change to a seal, a grant or a certificate moves the stamp, and records read
/// at an older stamp are never used (a revocation, a withdrawal or a report of loss is seen by the next signature).
/// Usage counts move with every signature without moving the stamp, so a seal with a usage-limited grant is never
/// kept: its records are read afresh each time, and the grant's count is still decided in the commit. On PostgreSQL
/// the stamp is a row the writing transaction moves, so a hit costs one small read instead of the seal (with its
/// picture), its grants and its certificate.
final class SealRecordsMemo: Sendable {
    struct Records: Sendable {
        let seal: SealRecord?
        let grants: [SealGrantRecord]
        let certificate: CertificateRecord?
    }

    /// Seals carry their picture, so the byte bound matters more than the count.
    private let memo = StampedMemo<Records>(maxEntries: 1024, maxBytes: 32 << 20) { records in
        let seal = records.seal.map { $0.picture.count + ($0.eseal?.count ?? 0) + 512 } ?? 0
        return seal + (records.certificate?.der.count ?? 0) + 256 * records.grants.count
    }
    var hits: Int { memo.hits.load(ordering: .relaxed) }

    func records(_ sealID: String, in store: any TransactionalStore) throws -> Records {
        try memo.value(
            sealID, stamp: store.sealRecordsStamp,
            keep: { $0.seal != nil && !$0.grants.contains { $0.usageLimit != nil } },
            read: { try Self.read(sealID, in: store) })
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
