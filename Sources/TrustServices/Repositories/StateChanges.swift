import Foundation

/// A committed change that nodes sharing the store must see in their caches (several trustd nodes on PostgreSQL).
/// Announced inside the transaction that makes the change, so it reaches other nodes only if that commits; this
/// node invalidates its own caches itself, right after its commit.
public enum StateChange: Sendable, Hashable {
    /// A certificate was revoked, put on hold or released: its pre-signed OCSP answers are stale.
    case certificateStatus(serial: String)
    /// A token or a principal changed: remembered authentications are stale.
    case credentials
    /// A CA's OCSP signer was renewed.
    case signers
    /// Changes may have been missed (the listener reconnected): drop everything remembered.
    case everything

    /// The wire form (a NOTIFY payload): `certificate <serial>`, `credentials`, `signers`, `everything`.
    public var payload: String {
        switch self {
        case .certificateStatus(let serial): "certificate \(serial)"
        case .credentials: "credentials"
        case .signers: "signers"
        case .everything: "everything"
        }
    }

    /// Parses a payload; anything unknown is `everything` (a newer node's change is never ignored).
    public init(payload: String) {
        let parts = payload.split(separator: " ", maxSplits: 1).map(String.init)
        switch (parts.first, parts.count) {
        case ("certificate", 2) where parts[1].allSatisfy(\.isHexDigit): self = .certificateStatus(serial: parts[1])
        case ("credentials", 1): self = .credentials
        case ("signers", 1): self = .signers
        default: self = .everything
        }
    }
}

/// Engines with one node (SQLite) have no one to tell.
extension Repositories {
    public func announce(_ change: StateChange) throws {}
}

extension TransactionalStore {
    public func subscribe(_ handler: @escaping @Sendable (StateChange) -> Void) {}
    public func holdsLeadership() -> Bool { true }
}
