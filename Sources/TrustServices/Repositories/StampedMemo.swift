import BoundedCache
import Synchronization

/// Values read from the store, kept while its ``SealRecordsStamp`` stands where it stood before they were read; any
/// committed change to the tables the stamp watches makes every kept value stale at once. Engines without a stamp
/// read every time. Bounded like every cache in trustd.
final class StampedMemo<Value: Sendable>: Sendable {
    private struct Entry: Sendable {
        let stamp: UInt64
        let value: Value
    }

    private let entries: BoundedCache<String, Entry>
    /// Values answered from memory (tests check that a memo is used, not only that it is exact).
    let hits = Atomic<Int>(0)

    init(maxEntries: Int, maxBytes: Int, cost: @escaping @Sendable (Value) -> Int) {
        entries = BoundedCache(.init(maxEntries: maxEntries, maxBytes: maxBytes)) { key, entry in
            key.utf8.count + cost(entry.value) + 64
        }
    }

    /// The value kept for `key` at the current stamp, or `read()`'s, kept if `keep` accepts it.
    func value(
        _ key: String, stamp: SealRecordsStamp?, keep: (Value) -> Bool = { _ in true }, read: () throws -> Value
    ) throws -> Value {
        guard let stamp else { return try read() }
        // Taken before the read: a commit while reading moves it, so what was read is never kept as current.
        let current = try stamp.current()
        if let hit = entries.value(forKey: key, ifFresh: { $0.stamp == current }) {
            hits.add(1, ordering: .relaxed)
            return hit.value
        }
        let value = try read()
        if keep(value) { entries.insert(Entry(stamp: current, value: value), forKey: key) }
        return value
    }
}
