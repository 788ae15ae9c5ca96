import Foundation
import TrustCrypto
import TrustModel
import TrustStore

/// Principals and their bearer tokens.
///
/// A token is `tdt_` + 43 characters of base64url (256 random bits). Only its SHA-256 is stored; it is shown once.
/// Authentication hashes the presented token, looks the hash up and compares it in constant time; expired or revoked
/// tokens are refused. Every change is audited with the token's id, never its value.
public struct AccessService: Sendable {
    public let store: TrustStore
    let clock: @Sendable () -> Date

    public static let defaultTokenLifetime: TimeInterval = 90 * 86400

    public init(store: TrustStore, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.clock = clock
    }

    /// Creates a principal with `roles`.
    public func createPrincipal(name: String, roles: Set<Role>, actor: String) throws -> Principal {
        guard name.range(of: "^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$", options: .regularExpression) != nil else {
            throw TrustError.invalid("principal name must be 1–64 letters, digits, '.', '_', '@' or '-'")
        }
        guard !roles.isEmpty else { throw TrustError.invalid("a principal needs at least one role") }
        let principal = Principal(id: Hex.encode(SecureRandom.bytes(16)), name: name, roles: roles)
        let now = clock()
        try store.write { tx in
            if try tx.reader.principal(name: name) != nil { throw TrustError.conflict("a principal named \(name) exists") }
            try tx.insert(PrincipalRecord(id: principal.id, name: name, roles: roles.map(\.rawValue).sorted().joined(separator: ","), createdAt: now))
            try tx.appendAudit(AuditEntry(actor: actor, action: "principal.create", object: "principal:\(principal.id)",
                                          details: ["name": name, "roles": roles.map(\.rawValue).sorted().joined(separator: ",")]), at: now)
        }
        return principal
    }

    public func principals() throws -> [Principal] {
        try store.read { try $0.principals() }.map(Self.principal)
    }

    public func principal(id: String) throws -> Principal {
        guard let record = try store.read({ try $0.principal(id: id) }) else { throw TrustError.notFound("no principal \(id)") }
        return Self.principal(record)
    }

    /// Issues a token for `principalID`; returns the token value (shown once) and its id.
    public func issueToken(principalID: String, lifetime: TimeInterval = defaultTokenLifetime, actor: String) throws -> (token: String, id: String, expiresAt: Date) {
        guard (60...(5 * 365 * 86400)).contains(lifetime) else { throw TrustError.invalid("token lifetime must be 1 minute to 5 years") }
        let token = "tdt_" + Self.base64url(SecureRandom.bytes(32))
        let id = Hex.encode(SecureRandom.bytes(8))
        let now = clock()
        let expires = now.addingTimeInterval(lifetime)
        try store.write { tx in
            guard try tx.reader.principal(id: principalID) != nil else { throw TrustError.notFound("no principal \(principalID)") }
            try tx.insert(TokenRecord(id: id, principalID: principalID, hash: Self.hash(token), createdAt: now, expiresAt: expires))
            try tx.appendAudit(AuditEntry(actor: actor, action: "token.issue", object: "token:\(id)",
                                          details: ["principal": principalID, "expiresAt": UTCTime.iso8601(expires)]), at: now)
        }
        return (token, id, expires)
    }

    /// Revokes a token by id.
    public func revokeToken(id: String, actor: String) throws {
        let now = clock()
        try store.write { tx in
            guard var record = try tx.reader.token(id: id) else { throw TrustError.notFound("no token \(id)") }
            guard record.revokedAt == nil else { throw TrustError.conflict("token \(id) is already revoked") }
            record.revokedAt = now
            try tx.update(record)
            try tx.appendAudit(AuditEntry(actor: actor, action: "token.revoke", object: "token:\(id)", details: ["principal": record.principalID]), at: now)
        }
    }

    /// The principal a token belongs to. Throws `.unauthenticated` for anything else.
    public func authenticate(token: String) throws -> Principal {
        guard token.hasPrefix("tdt_"), token.utf8.count == 47 else { throw TrustError(.unauthenticated, "malformed token") }
        let presented = Self.hash(token)
        guard let record = try store.read({ try $0.token(hash: presented) }),
              ConstantTime.equals(Array(record.hash.utf8), Array(presented.utf8))
        else { throw TrustError(.unauthenticated, "unknown token") }
        guard record.revokedAt == nil else { throw TrustError(.unauthenticated, "token has been revoked") }
        guard record.expiresAt > clock() else { throw TrustError(.unauthenticated, "token has expired") }
        return try principal(id: record.principalID)
    }

    /// On an installation without principals: creates `admin` with the admin role and writes its token to `path`
    /// (mode 0600, never overwriting). Returns `true` if it did.
    @discardableResult
    public func bootstrapAdmin(tokenPath path: String) throws -> Bool {
        guard try store.read({ try $0.principals() }).isEmpty else { return false }
        let admin = try createPrincipal(name: "admin", roles: [.admin], actor: "system:bootstrap")
        let issued = try issueToken(principalID: admin.id, lifetime: 365 * 86400, actor: "system:bootstrap")
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw TrustError(.unavailable, "cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let bytes = Array((issued.token + "\n").utf8)
        guard bytes.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == bytes.count, fsync(fd) == 0 else {
            throw TrustError(.unavailable, "cannot write \(path)")
        }
        return true
    }

    static func hash(_ token: String) -> String { Hex.encode(Digest.hash(.sha256, Array(token.utf8))) }

    static func base64url(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func principal(_ record: PrincipalRecord) -> Principal {
        Principal(id: record.id, name: record.name, roles: Set(record.roles.split(separator: ",").compactMap { Role(rawValue: String($0)) }))
    }
}
