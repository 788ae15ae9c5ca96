#if canImport(Glibc)
    import Glibc
#endif

/// Bytes as a cache key: hashed in one call over the whole buffer and compared with `memcmp`.
///
/// A `[UInt8]` key works too, but a generic cache compiled in its own module hashes and compares it one byte at a
/// time through witness tables: for a seal with its picture (kilobytes) that cost more than the signature check the
/// cache was saving.
public struct ByteKey: Hashable, Sendable {
    public let bytes: [UInt8]

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public var count: Int { bytes.count }

    public func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    public static func == (lhs: ByteKey, rhs: ByteKey) -> Bool {
        guard lhs.bytes.count == rhs.bytes.count else { return false }
        return lhs.bytes.withUnsafeBytes { left in
            rhs.bytes.withUnsafeBytes { right in
                left.count == 0 || memcmp(left.baseAddress!, right.baseAddress!, left.count) == 0
            }
        }
    }
}
