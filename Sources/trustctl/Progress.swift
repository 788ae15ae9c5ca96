import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// What a terminal shows while trustd does long work for a command (a CRL over many entries, walking the audit
/// chain): the task and the seconds it has taken, on one line of stderr, cleared when it ends. Nothing without a
/// terminal or with --json, so scripts see only the result.
enum Progress {
    static func whileWaiting<T: Sendable>(_ label: String, quiet: Bool = false, _ body: () async throws -> T)
        async throws -> T
    {
        guard !quiet, isatty(STDERR_FILENO) == 1 else { return try await body() }
        let started = Date()
        let ticker = Task.detached {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(500))
                if Task.isCancelled { break }
                let seconds = Int(Date().timeIntervalSince(started))
                FileHandle.standardError.write(Data("\r\u{1B}[K\(label)… \(seconds) s".utf8))
            }
        }
        defer {
            ticker.cancel()
            FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        }
        return try await body()
    }
}
