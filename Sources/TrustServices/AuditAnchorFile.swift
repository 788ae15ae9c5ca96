import Foundation
import KeyCustody
import TrustModel

/// The audit checkpoints again, outside the database: an append-only text file in the data directory, one line per
/// checkpoint (`seq hash time keyID base64(signature)`), each appended with an fsync. Someone who edits the database
/// (deleting its last records, or records and checkpoints together) cannot make it agree with this file; verification
/// reads both. Its last line is the highest checkpoint the appliance ever made.
public struct AuditAnchorFile: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    /// Appends one checkpoint and forces it to disk.
    public func append(_ checkpoint: AuditCheckpointRecord) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw TrustError(.unavailable, "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        // A line torn by a crash is finished first, so the new one starts on its own line.
        var line = endsWithNewline() ? "" : "\n"
        line +=
            "\(checkpoint.seq) \(checkpoint.hash) \(checkpoint.time) \(checkpoint.keyID) \(checkpoint.signature.base64EncodedString())\n"
        let bytes = Array(line.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count, fsync(fd) == 0 else { throw TrustError(.unavailable, "cannot write \(path)") }
    }

    /// Every anchored checkpoint. A line that does not parse is an integrity failure, except a last line without its
    /// newline (a write a crash interrupted).
    public func read() throws -> [AuditAnchor] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        let text = String(decoding: data, as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" {
            lines.removeLast()
        } else if !lines.isEmpty, Self.parse(lines.last!) == nil {
            lines.removeLast()
        }
        return try lines.enumerated().map { index, line in
            guard let anchor = Self.parse(line) else {
                throw TrustError(.integrity, "\(path):\(index + 1): not a checkpoint line: the anchor file was edited")
            }
            return anchor
        }
    }

    /// Appends the database's checkpoints newer than the file's last one (a crash between a checkpoint's commit and
    /// its line). Never removes lines.
    public func catchUp(with checkpoints: [AuditCheckpointRecord]) throws {
        let highest = try read().map(\.seq).max() ?? 0
        for checkpoint in checkpoints where checkpoint.seq > highest { try append(checkpoint) }
    }

    private func endsWithNewline() -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return true }
        defer { try? handle.close() }
        guard let size = try? handle.seekToEnd(), size > 0 else { return true }
        try? handle.seek(toOffset: size - 1)
        return (try? handle.read(upToCount: 1)) == Data([0x0A])
    }

    static func parse(_ line: String) -> AuditAnchor? {
        let fields = line.split(separator: " ").map(String.init)
        guard fields.count == 5, let seq = Int64(fields[0]), seq > 0, fields[1].count == 64,
            let signature = Data(base64Encoded: fields[4])
        else { return nil }
        return AuditAnchor(seq: seq, hash: fields[1], time: fields[2], keyID: fields[3], signature: signature)
    }
}
