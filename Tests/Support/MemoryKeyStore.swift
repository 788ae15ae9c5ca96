import Foundation
import KeyCustody
import Synchronization
import TrustCrypto

/// A key store that keeps real OpenSSL keys in memory: the same signatures as the software store without the
/// encrypted files and their fsyncs, for fixtures that do not test custody itself. Keys die with the process.
public final class MemoryKeyStore: KeyStore {
    public let backend = "memory"
    private struct Entry {
        let info: KeyInfo
        let key: PrivateKey
    }
    private let keys = Mutex<[KeyID: Entry]>([:])

    public init() {}

    public func generate(_ type: KeyType, label: String, id: KeyID) throws -> KeyInfo {
        try importKey(try PrivateKey.generate(type), label: label, id: id)
    }

    public func importKey(_ key: PrivateKey, label: String, id: KeyID) throws -> KeyInfo {
        let info = KeyInfo(
            id: id, label: label, type: key.type, backend: backend, createdAt: Date(),
            publicKeyFingerprint: try key.publicKey.fingerprintHex())
        try keys.withLock { keys in
            guard keys[id] == nil else { throw KeyCustodyError(.invalidRequest, "key \(id) exists") }
            keys[id] = Entry(info: info, key: key)
        }
        return info
    }

    private func entry(_ id: KeyID) throws -> Entry {
        guard let entry = keys.withLock({ $0[id] }) else { throw KeyCustodyError(.keyNotFound, "no key \(id)") }
        return entry
    }

    public func info(_ id: KeyID) throws -> KeyInfo { try entry(id).info }
    public func list() throws -> [KeyInfo] { keys.withLock { $0.values.map(\.info) }.sorted { $0.id < $1.id } }
    public func publicKey(_ id: KeyID) throws -> PublicKey { try entry(id).key.publicKey }

    public func sign(_ message: [UInt8], with id: KeyID, algorithm: SignatureAlgorithm?) throws -> [UInt8] {
        let key = try entry(id).key
        return try key.sign(message, algorithm: algorithm ?? key.type.defaultSignatureAlgorithm)
    }

    public func sign(digest: [UInt8], with id: KeyID, algorithm: SignatureAlgorithm?) throws -> [UInt8] {
        let key = try entry(id).key
        return try key.sign(digest: digest, algorithm: algorithm ?? key.type.defaultSignatureAlgorithm)
    }

    public func destroy(_ id: KeyID) throws {
        try keys.withLock { keys in
            guard keys.removeValue(forKey: id) != nil else { throw KeyCustodyError(.keyNotFound, "no key \(id)") }
        }
    }
}
