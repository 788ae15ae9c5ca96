import Foundation
import KeyCustody
import TrustCrypto
import TrustModel

/// The certification authority: the hierarchies (``CAHierarchy``), issuance (``CertificateIssuer``), the revocation
/// registry and CRLs (``RevocationRegistry``) and OCSP (``OCSPResponder``), with the use cases callers reach — each
/// checks the caller's permission and records exactly one audit record (``UseCases``), on the blocking executor.
/// The internal, synchronous members are the building blocks other services use inside their own transactions.
public final class CertificateAuthority: Sendable {
    public let store: any TransactionalStore
    public let keys: any KeyStore
    public let profiles: ProfileCatalog
    public let configuration: CAConfiguration
    public let ocsp: OCSPResponder
    /// Keys are generated and retired through the journal, so a crash never leaves an orphan in custody.
    public let journal: KeyJournal
    public let useCases: UseCases
    let clock: @Sendable () -> Date
    let hierarchy: CAHierarchy
    let issuer: CertificateIssuer
    let revocations: RevocationRegistry

    /// - Parameter faultPoint: called at named points inside transactions ("issue.before-commit", "ca.before-commit",
    ///   …); a throw there rolls the transaction back. For crash-safety tests; `nil` in production.
    public init(
        store: any TransactionalStore, keys: any KeyStore, profiles: ProfileCatalog,
        configuration: CAConfiguration = .init(),
        executor: BlockingExecutor = .shared, clock: @escaping @Sendable () -> Date = { Date() },
        faultPoint: (@Sendable (String) throws -> Void)? = nil
    ) {
        self.store = store
        self.keys = keys
        self.profiles = profiles
        self.configuration = configuration
        self.clock = clock
        self.useCases = UseCases(store: store, executor: executor, clock: clock)
        self.ocsp = OCSPResponder(
            store: store, keys: keys, configuration: configuration, executor: executor, clock: clock)
        self.journal = KeyJournal(store: store, keys: keys, clock: clock)
        hierarchy = CAHierarchy(
            store: store, keys: keys, profiles: profiles, configuration: configuration, journal: journal, clock: clock,
            faultPoint: faultPoint)
        issuer = CertificateIssuer(
            store: store, hierarchy: hierarchy, profiles: profiles, configuration: configuration, clock: clock,
            faultPoint: faultPoint)
        revocations = RevocationRegistry(
            store: store, hierarchy: hierarchy, ocsp: ocsp, configuration: configuration, clock: clock,
            faultPoint: faultPoint)
    }

    var executor: BlockingExecutor { useCases.executor }

    // MARK: Use cases

    /// Every CA (any authenticated role may list them).
    public func cas(by caller: Caller) async throws -> [CAInfo] {
        try await useCases.run(caller, .caRead, action: "ca.list", object: "ca:*") { [hierarchy] in try hierarchy.list()
        }
    }

    /// Renews an issuing CA (new key, new certificate from its root; the old one keeps its CRL and OCSP): see
    /// `CAHierarchy.renew`. One `ca.renew` audit record.
    public func renewCA(_ name: String, by caller: Caller) async throws -> CAInfo {
        try await useCases.check(caller, .caRenew, action: "ca.renew", object: "ca:\(name)")
        return try await executor.run { [hierarchy] in
            try hierarchy.renew(name, actor: caller.auditName)
        }
    }

    /// Re-keys a root (new key, new root `<name>-g2`, cross-certificates both ways): see `CAHierarchy.rekeyRoot`.
    /// One `ca.rekey` audit record.
    public func rekeyRoot(_ name: String, by caller: Caller) async throws -> CAInfo {
        try await useCases.check(caller, .caRekey, action: "ca.rekey", object: "ca:\(name)")
        return try await executor.run { [hierarchy] in
            try hierarchy.rekeyRoot(name, actor: caller.auditName)
        }
    }

    /// Imports an existing CA with its key (PKCS#12, PKCS#8 or a key already in custody): see
    /// `CAHierarchy.importCA`. One `ca.import` audit record.
    public func importCA(_ request: CAImportRequest, by caller: Caller) async throws -> CAInfo {
        try await useCases.check(caller, .caImport, action: "ca.import", object: "ca:\(request.name)")
        return try await executor.run { [hierarchy] in
            try hierarchy.importCA(request, actor: caller.auditName)
        }
    }

    /// A re-keyed root's cross-certificates, `newWithOld` first (public: relying parties fetch them); none for
    /// other CAs.
    public func crossCertificates(ofCA name: String) async throws -> [Certificate] {
        try await executor.run { [hierarchy] in
            guard let record = try hierarchy.store.read({ try $0.ca(name) }) else {
                throw TrustError.notFound("no CA named \(name)")
            }
            return try [record.newWithOld, record.oldWithNew].compactMap { $0 }.map { try Certificate(der: Array($0)) }
        }
    }

    /// A CA's certificate chain (public: relying parties fetch it).
    public func chain(ofCA name: String) async throws -> [Certificate] {
        try await executor.run { [hierarchy] in try hierarchy.chain(of: name) }
    }

    /// The latest full CRL of `ca`, signed now when there is none or it is stale (public).
    public func currentCRL(ca name: String) async throws -> CRLRecord {
        try await executor.run { [revocations] in try revocations.currentCRL(ca: name, actor: "system:crl") }
    }

    /// Signs a CRL now (a delta CRL with `delta`).
    public func generateCRL(ca name: String, delta: Bool, by caller: Caller) async throws -> GeneratedCRL {
        try await useCases.check(
            caller, .crlGenerate, action: delta ? "crl.generate-delta" : "crl.generate", object: "ca:\(name)")
        return try await executor.run { [revocations] in
            try revocations.generateCRL(ca: name, delta: delta, actor: caller.auditName)
        }
    }

    /// A certificate in the registry by serial (hex, any case, colons allowed).
    public func certificate(serial: String, by caller: Caller) async throws -> CertificateRecord {
        try await useCases.run(caller, .certificateRead, action: "certificate.read", object: "certificate:\(serial)") {
            [revocations] in
            try revocations.certificate(serial: serial)
        }
    }

    /// Revokes (RFC 5280 reasons), puts on hold or releases a hold.
    @discardableResult
    public func revoke(serial: String, reason: RevocationReason, by caller: Caller) async throws -> CertificateRecord {
        try await useCases.check(
            caller, .certificateRevoke, action: "certificate.revoke", object: "certificate:\(serial)")
        return try await executor.run { [revocations] in
            try revocations.revoke(serial: serial, reason: reason, actor: caller.auditName)
        }
    }

    /// Renews delegated OCSP signers near their end (the maintenance loop's work; see ``CAHierarchy/renewOCSPSigners``).
    func renewOCSPSigners(actor: String) throws -> [String] {
        let renewed = try hierarchy.renewOCSPSigners(actor: actor)
        if !renewed.isEmpty {
            ocsp.forgetSigners()
            try store.write { try $0.announce(.signers) }
        }
        return renewed
    }

    // MARK: Building blocks (other services, inside their own work)

    /// Creates whatever of both hierarchies is missing (first start).
    func initialize(actor: String) throws {
        try AuditService(store: store, keys: keys, clock: clock).ensureAuditKey(actor: actor, journal: journal)
        try hierarchy.initialize(actor: actor)
    }

    func list() throws -> [CAInfo] { try hierarchy.list() }
    func createCA(name: String, parent: String?, keyType: String, actor: String) throws -> CAInfo {
        try hierarchy.createCA(name: name, parent: parent, keyType: keyType, actor: actor)
    }
    func chain(of name: String) throws -> [Certificate] { try hierarchy.chain(of: name) }
    func loadCA(_ name: String) throws -> LoadedCA { try hierarchy.load(name) }

    func prepare(
        publicKey: PublicKey, subject: DistinguishedName, subjectAlternativeNames: [GeneralName] = [], profile: String,
        ca: String,
        identity: [CertificateProfile.IdentityExtension: String] = [:], validityDays: Int? = nil, actor: String
    ) throws -> PendingCertificate {
        try issuer.prepare(
            publicKey: publicKey, subject: subject, subjectAlternativeNames: subjectAlternativeNames, profile: profile,
            ca: ca,
            identity: identity, validityDays: validityDays, actor: actor)
    }

    func commit(_ pending: PendingCertificate, in tx: any Repositories) throws { try issuer.commit(pending, in: tx) }

    func revoke(serial: String, reason: RevocationReason, actor: String, in tx: any Repositories) throws
        -> CertificateRecord
    {
        try revocations.revoke(serial: serial, reason: reason, actor: actor, in: tx)
    }

    func certificateRecord(serial: String) throws -> CertificateRecord { try revocations.certificate(serial: serial) }

    /// Issues without the assurance policy (trustd's own certificates; ``CertificateIssuance`` is the officers' road).
    func issue(
        csr: CertificateSigningRequest, profile: String, ca caName: String,
        identity: [CertificateProfile.IdentityExtension: String] = [:],
        validityDays: Int? = nil, actor: String
    ) throws -> IssuedCertificate {
        try issuer.issue(
            csr: csr, profile: profile, ca: caName, identity: identity, validityDays: validityDays, actor: actor)
    }

    func issue(
        publicKey: PublicKey, subject: DistinguishedName, subjectAlternativeNames: [GeneralName] = [], profile: String,
        ca caName: String,
        identity: [CertificateProfile.IdentityExtension: String] = [:], validityDays: Int? = nil, actor: String
    ) throws -> IssuedCertificate {
        try issuer.issue(
            publicKey: publicKey, subject: subject, subjectAlternativeNames: subjectAlternativeNames, profile: profile,
            ca: caName,
            identity: identity, validityDays: validityDays, actor: actor)
    }

    @discardableResult
    func revoke(serial: String, reason: RevocationReason, actor: String) throws -> CertificateRecord {
        try revocations.revoke(serial: serial, reason: reason, actor: actor)
    }

    @discardableResult
    func generateCRL(ca name: String, delta: Bool = false, actor: String) throws -> CRLRecord {
        try revocations.generateCRL(ca: name, delta: delta, actor: actor).record
    }

    func currentCRL(ca name: String, actor: String) throws -> CRLRecord {
        try revocations.currentCRL(ca: name, actor: actor)
    }

    /// Revocation status from trustd's registry: `true` revoked or held, `false` valid, `nil` not issued by trustd.
    func registryRevocationStatus(_ certificate: Certificate) throws -> Bool? {
        try revocations.registryRevocationStatus(certificate)
    }
}

/// A CRL signed now, and how many entries it lists.
public struct GeneratedCRL: Sendable {
    public let record: CRLRecord
    public let entries: Int
}

/// Maps TrustCrypto failures inside a use case to domain errors.
func crypto<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as CryptoError {
        switch error.code {
        case .malformedInput, .invalidArgument, .keyTypeMismatch, .unsupportedAlgorithm, .invalidSignatureEncoding:
            throw TrustError.invalid(error.message)
        default:
            throw TrustError(.unavailable, "crypto: \(error.message)")
        }
    } catch let error as KeyCustodyError {
        throw TrustError(.unavailable, "key custody: \(error.message)")
    }
}

enum AuditFormat {
    static func time(_ date: Date) -> String { UTCTime.iso8601(date) }
}
