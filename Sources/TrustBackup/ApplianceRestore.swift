import Foundation
import KeyCustody
import TrustCrypto
import TrustModel
import TrustServices
import TrustStore
import ZIPFoundation

/// Restores a backup onto a new data directory: every file checked against the manifest (nothing else accepted), the
/// KEK given must be the one the keys are under, the identity key unwrapped with it, and the audit chain verified
/// with the keys in custody before the directory takes its name. A broken chain leaves nothing behind.
public enum ApplianceRestore {
    public struct Summary: Sendable {
        public let path: String
        public let files: Int
        public let auditRecords: Int
        public let checkpoints: Int
    }

    static let maxEntries = 1_000_000
    static let maxFileBytes = 4 << 30
    static let maxManifestBytes = 64 << 20

    public static func restore(
        _ archivePath: String, to target: String, kekFile: String, engines: ApplianceEngines,
        progress: (String) -> Void = { _ in }
    ) async throws -> Summary {
        if let existing = try? FileManager.default.contentsOfDirectory(atPath: target), !existing.isEmpty {
            throw TrustError.conflict("\(target) is not empty; restore onto a new directory")
        }
        let archive: Archive
        do { archive = try Archive(url: URL(fileURLWithPath: archivePath), accessMode: .read) } catch {
            throw TrustError.invalid("\(archivePath) is not a trustd backup (not a ZIP archive)")
        }
        let manifest = try readManifest(archive, archivePath)
        let kek: KeyEncryptionKey
        do { kek = try KeyEncryptionKey(file: kekFile) } catch let error as KeyCustodyError {
            throw TrustError(.forbidden, error.message)
        }
        guard kek.identifier == manifest.kek else {
            throw TrustError(
                .forbidden,
                "the backup's keys are under KEK \(manifest.kek); \(kekFile) holds KEK \(kek.identifier)")
        }

        let staging = target.hasSuffix("/") ? String(target.dropLast()) + ".restoring" : target + ".restoring"
        try? FileManager.default.removeItem(atPath: staging)
        try SecureFile.makePrivateDirectory(staging)
        var restored = false
        defer { if !restored { try? FileManager.default.removeItem(atPath: staging) } }

        let expected = Dictionary(uniqueKeysWithValues: manifest.files.map { ($0.path, $0) })
        var seen = Set<String>()
        for entry in archive where entry.path != BackupManifest.entryName {
            guard let file = expected[entry.path], entry.type == .file, !seen.contains(entry.path) else {
                throw TrustError(.integrity, "the backup holds \(entry.path), which its manifest does not list")
            }
            seen.insert(entry.path)
            if entry.path == ApplianceBackup.wrappedIdentityName {
                var bytes = try extract(entry, from: archive, limit: file.size)
                defer { Memory.wipe(&bytes) }
                guard Hex.encode(Digest.hash(.sha256, bytes)) == file.sha256 else {
                    throw TrustError(.integrity, "\(entry.path) in the backup does not match its manifest (altered?)")
                }
                var identity = try kek.unwrap(bytes, context: ApplianceBackup.identityContext)
                defer { Memory.wipe(&identity) }
                try SecureFile.write(identity, to: staging + "/identity.key")
            } else {
                try extract(entry, from: archive, to: staging + "/" + entry.path, expecting: file)
            }
            if seen.count % 100 == 0 { progress("restored \(seen.count) of \(expected.count) files") }
        }
        guard seen.count == expected.count else {
            let missing = Set(expected.keys).subtracting(seen).sorted().prefix(3).joined(separator: ", ")
            throw TrustError(.integrity, "the backup lacks files its manifest lists: \(missing)")
        }
        try SecureFile.write(try SecureFile.read(kekFile, maxBytes: 4096), to: staging + "/kek")

        progress("verifying the audit chain (\(manifest.auditRecords) records)")
        let verification = try await verify(staging, engines: engines)
        guard verification.isIntact, verification.records == manifest.auditRecords else {
            let reason =
                verification.firstBroken.map { "broken at record \($0.seq): \($0.reason)" }
                ?? "\(verification.records) records where the manifest says \(manifest.auditRecords)"
            throw TrustError(.integrity, "the backup's audit chain is \(reason); nothing was restored")
        }
        if FileManager.default.fileExists(atPath: target) { try FileManager.default.removeItem(atPath: target) }
        guard rename(staging, target) == 0 else {
            throw TrustError(.unavailable, "cannot move \(staging) to \(target)")
        }
        SecureFile.syncDirectory((target as NSString).deletingLastPathComponent)
        restored = true
        return Summary(
            path: target, files: seen.count, auditRecords: verification.records,
            checkpoints: verification.checkpoints)
    }

    /// Opens the restored installation and verifies its chain; the installation is closed again on return.
    private static func verify(_ path: String, engines: ApplianceEngines) async throws -> AuditService.Report {
        let appliance = try DataDirectory(path).open(engines: engines)
        return try await appliance.audit.verify(by: .system("restore"))
    }

    private static func readManifest(_ archive: Archive, _ path: String) throws -> BackupManifest {
        guard let entry = archive[BackupManifest.entryName] else {
            throw TrustError.invalid("\(path) is not a trustd backup (no \(BackupManifest.entryName))")
        }
        let bytes = try extract(entry, from: archive, limit: maxManifestBytes)
        guard let manifest = try? JSONDecoder().decode(BackupManifest.self, from: Data(bytes)),
            manifest.format == BackupManifest.currentFormat
        else { throw TrustError.invalid("\(path) has no readable \(BackupManifest.currentFormat) manifest") }
        guard manifest.files.count <= maxEntries,
            manifest.files.allSatisfy({ ArchivePath.isSafe($0.path) && (0...maxFileBytes).contains($0.size) })
        else { throw TrustError(.integrity, "the backup's manifest names an unsafe path or size") }
        guard manifest.schemaVersion <= SchemaDescription.version else {
            throw TrustError.invalid(
                "the backup is of schema \(manifest.schemaVersion); this trustd knows up to \(SchemaDescription.version)"
            )
        }
        return manifest
    }

    /// An entry's bytes, refusing more than `limit` whatever its header says.
    private static func extract(_ entry: Entry, from archive: Archive, limit: Int) throws -> [UInt8] {
        var bytes: [UInt8] = []
        do {
            _ = try archive.extract(entry, bufferSize: 64 * 1024) { chunk in
                guard bytes.count + chunk.count <= limit else { throw ArchiveOverrun() }
                bytes.append(contentsOf: chunk)
            }
        } catch is ArchiveOverrun {
            throw TrustError(.integrity, "\(entry.path) in the backup is larger than its manifest says")
        } catch {
            throw TrustError(.integrity, "\(entry.path) in the backup cannot be read: \(error)")
        }
        return bytes
    }

    private struct ArchiveOverrun: Error {}

    /// Streams an entry into a new 0600 file (0700 directories), hashing as it goes; a size or hash that differs
    /// from the manifest is an alteration.
    private static func extract(
        _ entry: Entry, from archive: Archive, to path: String, expecting file: BackupManifest.File
    ) throws {
        try SecureFile.makePrivateDirectory((path as NSString).deletingLastPathComponent)
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw TrustError(.unavailable, "cannot create \(path)") }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        var digester = Digester(.sha256)
        var size = 0
        do {
            _ = try archive.extract(entry, bufferSize: 256 * 1024) { chunk in
                size += chunk.count
                guard size <= file.size else { throw ArchiveOverrun() }
                digester.update(Array(chunk))
                try handle.write(contentsOf: chunk)
            }
            try handle.synchronize()
        } catch is ArchiveOverrun {
            throw TrustError(.integrity, "\(entry.path) in the backup is larger than its manifest says")
        } catch {
            throw TrustError(.integrity, "\(entry.path) in the backup cannot be read: \(error)")
        }
        guard size == file.size, Hex.encode(digester.finalize()) == file.sha256 else {
            throw TrustError(.integrity, "\(entry.path) in the backup does not match its manifest (altered?)")
        }
    }
}
