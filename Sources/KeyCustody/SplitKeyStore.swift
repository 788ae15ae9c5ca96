import BoundedCache
import Foundation
import TrustCrypto

/// Two key stores behind one: keys of `secondaryTypes` are generated in `secondary`, every other key in `primary`.
/// For an HSM without SM2 mechanisms (SoftHSM2, most non-Chinese tokens) the operator may keep SM2 keys in the
/// software store while RSA and P-256 keys stay in the token — a choice made in the configuration
/// (`keyStore.sm2Keys: software`), never a silent fallback.
///
/// Keys are found by id: the secondary store is asked first (a file lookup, where the primary would be an HSM round
/// trip) and the answer is remembered.
public final class SplitKeyStore: KeyStore {
    public let primary: any KeyStore
    public let secondary: any KeyStore
    public let secondaryTypes: Set<KeyType>
    public var backend: String { primary.backend }

    private enum Owner: Sendable { case primary, secondary }
    private let owners = BoundedCache<KeyID, Owner>(.init(maxEntries: 65_536, maxBytes: 8 << 20)) { _, _ in 64 }

    public init(primary: any KeyStore, secondary: any KeyStore, secondaryTypes: Set<KeyType>) {
        self.primary = primary
        self.secondary = secondary
        self.secondaryTypes = secondaryTypes
    }

    private func store(for id: KeyID) -> any KeyStore {
        let owner = owners.value(forKey: id) {
            (try? secondary.info(id)) != nil ? .secondary : .primary
        }
        return owner == .secondary ? secondary : primary
    }

    public func generate(_ type: KeyType, label: String, id: KeyID) throws -> KeyInfo {
        let secondaryOwns = secondaryTypes.contains(type)
        let info = try (secondaryOwns ? secondary : primary).generate(type, label: label, id: id)
        owners.insert(secondaryOwns ? .secondary : .primary, forKey: id)
        return info
    }

    public func importKey(_ key: PrivateKey, label: String, id: KeyID) throws -> KeyInfo {
        let secondaryOwns = secondaryTypes.contains(key.type)
        let info = try (secondaryOwns ? secondary : primary).importKey(key, label: label, id: id)
        owners.insert(secondaryOwns ? .secondary : .primary, forKey: id)
        return info
    }

    public func info(_ id: KeyID) throws -> KeyInfo { try store(for: id).info(id) }

    public func list() throws -> [KeyInfo] { (try primary.list() + secondary.list()).sorted { $0.id < $1.id } }

    public func publicKey(_ id: KeyID) throws -> PublicKey { try store(for: id).publicKey(id) }

    /// Known owners only: finding the owner may itself be a file lookup.
    public func signsWithoutWaiting(_ id: KeyID) -> Bool {
        switch owners[id] {
        case .secondary: secondary.signsWithoutWaiting(id)
        case .primary: primary.signsWithoutWaiting(id)
        case nil: false
        }
    }

    public func sign(_ message: [UInt8], with id: KeyID, algorithm: SignatureAlgorithm?) throws -> [UInt8] {
        try store(for: id).sign(message, with: id, algorithm: algorithm)
    }

    public func sign(digest: [UInt8], with id: KeyID, algorithm: SignatureAlgorithm?) throws -> [UInt8] {
        try store(for: id).sign(digest: digest, with: id, algorithm: algorithm)
    }

    public func destroy(_ id: KeyID) throws {
        try store(for: id).destroy(id)
        owners.removeValue(forKey: id)
    }
}
