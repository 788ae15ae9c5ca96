import Foundation
import TrustModel
import TrustServices

/// Leader/follower group commit, for any engine: the first waiting caller commits everything queued so far in one
/// transaction (one fsync), each body in its own savepoint, and wakes the others.
public final class GroupCommit: @unchecked Sendable {
    public typealias Work = (any Repositories) throws -> Void

    private final class Item: @unchecked Sendable {
        let work: Work
        var done = false
        var error: (any Error)?
        init(_ work: @escaping Work) { self.work = work }
    }

    private let condition = NSCondition()
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
        condition.lock()
        pending.append(item)
        while !item.done {
            if committing {
                condition.wait()
                continue
            }
            committing = true
            let batch = pending
            pending = []
            condition.unlock()
            var failure: (any Error)? = nil
            do {
                let errors = try commitBatch(batch.map(\.work))
                for (entry, error) in zip(batch, errors) { entry.error = error }
            } catch {
                failure = error
            }
            condition.lock()
            for entry in batch {
                if let failure { entry.error = failure }
                entry.done = true
            }
            committing = false
            condition.broadcast()
        }
        condition.unlock()
        if let error = item.error { throw error }
        guard let result else { throw TrustError(.integrity, "a grouped write produced no result") }
        return result
    }
}
