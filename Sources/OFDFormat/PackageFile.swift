import Foundation

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
}
