import Foundation
import Hummingbird
import NIOCore
import Synchronization

/// A token bucket per client address for the public pages: `burst` requests at once, then `perMinute` a minute. The
/// table is bounded: when it is full, the client seen longest ago is forgotten (it starts again with a full bucket,
/// which is the lenient side). Behind a reverse proxy every client shares the proxy's address — rate-limit there.
public final class ClientRateLimiter: Sendable {
    let burst: Double
    let perSecond: Double
    let maxClients: Int
    private let clock: @Sendable () -> Date

    private struct Bucket {
        var tokens: Double
        var updated: Date
    }
    private let buckets = Mutex<[String: Bucket]>([:])

    public init(
        burst: Int = 10, perMinute: Int = 30, maxClients: Int = 10_000,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.burst = Double(max(1, burst))
        self.perSecond = Double(max(1, perMinute)) / 60
        self.maxClients = max(1, maxClients)
        self.clock = clock
    }

    /// Takes one token for `client`, or refuses with 429 `rate_limited` and the seconds to wait.
    func admit(_ client: String) throws {
        let now = clock()
        let wait: Double? = buckets.withLock { table in
            var bucket = table[client] ?? Bucket(tokens: burst, updated: now)
            bucket.tokens = min(burst, bucket.tokens + max(0, now.timeIntervalSince(bucket.updated)) * perSecond)
            bucket.updated = now
            defer {
                if table[client] == nil, table.count >= maxClients,
                    let oldest = table.min(by: { $0.value.updated < $1.value.updated })?.key
                {
                    table[oldest] = nil
                }
                table[client] = bucket
            }
            guard bucket.tokens >= 1 else { return (1 - bucket.tokens) / perSecond }
            bucket.tokens -= 1
            return nil
        }
        if let wait {
            throw APIError(
                .tooManyRequests, "rate_limited",
                "too many requests from this address; try again in \(Int(wait.rounded(.up))) s")
        }
    }

    /// The client's address as the connection shows it (`-` in router-only tests, which share one bucket).
    static func client(of context: TrustRequestContext) -> String {
        guard let address = context.channel?.remoteAddress else { return "-" }
        return address.ipAddress ?? "\(address)"
    }
}
