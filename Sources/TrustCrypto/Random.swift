internal import COpenSSL

/// Cryptographically secure random bytes from OpenSSL's DRBG (seeded from the OS).
public enum SecureRandom {
    /// Returns `count` random bytes.
    public static func bytes(_ count: Int) -> [UInt8] {
        precondition(count >= 0, "negative byte count")
        var out = [UInt8](repeating: 0, count: count)
        guard count > 0 else { return out }
        let ok = out.withUnsafeMutableBufferPointer { RAND_bytes($0.baseAddress, Int32($0.count)) }
        // A DRBG that cannot produce output must stop the process rather than hand out predictable keys.
        precondition(ok == 1, "RAND_bytes failed: \(OpenSSL.drainErrors())")
        return out
    }

    /// A uniform random integer in `0..<upperBound` (rejection sampling, no modulo bias).
    public static func uniform(_ upperBound: UInt32) -> UInt32 {
        precondition(upperBound > 0, "empty range")
        let limit = UInt32.max - UInt32.max % upperBound
        while true {
            let bytes = Self.bytes(4)
            let value = bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
            if value < limit { return value % upperBound }
        }
    }
}

/// Comparison whose running time does not depend on where the inputs differ.
public enum ConstantTime {
    /// `true` when `a` and `b` are equal. Lengths are not secret (tokens and MACs have fixed sizes);
    /// different lengths return `false` at once.
    public static func equals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        a.withUnsafeBytes { left in
            b.withUnsafeBytes { right in
                guard left.count == right.count else { return false }
                guard left.count > 0 else { return true }
                return CRYPTO_memcmp(left.baseAddress, right.baseAddress, left.count) == 0
            }
        }
    }
}
