import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A package's bytes in a private temporary file (mode 0600, removed when done) for ZIPFoundation to read.
///
/// Why not ZIPFoundation's in-memory archive: its memory file lets a seek go past the end and then traps on the next
/// read (`Archive+MemoryFile.swift` readData: a negative length makes an invalid range), so a package whose directory
/// points beyond its end would crash trustd. File reads past the end simply return nothing; the fuzz test found it.
struct PackageFile {
    let url: URL

    init(_ bytes: [UInt8]) throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("trustd-ofd-\(UUID().uuidString).zip")
        let descriptor = open(path.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw OFDError(.notZip, "the package cannot be staged for reading (errno \(errno))")
        }
        defer { close(descriptor) }
        url = path
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + written, bytes.count - written) }
            guard result > 0 else {
                remove()
                throw OFDError(.notZip, "the package cannot be staged for reading (errno \(errno))")
            }
            written += result
        }
    }

    func remove() { unlink(url.path) }

    /// Appends bytes to the staged file: a stalled inflate (see ``InflateWatchdog``) reads them and hands its consumer
    /// control again.
    func poke() {
        let descriptor = open(url.path, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        let bytes = [UInt8](repeating: 0xFF, count: 64)
        _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress!, $0.count) }
    }
}

/// Ends an inflate that can never end. ZIPFoundation's Linux inflate loop asks the file for more input until the
/// deflate stream ends; a truncated stream at the end of the package gets empty reads forever, without calling the
/// consumer (`Data+Compression.swift`, `decode`). Past the deadline the watchdog marks the entry abandoned and appends
/// bytes to the staged file, so the loop reads again, calls the consumer, and the consumer throws.
final class InflateWatchdog: Sendable {
    private let expired = Atomic<Bool>(false)
    private let finished = Atomic<Bool>(false)

    var hasExpired: Bool { expired.load(ordering: .acquiring) }

    init(file: PackageFile, deadline: Duration) {
        let seconds = Double(deadline.components.seconds) + Double(deadline.components.attoseconds) / 1e18
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { [self] in
            while !finished.load(ordering: .acquiring) {
                expired.store(true, ordering: .releasing)
                file.poke()
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
    }

    func finish() { finished.store(true, ordering: .releasing) }
}
