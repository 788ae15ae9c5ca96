import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Files that hold secrets: written atomically with mode 0600, refused when group or others can read them.
public enum SecureFile {
    /// Writes `bytes` to `path` atomically: a 0600 temporary file in the same directory, fsync, rename, fsync
    /// of the directory. A crash leaves either the old file or the new one, never a torn one.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        let temporary = "\(directory)/.\((path as NSString).lastPathComponent).\(UUID().uuidString).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw failure("cannot create \(temporary)") }
        var ok = true
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if written <= 0 {
                    if written < 0 && errno == EINTR { continue }
                    ok = false
                    return
                }
                offset += written
            }
        }
        ok = ok && fchmod(fd, 0o600) == 0 && fsync(fd) == 0
        let saved = errno
        close(fd)
        guard ok else {
            unlink(temporary)
            errno = saved
            throw failure("cannot write \(temporary)")
        }
        guard rename(temporary, path) == 0 else {
            let saved = errno
            unlink(temporary)
            errno = saved
            throw failure("cannot move key file into place at \(path)")
        }
        syncDirectory(directory)
    }

    /// Reads a secret file after checking that only its owner can read or write it.
    public static func read(_ path: String, maxBytes: Int = 1 << 20) throws -> [UInt8] {
        try checkPermissions(path)
        guard let handle = FileHandle(forReadingAtPath: path) else { throw failure("cannot open \(path)") }
        defer { try? handle.close() }
        let data = (try? handle.read(upToCount: maxBytes + 1)) ?? Data()
        guard data.count <= maxBytes else {
            throw KeyCustodyError(.storageFailure, "\(path) is larger than \(maxBytes) bytes")
        }
        return Array(data)
    }

    /// Throws `.insecurePermissions` unless the file's mode grants nothing to group and others.
    public static func checkPermissions(_ path: String) throws {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT { throw KeyCustodyError(.secretUnavailable, "\(path) does not exist") }
            throw failure("cannot stat \(path)")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw KeyCustodyError(
                .insecurePermissions,
                "\(path) has mode \(String(info.st_mode & 0o777, radix: 8)); secret files must be 0600")
        }
    }

    /// Creates `path` (and parents) as a directory only its owner can enter.
    public static func makePrivateDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(
                atPath: path, withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700])
        } catch {
            throw KeyCustodyError(.storageFailure, "cannot create directory \(path)")
        }
    }

    public static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
    }

    private static func failure(_ message: String) -> KeyCustodyError {
        KeyCustodyError(.storageFailure, "\(message): \(String(cString: strerror(errno)))")
    }
}
