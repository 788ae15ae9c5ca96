import Synchronization

/// A number that moves whenever a committed transaction changed what a seal signature is checked against, or what
/// verification reads from trustd's registry: a seal or its events, a grant (other than its usage count), a
/// certificate, an organisation. Only an engine that sees every such commit in this process offers one (SQLite, whose
/// one writer is this daemon); records read while the stamp stood at `n` may be used again for as long as it still
/// stands at `n`.
///
/// Usage counts do not move it — every signature counts one — so whoever keeps records by the stamp must not decide
/// on a kept usage count (the signing memo reads a seal with a usage-limited grant afresh each time).
public final class SealRecordsStamp: Sendable {
    private let value = Atomic<UInt64>(0)

    public init() {}

    /// Read before the records are read: a commit in between moves the stamp, so they are never kept as current.
    public var current: UInt64 { value.load(ordering: .sequentiallyConsistent) }

    /// Called by the engine after such a commit, before the writer's caller is answered.
    public func advance() { value.add(1, ordering: .sequentiallyConsistent) }
}
