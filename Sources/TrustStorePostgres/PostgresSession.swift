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

    @discardableResult
    func execute(_ sql: String, _ values: [ColumnValue] = []) throws -> PostgresQueryResult {
        var bindings = PostgresBindings(capacity: values.count)
        for value in values { try value.bind(into: &bindings) }
        do {
            return try connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger).wait()
        } catch {
            if PostgresErrors.isConnectionLevel(error) { broken = true }
            throw PostgresErrors.translate(error)
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
    func transaction<T>(_ begin: String, _ body: () throws -> T) throws -> T {
        try execute(begin)
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
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
