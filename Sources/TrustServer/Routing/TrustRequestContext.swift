import Hummingbird
import NIOCore
import Synchronization
import TrustModel

/// What the request log needs to learn from inner layers (the principal is set after the log middleware runs).
public final class RequestNotes: Sendable {
    private let principalName = Mutex<String?>(nil)
    public var principal: String? { principalName.withLock { $0 } }
    func record(principal: String) { principalName.withLock { $0 = principal } }
}

/// Per-request data: Hummingbird's core context plus the authenticated principal (set by ``BearerAuthMiddleware``).
public struct TrustRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var principal: Principal? {
        didSet { if let principal { notes.record(principal: principal.name) } }
    }
    public let notes = RequestNotes()
    /// The connection (for its TLS client certificate); `nil` in router-only tests.
    public let channel: (any Channel)?

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.principal = nil
        self.channel = source.channel
    }

    /// Bodies larger than this are refused with 413 before any handler runs.
    public var maxUploadSize: Int { 1 << 20 }
}
