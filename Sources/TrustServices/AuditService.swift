import Foundation
import KeyCustody
import TrustCrypto
import TrustModel

/// The audit log's signed checkpoints and full verification.
///
/// The hash chain itself is kept by the store (each record appended in the transaction of its change). A checkpoint
/// appends an `audit.checkpoint` record and signs "record N has hash H" for that very record, with the audit key held
/// in key custody, so a checkpoint covers itself; it is stored in the database and appended to the anchor file
/// outside it. Verification walks the chain, checks every checkpoint (database and file) against it and its
/// signature, and reconciles certificate statuses with their audit records.
public struct AuditService: Sendable {
    public let store: any TransactionalStore
    public let keys: any KeyStore
    /// The checkpoints outside the database (`nil` only for stores without a data directory, e.g. in tests).
    public let anchors: AuditAnchorFile?
    let clock: @Sendable () -> Date

    static let keySetting = "audit.key_id"

    public let useCases: UseCases

    public init(
        store: any TransactionalStore, keys: any KeyStore, anchors: AuditAnchorFile? = nil,
        executor: BlockingExecutor = .shared,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.store = store
        self.keys = keys
        self.anchors = anchors
        self.clock = clock
        self.useCases = UseCases(store: store, executor: executor, clock: clock)
    }

    // MARK: Use cases

    /// Records after `seq`, oldest first.
    public func records(after seq: Int64, limit: Int, by caller: Caller) async throws -> [AuditRecord] {
        guard seq >= 0, (1...1000).contains(limit) else {
            throw TrustError.invalid("after must be ≥ 0 and limit 1 to 1000")
        }
        return try await useCases.read(caller, .auditRead, action: "audit.read", object: "audit:log") {
            try $0.auditRecords(after: seq, limit: limit)
        }
    }

    /// Verifies the whole log (streaming; see ``verify()``).
    public func verify(by caller: Caller) async throws -> Report {
        try await useCases.check(caller, .auditVerify, action: "audit.verify", object: "audit:log")
        return try await useCases.executor.run { try verify() }
    }

    /// Signs a checkpoint now; `nil` when the log's head is already one.
    public func checkpoint(by caller: Caller) async throws -> AuditCheckpointRecord? {
        try await useCases.check(caller, .auditCheckpoint, action: AuditChain.checkpointAction, object: "audit:log")
        return try await useCases.executor.run { try checkpoint(actor: caller.auditName) }
    }

    /// Creates the audit key (SM2) in custody if none is configured.
    public func ensureAuditKey(actor: String, journal: KeyJournal) throws {
        if try store.read({ try $0.setting(Self.keySetting) }) != nil { return }
        let info = try journal.generate(.sm2, label: "audit-checkpoints")
        do {
            try store.write { tx in
                try tx.setSetting(Self.keySetting, info.id.rawValue)
                try journal.settle(info.id, in: tx)
                try tx.appendAudit(
                    AuditEntry(
                        actor: actor, action: "audit.key-create", object: "key:\(info.id.rawValue)",
                        details: ["type": "sm2", "fingerprint": info.publicKeyFingerprint]), at: clock())
            }
        } catch {
            journal.abandon(info.id)
            throw error
        }
    }

    /// Appends a checkpoint record, signs it and stores the checkpoint, then anchors it in the file. `nil` when the
    /// log is empty or its head is already a checkpoint.
    @discardableResult
    func checkpoint(actor: String) throws -> AuditCheckpointRecord? {
        guard let keyText = try store.read({ try $0.setting(Self.keySetting) }) else {
            throw TrustError.conflict("no audit key: initialise the CA first")
        }
        let signer = try KeyStoreSigner(store: keys, keyID: try KeyID(keyText))
        let now = clock()
        let made = try store.write { tx -> AuditCheckpointRecord? in
            guard let head = try tx.auditHead() else { return nil }
            let last = try tx.auditCheckpoints().last
            if last?.seq == head.seq { return nil }
            let record = try tx.appendAudit(
                AuditEntry(
                    actor: actor, action: AuditChain.checkpointAction, object: "audit:log",
                    details: ["previousCheckpoint": last.map { String($0.seq) } ?? "-"]), at: now)
            let time = AuditFormat.time(now)
            let signature = try custody {
                try signer.sign(AuditChain.checkpointMessage(seq: record.seq, hash: record.hash, time: time))
            }
            let checkpoint = AuditCheckpointRecord(
                seq: record.seq, time: time, hash: record.hash, keyID: keyText,
                algorithm: signer.signatureAlgorithm.description, signature: Data(signature))
            try tx.insert(checkpoint)
            return checkpoint
        }
        if let made { try anchors?.append(made) }
        return made
    }

    /// Checkpoints when at least `interval` records were appended since the last one.
    @discardableResult
    public func checkpointIfDue(every interval: Int64 = 1000, actor: String = "system") throws -> AuditCheckpointRecord?
    {
        let (head, last) = try store.read { (try $0.auditHead()?.seq ?? 0, try $0.auditCheckpoints().last?.seq ?? 0) }
        guard head - last >= interval else { return nil }
        return try checkpoint(actor: actor)
    }

    /// Writes database checkpoints missing from the anchor file (after a crash between commit and append).
    public func catchUpAnchors() throws {
        guard let anchors else { return }
        try anchors.catchUp(with: try store.read { try $0.auditCheckpoints() })
    }

    /// The verdict on the whole log.
    public struct Report: Sendable {
        public let records: Int
        public let checkpoints: Int
        /// The first problem: the record (or checkpoint) sequence number and why.
        public let firstBroken: (seq: Int64, reason: String)?
        public var isIntact: Bool { firstBroken == nil }
    }

    /// Walks the chain, checks every checkpoint signature (in the database and in the anchor file) and reconciles
    /// certificate statuses (see ``any Repositories/verifyAuditChain(anchors:)``).
    func verify() throws -> Report {
        let anchored: [AuditAnchor]
        do {
            anchored = try anchors?.read() ?? []
        } catch let error as TrustError {
            let count = try store.read { try $0.auditCount() }
            return Report(records: count, checkpoints: 0, firstBroken: (0, error.message))
        }
        let chain = try store.read { try AuditChainVerifier.verify($0, anchors: anchored) }
        if let broken = chain.firstBroken {
            return Report(records: chain.records, checkpoints: chain.checkpoints, firstBroken: broken)
        }
        let signed =
            try store.read { try $0.auditCheckpoints() }.map { ($0.seq, $0.hash, $0.time, $0.keyID, $0.signature, "") }
            + anchored.map { ($0.seq, $0.hash, $0.time, $0.keyID, $0.signature, " (anchor file)") }
        for (seq, hash, time, keyID, signature, place) in signed {
            let key: PublicKey
            do {
                key = try custody { try keys.publicKey(try KeyID(keyID)) }
            } catch {
                return Report(
                    records: chain.records, checkpoints: chain.checkpoints,
                    firstBroken: (seq, "checkpoint key \(keyID)\(place) is not in key custody"))
            }
            let message = AuditChain.checkpointMessage(seq: seq, hash: hash, time: time)
            guard (try? key.isValidSignature(Array(signature), for: message)) == true else {
                return Report(
                    records: chain.records, checkpoints: chain.checkpoints,
                    firstBroken: (seq, "checkpoint \(seq)\(place): the signature does not verify"))
            }
        }
        return Report(records: chain.records, checkpoints: chain.checkpoints, firstBroken: nil)
    }
}
