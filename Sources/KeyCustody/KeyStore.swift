import Foundation
import TrustCrypto

/// Identifies a key inside a key store: 16 random bytes as 32 lower-case hex characters.
///
/// The strict format keeps ids safe to use as file names and PKCS#11 `CKA_ID`s.
public struct KeyID: Sendable, Hashable, Codable, CustomStringConvertible, Comparable {
    public let rawValue: String

    public init(_ rawValue: String) throws {
        let lower = rawValue.lowercased()
        guard lower.utf8.count == 32, Hex.decode(lower) != nil else {
            throw KeyCustodyError(.invalidRequest, "key id must be 32 hexadecimal characters")
        }
        self.rawValue = lower
    }

    /// A fresh random id.
    public static func random() -> KeyID {
        // swiftlint:disable:next force_try
        try! KeyID(Hex.encode(SecureRandom.bytes(16)))
    }

    var bytes: [UInt8] { Hex.decode(rawValue)! }

    public var description: String { rawValue }
    public static func < (lhs: KeyID, rhs: KeyID) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        try self.init(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// What a key store tells about one key (never the key itself).
public struct KeyInfo: Sendable, Hashable, Codable {
    public let id: KeyID
    public let label: String
    public let type: KeyType
    /// `software` or `pkcs11`.
    public let backend: String
    public let createdAt: Date?
    /// SHA-256 of the public key's SubjectPublicKeyInfo, hex.
    public let publicKeyFingerprint: String

    public init(
        id: KeyID, label: String, type: KeyType, backend: String, createdAt: Date?, publicKeyFingerprint: String
    ) {
        self.id = id
        self.label = label
        self.type = type
        self.backend = backend
        self.createdAt = createdAt
        self.publicKeyFingerprint = publicKeyFingerprint
    }
}

/// Key custody: private keys are generated inside the store and used there; only public keys and signatures
/// come out. Implementations are thread-safe.
public protocol KeyStore: Sendable {
    /// `software` or `pkcs11`.
    var backend: String { get }

    /// Generates a key of `type` inside the store under `id` (chosen by the caller, so it can be journaled before the
    /// key exists: a crash in between then leaves a journal entry, never an unnamed key). An id in use is refused.
    func generate(_ type: KeyType, label: String, id: KeyID) throws -> KeyInfo

    /// Takes a key made outside trustd (an existing CA's, from PKCS#8 or PKCS#12) into custody under `id`. A store
    /// that does not accept keys in clear (an HSM) refuses with `.unsupported`: such keys are imported with the
    /// token's own tool and then named by their id.
    func importKey(_ key: PrivateKey, label: String, id: KeyID) throws -> KeyInfo

    /// Metadata of one key.
    func info(_ id: KeyID) throws -> KeyInfo

    /// Every key in the store, ordered by id.
    func list() throws -> [KeyInfo]

    /// The key's public half.
    func publicKey(_ id: KeyID) throws -> PublicKey

    /// Signs `message` with key `id` (algorithm defaults to the key type's).
    func sign(_ message: [UInt8], with id: KeyID, algorithm: SignatureAlgorithm?) throws -> [UInt8]

    /// Signs a precomputed hash (for SM2, `e = SM3(Z_A ‖ M)`).
    func sign(digest: [UInt8], with id: KeyID, algorithm: SignatureAlgorithm?) throws -> [UInt8]

    /// Destroys the key. Later use gives `.keyNotFound`.
    func destroy(_ id: KeyID) throws

    /// Whether signing with `id` now is work in this process alone (a software key already decrypted in memory), with
    /// no file to read and no token to wait for: hot paths then sign where they are instead of on the blocking
    /// executor. False when in doubt.
    func signsWithoutWaiting(_ id: KeyID) -> Bool
}

extension KeyStore {
    public func signsWithoutWaiting(_ id: KeyID) -> Bool { false }

    /// Generates a key under a fresh random id.
    public func generate(_ type: KeyType, label: String) throws -> KeyInfo {
        try generate(type, label: label, id: .random())
    }

    public func sign(_ message: [UInt8], with id: KeyID) throws -> [UInt8] {
        try sign(message, with: id, algorithm: nil)
    }
}

func validateLabel(_ label: String) throws {
    guard !label.isEmpty, label.utf8.count <= 128 else {
        throw KeyCustodyError(.invalidRequest, "key label must be 1 to 128 bytes")
    }
    guard !label.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
        throw KeyCustodyError(.invalidRequest, "key label must not contain control characters")
    }
}
