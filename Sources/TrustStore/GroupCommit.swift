import Foundation
import TrustModel
import TrustServices

/// Group commit, for any engine: writes queue up, and one committer thread commits everything queued so far in one
/// transaction (one fsync), then answers exactly the callers of that batch. The engine's `commitBatch` keeps a body
/// that throws from taking the others with it (savepoints, used only when needed).
///
/// Callers await their commit (``run(_:commitBatch:)`` async) without holding a thread, or block for it (the
/// synchronous overload, for callers already on a blocking thread). The committer is a thread of its own, never one
/// of the blocking executor's, so callers waiting on the executor can never starve the commit they wait for. It
/// starts when work arrives, and ends after it has found nothing to do for ``lingerSeconds``.
///
/// Why: a signature that handed its commit to another thread and waited there cost two context switches more than
/// the commit itself on this machine's virtual cores; awaiting it leaves the cooperative thread free to sign the next
/// request while the batch commits.
public final class GroupCommit: @unchecked Sendable {
    public typealias Work = (any Repositories) throws -> Void
    public typealias CommitBatch = ([Work]) throws -> [(any Error)?]

    /// How long an idle committer waits for more work before its thread ends.
    public static let lingerSeconds: TimeInterval = 1

    private struct Item {
        let work: Work
        /// Called once, on the committer thread, with the work's error (nil: committed).
        let finish: ((any Error)?) -> Void
    }

    private let condition = NSCondition()
    private var pending: [Item] = []
    private var committerRunning = false
    private var committerWaiting = false
    private let commitBatch: CommitBatch

    /// `commitBatch` runs the works of a batch in one transaction, a work that throws undone alone, and returns each
    /// one's error (nil: kept); if it throws, the whole batch failed.
    public init(commitBatch: @escaping CommitBatch) {
        self.commitBatch = commitBatch
    }

    /// Runs `body` in the next batch and returns once that batch has committed.
    public func run<T: Sendable>(_ body: @escaping @Sendable (any Repositories) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let result = ResultSlot<T>()
            enqueue(
                Item(
                    work: { tx in result.value = try body(tx) },
                    finish: { error in continuation.resume(with: result.outcome(error)) }))
        }
    }

    /// The same, blocking the calling thread (which must not be a cooperative one) until the batch has committed.
    public func run<T>(_ body: @escaping (any Repositories) throws -> T) throws -> T {
        let result = ResultSlot<T>()
        let done = DispatchSemaphore(value: 0)
        var failure: (any Error)? = nil
        enqueue(
            Item(
                work: { tx in result.value = try body(tx) },
                finish: { error in
                    failure = error
                    done.signal()
                }))
        done.wait()
        return try result.outcome(failure).get()
    }

    private func enqueue(_ item: Item) {
        condition.lock()
        pending.append(item)
        let start = !committerRunning
        if start {
            committerRunning = true
        } else if committerWaiting {
            condition.signal()
        }
        condition.unlock()
        if start {
            let thread = Thread { [self] in commitWhileThereIsWork() }
            thread.name = "trustd-group-commit"
            thread.start()
        }
    }

    private func commitWhileThereIsWork() {
        while true {
            // Let the threads that woke this one run first: under load they queue more work for the same commit.
            sched_yield()
            guard let batch = nextBatch() else { return }
            var errors: [(any Error)?]
            do {
                errors = try commitBatch(batch.map(\.work))
            } catch {
                errors = Array(repeating: error, count: batch.count)
            }
            if errors.count != batch.count {  // every caller must be answered, whatever the engine returned
                errors = Array(
                    repeating: TrustError(.integrity, "a grouped commit answered \(errors.count) of \(batch.count)"),
                    count: batch.count)
            }
            for (item, error) in zip(batch, errors) { item.finish(error) }
        }
    }

    /// Everything queued so far; nil (and the committer's end) after waiting `lingerSeconds` for work in vain.
    private func nextBatch() -> [Item]? {
        condition.lock()
        defer { condition.unlock() }
        if pending.isEmpty {
            committerWaiting = true
            let deadline = Date().addingTimeInterval(Self.lingerSeconds)
            while pending.isEmpty && condition.wait(until: deadline) {}
            committerWaiting = false
        }
        guard !pending.isEmpty else {
            committerRunning = false
            return nil
        }
        let batch = pending
        pending = []
        return batch
    }
}

/// The value a grouped body produced, written on the committer thread before the caller is answered.
private final class ResultSlot<T>: @unchecked Sendable {
    var value: T?

    func outcome(_ error: (any Error)?) -> Result<T, any Error> {
        if let error { return .failure(error) }
        guard let value else { return .failure(TrustError(.integrity, "a grouped write produced no result")) }
        return .success(value)
    }
}
