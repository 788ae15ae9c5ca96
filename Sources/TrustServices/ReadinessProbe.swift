import Foundation
import Synchronization
import TrustModel

/// Whether the appliance is ready to serve (`/healthz`): its installation is complete (the initialisation marker
/// is there) and its database answers. The answer is remembered for a second, so health checks stay cheap under load;
/// the database is asked on the probe's own thread, so a health check never queues behind the services' work.
public final class ReadinessProbe: Sendable {
    public struct State: Sendable, Hashable {
        public let ready: Bool
        /// Why not, when not ready.
        public let reason: String?
    }

    let store: any TransactionalStore
    let installationComplete: @Sendable () -> Bool
    private let recent = Mutex<(state: State, at: ContinuousClock.Instant)?>(nil)
    private let executor = BlockingExecutor(threads: 1, maxQueued: 64)

    public init(store: any TransactionalStore, installationComplete: @escaping @Sendable () -> Bool) {
        self.store = store
        self.installationComplete = installationComplete
    }

    public func check() async -> State {
        if let known = recent.withLock({ $0 }), ContinuousClock.now - known.at < .seconds(1) { return known.state }
        do {
            return try await executor.run { [self] in checkNow() }
        } catch {
            return State(ready: false, reason: "the readiness check is overloaded")
        }
    }

    func checkNow() -> State {
        let now = ContinuousClock.now
        if let known = recent.withLock({ $0 }), now - known.at < .seconds(1) { return known.state }
        let state: State
        if !installationComplete() {
            state = State(
                ready: false,
                reason:
                    "the installation is not complete (initialisation was interrupted; restart trustd to complete it)")
        } else if let failure = databaseFailure() {
            state = State(ready: false, reason: "the database does not answer: \(failure)")
        } else {
            state = State(ready: true, reason: nil)
        }
        recent.withLock { $0 = (state, now) }
        return state
    }

    private func databaseFailure() -> String? {
        do {
            _ = try store.read { try $0.setting("ca.base_url") }
            return nil
        } catch let error as TrustError {
            return error.message
        } catch {
            return "\(error)"
        }
    }
}
