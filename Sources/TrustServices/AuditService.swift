import Foundation
import KeyCustody
import TrustCrypto
import TrustModel
import TrustStore

/// The audit log's signed checkpoints and full verification.
///
/// The hash chain itself is kept by TrustStore (each record appended in the transaction of its change). A checkpoint
/// signs "the chain head is record N with hash H" with the audit key held in key custody; verification walks the
/// chain, then checks every checkpoint's signature and that it matches the chain.
public struct AuditService: Sendable {
    public let store: TrustStore
    public let keys: any KeyStore
    let clock: @Sendable () -> Date

    static let keySetting = "audit.key_id"

    public init(store: TrustStore, keys: any KeyStore, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.keys = keys
        self.clock = clock
    }

    /// Creates the audit key (SM2) in custody if none is configured.
    public func ensureAuditKey(actor: String, journal: KeyJournal) throws {
        if try store.read({ try $0.setting(Self.keySetting) }) != nil { return }
        let info = try journal.generate(.sm2, label: "audit-checkpoints")
        do {
            try store.write { tx in
                try tx.setSetting(Self.keySetting, info.id.rawValue)
                try journal.settle(info.id, in: tx)
                try tx.appendAudit(AuditEntry(actor: actor, action: "audit.key-create", object: "key:\(info.id.rawValue)",
                                              details: ["type": "sm2", "fingerprint": info.publicKeyFingerprint]), at: clock())
            }
        } catch {
            journal.abandon(info.id)
            throw error
        }
    }

    /// Signs a checkpoint over the current chain head (and records that it did). `nil` when the log is empty or the
    /// head is already checkpointed.
    @discardableResult
    public func checkpoint(actor: String) throws -> AuditCheckpointRecord? {
        guard let keyText = try store.read({ try $0.setting(Self.keySetting) }) else {
            throw TrustError.conflict("no audit key: initialise the CA first")
        }
        let signer = try KeyStoreSigner(store: keys, keyID: try KeyID(keyText))
        let now = clock()
        return try store.write { tx -> AuditCheckpointRecord? in
            guard let head = try tx.reader.auditHead() else { return nil }
            if try tx.reader.auditCheckpoints().last?.seq == head.seq { return nil }
            let time = AuditFormat.time(now)
            let signature = try custody { try signer.sign(AuditChain.checkpointMessage(seq: head.seq, hash: head.hash, time: time)) }
            let record = AuditCheckpointRecord(seq: head.seq, time: time, hash: head.hash, keyID: keyText,
                                               algorithm: signer.signatureAlgorithm.description, signature: Data(signature))
            try tx.insert(record)
            try tx.appendAudit(AuditEntry(actor: actor, action: "audit.checkpoint", object: "audit:\(head.seq)",
                                          details: ["hash": head.hash]), at: now)
            return record
        }
    }

    /// Checkpoints when at least `interval` records were appended since the last one.
    @discardableResult
    public func checkpointIfDue(every interval: Int64 = 1000, actor: String = "system") throws -> AuditCheckpointRecord? {
        let (head, last) = try store.read { (try $0.auditHead()?.seq ?? 0, try $0.auditCheckpoints().last?.seq ?? 0) }
        guard head - last >= interval else { return nil }
        return try checkpoint(actor: actor)
    }

    /// The verdict on the whole log.
    public struct Report: Sendable {
        public let records: Int
        public let checkpoints: Int
        /// The first problem: the record (or checkpoint) sequence number and why.
        public let firstBroken: (seq: Int64, reason: String)?
        public var isIntact: Bool { firstBroken == nil }
    }

    /// Walks the chain and checks every checkpoint signature.
    public func verify() throws -> Report {
        let chain = try store.read { try $0.verifyAuditChain() }
        if let broken = chain.firstBroken {
            return Report(records: chain.records, checkpoints: chain.checkpoints, firstBroken: broken)
        }
        for checkpoint in try store.read({ try $0.auditCheckpoints() }) {
            let key: PublicKey
            do {
                key = try custody { try keys.publicKey(try KeyID(checkpoint.keyID)) }
            } catch {
                return Report(records: chain.records, checkpoints: chain.checkpoints,
                              firstBroken: (checkpoint.seq, "checkpoint key \(checkpoint.keyID) is not in key custody"))
            }
            let message = AuditChain.checkpointMessage(seq: checkpoint.seq, hash: checkpoint.hash, time: checkpoint.time)
            guard (try? key.isValidSignature(Array(checkpoint.signature), for: message)) == true else {
                return Report(records: chain.records, checkpoints: chain.checkpoints,
                              firstBroken: (checkpoint.seq, "checkpoint signature does not verify"))
            }
        }
        return Report(records: chain.records, checkpoints: chain.checkpoints, firstBroken: nil)
    }
}
