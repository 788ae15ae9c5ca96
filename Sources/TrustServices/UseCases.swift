import Foundation
import TrustModel

/// A refusal by one of a use case's own rules — an assurance level, separation of duties, a grant — as opposed to a
/// missing permission: audited as `denied` with the reason, answered 403.
public struct Denial: Error, Sendable {
    public let reason: String
    public var details: [String: String]

    public init(_ reason: String, details: [String: String] = [:]) {
        self.reason = reason
        self.details = details
    }
}

/// What a use case's audit record says besides its action and caller.
public struct AuditNote: Sendable {
    public var object: String?
    public var details: [String: String]

    public init(object: String? = nil, details: [String: String] = [:]) {
        self.object = object
        self.details = details
    }
}

/// The one road every use case takes: the caller's permission (from ``RolePermissions``), then the work in one
/// write transaction with exactly one audit record — `success`, or `denied` with the reason when the permission is
/// missing or a rule refuses (``Denial``). Errors that are the request's own (not found, conflict, invalid) write
/// nothing: the transaction rolls back. The work runs on the blocking executor, off Swift's cooperative threads.
public struct UseCases: Sendable {
    public let store: any TransactionalStore
    public let executor: BlockingExecutor
    public let clock: @Sendable () -> Date

    public init(
        store: any TransactionalStore, executor: BlockingExecutor = .shared,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.store = store
        self.executor = executor
        self.clock = clock
    }

    /// Permission check, then `body` in one transaction; its note becomes the one `success` record.
    public func perform<T: Sendable>(
        _ caller: Caller, _ permission: Permission, action: String, object: String,
        _ body: @escaping @Sendable (any Repositories, Date) throws -> (T, AuditNote)
    ) async throws -> T {
        try await executor.run { try performNow(caller, permission, action: action, object: object, body) }
    }

    /// The same, on the calling thread (for work already running on the executor).
    public func performNow<T>(
        _ caller: Caller, _ permission: Permission, action: String, object: String,
        _ body: (any Repositories, Date) throws -> (T, AuditNote)
    ) throws -> T {
        let now = clock()
        try checkNow(caller, permission, action: action, object: object, at: now)
        do {
            return try store.write { tx in
                let (result, note) = try body(tx, now)
                try tx.appendAudit(
                    AuditEntry(
                        actor: caller.auditName, action: action, object: note.object ?? object, details: note.details),
                    at: now)
                return result
            }
        } catch let denial as Denial {
            try deny(caller, action: action, object: object, denial, at: now)
        }
    }

    /// The permission check alone (for use cases that do work before their transaction): a missing permission is one
    /// `denied` record and 403.
    public func check(_ caller: Caller, _ permission: Permission, action: String, object: String) async throws {
        // Allowed: nothing to write, so no hop to the executor (that hop was two context switches on every signature).
        guard !caller.holds(permission) else { return }
        try await executor.run { try checkNow(caller, permission, action: action, object: object, at: clock()) }
    }

    public func checkNow(_ caller: Caller, _ permission: Permission, action: String, object: String, at now: Date)
        throws
    {
        guard !caller.holds(permission) else { return }
        let roles = caller.roles.map(\.rawValue).sorted().joined(separator: ",")
        try deny(
            caller, action: action, object: object,
            Denial(
                "\(permission.rawValue) needs one of the roles \(RolePermissions.roles(holding: permission).map(\.rawValue).sorted().joined(separator: ", "))",
                details: ["roles": roles.isEmpty ? "-" : roles, "permission": permission.rawValue]), at: now)
    }

    /// Records one `denied` record for `denial` (in its own transaction) and throws 403 with its reason.
    public func deny(_ caller: Caller, action: String, object: String, _ denial: Denial, at now: Date) throws -> Never {
        var details = denial.details
        details["reason"] = denial.reason
        try store.write { tx in
            _ = try tx.appendAudit(
                AuditEntry(actor: caller.auditName, action: action, object: object, outcome: .denied, details: details),
                at: now)
        }
        ServiceMetrics.denial(action: action, reason: denial.details["permission"] != nil ? "permission" : "policy")
        throw TrustError(.forbidden, denial.reason)
    }

    /// A use case that writes nothing itself (no audit record): the permission, then `body` on the executor.
    public func run<T: Sendable>(
        _ caller: Caller, _ permission: Permission, action: String, object: String,
        _ body: @escaping @Sendable () throws -> T
    ) async throws -> T {
        try await executor.run {
            try checkNow(caller, permission, action: action, object: object, at: clock())
            return try body()
        }
    }

    /// A read-only use case (no audit record): the permission, then `body` with a snapshot.
    public func read<T: Sendable>(
        _ caller: Caller, _ permission: Permission, action: String, object: String,
        _ body: @escaping @Sendable (any Repositories) throws -> T
    ) async throws -> T {
        try await executor.run {
            try checkNow(caller, permission, action: action, object: object, at: clock())
            return try store.read(body)
        }
    }
}
