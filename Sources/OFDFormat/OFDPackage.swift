internal import CZLibChecksum
import Foundation
import ZIPFoundation

/// An OFD package read into memory within ``OFDLimits``: every file entry inflated and CRC-checked, keyed by its
/// normalised path. What real producers get slightly wrong (`\` in names, a leading `/`, GBK names without the UTF-8
/// flag) is read and noted in ``warnings``; what could mislead a verifier (two entries for one path, a path out of the
/// package, a damaged or encrypted entry) is refused.
public struct OFDPackage: Sendable {
    public struct Entry: Sendable {
        /// The normalised path (`Doc_0/Document.xml`).
        public let path: String
        /// The name as stored (decoded), kept when the package is written again.
        public let storedName: String
        /// The inflated bytes: what a CheckValue hashes.
        public let bytes: [UInt8]
        /// The size as stored (compressed) in the package it was read from.
        public let storedSize: Int
    }

    /// File entries in their stored order.
    public let entries: [Entry]
    /// Directory entries as stored (some producers write them), kept when the package is written again.
    public let directories: [String]
    public let warnings: [String]
    private let index: [String: Int]
    private let folded: [String: Int]

    public init(bytes: [UInt8], limits: OFDLimits = .default) throws {
        guard bytes.count <= limits.maxPackageBytes else {
            throw OFDError(.tooLarge, "the package is \(bytes.count) bytes; the limit is \(limits.maxPackageBytes)")
        }
        guard bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) || bytes.starts(with: [0x50, 0x4B, 0x05, 0x06]) else {
            throw OFDError(.notZip, "an OFD document is a ZIP package; these bytes are not one")
        }
        let file = try PackageFile(bytes)
        defer { file.remove() }
        let archive: Archive
        do {
            archive = try Archive(url: file.url, accessMode: .read, pathEncoding: .isoLatin1)
        } catch {
            throw OFDError(.notZip, "the ZIP package cannot be read (\(error))")
        }
        var entries: [Entry] = []
        var directories: [String] = []
        var warnings: [String] = []
        var index: [String: Int] = [:]
        var folded: [String: Int] = [:]
        var total = 0
        var count = 0
        for zipEntry in archive {
            count += 1
            guard count <= limits.maxEntries else {
                throw OFDError(.tooLarge, "the package has more than \(limits.maxEntries) entries")
            }
            let name = Self.decodeName(zipEntry.path(using: .isoLatin1), warnings: &warnings)
            switch zipEntry.type {
            case .symlink: throw OFDError(.unsafePath, "\(name) is a symbolic link")
            case .directory:
                directories.append(name)
                continue
            case .file: break
            }
            if name.replacingOccurrences(of: "\\", with: "/").split(separator: "/").contains("..") {
                throw OFDError(.unsafePath, "\(name) climbs out of its directory")
            }
            let path = try PackagePath.normalise(name)
            if name.contains("\\") || name.hasPrefix("/") {
                warnings.append(
                    "entry \(name) is stored with \(name.contains("\\") ? "\\" : "a leading /"); read as \(path)")
            }
            guard index[path] == nil else {
                throw OFDError(.duplicateEntry, "two entries name \(path)")
            }
            if zipEntry.uncompressedSize > UInt64(limits.maxEntryBytes) {
                throw OFDError(.tooLarge, "\(path) inflates to \(zipEntry.uncompressedSize) bytes")
            }
            var content: [UInt8] = []
            content.reserveCapacity(Int(min(zipEntry.uncompressedSize, UInt64(1 << 20))))
            let budget = min(limits.maxEntryBytes, limits.maxTotalBytes - total)
            let watchdog = InflateWatchdog(file: file, deadline: .seconds(5))
            defer { watchdog.finish() }
            do {
                _ = try archive.extract(zipEntry, bufferSize: 256 * 1024, skipCRC32: true) { chunk in
                    guard !watchdog.hasExpired else { throw OFDError(.unreadableEntry, "") }
                    guard content.count + chunk.count <= budget else { throw OFDError(.tooLarge, "") }
                    content.append(contentsOf: chunk)
                }
                // The CRC through zlib (see CZLibChecksum): a damaged or encrypted entry fails here.
                let crc = content.withUnsafeBufferPointer { trustd_crc32(0, $0.baseAddress, UInt($0.count)) }
                guard UInt32(truncatingIfNeeded: crc) == zipEntry.checksum else {
                    throw OFDError(.unreadableEntry, "")
                }
            } catch let error as OFDError where error.code == .unreadableEntry {
                throw OFDError(
                    .unreadableEntry,
                    watchdog.hasExpired
                        ? "\(path) is a deflate stream that never ends (truncated)"
                        : "\(path) fails its CRC: damaged or encrypted")
            } catch let error as OFDError {
                throw OFDError(
                    error.code,
                    "\(path) inflates beyond the limit (\(limits.maxEntryBytes) per entry, \(limits.maxTotalBytes) in all)"
                )
            } catch {
                throw OFDError(.unreadableEntry, "\(path) cannot be read: damaged or encrypted (\(error))")
            }
            let stored = max(1, Int(zipEntry.compressedSize))
            if content.count > 1 << 20, content.count / stored > limits.maxRatio {
                throw OFDError(.tooLarge, "\(path) inflates \(content.count / stored):1 (limit \(limits.maxRatio):1)")
            }
            total += content.count
            index[path] = entries.count
            if folded[path.lowercased()] == nil { folded[path.lowercased()] = entries.count }
            entries.append(
                Entry(path: path, storedName: name, bytes: content, storedSize: Int(zipEntry.compressedSize)))
        }
        guard !entries.isEmpty else { throw OFDError(.missingEntry, "the package is empty") }
        self.entries = entries
        self.directories = directories
        self.warnings = warnings
        self.index = index
        self.folded = folded
    }

    /// The entry stored at exactly `path` (normalised).
    public func entry(_ path: String) -> Entry? { index[path].map { entries[$0] } }

    /// The entry for `path`, falling back to a case-insensitive match (real producers mismatch case; the caller should
    /// report it, since ZIP names are case-sensitive).
    public func lookup(_ path: String) -> (entry: Entry, caseDiffers: Bool)? {
        if let exact = entry(path) { return (exact, false) }
        return folded[path.lowercased()].map { (entries[$0], true) }
    }

    public func bytes(_ path: String) throws -> [UInt8] {
        guard let found = lookup(path) else { throw OFDError(.missingEntry, "the package has no \(path)") }
        return found.entry.bytes
    }

    /// Names come as raw bytes (read as ISO-8859-1, one byte per scalar): UTF-8 where they decode as UTF-8 (with or
    /// without the flag), else GBK/GB18030 as Chinese producers write them.
    static func decodeName(_ latin1: String, warnings: inout [String]) -> String {
        let raw = latin1.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) }
        if raw.allSatisfy({ $0 < 0x80 }) { return latin1 }
        if let utf8 = String(validating: raw, as: UTF8.self) { return utf8 }
        let gb18030 = String.Encoding(rawValue: 0x8000_0632)
        if let chinese = String(data: Data(raw), encoding: gb18030) {
            warnings.append("entry \(chinese) has a GBK name")
            return chinese
        }
        return latin1
    }
}
