import Synchronization

/// A thread-safe least-recently-used cache bounded by entry count and by total cost (bytes).
///
/// Every cache in trustd is one of these, so none can grow without bound, whatever a client sends: inserting past
/// either limit evicts the least recently used entries first, and a value costing more than the byte limit on its
/// own is not cached at all. Lookups and inserts are O(1) under one lock; the recency list lives in arrays (no
/// allocation per entry once the slots exist).
public final class BoundedCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    /// The limits a cache is built with.
    public struct Limits: Sendable, Hashable {
        public let maxEntries: Int
        public let maxBytes: Int

        public init(maxEntries: Int, maxBytes: Int) {
            precondition(maxEntries > 0 && maxBytes > 0, "a cache needs room for at least one entry")
            self.maxEntries = maxEntries
            self.maxBytes = maxBytes
        }
    }

    public let limits: Limits
    private let cost: @Sendable (Key, Value) -> Int
    private let storage: Mutex<Storage>

    /// - Parameters:
    ///   - cost: the approximate bytes an entry holds (key and value); counted against `limits.maxBytes`.
    public init(_ limits: Limits, cost: @escaping @Sendable (Key, Value) -> Int) {
        self.limits = limits
        self.cost = cost
        self.storage = Mutex(Storage())
    }

    /// The value for `key`, marking it most recently used.
    public subscript(key: Key) -> Value? {
        storage.withLock { $0.lookup(key) }
    }

    /// The value for `key` if `isFresh` accepts it; a stale entry is removed.
    public func value(forKey key: Key, ifFresh isFresh: (Value) -> Bool) -> Value? {
        storage.withLock { storage in
            guard let value = storage.lookup(key) else { return nil }
            if isFresh(value) { return value }
            storage.remove(key)
            return nil
        }
    }

    /// Stores `value` (replacing an earlier one) and evicts least recently used entries beyond the limits.
    public func insert(_ value: Value, forKey key: Key) {
        let size = max(1, cost(key, value))
        storage.withLock { storage in
            storage.remove(key)
            guard size <= limits.maxBytes else { return }
            storage.insert(key, value, cost: size)
            while storage.count > limits.maxEntries || storage.bytes > limits.maxBytes {
                storage.evictOldest()
            }
        }
    }

    /// The cached value for `key`, or `make()`'s result, cached. `make` runs outside the lock (two callers may both make it).
    public func value(forKey key: Key, makingIfAbsent make: () throws -> Value) rethrows -> Value {
        if let hit = self[key] { return hit }
        let value = try make()
        insert(value, forKey: key)
        return value
    }

    public func removeValue(forKey key: Key) {
        storage.withLock { $0.remove(key) }
    }

    /// Removes every entry whose key or value `matches` (a full scan: for rare invalidations).
    public func removeAll(where matches: (Key, Value) -> Bool) {
        storage.withLock { storage in
            for key in storage.keys(where: matches) { storage.remove(key) }
        }
    }

    /// The keys of every entry `matches` accepts (a full scan: for maintenance, not for request paths).
    public func keys(where matches: (Key, Value) -> Bool) -> [Key] {
        storage.withLock { $0.keys(where: matches) }
    }

    public func removeAll() {
        storage.withLock { $0 = Storage() }
    }

    public var count: Int { storage.withLock { $0.count } }
    public var bytes: Int { storage.withLock { $0.bytes } }

    /// Entries in slots with a doubly linked recency list (head = most recent).
    private struct Storage {
        struct Node {
            var key: Key
            var value: Value
            var cost: Int
            var newer: Int
            var older: Int
        }

        private var index: [Key: Int] = [:]
        private var nodes: [Node?] = []
        private var free: [Int] = []
        private var newest = -1
        private var oldest = -1
        private(set) var bytes = 0
        var count: Int { index.count }

        mutating func lookup(_ key: Key) -> Value? {
            guard let slot = index[key] else { return nil }
            moveToFront(slot)
            return nodes[slot]!.value
        }

        mutating func insert(_ key: Key, _ value: Value, cost: Int) {
            let node = Node(key: key, value: value, cost: cost, newer: -1, older: newest)
            let slot: Int
            if let reused = free.popLast() {
                slot = reused
                nodes[slot] = node
            } else {
                slot = nodes.count
                nodes.append(node)
            }
            if newest >= 0 { nodes[newest]!.newer = slot }
            newest = slot
            if oldest < 0 { oldest = slot }
            index[key] = slot
            bytes += cost
        }

        mutating func remove(_ key: Key) {
            guard let slot = index.removeValue(forKey: key) else { return }
            unlink(slot)
            bytes -= nodes[slot]!.cost
            nodes[slot] = nil
            free.append(slot)
        }

        mutating func evictOldest() {
            guard oldest >= 0 else { return }
            remove(nodes[oldest]!.key)
        }

        func keys(where matches: (Key, Value) -> Bool) -> [Key] {
            nodes.compactMap { node in node.flatMap { matches($0.key, $0.value) ? $0.key : nil } }
        }

        private mutating func moveToFront(_ slot: Int) {
            guard slot != newest else { return }
            unlink(slot)
            nodes[slot]!.older = newest
            nodes[slot]!.newer = -1
            if newest >= 0 { nodes[newest]!.newer = slot }
            newest = slot
            if oldest < 0 { oldest = slot }
        }

        private mutating func unlink(_ slot: Int) {
            let node = nodes[slot]!
            if node.newer >= 0 { nodes[node.newer]!.older = node.older } else { newest = node.older }
            if node.older >= 0 { nodes[node.older]!.newer = node.newer } else { oldest = node.newer }
        }
    }
}
