import Foundation
import TrustModel

/// The result of walking the audit chain.
public struct AuditVerification: Sendable {
    public let records: Int
    public let checkpoints: Int
    /// The first broken record (or checkpoint) and what is wrong with it; `nil` when the log is intact.
    public let firstBroken: (seq: Int64, reason: String)?

    public var isIntact: Bool { firstBroken == nil }
}

/// Walks the audit chain through the repositories, streaming, and reports the first problem:
/// - a gap or reorder in sequence numbers, a previous-hash mismatch (removed or inserted record), a hash mismatch
///   (edited record);
/// - a checkpoint in the database or in `anchors` (the file outside it) naming a record that is missing (the log was
///   truncated: "the log ends before checkpoint N") or whose hash differs;
/// - an anchored checkpoint removed from the database, or an `audit.checkpoint` record without its checkpoint;
/// - a certificate whose status in the registry is not what its audit records say.
/// Signatures are checked by ``AuditService``; this is the part any store engine shares.
enum AuditChainVerifier {
    private struct Broken: Error {
        let seq: Int64
        let reason: String
    }

    static func verify(_ tx: any Repositories, anchors: [AuditAnchor]) throws -> AuditVerification {
        let checkpoints = try tx.auditCheckpoints()
        var count = 0
        do {
            let stored = Dictionary(checkpoints.map { ($0.seq, $0) }, uniquingKeysWith: { first, _ in first })
            let wanted = Set(checkpoints.map(\.seq)).union(anchors.map(\.seq))
            var hashes: [Int64: String] = [:]
            var previousHash = AuditChain.genesis
            var expectedSeq: Int64 = 1
            try tx.forEachAuditRecord { record in
                count += 1
                if record.seq != expectedSeq {
                    throw Broken(
                        seq: record.seq,
                        reason: "expected sequence number \(expectedSeq): a record was removed or reordered")
                }
                if record.prevHash != previousHash {
                    throw Broken(
                        seq: record.seq,
                        reason:
                            "previous-hash does not match record \(record.seq - 1): a record was removed, inserted or reordered"
                    )
                }
                if AuditChain.recomputedHash(record) != record.hash {
                    throw Broken(seq: record.seq, reason: "content does not match its hash: the record was edited")
                }
                if record.action == AuditChain.checkpointAction && stored[record.seq] == nil {
                    throw Broken(
                        seq: record.seq,
                        reason:
                            "record \(record.seq) is an audit checkpoint, but its checkpoint was removed from the database"
                    )
                }
                if wanted.contains(record.seq) { hashes[record.seq] = record.hash }
                previousHash = record.hash
                expectedSeq += 1
            }
            let head = expectedSeq - 1
            for anchor in anchors.sorted(by: { $0.seq < $1.seq }) {
                guard let hash = hashes[anchor.seq] else {
                    throw Broken(
                        seq: anchor.seq,
                        reason: "the log ends at record \(head), before checkpoint \(anchor.seq) (anchored outside the "
                            + "database at \(anchor.time)): records were removed from its end")
                }
                if hash != anchor.hash {
                    throw Broken(
                        seq: anchor.seq,
                        reason:
                            "record \(anchor.seq) differs from checkpoint \(anchor.seq) anchored outside the database")
                }
                if stored[anchor.seq] == nil {
                    throw Broken(
                        seq: anchor.seq,
                        reason: "checkpoint \(anchor.seq) is anchored outside the database but was removed from it")
                }
            }
            for checkpoint in checkpoints {
                guard let hash = hashes[checkpoint.seq] else {
                    throw Broken(
                        seq: checkpoint.seq,
                        reason:
                            "the log ends at record \(head), before checkpoint \(checkpoint.seq): the log was truncated"
                    )
                }
                if hash != checkpoint.hash {
                    throw Broken(
                        seq: checkpoint.seq,
                        reason: "checkpoint hash differs from the chain at record \(checkpoint.seq)")
                }
            }
            try reconcileCertificateStatuses(tx)
        } catch let broken as Broken {
            return AuditVerification(
                records: count, checkpoints: checkpoints.count, firstBroken: (broken.seq, broken.reason))
        }
        return AuditVerification(records: count, checkpoints: checkpoints.count, firstBroken: nil)
    }

    /// Every certificate's registry status must be what its audit records say: the last `certificate.revoke` /
    /// `certificate.release-hold` record names the status it moved to, and a certificate with none is valid. The
    /// engine pairs each certificate with its last such record in one streamed query, so memory stays bounded however
    /// large the registry.
    private static func reconcileCertificateStatuses(_ tx: any Repositories) throws {
        try tx.forEachCertificateWithStatusRecord { serial, status, last in
            let said = last.flatMap { record in
                ((try? JSONSerialization.jsonObject(with: Data(record.details.utf8))) as? [String: Any])?["to"]
                    as? String
            }
            let expected = last == nil ? CertificateStatus.valid.rawValue : said ?? "?"
            guard expected == status.rawValue else {
                let why = last.map { "audit record \($0.seq) made it \(expected)" } ?? "no audit record ever revoked it"
                throw Broken(
                    seq: last?.seq ?? 0,
                    reason:
                        "certificate \(serial) is \(status.rawValue) in the registry, but \(why): the registry was edited"
                )
            }
        }
        if let orphan = try tx.certificateStatusRecordsWithoutCertificate(limit: 1).first {
            throw Broken(
                seq: orphan.seq,
                reason: "\(orphan.object) has audit record \(orphan.seq) but is missing from the registry")
        }
    }
}
