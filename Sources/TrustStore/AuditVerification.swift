import Foundation
import GRDB

/// A checkpoint as the anchor file outside the database keeps it (see TrustServices' `AuditAnchorFile`).
public struct AuditAnchor: Sendable, Hashable {
    public let seq: Int64
    public let hash: String
    public let time: String
    public let keyID: String
    public let signature: Data

    public init(seq: Int64, hash: String, time: String, keyID: String, signature: Data) {
        self.seq = seq
        self.hash = hash
        self.time = time
        self.keyID = keyID
        self.signature = signature
    }
}

extension StoreReader {
    /// Walks the whole chain in order, streaming, and reports the first problem:
    /// - a gap or reorder in sequence numbers, a previous-hash mismatch (removed or inserted record), a hash mismatch
    ///   (edited record);
    /// - a checkpoint in the database or in `anchors` (the file outside it) naming a record that is missing (the
    ///   log was truncated: "the log ends before checkpoint N") or whose hash differs;
    /// - an anchored checkpoint removed from the database, or an `audit.checkpoint` record without its checkpoint;
    /// - a certificate whose status in the registry is not what its audit records say (``firstCertificateMismatch()``).
    public func verifyAuditChain(anchors: [AuditAnchor] = []) throws -> AuditVerification {
        var previousHash = AuditChain.genesis
        var expectedSeq: Int64 = 1
        var count = 0
        let checkpoints = try auditCheckpoints()
        let stored = Dictionary(checkpoints.map { ($0.seq, $0) }, uniquingKeysWith: { first, _ in first })
        let wanted = Set(checkpoints.map(\.seq)).union(anchors.map(\.seq))
        var hashes: [Int64: String] = [:]
        func broken(_ seq: Int64, _ reason: String) -> AuditVerification {
            AuditVerification(records: count, checkpoints: checkpoints.count, firstBroken: (seq, reason))
        }
        let cursor = try AuditRecord.order(Column("seq")).fetchCursor(db)
        while let record = try cursor.next() {
            count += 1
            if record.seq != expectedSeq {
                return broken(record.seq, "expected sequence number \(expectedSeq): a record was removed or reordered")
            }
            if record.prevHash != previousHash {
                return broken(record.seq, "previous-hash does not match record \(record.seq - 1): a record was removed, inserted or reordered")
            }
            if AuditChain.recomputedHash(record) != record.hash {
                return broken(record.seq, "content does not match its hash: the record was edited")
            }
            if record.action == AuditChain.checkpointAction && stored[record.seq] == nil {
                return broken(record.seq, "record \(record.seq) is an audit checkpoint, but its checkpoint was removed from the database")
            }
            if wanted.contains(record.seq) { hashes[record.seq] = record.hash }
            previousHash = record.hash
            expectedSeq += 1
        }
        let head = expectedSeq - 1
        for anchor in anchors.sorted(by: { $0.seq < $1.seq }) {
            guard let hash = hashes[anchor.seq] else {
                return broken(anchor.seq, "the log ends at record \(head), before checkpoint \(anchor.seq) (anchored outside the database at "
                              + "\(anchor.time)): records were removed from its end")
            }
            if hash != anchor.hash { return broken(anchor.seq, "record \(anchor.seq) differs from checkpoint \(anchor.seq) anchored outside the database") }
            if stored[anchor.seq] == nil {
                return broken(anchor.seq, "checkpoint \(anchor.seq) is anchored outside the database but was removed from it")
            }
        }
        for checkpoint in checkpoints {
            guard let hash = hashes[checkpoint.seq] else {
                return broken(checkpoint.seq, "the log ends at record \(head), before checkpoint \(checkpoint.seq): the log was truncated")
            }
            if hash != checkpoint.hash { return broken(checkpoint.seq, "checkpoint hash differs from the chain at record \(checkpoint.seq)") }
        }
        if let mismatch = try firstCertificateMismatch() {
            return broken(mismatch.seq, mismatch.reason)
        }
        return AuditVerification(records: count, checkpoints: checkpoints.count, firstBroken: nil)
    }

    /// The first certificate whose registry status differs from what its audit records say: the last
    /// `certificate.revoke` / `certificate.release-hold` record names the status it moved to, and a certificate with
    /// none is valid. Both sides are read in serial order and merged, so memory stays constant however large the
    /// registry (the audit side is sorted by SQLite, spilling to temporary files).
    public func firstCertificateMismatch() throws -> (seq: Int64, reason: String)? {
        let prefix = "certificate:"
        let changes = try Row.fetchCursor(db, sql: """
            SELECT seq, object, details FROM audit_log WHERE action IN ('certificate.revoke', 'certificate.release-hold')
            ORDER BY object, seq
            """)
        let certificates = try Row.fetchCursor(db, sql: "SELECT serial, status FROM certificate ORDER BY serial")
        var pending: (serial: String, seq: Int64, status: String)? = nil
        func nextChange() throws -> (serial: String, seq: Int64, status: String)? {
            guard let row = try changes.next() else { return nil }
            let object: String = row["object"]
            let details = (try? JSONSerialization.jsonObject(with: Data((row["details"] as String).utf8))) as? [String: Any]
            return (String(object.dropFirst(prefix.count)), row["seq"], details?["to"] as? String ?? "?")
        }
        pending = try nextChange()
        while let row = try certificates.next() {
            let serial: String = row["serial"], status: String = row["status"]
            // Changes of serials not in the registry (deleted rows) come before this serial.
            while let change = pending, change.serial < serial {
                return (change.seq, "certificate \(change.serial) has audit record \(change.seq) but is missing from the registry")
            }
            var last: (seq: Int64, status: String)? = nil
            while let change = pending, change.serial == serial {
                last = (change.seq, change.status)
                pending = try nextChange()
            }
            let expected = last?.status ?? "valid"
            if expected != status {
                let said = last.map { "audit record \($0.seq) made it \($0.status)" } ?? "no audit record ever revoked it"
                return (last?.seq ?? 0, "certificate \(serial) is \(status) in the registry, but \(said): the registry was edited")
            }
        }
        if let change = pending {
            return (change.seq, "certificate \(change.serial) has audit record \(change.seq) but is missing from the registry")
        }
        return nil
    }
}
