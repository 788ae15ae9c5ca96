import Foundation
import TrustCrypto
import TrustModel

// The persistence the use cases need, one protocol per aggregate, declared here beside the services that use them
// and implemented by a store engine (TrustStore: SQLite through GRDB). A second engine implements the same
// protocols; no service changes. Everything a method does happens inside the transaction it is called in.

/// Small key-value settings of the appliance (ids of system keys, the CA base URL).
public protocol SettingsRepository {
    func setting(_ key: String) throws -> String?
    func setSetting(_ key: String, _ value: String) throws
}

/// trustd's CAs, the certificates they issued, and their CRLs.
public protocol CertificateRepository {
    func ca(_ name: String) throws -> CARecord?
    /// Every CA, oldest first.
    func cas() throws -> [CARecord]
    func insert(_ ca: CARecord) throws
    func update(_ ca: CARecord) throws

    func certificate(serial: String) throws -> CertificateRecord?
    func insert(_ certificate: CertificateRecord) throws
    func update(_ certificate: CertificateRecord) throws
    func certificateCount() throws -> Int
    /// Revoked or held certificates.
    func revokedCount() throws -> Int
    /// Valid certificates whose end falls in `[from, before)`, counted per profile with the soonest end.
    func expiringCertificates(from: Date, before: Date) throws -> [ExpiringCertificates]
    /// Every revoked or held certificate of `issuer`, streamed (a CRL of a million entries is not a million records).
    func forEachRevoked(issuer: String, _ body: (RevokedCertificate) throws -> Void) throws
    /// Certificates of `issuer` whose status changed after CRL `number` was issued (for delta CRLs).
    func statusChanges(issuer: String, sinceCRL number: Int64) throws -> [CertificateRecord]
    /// Every certificate with its status and its last `certificate.revoke` / `certificate.release-hold` audit record
    /// (nil when it has none), streamed, for reconciling the registry with the log.
    func forEachCertificateWithStatusRecord(
        _ body: (_ serial: String, _ status: CertificateStatus, _ last: AuditRecord?) throws -> Void) throws
    /// Status records naming a certificate the registry does not have.
    func certificateStatusRecordsWithoutCertificate(limit: Int) throws -> [AuditRecord]

    func latestCRL(issuer: String, delta: Bool) throws -> CRLRecord?
    func insert(_ crl: CRLRecord) throws
}

/// Principals, their bearer tokens and bound client certificates.
public protocol PrincipalRepository {
    func principal(id: String) throws -> PrincipalRecord?
    func principal(name: String) throws -> PrincipalRecord?
    func principals() throws -> [PrincipalRecord]
    func insert(_ principal: PrincipalRecord) throws
    func token(hash: String) throws -> TokenRecord?
    func token(id: String) throws -> TokenRecord?
    func insert(_ token: TokenRecord) throws
    func update(_ token: TokenRecord) throws
    func clientCertificate(fingerprint: String) throws -> PrincipalCertificateRecord?
    func clientCertificates(principalID: String) throws -> [PrincipalCertificateRecord]
    func insert(_ binding: PrincipalCertificateRecord) throws
}

/// The hash-chained audit log and its checkpoints.
public protocol AuditRepository {
    /// The chain's head, for appending: engines with several writers lock it until the transaction ends.
    func lockAuditHead() throws -> (seq: Int64, hash: String)?
    func insert(_ record: AuditRecord) throws
    func auditHead() throws -> AuditRecord?
    func auditRecords(after seq: Int64, limit: Int) throws -> [AuditRecord]
    func auditCount() throws -> Int
    /// Every record in sequence order, streamed.
    func forEachAuditRecord(_ body: (AuditRecord) throws -> Void) throws
    func auditCheckpoints() throws -> [AuditCheckpointRecord]
    func insert(_ checkpoint: AuditCheckpointRecord) throws
}

/// Persons, organisations, evidence, one-time codes, challenges, authorisations, and the stand-in registries.
public protocol IdentityRepository {
    func person(id: String) throws -> PersonRecord?
    func person(idHash: String) throws -> PersonRecord?
    func insert(_ person: PersonRecord) throws
    func update(_ person: PersonRecord) throws
    func organization(id: String) throws -> OrganizationRecord?
    func organization(creditCode: String) throws -> OrganizationRecord?
    func organizations(legalRepresentative personID: String) throws -> [OrganizationRecord]
    func insert(_ organization: OrganizationRecord) throws
    func update(_ organization: OrganizationRecord) throws
    func evidence(id: String) throws -> EvidenceRecord?
    func evidence(subject: SubjectKind, id: String) throws -> [EvidenceRecord]
    func insert(_ evidence: EvidenceRecord) throws
    func update(_ evidence: EvidenceRecord) throws
    func otp(id: String) throws -> OTPRecord?
    func insert(_ otp: OTPRecord) throws
    func update(_ otp: OTPRecord) throws
    func challenge(id: String) throws -> ChallengeRecord?
    func insert(_ challenge: ChallengeRecord) throws
    func update(_ challenge: ChallengeRecord) throws
    func authorization(id: String) throws -> AuthorizationRecord?
    func authorizations(organizationID: String, personID: String?) throws -> [AuthorizationRecord]
    /// Every authorisation given to a person, by any organisation.
    func authorizations(personID: String) throws -> [AuthorizationRecord]
    func insert(_ authorization: AuthorizationRecord) throws
    func update(_ authorization: AuthorizationRecord) throws

    func registryPersonName(idHash: String) throws -> String?
    func registryOrganization(creditCode: String) throws -> RegistryOrganization?
    func registryRealName(method: VerificationMethod, subjectKey: String) throws -> RegistryRealName?
    /// Replaces the stand-in registries' contents.
    func replaceRegistry(
        people: [(idHash: String, name: String)], organizations: [(creditCode: String, entry: RegistryOrganization)],
        realNames: [(method: VerificationMethod, subjectKey: String, entry: RegistryRealName)]) throws
}

/// Seals, their history and grants; signing keys.
public protocol SealRepository {
    func seal(id: String) throws -> SealRecord?
    func seal(esID: String) throws -> SealRecord?
    /// The seal filed under this number (备案号), if any.
    func seal(filingNumber: String) throws -> SealRecord?
    func seals(organizationID: String?, state: SealState?, limit: Int) throws -> [SealRecord]
    func insert(_ seal: SealRecord) throws
    func update(_ seal: SealRecord) throws
    func sealEvents(sealID: String) throws -> [SealEventRecord]
    func insert(_ event: SealEventRecord) throws
    func sealGrant(id: String) throws -> SealGrantRecord?
    func sealGrants(sealID: String) throws -> [SealGrantRecord]
    func insert(_ grant: SealGrantRecord) throws
    func update(_ grant: SealGrantRecord) throws
    /// Counts one signature against a grant; `false` (nothing changes) when its usage limit is reached. Exact under
    /// concurrency: the check and the increment are one statement.
    func countGrantUse(_ id: String) throws -> Bool

    func signingKey(id: String) throws -> SigningKeyRecord?
    func signingKeys(personID: String) throws -> [SigningKeyRecord]
    func insert(_ key: SigningKeyRecord) throws
    func update(_ key: SigningKeyRecord) throws
}

/// The login service: registered platforms, login sessions, authorization codes and refresh tokens.
public protocol LoginRepository {
    func oidcClient(id: String) throws -> OIDCClientRecord?
    func oidcClients() throws -> [OIDCClientRecord]
    func insert(_ client: OIDCClientRecord) throws
    func update(_ client: OIDCClientRecord) throws
    func loginSession(id: String) throws -> LoginSessionRecord?
    func loginSession(handle: String) throws -> LoginSessionRecord?
    /// Sessions not revoked and not expired at `time`, newest first.
    func loginSessions(activeAt time: Date, limit: Int) throws -> [LoginSessionRecord]
    func insert(_ session: LoginSessionRecord) throws
    func update(_ session: LoginSessionRecord) throws
    func authorizationCode(hash: String) throws -> AuthorizationCodeRecord?
    func insert(_ code: AuthorizationCodeRecord) throws
    /// Marks the code used; `false` when it was used already (exact across nodes: one statement).
    func consumeAuthorizationCode(hash: String, at time: Date) throws -> Bool
    func refreshToken(hash: String) throws -> RefreshTokenRecord?
    func insert(_ token: RefreshTokenRecord) throws
    /// Marks the token used; `false` when it was used or revoked already (one statement).
    func consumeRefreshToken(hash: String, at time: Date) throws -> Bool
    /// Records a client assertion's `jti` until it expires; `false` when the client used it already (one statement,
    /// exact across nodes). The client's expired entries are dropped first, so the table stays bounded.
    func recordClientAssertion(clientID: String, jtiHash: String, expiresAt: Date, at time: Date) throws -> Bool
    func consent(personID: String, clientID: String) throws -> ConsentRecord?
    /// Inserts or replaces the person's consent for the platform.
    func save(_ consent: ConsentRecord) throws
    /// Wrong login codes a person entered since `time` (the lockout counts them).
    func otpAttempts(personID: String, since time: Date) throws -> Int
    /// The platforms that were given tokens in a session (for back-channel logout).
    func refreshTokenClients(sessionID: String) throws -> [String]
    /// Revokes every unrevoked token of a family or of a session.
    func revokeRefreshTokens(family: String?, sessionID: String?, at time: Date) throws
}

/// Keys being generated or retired (see ``KeyJournal``).
public protocol KeyJournalRepository {
    func keyJournal(node: String) throws -> [KeyJournalRecord]
    func journal(_ entry: KeyJournalRecord) throws
    /// Removes the entry; `false` when there was none.
    @discardableResult
    func settleJournal(keyID: String) throws -> Bool
}

/// Every repository, as one transaction sees them.
public protocol Repositories: SettingsRepository, CertificateRepository, PrincipalRepository, AuditRepository,
    IdentityRepository,
    SealRepository, KeyJournalRepository, LoginRepository
{
    /// Tells the other nodes sharing the store about `change` if this transaction commits (no-op with one node).
    func announce(_ change: StateChange) throws
}

/// A store engine: transactions over the repositories.
public protocol TransactionalStore: Sendable {
    /// `body` with a consistent read snapshot.
    func read<T>(_ body: (any Repositories) throws -> T) throws -> T
    /// `body` in one write transaction: all of it commits, or (if it throws) none of it.
    func write<T>(_ body: (any Repositories) throws -> T) throws -> T
    /// `body` in a write transaction shared with concurrent callers (group commit): one commit (one fsync) for all;
    /// if `body` throws, its writes are undone and the others' still commit. Returns after the commit. For hot paths
    /// called from many threads (signing).
    func writeGrouped<T>(_ body: @escaping (any Repositories) throws -> T) throws -> T
    /// The same, awaited: the engine's committer thread commits the batch while the caller's thread is free.
    func writeGrouped<T: Sendable>(_ body: @escaping @Sendable (any Repositories) throws -> T) async throws -> T
    /// Whether reads are answered inside this process without waiting on another one (SQLite in WAL mode: yes;
    /// PostgreSQL, a round trip to the server: no). Hot paths run such reads where they are, instead of handing
    /// them to the blocking executor.
    var readsInProcess: Bool { get }
    /// Moves with every committed change to the records ``SealRecordsStamp`` names, whichever node committed it;
    /// `nil` (the default) for an engine that keeps none, so no such records are kept in memory.
    var sealRecordsStamp: SealRecordsStamp? { get }
    /// Calls `handler` for changes other nodes commit (and `.everything` when some may have been missed); engines
    /// with one node never call it.
    func subscribe(_ handler: @escaping @Sendable (StateChange) -> Void)
    /// Whether this node may do the work that must run once for all nodes (audit checkpoints, OCSP signer renewal):
    /// it holds the leader lease, or it is the only node. Blocking; the maintenance loop asks each round.
    func holdsLeadership() -> Bool
}

extension TransactionalStore {
    public var sealRecordsStamp: SealRecordsStamp? { nil }
}
