import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization
import TrustServices

/// Changes other nodes commit, through PostgreSQL's LISTEN/NOTIFY on a connection of its own. NOTIFY is
/// transactional: a change is delivered only if its transaction commits. When the connection drops (the server
/// restarted, the network failed) the listener reconnects every second, and after reconnecting it delivers
/// `.everything`, since notifications sent meanwhile are lost.
final class ChangeListener: Sendable {
    static let channel = "trustd_changes"

    private let configuration: PostgresConnection.Configuration
    private let logger: Logger
    private let group: any EventLoopGroup
    private let handlers = Mutex<[@Sendable (StateChange) -> Void]>([])
    private let state = Mutex<(started: Bool, stopped: Bool, connection: PostgresConnection?)>((false, false, nil))

    init(
        configuration: PostgresConnection.Configuration, logger: Logger,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.configuration = configuration
        self.logger = logger
        self.group = group
    }

    func subscribe(_ handler: @escaping @Sendable (StateChange) -> Void) {
        handlers.withLock { $0.append(handler) }
        let start = state.withLock { state -> Bool in
            defer { state.started = true }
            return !state.started
        }
        if start { connect(resync: false) }
    }

    func stop() {
        let connection = state.withLock { state -> PostgresConnection? in
            state.stopped = true
            return state.connection
        }
        if let connection {
            connection.closeSoon()
        }
    }

    private func deliver(_ change: StateChange) {
        for handler in handlers.withLock({ $0 }) { handler(change) }
    }

    private func connect(resync: Bool) {
        guard !state.withLock({ $0.stopped }) else { return }
        PostgresConnection.connect(on: group.next(), configuration: configuration, id: 0, logger: logger)
            .flatMap { connection in
                connection.addListener(channel: Self.channel) { [weak self] _, notification in
                    self?.deliver(StateChange(payload: notification.payload))
                }
                return connection.query("LISTEN trustd_changes", logger: self.logger).map { _ in connection }
                    .flatMapErrorThrowing { error in
                        connection.closeSoon()
                        throw error
                    }
            }
            .whenComplete { [weak self] result in
                guard let self else { return }
                switch result {
                case .success(let connection):
                    let stopped = self.state.withLock { state -> Bool in
                        state.connection = connection
                        return state.stopped
                    }
                    if stopped {
                        connection.closeSoon()
                        return
                    }
                    if resync { self.deliver(.everything) }
                    connection.closeFuture.whenComplete { [weak self] _ in self?.retry() }
                case .failure:
                    self.retry()
                }
            }
    }

    private func retry() {
        guard !state.withLock({ $0.stopped }) else { return }
        logger.warning("postgres change listener: reconnecting")
        group.next().scheduleTask(in: .seconds(1)) { [weak self] in self?.connect(resync: true) }
    }
}
