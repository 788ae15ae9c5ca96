import BoundedCache
import Testing

@Suite struct BoundedCacheTests {
    @Test func leastRecentlyUsedEntriesAreEvictedAtTheEntryLimit() {
        let cache = BoundedCache<Int, String>(.init(maxEntries: 3, maxBytes: 1 << 20)) { _, _ in 1 }
        for key in 1...3 { cache.insert("v\(key)", forKey: key) }
        #expect(cache[1] == "v1")  // 1 is now the most recent; 2 the oldest
        cache.insert("v4", forKey: 4)
        #expect(cache[2] == nil)
        #expect(cache[1] == "v1" && cache[3] == "v3" && cache[4] == "v4")
        #expect(cache.count == 3)
    }

    @Test func theByteLimitEvictsUntilTheCacheFits() {
        let cache = BoundedCache<Int, [UInt8]>(.init(maxEntries: 1000, maxBytes: 100)) { _, value in value.count }
        for key in 0..<10 { cache.insert([UInt8](repeating: 0, count: 30), forKey: key) }
        #expect(cache.bytes <= 100)
        #expect(cache.count == 3)
        #expect(cache[9] != nil && cache[0] == nil)
    }

    @Test func aValueLargerThanTheWholeCacheIsNotStored() {
        let cache = BoundedCache<String, [UInt8]>(.init(maxEntries: 10, maxBytes: 64)) { _, value in value.count }
        cache.insert([1], forKey: "small")
        cache.insert([UInt8](repeating: 0, count: 65), forKey: "huge")
        #expect(cache["huge"] == nil)
        #expect(cache["small"] == [1])
    }

    @Test func replacingAnEntryKeepsTheByteCountRight() {
        let cache = BoundedCache<Int, [UInt8]>(.init(maxEntries: 10, maxBytes: 1000)) { _, value in value.count }
        cache.insert([UInt8](repeating: 0, count: 100), forKey: 1)
        cache.insert([UInt8](repeating: 0, count: 10), forKey: 1)
        #expect(cache.bytes == 10)
        cache.removeValue(forKey: 1)
        #expect(cache.bytes == 0 && cache.count == 0)
    }

    @Test func staleEntriesAreDroppedOnLookup() {
        let cache = BoundedCache<Int, Int>(.init(maxEntries: 10, maxBytes: 1000)) { _, _ in 1 }
        cache.insert(5, forKey: 1)
        #expect(cache.value(forKey: 1, ifFresh: { $0 > 10 }) == nil)
        #expect(cache.count == 0)
    }

    @Test func removeAllWhereDropsOnlyMatchingEntries() {
        let cache = BoundedCache<Int, Int>(.init(maxEntries: 100, maxBytes: 1000)) { _, _ in 1 }
        for key in 0..<20 { cache.insert(key, forKey: key) }
        cache.removeAll { key, _ in key % 2 == 0 }
        #expect(cache.count == 10)
        #expect(cache[2] == nil && cache[3] == 3)
        cache.insert(100, forKey: 100)  // slots freed by removal are reused
        #expect(cache[100] == 100)
    }

    @Test func concurrentUseStaysWithinTheLimits() async {
        let cache = BoundedCache<Int, [UInt8]>(.init(maxEntries: 500, maxBytes: 40_000)) { _, value in value.count }
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    for i in 0..<5000 {
                        let key = (worker * 5000 + i) % 3000
                        if cache[key] == nil { cache.insert([UInt8](repeating: 1, count: 100), forKey: key) }
                    }
                }
            }
        }
        #expect(cache.count <= 500)
        #expect(cache.bytes <= 40_000)
    }

    @Test func byteKeysAreEqualExactlyWhenTheirBytesAre() {
        let seal = (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var altered = seal
        altered[4321] ^= 1
        #expect(ByteKey(seal) == ByteKey(Array(seal)))
        #expect(ByteKey(seal).hashValue == ByteKey(Array(seal)).hashValue)
        #expect(ByteKey(seal) != ByteKey(altered))
        #expect(ByteKey(seal) != ByteKey(Array(seal.dropLast())))
        #expect(ByteKey([]) == ByteKey([]))
        #expect(ByteKey([]) != ByteKey([0]))
        let cache = BoundedCache<ByteKey, String>(.init(maxEntries: 4, maxBytes: 1 << 20)) { key, _ in key.count }
        cache.insert("verified", forKey: ByteKey(seal))
        #expect(cache[ByteKey(Array(seal))] == "verified")
        #expect(cache[ByteKey(altered)] == nil)  // one changed byte is another key: no verdict is borrowed
    }
}
