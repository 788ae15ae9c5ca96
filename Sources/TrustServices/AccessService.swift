import BoundedCache
import Foundation
import KeyCustody
import Synchronization
import TrustCrypto
import TrustModel

/// Principals and their bearer tokens.
///
/// A token is `tdt_` + 43 characters of base64url (256 random bits). Only its SHA-256 is stored; it is shown once.
/// Authentication hashes the presented token, looks the hash up and compares it in constant time; expired or revoked
/// tokens are refused. Every change is audited with the token's id, never its value.
public struct AccessService: Sendable {
    public let store: any TransactionalStore
    public let useCases: UseCases
    let clock: @Sendable () -> Date
    /// Recently authenticated tokens (by hash), so a busy platform does not cost two database reads per request.
    /// Entries live 5 seconds; revoking a token through this service clears them at once.
    private let recent = TokenCache()

    public static let defaultTokenLifetime: TimeInterval = 90 * 86400

    /// A principal with the fingerprints of its client certificates.
    public struct PrincipalDetails: Sendable {
        public let principal: Principal
        public let clientCertificates: [String]
    }

    /// A new token: its value (shown once), id and expiry.
    public struct IssuedToken: Sendable {
        public let token: String
        public let id: String
        public let expiresAt: Date
    }

    public init(
        store: any TransactionalStore, executor: BlockingExecutor = .shared,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.store = store
        self.clock = clock
        self.useCases = UseCases(store: store, executor: executor, clock: clock)
    }

    // MARK: Use cases (admin)

    /// Creates a principal with `roles`.
    public func createPrincipal(name: String, roles: Set<Role>, by caller: Caller) async throws -> Principal {
        guard name.range(of: "^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$", options: .regularExpression) != nil else {
            throw TrustError.invalid("principal name must be 1–64 letters, digits, '.', '_', '@' or '-'")
        }
        guard !roles.isEmpty else { throw TrustError.invalid("a principal needs at least one role") }
        let principal = Principal(id: Hex.encode(SecureRandom.bytes(16)), name: name, roles: roles)
        return try await useCases.perform(
            caller, .principalManage, action: "principal.create", object: "principal:\(principal.id)"
        ) { tx, now in
            if try tx.principal(name: name) != nil { throw TrustError.conflict("a principal named \(name) exists") }
            try tx.insert(PrincipalRecord(id: principal.id, name: name, roles: roles, createdAt: now))
            return (
                principal,
                AuditNote(details: ["name": name, "roles": roles.map(\.rawValue).sorted().joined(separator: ",")])
            )
        }
    }

    public func principals(by caller: Caller) async throws -> [PrincipalDetails] {
        try await useCases.read(caller, .principalManage, action: "principal.list", object: "principal:*") { tx in
            try tx.principals().map {
                PrincipalDetails(
                    principal: $0.principal,
                    clientCertificates: try tx.clientCertificates(principalID: $0.id).map(\.fingerprint))
            }
        }
    }

    /// Issues a token for `principalID`; the token value is shown once.
    public func issueToken(principalID: String, lifetime: TimeInterval = defaultTokenLifetime, by caller: Caller)
        async throws -> IssuedToken
    {
        guard (60...(5 * 365 * 86400)).contains(lifetime) else {
            throw TrustError.invalid("token lifetime must be 1 minute to 5 years")
        }
        let token = Self.newToken()
        let id = Hex.encode(SecureRandom.bytes(8))
        return try await useCases.perform(caller, .principalManage, action: "token.issue", object: "token:\(id)") {
            tx, now in
            guard try tx.principal(id: principalID) != nil else {
                throw TrustError.notFound("no principal \(principalID)")
            }
            let expires = now.addingTimeInterval(lifetime)
            try tx.insert(
                TokenRecord(
                    id: id, principalID: principalID, hash: Self.hash(token), createdAt: now, expiresAt: expires))
            return (
                IssuedToken(token: token, id: id, expiresAt: expires),
                AuditNote(details: ["principal": principalID, "expiresAt": UTCTime.iso8601(expires)])
            )
        }
    }

    /// Forgets every remembered authentication (a token or principal changed on another node).
    public func forgetRememberedAuthentications() { recent.clear() }

    /// Revokes a token by id; every node's memory of it is dropped at once.
    public func revokeToken(id: String, by caller: Caller) async throws {
        defer { recent.clear() }
        try await useCases.perform(caller, .principalManage, action: "token.revoke", object: "token:\(id)") { tx, now in
            guard var record = try tx.token(id: id) else { throw TrustError.notFound("no token \(id)") }
            guard record.revokedAt == nil else { throw TrustError.conflict("token \(id) is already revoked") }
            record.revokedAt = now
            try tx.update(record)
            try tx.announce(.credentials)
            return ((), AuditNote(details: ["principal": record.principalID]))
        }
    }

    /// Binds a client certificate issued by one of trustd's CAs under the `tls-client` profile to a principal, so
    /// that a TLS handshake with it authenticates the principal. The certificate must be valid in trustd's registry.
    public func bindClientCertificate(principalID: String, certificatePEM: String, by caller: Caller) async throws
        -> PrincipalDetails
    {
        let certificate = try await useCases.executor.run { try crypto { try Certificate(pem: certificatePEM) } }
        return try await bindClientCertificate(principalID: principalID, certificate: certificate, by: caller)
    }

    public func bindClientCertificate(principalID: String, certificate: Certificate, by caller: Caller) async throws
        -> PrincipalDetails
    {
        let fingerprint = certificate.fingerprint
        let serial = certificate.serialHex
        return try await useCases.perform(
            caller, .principalManage, action: "principal.bind-certificate", object: "principal:\(principalID)"
        ) { tx, now in
            guard let principal = try tx.principal(id: principalID) else {
                throw TrustError.notFound("no principal \(principalID)")
            }
            guard let record = try tx.certificate(serial: serial), record.fingerprint == fingerprint else {
                throw TrustError.invalid("the certificate was not issued by trustd's CAs")
            }
            guard record.profile == "tls-client" else {
                throw TrustError.invalid(
                    "client certificates must be issued under the tls-client profile, this one is \(record.profile)")
            }
            guard record.status == .valid, record.notAfter > now else {
                throw TrustError.conflict(
                    "certificate \(record.serial) is \(record.notAfter > now ? record.status.rawValue : "expired")")
            }
            if let existing = try tx.clientCertificate(fingerprint: fingerprint) {
                throw TrustError.conflict("the certificate is already bound to principal \(existing.principalID)")
            }
            try tx.insert(
                PrincipalCertificateRecord(
                    fingerprint: fingerprint, principalID: principalID, serial: record.serial,
                    issuer: record.issuer, createdAt: now))
            let details = PrincipalDetails(
                principal: principal.principal,
                clientCertificates: try tx.clientCertificates(principalID: principalID).map(\.fingerprint))
            return (
                details, AuditNote(details: ["serial": record.serial, "ca": record.issuer, "fingerprint": fingerprint])
            )
        }
    }

    /// The route layer's refusal: a caller whose roles do not hold the route's permission gets one `denied` record
    /// and 403 (``UseCases/check``).
    public func refuse(_ caller: Caller, permission: Permission, method: String, route: String) async throws {
        try await useCases.check(caller, permission, action: "access.denied", object: "route:\(method) \(route)")
    }

    // MARK: Authentication

    /// The principal a token belongs to. Throws `.unauthenticated` for anything else. A token seen in the last few
    /// seconds is answered from memory; otherwise the store is read on the blocking executor.
    public func authenticate(token: String) async throws -> Principal {
        guard Self.isWellFormed(token) else { throw TrustError(.unauthenticated, "malformed token") }
        let presented = Self.hash(token)
        if let hit = recent.lookup(presented, at: clock()) { return hit }
        return try await useCases.executor.run { try authenticateNow(hash: presented) }
    }

    private func authenticateNow(hash presented: String) throws -> Principal {
        let now = clock()
        let (found, owner) = try store.read { reader -> (TokenRecord?, PrincipalRecord?) in
            let record = try reader.token(hash: presented)
            return (record, try record.flatMap { try reader.principal(id: $0.principalID) })
        }
        guard let record = found, ConstantTime.equals(Array(record.hash.utf8), Array(presented.utf8))
        else { throw TrustError(.unauthenticated, "unknown token") }
        guard record.revokedAt == nil else { throw TrustError(.unauthenticated, "token has been revoked") }
        guard record.expiresAt > now else { throw TrustError(.unauthenticated, "token has expired") }
        guard let owner else { throw TrustError.notFound("no principal \(record.principalID)") }
        let principal = owner.principal
        recent.remember(presented, principal, expiresAt: record.expiresAt, at: now)
        return principal
    }

    /// The principal a verified TLS client certificate (DER) is bound to. The TLS layer has already checked the
    /// chain to one of trustd's CAs; here the binding, the registry status (revocation) and the validity are checked.
    public func authenticate(clientCertificate der: [UInt8]) async throws -> Principal {
        let fingerprint = Hex.encode(Digest.hash(.sha256, der))
        return try await useCases.executor.run {
            let found = try store.read {
                reader -> (PrincipalCertificateRecord, CertificateRecord?, PrincipalRecord?)? in
                guard let binding = try reader.clientCertificate(fingerprint: fingerprint) else { return nil }
                return (
                    binding, try reader.certificate(serial: binding.serial),
                    try reader.principal(id: binding.principalID)
                )
            }
            guard let (_, certificate, owner) = found, let record = certificate, let owner else {
                throw TrustError(.unauthenticated, "the client certificate is not bound to a principal")
            }
            guard record.status == .valid else {
                throw TrustError(.unauthenticated, "the client certificate is \(record.status.rawValue)")
            }
            guard record.notAfter > clock() else {
                throw TrustError(.unauthenticated, "the client certificate has expired")
            }
            return owner.principal
        }
    }

    /// On an installation without principals: creates `admin` with the admin role and a one-year token, written to
    /// `path` (mode 0600). The file is written first (atomically) and the principal and token hash in one
    /// transaction after it, so a kill in between leaves a token file that the next call registers. Returns `true`
    /// if it created the admin.
    @discardableResult
    public func bootstrapAdmin(tokenPath path: String) throws -> Bool {
        guard try store.read({ try $0.principals() }).isEmpty else { return false }
        var token = ""
        if let text = try? SecureFile.read(path, maxBytes: 256) {
            token = String(decoding: text, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        if !Self.isWellFormed(token) {
            token = Self.newToken()
            do { try SecureFile.write(Array((token + "\n").utf8), to: path) } catch let error as KeyCustodyError {
                throw TrustError(.unavailable, "cannot write \(path): \(error.message)")
            }
        }
        let now = clock()
        let admin = Principal(id: Hex.encode(SecureRandom.bytes(16)), name: "admin", roles: [.admin])
        let tokenID = Hex.encode(SecureRandom.bytes(8))
        let expires = now.addingTimeInterval(365 * 86400)
        try store.write { tx in
            guard try tx.principals().isEmpty else { return }
            try tx.insert(PrincipalRecord(id: admin.id, name: admin.name, roles: [.admin], createdAt: now))
            try tx.insert(
                TokenRecord(
                    id: tokenID, principalID: admin.id, hash: Self.hash(token), createdAt: now, expiresAt: expires))
            try tx.appendAudit(
                AuditEntry(
                    actor: "system:bootstrap", action: "principal.create", object: "principal:\(admin.id)",
                    details: ["name": admin.name, "roles": Role.admin.rawValue]), at: now)
            try tx.appendAudit(
                AuditEntry(
                    actor: "system:bootstrap", action: "token.issue", object: "token:\(tokenID)",
                    details: ["principal": admin.id, "expiresAt": UTCTime.iso8601(expires)]), at: now)
        }
        return true
    }

    static func newToken() -> String { "tdt_" + Self.base64url(SecureRandom.bytes(32)) }

    static func isWellFormed(_ token: String) -> Bool { token.hasPrefix("tdt_") && token.utf8.count == 47 }

    static func hash(_ token: String) -> String { Hex.encode(Digest.hash(.sha256, Array(token.utf8))) }

    static func base64url(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(
            of: "/", with: "_"
        )
        .replacingOccurrences(of: "=", with: "")
    }

}

/// Token hash → principal for a few seconds (see ``AccessService``).
final class TokenCache: Sendable {
    private struct Entry: Sendable {
        let principal: Principal
        let expiresAt: Date
        let cachedAt: Date
    }
    static let lifetime: TimeInterval = 5
    private let entries = BoundedCache<String, Entry>(.init(maxEntries: 10_000, maxBytes: 8 << 20)) { hash, entry in
        hash.utf8.count + entry.principal.name.utf8.count + 32 * entry.principal.roles.count + 128
    }

    func lookup(_ hash: String, at now: Date) -> Principal? {
        entries.value(
            forKey: hash, ifFresh: { now.timeIntervalSince($0.cachedAt) < Self.lifetime && $0.expiresAt > now })?
            .principal
    }

    func remember(_ hash: String, _ principal: Principal, expiresAt: Date, at now: Date) {
        entries.insert(Entry(principal: principal, expiresAt: expiresAt, cachedAt: now), forKey: hash)
    }

    func clear() { entries.removeAll() }
}
