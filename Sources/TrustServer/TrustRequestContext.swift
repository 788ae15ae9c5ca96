import Hummingbird
import TrustModel

/// Per-request data: Hummingbird's core context plus the authenticated principal (set by ``BearerAuthMiddleware``).
public struct TrustRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var principal: Principal?

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.principal = nil
    }

    /// Bodies larger than this are refused with 413 before any handler runs.
    public var maxUploadSize: Int { 1 << 20 }
}
