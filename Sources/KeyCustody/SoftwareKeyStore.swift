import BoundedCache
import Foundation
import TrustCrypto

/// Key store that keeps each private key in its own file, encrypted with AES-256-GCM under a KEK.
///
/// File `<directory>/<id>.key` (mode 0600, written atomically) is JSON:
/// `{format, id, label, type, createdAt, kek, publicKey, nonce, ciphertext, tag}`; the ciphertext is the PKCS#8 DER
/// of the key, and every other field is bound to it as GCM additional data, so any edit is detected.
/// Decrypted keys are cached in memory after first use (no per-signature file access or decryption).
public final class SoftwareKeyStore: KeyStore {
    public let backend = "software"
    public let directory: String
    private let kek: KeyEncryptionKey
    /// Decrypted keys, bounded (a store can hold a key per seal and per signing-key holder).
    private let cache = BoundedCache<KeyID, PrivateKey>(.init(maxEntries: 10_000, maxBytes: 64 << 20)) { _, key in
        key.type.isRSA ? 4096 : 512
    }

    static let format = "trustd-soft-key/1"

    /// Held shared while the store is open; a KEK rotation needs it exclusively.
    private let lock: StoreLock

    /// Opens (creating if needed, mode 0700) the store in `directory`.
    public init(directory: String, kek: KeyEncryptionKey) throws {
        self.directory = directory
        self.kek = kek
        try SecureFile.makePrivateDirectory(directory)
        lock = try StoreLock(directory, exclusive: false)
    }

    deinit { lock.release() }

    // MARK: KeyStore

    public func generate(_ type: KeyType, label: String, id: KeyID) throws -> KeyInfo {
        try validateLabel(label)
        try refuseExisting(id)
        let key: PrivateKey
        do {
            key = try PrivateKey.generate(type)
        } catch let error as CryptoError {
            throw KeyCustodyError(.storageFailure, "key generation failed: \(error.message)")
        }
        return try keep(key, label: label, id: id)
    }

    /// Takes a key made elsewhere (an existing CA's) into the store, encrypted under the KEK like a generated one.
    public func importKey(_ key: PrivateKey, label: String, id: KeyID) throws -> KeyInfo {
        try validateLabel(label)
        try refuseExisting(id)
        return try keep(key, label: label, id: id)
    }

    private func refuseExisting(_ id: KeyID) throws {
        guard !FileManager.default.fileExists(atPath: path(id)) else {
            throw KeyCustodyError(.invalidRequest, "key \(id) exists in the software store")
        }
    }

    /// Seals the key's PKCS#8 under the KEK into its file (the clear DER is wiped after).
    private func keep(_ key: PrivateKey, label: String, id: KeyID) throws -> KeyInfo {
        var der: [UInt8]
        do {
            der = try key.pkcs8DER()
        } catch let error as CryptoError {
            throw KeyCustodyError(.storageFailure, "cannot encode the key: \(error.message)")
        }
        defer { Memory.wipe(&der) }
        let publicKey = try key.publicKey
        var file = WrappedKeyFile(
            format: Self.format, id: id, label: label, type: key.type,
            createdAt: ISO8601DateFormatter().string(from: Date()), kek: kek.identifier,
            publicKey: Data(publicKey.spkiDER).base64EncodedString(),
            nonce: "", ciphertext: "", tag: "")
        try file.seal(der, under: kek)
        try SecureFile.write(try file.encoded(), to: path(id))
        cache.insert(key, forKey: id)
        return file.info(fingerprint: publicKey.fingerprintHex())
    }

    public func info(_ id: KeyID) throws -> KeyInfo {
        let file = try readFile(id)
        return file.info(fingerprint: Hex.encode(Digest.hash(.sha256, try file.decodedPublicKey(path(id)))))
    }

    public func list() throws -> [KeyInfo] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return try names.filter { $0.hasSuffix(".key") && !$0.hasPrefix(".") }
            .compactMap { try? KeyID(String($0.dropLast(4))) }
            .sorted()
            .map { try info($0) }
    }

    public func publicKey(_ id: KeyID) throws -> PublicKey {
        try load(id).publicKey
    }

    public func sign(_ message: [UInt8], with id: KeyID, algorithm: SignatureAlgorithm?) throws -> [UInt8] {
        let key = try load(id)
        return try translating { try key.sign(message, algorithm: algorithm) }
    }

    public func sign(digest: [UInt8], with id: KeyID, algorithm: SignatureAlgorithm?) throws -> [UInt8] {
        let key = try load(id)
        return try translating { try key.sign(digest: digest, algorithm: algorithm) }
    }

    public func signsWithoutWaiting(_ id: KeyID) -> Bool { cache[id] != nil }

    public func destroy(_ id: KeyID) throws {
        let path = path(id)
        guard FileManager.default.fileExists(atPath: path) else {
            throw KeyCustodyError(.keyNotFound, "no key \(id) in the software store")
        }
        cache.removeValue(forKey: id)
        // Best effort: overwrite before unlinking (journaling file systems and SSDs may keep old blocks; the
        // ciphertext is useless without the KEK anyway).
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int,
            let handle = FileHandle(forWritingAtPath: path)
        {
            try? handle.write(contentsOf: Data(count: size))
            try? handle.synchronize()
            try? handle.close()
        }
        guard unlink(path) == 0 else {
            throw KeyCustodyError(.storageFailure, "cannot remove \(path): \(String(cString: strerror(errno)))")
        }
        SecureFile.syncDirectory(directory)
    }

    // MARK: Loading

    private func path(_ id: KeyID) -> String { "\(directory)/\(id.rawValue).key" }

    private func readFile(_ id: KeyID) throws -> WrappedKeyFile {
        let path = path(id)
        guard FileManager.default.fileExists(atPath: path) else {
            throw KeyCustodyError(.keyNotFound, "no key \(id) in the software store")
        }
        return try WrappedKeyFile.read(path, id: id)
    }
}

extension WrappedKeyFile {
    /// Reads and checks the envelope of key `id` at `path` (not its secret).
    static func read(_ path: String, id: KeyID) throws -> WrappedKeyFile {
        let bytes = try SecureFile.read(path)
        guard let file = try? JSONDecoder().decode(WrappedKeyFile.self, from: Data(bytes)) else {
            throw KeyCustodyError(.tamperedKey, "\(path) is not a valid trustd key file (truncated or altered)")
        }
        guard file.format == SoftwareKeyStore.format else {
            throw KeyCustodyError(.tamperedKey, "\(path) has unknown format \(file.format)")
        }
        guard file.id == id else {
            throw KeyCustodyError(.tamperedKey, "\(path) holds key \(file.id), not \(id)")
        }
        return file
    }

    /// Encrypts `der` under `kek` (recording the KEK's identifier, which the GCM additional data binds).
    mutating func seal(_ der: [UInt8], under kek: KeyEncryptionKey) throws {
        self.kek = kek.identifier
        let box = try AES256GCM.seal(der, key: kek.bytes, authenticatedData: authenticatedData)
        nonce = Data(box.nonce).base64EncodedString()
        ciphertext = Data(box.ciphertext).base64EncodedString()
        tag = Data(box.tag).base64EncodedString()
    }

    /// Decrypts under `kek` and checks that the key is the one the envelope names.
    func open(under kek: KeyEncryptionKey, path: String) throws -> PrivateKey {
        guard self.kek == kek.identifier else {
            throw KeyCustodyError(
                .wrongKEK, "key \(id) was stored under KEK \(self.kek), but the configured KEK is \(kek.identifier)")
        }
        guard let nonce = Data(base64Encoded: nonce), let ciphertext = Data(base64Encoded: ciphertext),
            let tag = Data(base64Encoded: tag)
        else { throw KeyCustodyError(.tamperedKey, "\(path) has malformed encrypted fields") }
        var der: [UInt8]
        do {
            der = try AES256GCM.open(
                .init(nonce: Array(nonce), ciphertext: Array(ciphertext), tag: Array(tag)),
                key: kek.bytes, authenticatedData: authenticatedData)
        } catch {
            throw KeyCustodyError(.tamperedKey, "\(path) failed its integrity check: the file was altered")
        }
        defer { Memory.wipe(&der) }
        guard let key = try? PrivateKey(der: der), key.type == type,
            let stored = try? decodedPublicKey(path), (try? key.publicKey.spkiDER) == stored
        else { throw KeyCustodyError(.tamperedKey, "\(path) decrypts to a key that does not match its public key") }
        return key
    }

    func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return Array(try encoder.encode(self))
    }
}

extension SoftwareKeyStore {
    /// Decrypts and checks a key, or returns it from the cache.
    private func load(_ id: KeyID) throws -> PrivateKey {
        if let cached = cache[id] { return cached }
        let path = path(id)
        let file = try readFile(id)
        let key = try file.open(under: kek, path: path)
        cache.insert(key, forKey: id)
        return key
    }

    private func translating<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as CryptoError {
            let code: KeyCustodyError.Code = error.code == .internalFailure ? .storageFailure : .invalidRequest
            throw KeyCustodyError(code, error.message)
        }
    }
}

/// The JSON envelope of one software-stored key.
struct WrappedKeyFile: Codable {
    var format: String
    var id: KeyID
    var label: String
    var type: KeyType
    var createdAt: String
    var kek: String
    var publicKey: String
    var nonce: String
    var ciphertext: String
    var tag: String

    /// GCM additional data: every clear field, length-prefixed, so none can be changed without detection.
    var authenticatedData: [UInt8] {
        var out: [UInt8] = []
        for field in [format, id.rawValue, label, type.rawValue, createdAt, kek, publicKey] {
            let bytes = Array(field.utf8)
            let length = UInt32(bytes.count)
            out += [UInt8(length >> 24), UInt8(length >> 16 & 0xff), UInt8(length >> 8 & 0xff), UInt8(length & 0xff)]
            out += bytes
        }
        return out
    }

    func decodedPublicKey(_ path: String) throws -> [UInt8] {
        guard let data = Data(base64Encoded: publicKey) else {
            throw KeyCustodyError(.tamperedKey, "\(path) has a malformed public key")
        }
        return Array(data)
    }

    func info(fingerprint: String) -> KeyInfo {
        KeyInfo(
            id: id, label: label, type: type, backend: "software",
            createdAt: ISO8601DateFormatter().date(from: createdAt), publicKeyFingerprint: fingerprint)
    }
}
