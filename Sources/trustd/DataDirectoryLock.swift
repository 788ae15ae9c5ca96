import Foundation
import TrustModel

/// The embedded store's promise that this daemon is its one writer: an exclusive advisory lock on the data
/// directory, held for the daemon's life (the kernel drops it when the process ends, however it ends). A second
/// `trustd` on the same SQLite directory is refused instead of writing beside the first, whose in-memory seal records
/// would not see its changes, and `trustd store migrate` is refused while a daemon serves the directory. PostgreSQL
/// nodes share a directory and the server; they take no lock.
enum DataDirectoryLock {
    /// Takes the lock; its descriptor is never closed, so it is held until the process exits.
    static func take(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw TrustError(.unavailable, "cannot open the data directory \(path)") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw TrustError(
                .conflict, "another trustd already serves \(path) (its SQLite database has one writer); stop it first")
        }
    }
}
