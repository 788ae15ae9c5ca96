import Foundation
import KeyCustody
import TrustCrypto
import TrustModel
import TrustServices
import TrustStore
import ZIPFoundation

/// A consistent online backup of an SQLite installation as one ZIP archive (mode 0600): the database copied through
/// SQLite's backup API while the daemon runs, the software key store (still encrypted under the KEK), the identity key
/// wrapped under the KEK, policies, certificates, the audit checkpoint file and the installation's records — never
/// the KEK, the admin token or the OTP outbox. The checkpoint file is copied before the database (every checkpoint it
/// holds is then in the copy) and the keys after it (every key the copy names is then there).
public enum ApplianceBackup {
    public struct Summary: Sendable {
        public let path: String
        public let files: Int
        public let bytes: Int
        public let auditRecords: Int
        public let kek: String
    }

    /// Context of the identity key wrapped under the KEK.
    static let identityContext = "trustd-backup/1 identity.key"
    static let wrappedIdentityName = "identity.key.wrapped"
    /// Copied as they are, when present (directories recursively).
    static let plainEntries = [
        "keys", "policies", "certs", "registry.csv", "store", "keystore", "init.complete",
    ]

    public static func create(
        _ directory: DataDirectory, storeName: String, keyStoreName: String, out: String,
        progress: (String) -> Void = { _ in }
    ) throws -> Summary {
        guard storeName == "sqlite" else {
            throw TrustError(
                .notConfigured,
                "this installation keeps its records in PostgreSQL: back the database up with pg_dump -Fc (or the "
                    + "cluster's own backups) and the data directory's files except kek with tar; restore with "
                    + "pg_restore into an empty database")
        }
        guard directory.isInitialized else {
            throw TrustError.notFound("no initialised installation in \(directory.path)")
        }
        guard !FileManager.default.fileExists(atPath: out) else {
            throw TrustError.conflict("\(out) exists; a backup never overwrites a file")
        }
        let kek: KeyEncryptionKey
        do { kek = try KeyEncryptionKey(file: directory.kekPath) } catch let error as KeyCustodyError {
            throw TrustError(.unavailable, "the backup wraps the identity key under the KEK: \(error.message)")
        }
        let staging = out + ".staging"
        try? FileManager.default.removeItem(atPath: staging)
        try SecureFile.makePrivateDirectory(staging)
        defer { try? FileManager.default.removeItem(atPath: staging) }

        var files: [String: [UInt8]] = [:]
        if let anchors = FileManager.default.contents(atPath: directory.auditAnchorPath) {
            files["audit-checkpoints"] = Array(anchors)
        }
        progress("copying the database")
        let snapshot = staging + "/trustd.sqlite"
        try SQLiteSnapshot.copy(directory.databasePath, to: snapshot)
        let (records, head) = try auditExtent(snapshot)
        // The database copy is streamed from disk (it may be large); the other files are small and read now, so
        // that what is hashed is what is archived even if they change meanwhile.
        let database = try streamedDigest(snapshot)
        for name in plainEntries { try collect(directory.path, name, into: &files) }
        progress("copied \(files.count) files")
        var identity = try SecureFile.read(directory.identityKeyPath)
        defer { Memory.wipe(&identity) }
        files[wrappedIdentityName] = try kek.wrap(identity, context: identityContext)

        let manifest = BackupManifest(
            format: BackupManifest.currentFormat, createdAt: UTCTime.iso8601(Date()),
            schemaVersion: SchemaDescription.version, keyStore: keyStoreName, kek: kek.identifier,
            auditRecords: records, auditHead: head,
            files: (files.keys.map { path in
                let bytes = files[path]!
                return BackupManifest.File(
                    path: path, size: bytes.count, sha256: Hex.encode(Digest.hash(.sha256, bytes)))
            } + [BackupManifest.File(path: "trustd.sqlite", size: database.size, sha256: database.sha256)])
            .sorted { $0.path < $1.path })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let partial = out + ".partial"
        try? FileManager.default.removeItem(atPath: partial)
        try write(archive: partial, manifest: Array(try encoder.encode(manifest)), files: files, database: snapshot)
        guard rename(partial, out) == 0 else { throw TrustError(.unavailable, "cannot move \(partial) to \(out)") }
        SecureFile.syncDirectory((out as NSString).deletingLastPathComponent)
        progress("archive written")
        return Summary(
            path: out, files: files.count + 1, bytes: files.values.reduce(database.size) { $0 + $1.count },
            auditRecords: records, kek: kek.identifier)
    }

    /// Size and SHA-256 of a file, read a megabyte at a time.
    private static func streamedDigest(_ path: String) throws -> (size: Int, sha256: String) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw TrustError(.unavailable, "cannot read \(path)")
        }
        defer { try? handle.close() }
        var digester = Digester(.sha256)
        var size = 0
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            digester.update(Array(chunk))
            size += chunk.count
        }
        return (size, Hex.encode(digester.finalize()))
    }

    private static func auditExtent(_ database: String) throws -> (Int, String?) {
        let store = try SQLiteStore(path: database)
        return try store.read { reader in
            (try reader.auditCount(), try reader.auditHead()?.hash)
        }
    }

    private static func collect(_ root: String, _ name: String, into files: inout [String: [UInt8]]) throws {
        let path = "\(root)/\(name)"
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return }
        if !isDirectory.boolValue {
            files[name] = try read(path)
            return
        }
        for child in try FileManager.default.contentsOfDirectory(atPath: path).sorted() where !child.hasPrefix(".") {
            try collect(root, "\(name)/\(child)", into: &files)
        }
    }

    static func read(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TrustError(.unavailable, "cannot read \(path)")
        }
        return Array(data)
    }

    private static func write(archive path: String, manifest: [UInt8], files: [String: [UInt8]], database: String)
        throws
    {
        // The archive holds wrapped secrets: created 0600 from the start (the umask covers ZIPFoundation's fopen).
        let previous = umask(0o077)
        defer { umask(previous) }
        do {
            let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .create)
            for (name, bytes) in [(BackupManifest.entryName, manifest)] + files.sorted(by: { $0.key < $1.key }) {
                let data = Data(bytes)
                try archive.addEntry(
                    with: name, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate
                ) { (position: Int64, size: Int) in data.subdata(in: Int(position)..<Int(position) + size) }
            }
            try archive.addEntry(
                with: "trustd.sqlite", fileURL: URL(fileURLWithPath: database), compressionMethod: .deflate)
        } catch {
            try? FileManager.default.removeItem(atPath: path)
            throw TrustError(.unavailable, "cannot write the backup archive \(path): \(error)")
        }
        guard chmod(path, 0o600) == 0 else { throw TrustError(.unavailable, "cannot make \(path) private") }
    }
}
