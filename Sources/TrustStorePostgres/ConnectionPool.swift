import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import TrustModel

/// A bounded pool of PostgreSQL connections for the store's blocking callers (BlockingExecutor threads): a caller
/// waits at most `acquireTimeout` for a free connection, then gets `unavailable` (503) — never an unbounded queue.
/// Broken connections (the server restarted) are dropped and replaced on the next use.
final class ConnectionPool: @unchecked Sendable {
    private let configuration: PostgresConnection.Configuration
    private let size: Int
    private let acquireTimeout: TimeInterval
    private let logger: Logger
    private let group: any EventLoopGroup
    private let condition = NSCondition()
    private var idle: [PostgresConnection] = []
    private var open = 0
    private var nextID = 0
    private var closed = false

    init(
        configuration: PostgresConnection.Configuration, size: Int, acquireTimeout: TimeInterval = 10,
        logger: Logger, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.configuration = configuration
        self.size = max(1, size)
        self.acquireTimeout = acquireTimeout
        self.logger = logger
        self.group = group
    }

    /// `body` with a connection of its own; a connection whose use failed at the connection level is closed.
    func withConnection<T>(_ body: (PostgresSession) throws -> T) throws -> T {
        let connection = try acquire()
        let session = PostgresSession(connection: connection, logger: logger)
        do {
            let result = try body(session)
            release(connection, broken: session.broken)
            return result
        } catch {
            release(connection, broken: session.broken || connection.isClosed)
            throw error
        }
    }

    func close() {
        condition.lock()
        closed = true
        let connections = idle
        idle = []
        condition.unlock()
        for connection in connections {
            connection.closeSoon()
        }
    }

    private func acquire() throws -> PostgresConnection {
        let deadline = Date(timeIntervalSinceNow: acquireTimeout)
        condition.lock()
        while true {
            if closed {
                condition.unlock()
                throw TrustError(.unavailable, "the database connection pool is closed")
            }
            if let connection = idle.popLast() {
                if connection.isClosed {
                    open -= 1
                    continue
                }
                condition.unlock()
                return connection
            }
            if open < size { break }
            if !condition.wait(until: deadline) {
                condition.unlock()
                throw TrustError(.unavailable, "every database connection is busy; try again")
            }
        }
        open += 1
        nextID += 1
        let id = nextID
        condition.unlock()
        do {
            let connection = try PostgresConnection.connect(
                within: 15, on: group.next(), configuration: configuration, id: id, logger: logger)
            // A statement or an abandoned transaction never holds a connection (and the write lock) for long.
            do {
                for setting in ["SET statement_timeout = 30000", "SET idle_in_transaction_session_timeout = 60000"] {
                    _ = try BoundedWait.result(
                        of: connection.query(PostgresQuery(unsafeSQL: setting), logger: logger), within: 15)
                }
            } catch {
                connection.closeSoon()
                throw error
            }
            return connection
        } catch {
            condition.lock()
            open -= 1
            condition.signal()
            condition.unlock()
            let translated = PostgresErrors.translate(error)
            throw translated is TrustError
                ? translated : TrustError(.unavailable, "cannot connect to the database: \(type(of: error))")
        }
    }

    private func release(_ connection: PostgresConnection, broken: Bool) {
        condition.lock()
        if broken || closed {
            open -= 1
            condition.signal()
            condition.unlock()
            connection.closeSoon()
            return
        }
        idle.append(connection)
        condition.signal()
        condition.unlock()
    }
}
