import Foundation
import TrustModel

#if canImport(Glibc)
    import Glibc
#endif

/// Threads for work that blocks — a SQLite commit's fsync, key custody (an HSM round trip), RSA key generation, PC/SC —
/// so that Swift's cooperative threads (one per core) stay free to serve other requests while it waits.
///
/// Services own their offloading: a use case runs its blocking body here, the HTTP layer just awaits it. The queue is
/// bounded: past `maxQueued` waiting jobs a call is refused (503 `unavailable`) instead of piling up without limit.
/// The executor lives as long as the application; ``shutdown()`` lets the threads finish and exit.
public final class BlockingExecutor: @unchecked Sendable {
    public let threadCount: Int
    public let maxQueued: Int
    private let condition = NSCondition()
    private var queue: [() -> Void] = []
    private var head = 0
    private var stopping = false
    private var started = false

    /// How much lower than the request-serving threads the executor's threads are scheduled (Linux nice value): when
    /// signing saturates the cores, health checks, OCSP from the cache and the accept loop still get CPU.
    public let niceness: Int32

    public init(threads: Int = 16, maxQueued: Int = 8192, niceness: Int32 = 19) {
        threadCount = max(1, threads)
        self.maxQueued = max(1, maxQueued)
        self.niceness = niceness
    }

    /// Inputs up to this size are small enough to hash, sign or verify where the request is, when nothing else in the
    /// work would wait: handing them to the executor and back costs more CPU than the work (see `SigningService.sign`).
    public static let inPlaceLimit = 64 << 10

    /// The executor services use unless given another (threads start on first use).
    public static let shared = BlockingExecutor()

    /// Runs `body` on one of the executor's threads and returns its result.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let accepted = enqueue {
                do { continuation.resume(returning: try body()) } catch { continuation.resume(throwing: error) }
            }
            if !accepted {
                continuation.resume(
                    throwing: TrustError(
                        .unavailable, "too busy: \(maxQueued) blocking operations are waiting; try again shortly"))
            }
        }
    }

    /// Lets queued jobs finish, then stops the threads.
    public func shutdown() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    private func enqueue(_ job: @escaping () -> Void) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !stopping, queue.count - head < maxQueued else { return false }
        if !started {
            started = true
            for index in 0..<threadCount {
                let nice = niceness
                let thread = Thread { [weak self] in
                    #if canImport(Glibc)
                        // On Linux (NPTL) the nice value is per thread: `who = 0` is this thread alone.
                        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, nice)
                    #endif
                    self?.work()
                }
                thread.name = "trustd-blocking-\(index)"
                thread.start()
            }
        }
        queue.append(job)
        condition.signal()
        return true
    }

    private func work() {
        while true {
            condition.lock()
            while head == queue.count && !stopping { condition.wait() }
            if head == queue.count {
                condition.unlock()
                return
            }
            let job = queue[head]
            head += 1
            if head > 1024 && head * 2 > queue.count {
                queue.removeFirst(head)
                head = 0
            }
            condition.unlock()
            job()
        }
    }
}
