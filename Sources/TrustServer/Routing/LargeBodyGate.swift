import Hummingbird
import Synchronization

/// Bounds how many requests may carry a large body (an OFD document, up to about 22 MB of JSON) at once, so that many
/// clients uploading documents together cannot exhaust memory: the request body limit bounds one request, this bounds
/// their sum. A request over the bound is answered 503 `busy` at once, before its body is read.
final class LargeBodyGate: Sendable {
    let limit: Int
    private let inFlight = Atomic<Int>(0)

    init(limit: Int) { self.limit = max(1, limit) }

    /// The default: 8 documents in flight (at most about 180 MB of bodies).
    static let defaultLimit = 8

    /// Runs `body` if a place is free, else refuses with 503.
    func admit<T>(_ body: () async throws -> T) async throws -> T {
        guard enter() else {
            throw APIError(
                .serviceUnavailable, "busy", "\(limit) documents are being processed; retry in a moment")
        }
        defer { leave() }
        return try await body()
    }

    func enter() -> Bool {
        while true {
            let current = inFlight.load(ordering: .relaxed)
            guard current < limit else { return false }
            if inFlight.compareExchange(expected: current, desired: current + 1, ordering: .acquiringAndReleasing)
                .exchanged
            {
                return true
            }
        }
    }

    func leave() { inFlight.subtract(1, ordering: .releasing) }

    var current: Int { inFlight.load(ordering: .relaxed) }
}

extension Request {
    /// A body that may be large: announced over 1 MiB, or of unknown length.
    var mayCarryALargeBody: Bool {
        guard let length = headers[.contentLength].flatMap({ Int($0) }) else { return true }
        return length > 1 << 20
    }
}
