import Synchronization

/// A number that moves whenever a committed transaction changed what a seal signature is checked against, or what
/// verification reads from trustd's registry: a seal or its events, a grant (other than its usage count), a
/// certificate, an organisation. Records read while the stamp stood at `n` may be used again for as long as it still
/// stands at `n`.
///
/// Two kinds: kept in this process, where the engine sees every commit (SQLite, whose one writer is this daemon), or
/// kept by the database itself, moved by the writing transaction whichever node wrote (PostgreSQL); reading that one
/// is a query, so it is read where the records would have been read.
///
/// Usage counts do not move it — every signature counts one — so whoever keeps records by the stamp must not decide
/// on a kept usage count (the signing memo reads a seal with a usage-limited grant afresh each time).
public final class SealRecordsStamp: Sendable {
    private let value = Atomic<UInt64>(0)
    private let stored: (@Sendable () throws -> UInt64)?

    /// A stamp kept in this process, moved by ``advance()``.
    public init() { stored = nil }

    /// A stamp the database keeps; `read` answers its committed value.
    public init(stored read: @escaping @Sendable () throws -> UInt64) { stored = read }

    /// Read before the records are read: a commit in between moves the stamp, so they are never kept as current.
    public func current() throws -> UInt64 {
        if let stored { return try stored() }
        return value.load(ordering: .sequentiallyConsistent)
    }

    /// Called by an in-process engine after such a commit, before the writer's caller is answered.
    public func advance() { value.add(1, ordering: .sequentiallyConsistent) }
}
