import Foundation
import Logging
import NIOCore
import PostgresNIO
import TrustModel

/// One connection as the store's blocking code uses it: a statement with bound values, waited for on the calling
/// (blocking) thread. SQL text is always a constant of trustd's (or generated from the schema description); values
/// are always bound, never spliced.
final class PostgresSession {
    let connection: PostgresConnection
    let logger: Logger
    /// A connection-level failure happened: the pool closes this connection instead of reusing it.
    private(set) var broken = false

    init(connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    /// Statements sent but not yet waited for (see ``send(_:_:)``).
    private var pipelined: [EventLoopFuture<PostgresQueryResult>] = []
    /// The audit chain's head as this write transaction left it (the write lock keeps every other writer out), so a
    /// group of appends reads it once. Cleared when a transaction or a savepoint is rolled back.
    var auditHead: (seq: Int64, hash: String)?

    private func query(_ sql: String, _ values: [ColumnValue]) throws -> EventLoopFuture<PostgresQueryResult> {
        var bindings = PostgresBindings(capacity: values.count)
        for value in values { try value.bind(into: &bindings) }
        return connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
    }

    /// Sends a statement without waiting for its answer. PostgreSQL runs a connection's statements in order, so the
    /// next statement waited for runs after it (a lock it takes is held by then); its outcome is checked then, and
    /// reported first. Saves a round trip for BEGIN, the write lock and savepoints.
    func send(_ sql: String, _ values: [ColumnValue] = []) throws {
        pipelined.append(try query(sql, values))
    }

    @discardableResult
    func execute(_ sql: String, _ values: [ColumnValue] = []) throws -> PostgresQueryResult {
        let sent = pipelined
        pipelined = []
        var failure: (any Error)? = nil
        var result: PostgresQueryResult? = nil
        do {
            let future = try query(sql, values)
            for earlier in sent {
                do { _ = try answer(earlier) } catch { failure = failure ?? error }
            }
            do { result = try answer(future) } catch { failure = failure ?? error }
        } catch {
            failure = failure ?? error
        }
        if let failure {
            if PostgresErrors.isConnectionLevel(failure) { broken = true }
            throw PostgresErrors.translate(failure)
        }
        guard let result else { throw TrustError(.unavailable, "the database gave no answer") }
        return result
    }

    /// Waits for an answer, at most ``BoundedWait/answerTimeout``: a server that never answers (a connection lost
    /// without a reset, a driver that missed the close) costs a bounded wait and this connection, never a hang.
    private func answer<T: Sendable>(_ future: EventLoopFuture<T>) throws -> T {
        do {
            return try BoundedWait.result(of: future, within: BoundedWait.answerTimeout)
        } catch let error as BoundedWait.TimedOut {
            broken = true
            connection.closeSoon()
            throw TrustError(.unavailable, "the database did not answer within \(Int(error.seconds)) s")
        }
    }

    /// Rows changed by an INSERT, UPDATE or DELETE.
    func changes(_ sql: String, _ values: [ColumnValue] = []) throws -> Int {
        try execute(sql, values).metadata.rows ?? 0
    }

    func rows(_ sql: String, _ values: [ColumnValue] = []) throws -> [PostgresRow] {
        Array(try execute(sql, values).rows)
    }

    /// Runs `body` inside BEGIN … COMMIT; any throw rolls back (a failed rollback marks the connection broken).
    /// `then` (the write lock) is sent with BEGIN, unawaited.
    func transaction<T>(_ begin: String, then: (sql: String, values: [ColumnValue])? = nil, _ body: () throws -> T)
        throws -> T
    {
        auditHead = nil
        try send(begin)
        if let then { try send(then.sql, then.values) }
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            auditHead = nil
            do { try execute("ROLLBACK") } catch { broken = true }
            throw error
        }
    }
}

/// PostgreSQL failures in trustd's terms, without passwords or bound values: a constraint violation is a conflict
/// (409); a server that is down, restarting or refusing is `unavailable` (503); a deadlock or a serialization failure
/// is `unavailable` too (the caller may retry).
enum PostgresErrors {
    static func isConnectionLevel(_ error: any Error) -> Bool {
        guard let error = error as? PSQLError else { return false }
        switch error.code {
        case .server:
            // 57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now, 08xxx connection exceptions.
            let state = error.serverInfo?[.sqlState] ?? ""
            return state.hasPrefix("57P") || state.hasPrefix("08")
        case .queryCancelled, .tooManyParameters, .invalidCommandTag: return false
        default: return true
        }
    }

    static func translate(_ error: any Error) -> any Error {
        // trustd's own errors and the callers' (thrown from a transaction's body) pass through unchanged.
        guard let error = error as? PSQLError else { return error }
        guard error.code == .server, let state = error.serverInfo?[.sqlState] else {
            return TrustError(.unavailable, "the database is unavailable (\(error.code))")
        }
        let message = error.serverInfo?[.message] ?? state
        if state.hasPrefix("23") {
            return TrustError.conflict("the change conflicts with stored data: \(message)")
        }
        return TrustError(.unavailable, "database error \(state): \(message)")
    }
}

extension PostgresConnection {
    /// Closes without waiting. The connection stays referenced until the close completes: PostgresNIO requires a
    /// connection to be closed before it is freed.
    func closeSoon() {
        let closing: EventLoopFuture<Void> = close()
        closing.whenComplete { _ in withExtendedLifetime(self) {} }
    }
}

/// Waiting for a future on a blocking thread with a deadline (`EventLoopFuture.wait()` has none).
enum BoundedWait {
    /// Longer than the server's statement_timeout (30 s), so the server's own timeout normally answers first.
    static let answerTimeout: Double = 40

    struct TimedOut: Error {
        let seconds: Double
    }

    private final class Outcome<T: Sendable>: @unchecked Sendable {
        // Written before the semaphore is signalled, read after it is waited for.
        var result: Result<T, any Error>?
    }

    static func result<T: Sendable>(of future: EventLoopFuture<T>, within seconds: Double) throws -> T {
        let done = DispatchSemaphore(value: 0)
        let outcome = Outcome<T>()
        future.whenComplete { result in
            outcome.result = result
            done.signal()
        }
        guard done.wait(timeout: .now() + seconds) == .success, let result = outcome.result else {
            throw TimedOut(seconds: seconds)
        }
        return try result.get()
    }
}

extension PostgresConnection {
    /// Connects within `seconds`; a connection that completes after the deadline is closed, not leaked.
    static func connect(
        within seconds: Double, on eventLoop: any EventLoop, configuration: Configuration, id: Int, logger: Logger
    ) throws -> PostgresConnection {
        let connecting = connect(on: eventLoop, configuration: configuration, id: id, logger: logger)
        do {
            return try BoundedWait.result(of: connecting, within: seconds)
        } catch let error as BoundedWait.TimedOut {
            connecting.whenSuccess { $0.closeSoon() }
            throw error
        }
    }
}
