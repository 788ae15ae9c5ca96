import Foundation
import KeyCustody
import TrustCrypto
import TrustModel

/// Generates and retires keys in custody so that no crash leaves a key that nothing names, or a retired key alive.
///
/// A new key's id is journaled (committed) before the key is made; the transaction that names the key settles the
/// entry. A retired key is journaled in the transaction that retires it and destroyed after the commit. At start,
/// ``recover()`` finishes what a crash interrupted: unsettled new keys are orphans and are destroyed, and so are
/// retired keys still in custody.
public struct KeyJournal: Sendable {
    public let store: any TransactionalStore
    public let keys: any KeyStore
    /// This process's name in the journal (entries of other nodes sharing the database are theirs to recover).
    public let node: String
    let clock: @Sendable () -> Date

    public init(
        store: any TransactionalStore, keys: any KeyStore, node: String = "local",
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.store = store
        self.keys = keys
        self.node = node
        self.clock = clock
    }

    /// Generates a key to be named by a later transaction, which must call ``settle(_:in:)``. If the caller fails
    /// before that, it calls ``abandon(_:)``.
    public func generate(_ type: KeyType, label: String) throws -> KeyInfo {
        try journaled(label: label) { id in try keys.generate(type, label: label, id: id) }
    }

    /// Takes a key made elsewhere into custody, journaled like a generated one (settled by the naming transaction,
    /// abandoned — destroyed in custody — if that never commits).
    public func importKey(_ key: PrivateKey, label: String) throws -> KeyInfo {
        try journaled(label: label) { id in try keys.importKey(key, label: label, id: id) }
    }

    private func journaled(label: String, _ make: (KeyID) throws -> KeyInfo) throws -> KeyInfo {
        let id = KeyID.random()
        try store.write { tx in
            try tx.journal(
                KeyJournalRecord(keyID: id.rawValue, action: .create, label: label, node: node, createdAt: clock()))
        }
        do {
            return try custody { try make(id) }
        } catch {
            abandon(id)
            throw error
        }
    }

    /// Inside the transaction that names the key: from its commit on, the key belongs to the appliance.
    public func settle(_ id: KeyID, in tx: any Repositories) throws {
        try tx.settleJournal(keyID: id.rawValue)
    }

    /// After a failure before the naming transaction committed: destroys the key and forgets the entry (best effort;
    /// what is left is recovered at the next start).
    public func abandon(_ id: KeyID) {
        guard destroy(id) else { return }
        _ = try? store.write { tx in try tx.settleJournal(keyID: id.rawValue) }
    }

    /// Inside the transaction that retires a key (a revoked signing key, a destroyed seal): the key is destroyed once
    /// that transaction commits, by ``completeRetirement(_:)``, or at the next start.
    public func retire(_ id: KeyID, label: String, in tx: any Repositories) throws {
        try tx.journal(
            KeyJournalRecord(keyID: id.rawValue, action: .destroy, label: label, node: node, createdAt: clock()))
    }

    /// After the retiring transaction committed.
    public func completeRetirement(_ id: KeyID) {
        abandon(id)
    }

    /// Finishes the journal left by an interrupted run of this node: every entry's key is destroyed (a `create` entry
    /// was never named; a `destroy` entry was retired). Returns how many keys were destroyed.
    @discardableResult
    public func recover() throws -> Int {
        var destroyed = 0
        for entry in try store.read({ try $0.keyJournal(node: node) }) {
            guard let id = try? KeyID(entry.keyID) else { continue }
            if (try? keys.info(id)) != nil {
                guard destroy(id) else {
                    throw TrustError(.unavailable, "cannot destroy orphan key \(id) (\(entry.label))")
                }
                destroyed += 1
            }
            _ = try store.write { tx in try tx.settleJournal(keyID: entry.keyID) }
        }
        return destroyed
    }

    /// `true` when the key is gone (destroyed now or never made).
    private func destroy(_ id: KeyID) -> Bool {
        do {
            try keys.destroy(id)
            return true
        } catch let error as KeyCustodyError where error.code == .keyNotFound {
            return true
        } catch {
            return false
        }
    }
}
