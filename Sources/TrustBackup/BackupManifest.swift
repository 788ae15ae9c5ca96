import Foundation

/// What a backup archive holds (`manifest.json`, the first entry): every file with its size and SHA-256, the KEK the
/// keys (and the wrapped identity key) are under, and the audit log's extent when the database was copied.
public struct BackupManifest: Codable, Sendable, Equatable {
    public static let currentFormat = "trustd-backup/1"
    public static let entryName = "manifest.json"

    public struct File: Codable, Sendable, Equatable {
        public let path: String
        public let size: Int
        public let sha256: String
    }

    public var format: String
    public var createdAt: String
    public var schemaVersion: Int
    public var keyStore: String
    /// The identifier of the KEK (never the KEK).
    public var kek: String
    public var auditRecords: Int
    public var auditHead: String?
    public var files: [File]
}

/// The archive's paths: relative, `/`-separated, no `..`, nothing hidden or absolute.
enum ArchivePath {
    static func isSafe(_ path: String) -> Bool {
        guard !path.isEmpty, path.utf8.count <= 512, !path.hasPrefix("/"), !path.contains("\\"),
            !path.unicodeScalars.contains(where: { $0.value < 0x20 || $0 == "\u{7F}" })
        else { return false }
        return path.split(separator: "/", omittingEmptySubsequences: false).allSatisfy {
            !$0.isEmpty && $0 != "." && $0 != ".." && !$0.hasPrefix(".")
        }
    }
}
