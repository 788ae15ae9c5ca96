import Foundation
import TrustModel
import TrustServices

/// Leader/follower group commit, for any engine: the first waiting caller commits everything queued so far in one
/// transaction (one fsync), each body in its own savepoint, then wakes exactly the callers of that batch and hands
/// the lead to the first caller that queued meanwhile. No thread is woken to find its work not done yet: with many
/// concurrent signatures, a broadcast to every waiter cost more context switches than the commit itself.
public final class GroupCommit: @unchecked Sendable {
    public typealias Work = (any Repositories) throws -> Void

    private final class Item: @unchecked Sendable {
        let work: Work
        // Written by the leader under the lock before `wake` is signalled; read by the owner after it is.
        var done = false
        var error: (any Error)?
        let wake = DispatchSemaphore(value: 0)
        init(_ work: @escaping Work) { self.work = work }
    }

    private let lock = NSLock()
    private var pending: [Item] = []
    private var committing = false

    public init() {}

    /// Runs `body` in the next batch. `commitBatch` runs each work of a batch in one transaction, each in its own
    /// savepoint, and returns each one's error (nil: kept); if it throws, the whole batch failed.
    public func run<T>(
        _ body: @escaping (any Repositories) throws -> T, commitBatch: ([Work]) throws -> [(any Error)?]
    ) throws -> T {
        var result: T? = nil
        let item = Item { tx in result = try body(tx) }
        lock.lock()
        pending.append(item)
        if committing {
            lock.unlock()
            item.wake.wait()  // woken when its batch is done, or to lead the next batch
        } else {
            committing = true
            lock.unlock()
        }
        // Not done: this caller leads. Its item is in `pending` (queued before the lead was taken or handed over).
        while !item.done {
            lock.lock()
            let batch = pending
            pending = []
            lock.unlock()
            var failure: (any Error)? = nil
            do {
                let errors = try commitBatch(batch.map(\.work))
                for (entry, error) in zip(batch, errors) { entry.error = error }
            } catch {
                failure = error
            }
            lock.lock()
            for entry in batch {
                if let failure { entry.error = failure }
                entry.done = true
            }
            let next = pending.first
            if next == nil { committing = false }
            lock.unlock()
            for entry in batch where entry !== item { entry.wake.signal() }
            next?.wake.signal()
        }
        if let error = item.error { throw error }
        guard let result else { throw TrustError(.integrity, "a grouped write produced no result") }
        return result
    }
}
