import Foundation
import TrustCrypto

/// The 256-bit key-encryption key (KEK) under which the software store encrypts private keys (AES-256-GCM).
///
/// Sources: a file (mode 0600, holding the key as 64 hex characters or base64) or an environment variable with
/// the same text. The KEK's ``identifier`` is stored next to each wrapped key so a wrong KEK is told apart from
/// a damaged file.
public struct KeyEncryptionKey: Sendable {
    let bytes: [UInt8]

    /// Public, non-secret identifier: the first 8 bytes of SHA-256("trustd-kek-id/1" ‖ KEK), hex.
    public let identifier: String

    init(bytes: [UInt8]) throws {
        guard bytes.count == AES256GCM.keyLength else {
            throw KeyCustodyError(
                .secretUnavailable, "a KEK must be 32 bytes (64 hex characters or base64), got \(bytes.count) bytes")
        }
        self.bytes = bytes
        self.identifier = Hex.encode(Digest.hash(.sha256, Array("trustd-kek-id/1".utf8) + bytes).prefix(8))
    }

    /// Parses the textual form (hex or base64, surrounding whitespace ignored).
    public init(text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.utf8.count == 64, let bytes = Hex.decode(trimmed) {
            try self.init(bytes: bytes)
        } else if let data = Data(base64Encoded: trimmed) {
            try self.init(bytes: Array(data))
        } else {
            throw KeyCustodyError(.secretUnavailable, "KEK text is neither 64 hex characters nor base64")
        }
    }

    /// Reads the KEK from a file that only its owner may read (mode 0600 or stricter).
    public init(file path: String) throws {
        var text = try SecureFile.read(path, maxBytes: 4096)
        defer { Memory.wipe(&text) }
        try self.init(text: String(decoding: text, as: UTF8.self))
    }

    /// Reads the KEK from an environment variable.
    public init(environment name: String, in environment: [String: String] = ProcessInfo.processInfo.environment) throws
    {
        guard let value = environment[name], !value.isEmpty else {
            throw KeyCustodyError(.secretUnavailable, "environment variable \(name) is not set")
        }
        try self.init(text: value)
    }

    /// Encrypts a small secret under the KEK (AES-256-GCM, `context` bound as additional data): `nonce ‖ ciphertext ‖
    /// tag`. For secrets that travel beside the keys, e.g. the identity key in a backup.
    public func wrap(_ secret: [UInt8], context: String) throws -> [UInt8] {
        let box = try AES256GCM.seal(secret, key: bytes, authenticatedData: Array(context.utf8))
        return box.nonce + box.ciphertext + box.tag
    }

    /// Opens what ``wrap(_:context:)`` made under this KEK and `context`; anything else is refused.
    public func unwrap(_ wrapped: [UInt8], context: String) throws -> [UInt8] {
        let (nonce, tag) = (AES256GCM.nonceLength, AES256GCM.tagLength)
        guard wrapped.count > nonce + tag else {
            throw KeyCustodyError(.tamperedKey, "the wrapped \(context) is too short")
        }
        do {
            return try AES256GCM.open(
                .init(
                    nonce: Array(wrapped.prefix(nonce)), ciphertext: Array(wrapped.dropFirst(nonce).dropLast(tag)),
                    tag: Array(wrapped.suffix(tag))),
                key: bytes, authenticatedData: Array(context.utf8))
        } catch {
            throw KeyCustodyError(.wrongKEK, "the \(context) does not open under KEK \(identifier)")
        }
    }

    /// Generates a new random KEK and writes it (hex) to `path` with mode 0600. Refuses to overwrite.
    @discardableResult
    public static func generate(writingTo path: String) throws -> KeyEncryptionKey {
        guard !FileManager.default.fileExists(atPath: path) else {
            throw KeyCustodyError(.invalidRequest, "\(path) exists; refusing to overwrite a KEK")
        }
        let kek = try KeyEncryptionKey(bytes: SecureRandom.bytes(AES256GCM.keyLength))
        var text = Array((Hex.encode(kek.bytes) + "\n").utf8)
        defer { Memory.wipe(&text) }
        try SecureFile.write(text, to: path)
        return kek
    }
}
