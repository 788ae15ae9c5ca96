import Foundation
import TrustCrypto

#if canImport(Glibc)
    import Glibc
#endif

/// Re-encrypts every key of a software store under a new, random KEK and replaces the KEK file with it.
///
/// The old KEK is required (it is read from the KEK file, and every key must open under it before anything is
/// written). Crash-safe: the new KEK is written first to `KEK.new`; each key file is then rewritten under it
/// atomically (SecureFile); renaming `KEK.new` over `KEK` commits. A store with both files is mid-rotation, and
/// ``recover(storeDirectory:kekPath:)`` — run by ``rotate(storeDirectory:kekPath:)`` and whenever trustd opens the
/// store — finishes it, since each file names the KEK it is under. The store must not be in use: the rotation takes an
/// exclusive lock that every open store holds shared.
public enum KEKRotation {
    public struct Outcome: Sendable {
        public let keys: Int
        public let oldKEK: String
        public let newKEK: String
    }

    public static func pendingPath(_ kekPath: String) -> String { kekPath + ".new" }

    public static func rotate(storeDirectory: String, kekPath: String) throws -> Outcome {
        let lock = try StoreLock(storeDirectory, exclusive: true)
        defer { lock.release() }
        try finishPending(storeDirectory: storeDirectory, kekPath: kekPath)
        let old = try KeyEncryptionKey(file: kekPath)
        let files = try keyFiles(storeDirectory)
        // Every key must open under the old KEK before anything changes.
        for (path, id) in files { _ = try WrappedKeyFile.read(path, id: id).open(under: old, path: path) }
        let pending = pendingPath(kekPath)
        let new = try KeyEncryptionKey.generate(writingTo: pending)
        try reencrypt(files, from: old, to: new)
        try commit(pending, kekPath)
        return Outcome(keys: files.count, oldKEK: old.identifier, newKEK: new.identifier)
    }

    /// Finishes an interrupted rotation, if there is one (`KEK.new` beside `KEK`). Returns whether there was.
    @discardableResult
    public static func recover(storeDirectory: String, kekPath: String) throws -> Bool {
        guard FileManager.default.fileExists(atPath: pendingPath(kekPath)) else { return false }
        let lock = try StoreLock(storeDirectory, exclusive: true)
        defer { lock.release() }
        return try finishPending(storeDirectory: storeDirectory, kekPath: kekPath)
    }

    @discardableResult
    private static func finishPending(storeDirectory: String, kekPath: String) throws -> Bool {
        let pending = pendingPath(kekPath)
        guard FileManager.default.fileExists(atPath: pending) else { return false }
        let new = try KeyEncryptionKey(file: pending)
        let files = try keyFiles(storeDirectory)
        if FileManager.default.fileExists(atPath: kekPath) {
            try reencrypt(files, from: try KeyEncryptionKey(file: kekPath), to: new)
        } else {
            // Only the rename was left (a crash inside it): every file must already be under the new KEK.
            for (path, id) in files where try WrappedKeyFile.read(path, id: id).kek != new.identifier {
                throw KeyCustodyError(.wrongKEK, "\(path) is under neither KEK of an interrupted rotation")
            }
        }
        try commit(pending, kekPath)
        return true
    }

    /// Rewrites each file still under `old` under `new`; files already under `new` are left alone.
    private static func reencrypt(_ files: [(String, KeyID)], from old: KeyEncryptionKey, to new: KeyEncryptionKey)
        throws
    {
        for (path, id) in files {
            var file = try WrappedKeyFile.read(path, id: id)
            if file.kek == new.identifier { continue }
            let key = try file.open(under: old, path: path)
            var der = try key.pkcs8DER()
            defer { Memory.wipe(&der) }
            try file.seal(der, under: new)
            try SecureFile.write(try file.encoded(), to: path)
        }
    }

    private static func commit(_ pending: String, _ kekPath: String) throws {
        guard rename(pending, kekPath) == 0 else {
            throw KeyCustodyError(.storageFailure, "cannot move \(pending) over \(kekPath)")
        }
        SecureFile.syncDirectory((kekPath as NSString).deletingLastPathComponent)
    }

    private static func keyFiles(_ directory: String) throws -> [(String, KeyID)] {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: directory) } catch {
            throw KeyCustodyError(.storageFailure, "cannot list \(directory)")
        }
        return names.sorted().compactMap { name in
            guard name.hasSuffix(".key"), let id = try? KeyID(String(name.dropLast(4))) else { return nil }
            return ("\(directory)/\(name)", id)
        }
    }
}

/// An advisory lock on a store directory: every open store holds it shared, a KEK rotation exclusively, so that a
/// rotation never runs beside a daemon using (or creating) keys.
final class StoreLock: Sendable {
    private let descriptor: Int32

    init(_ directory: String, exclusive: Bool) throws {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw KeyCustodyError(.storageFailure, "cannot open \(directory)") }
        guard flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) == 0 else {
            close(fd)
            throw KeyCustodyError(
                .storageFailure,
                exclusive
                    ? "the key store \(directory) is in use (stop trustd first)"
                    : "the key store \(directory) is being re-encrypted under a new KEK; try again when it is done")
        }
        descriptor = fd
    }

    func release() { close(descriptor) }
}
