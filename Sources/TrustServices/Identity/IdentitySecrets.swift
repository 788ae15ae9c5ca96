import Foundation
import KeyCustody
import TrustCrypto
import TrustModel

#if canImport(Glibc)
    import Glibc
#endif

/// The keys that protect identity numbers at rest: an HMAC key (lookups by keyed hash, so equal numbers match but a
/// stolen database cannot be searched by guessing without the key) and an AES-256-GCM key (the number itself, for
/// the rare operation that needs it). Kept in `DIR/identity.key`, mode 0600, made on first use.
public struct IdentitySecrets: Sendable {
    private let hmacKey: [UInt8]
    private let sealKey: [UInt8]

    public init(hmacKey: [UInt8], sealKey: [UInt8]) {
        self.hmacKey = hmacKey
        self.sealKey = sealKey
    }

    /// Loads the key file, creating it (0600, written atomically) when missing. A file readable by others is refused.
    public static func load(path: String) throws -> IdentitySecrets {
        if !FileManager.default.fileExists(atPath: path) {
            var bytes = SecureRandom.bytes(64)
            defer { Memory.wipe(&bytes) }
            do { try SecureFile.write(bytes, to: path) } catch let error as KeyCustodyError {
                throw TrustError(.unavailable, "cannot create \(path): \(error.message)")
            }
        }
        var info = stat()
        guard stat(path, &info) == 0 else { throw TrustError(.unavailable, "cannot read \(path)") }
        guard info.st_mode & 0o077 == 0 else {
            throw TrustError(.forbidden, "\(path) must not be readable by group or others (chmod 600)")
        }
        guard let data = FileManager.default.contents(atPath: path), data.count == 64 else {
            throw TrustError(.integrity, "\(path) must hold 64 bytes")
        }
        let bytes = Array(data)
        return IdentitySecrets(hmacKey: Array(bytes[0..<32]), sealKey: Array(bytes[32..<64]))
    }

    /// Keyed hash (HMAC-SHA-256, hex) of a normalised identifier, with a domain label so hashes of different kinds
    /// never collide.
    public func lookupHash(_ value: String, kind: String) -> String {
        // HMAC with a non-empty key cannot fail.
        Hex.encode((try? HMAC.authenticate(Array("\(kind):\(value)".utf8), key: hmacKey)) ?? [])
    }

    /// `nonce ‖ ciphertext ‖ tag`, bound to `context` (e.g. the record id and field).
    public func seal(_ value: String, context: String) throws -> Data {
        let box = try AES256GCM.seal(Array(value.utf8), key: sealKey, authenticatedData: Array(context.utf8))
        return Data(box.nonce + box.ciphertext + box.tag)
    }

    public func open(_ sealed: Data, context: String) throws -> String {
        let bytes = Array(sealed)
        guard bytes.count >= AES256GCM.nonceLength + AES256GCM.tagLength else {
            throw TrustError(.integrity, "sealed value is truncated")
        }
        let box = AES256GCM.SealedBox(
            nonce: Array(bytes.prefix(AES256GCM.nonceLength)),
            ciphertext: Array(bytes.dropFirst(AES256GCM.nonceLength).dropLast(AES256GCM.tagLength)),
            tag: Array(bytes.suffix(AES256GCM.tagLength)))
        do {
            return String(
                decoding: try AES256GCM.open(box, key: sealKey, authenticatedData: Array(context.utf8)), as: UTF8.self)
        } catch {
            throw TrustError(.integrity, "a sealed identity value does not open (wrong key or tampered)")
        }
    }
}
