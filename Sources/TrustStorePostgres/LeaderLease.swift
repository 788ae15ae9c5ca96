import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization

/// The leader lease: a session-level advisory lock held on a connection of its own. The node whose connection holds
/// the lock does the once-for-all work; when that node dies or loses the database, PostgreSQL ends its session and
/// releases the lock, and the next node to ask takes it over.
final class LeaderLease: Sendable {
    static let key: Int64 = 0x7472_7573_7464_0003

    private let configuration: PostgresConnection.Configuration
    private let logger: Logger
    private let group: any EventLoopGroup
    private let held = Mutex<PostgresConnection?>(nil)

    init(
        configuration: PostgresConnection.Configuration, logger: Logger,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.configuration = configuration
        self.logger = logger
        self.group = group
    }

    /// Whether this node holds the lease now, taking it if it is free. Blocking (the maintenance loop's executor).
    func holds() -> Bool {
        if let connection = held.withLock({ $0 }) {
            if !connection.isClosed,
                (try? BoundedWait.result(of: connection.query("SELECT 1", logger: logger), within: 10)) != nil
            {
                return true
            }
            held.withLock { $0 = nil }
            connection.closeSoon()
            logger.warning("leader lease lost: the database session ended")
        }
        guard
            let connection = try? PostgresConnection.connect(
                within: 15, on: group.next(), configuration: configuration, id: 1, logger: logger)
        else { return false }
        let taken =
            (try? BoundedWait.result(
                of: connection.query("SELECT pg_try_advisory_lock(\(Self.key))", logger: logger), within: 10))
            .flatMap { $0.rows.first }.flatMap { try? $0.decode(Bool.self) }
        guard taken == true else {
            connection.closeSoon()
            return false
        }
        held.withLock { $0 = connection }
        logger.info("leader lease taken: this node runs checkpoints and OCSP signer renewal")
        return true
    }

    func release() {
        guard
            let connection = held.withLock({ current -> PostgresConnection? in
                defer { current = nil }
                return current
            })
        else { return }
        connection.closeSoon()
    }
}
