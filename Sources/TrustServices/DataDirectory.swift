import Foundation
import KeyCustody
import TrustCrypto
import TrustModel
import TrustStore

/// A trustd installation on disk:
///
/// ```
/// DIR/            mode 0700
///   kek           key-encryption key of the software key store (0600)
///   keys/         software key store (one encrypted file per key, 0600)
///   trustd.sqlite SQLite database (WAL)
///   policies/     the installation's copy of the policies (profiles, …)
/// ```
public struct DataDirectory: Sendable {
    public let path: String

    public init(_ path: String) { self.path = URL(fileURLWithPath: path).standardizedFileURL.path }

    public var databasePath: String { "\(path)/trustd.sqlite" }
    public var keysPath: String { "\(path)/keys" }
    public var kekPath: String { "\(path)/kek" }
    public var policiesPath: String { "\(path)/policies" }
    public var profilesPath: String { "\(policiesPath)/profiles" }
    public var assurancePolicyPath: String { "\(policiesPath)/assurance.yaml" }
    public var sealTypesPath: String { "\(policiesPath)/seal-types.yaml" }
    public var identityKeyPath: String { "\(path)/identity.key" }
    /// The default registry adapters' data (persons, organisations, real-name records), loaded at every start.
    public var registryPath: String { "\(path)/registry.csv" }
    public var otpOutboxPath: String { "\(path)/otp-outbox" }
    /// Audit checkpoints outside the database (append-only, one line each).
    public var auditAnchorPath: String { "\(path)/audit-checkpoints" }
    /// Foreign CA certificates trusted for validation (other provinces' CAs).
    public var trustedCertificatesPath: String { "\(path)/certs/trusted" }
    /// CRLs of those foreign CAs (DER or PEM), refreshed by the operator; trustd's own CAs need none.
    public var foreignCRLsPath: String { "\(path)/certs/crls" }
    /// CAs whose smart cards counter checks accept (card profile 1).
    public var cardIssuersPath: String { "\(path)/certs/card-issuers" }

    /// Written last by ``initialize(policiesFrom:configuration:actor:)``: the installation is complete.
    public var completionMarkerPath: String { "\(path)/init.complete" }
    public var adminTokenPath: String { "\(path)/admin.token" }

    /// `true` once initialisation has completed here (the marker exists). A directory without the marker is an
    /// interrupted initialisation, which ``initialize(policiesFrom:configuration:actor:)`` completes.
    public var isInitialized: Bool { FileManager.default.fileExists(atPath: completionMarkerPath) }

    /// `true` when something of an installation is here (a database), complete or not.
    public var hasInstallation: Bool { FileManager.default.fileExists(atPath: databasePath) }

    /// Creates the installation, or completes one a crash interrupted: the directory (0700), a copy of `policies`,
    /// a KEK, the identity key, the database and its settings, the audit key, both CA hierarchies and the bootstrap
    /// admin token, then the completion marker. Every step skips what exists and is atomic on its own (files are
    /// written to a temporary name and renamed; database steps are transactions; keys are journaled), and keys left
    /// by an interrupted step are destroyed, so a kill at any point leaves a state the next call completes.
    @discardableResult
    public func initialize(policiesFrom source: String, configuration: CAConfiguration, actor: String) throws -> Appliance {
        let manager = FileManager.default
        do {
            try SecureFile.makePrivateDirectory(path)
            try manager.setAttributes([.posixPermissions: 0o700], ofItemAtPath: path)
        } catch {
            throw TrustError(.unavailable, "cannot create \(path): \(error)")
        }
        try installPolicies(from: source)
        if !manager.fileExists(atPath: kekPath) {
            do { try KeyEncryptionKey.generate(writingTo: kekPath) } catch let error as KeyCustodyError {
                throw TrustError(.unavailable, "cannot create the KEK: \(error.message)")
            }
        }
        let appliance = try open(configuration: configuration)
        try appliance.ca.journal.recover()
        try appliance.store.write { tx in
            // The base URL goes into every CA certificate: once a CA exists, the saved settings stay.
            guard try tx.reader.cas().isEmpty else { return }
            try tx.setSetting("ca.base_url", configuration.baseURL)
            try tx.setSetting("ca.organization", configuration.organization)
            try tx.setSetting("ca.country", configuration.country)
        }
        let completed = try open(configuration: configuration)
        try completed.ca.initialize(actor: actor)
        _ = try AccessService(store: completed.store).bootstrapAdmin(tokenPath: adminTokenPath)
        Self.restrictPermissions(under: path)
        do {
            try SecureFile.write(Array("trustd initialised \(UTCTime.iso8601(Date()))\n".utf8), to: completionMarkerPath)
        } catch {
            throw TrustError(.unavailable, "cannot write \(completionMarkerPath): \(error)")
        }
        return completed
    }

    /// Makes every file below `root` 0600 and every directory 0700 (copies keep their source's modes).
    static func restrictPermissions(under root: String) {
        let manager = FileManager.default
        for relative in (try? manager.subpathsOfDirectory(atPath: root)) ?? [] {
            let full = "\(root)/\(relative)"
            let isDirectory = (try? manager.attributesOfItem(atPath: full))?[.type] as? FileAttributeType == .typeDirectory
            chmod(full, isDirectory ? 0o700 : 0o600)
        }
    }

    /// Validates `source` and copies it to `policies/` unless a copy is there: into a temporary directory first, then
    /// renamed, so an interrupted copy never looks complete.
    private func installPolicies(from source: String) throws {
        let manager = FileManager.default
        for stale in (try? manager.contentsOfDirectory(atPath: path)) ?? [] where stale.hasPrefix(".policies-") {
            try? manager.removeItem(atPath: "\(path)/\(stale)")
        }
        guard !manager.fileExists(atPath: policiesPath) else { return }
        // Validate the policies before copying anything.
        let profiles = try ProfileCatalog.load(directory: "\(source)/profiles")
        _ = try AssurancePolicyLoader.load("\(source)/assurance.yaml")
        _ = try SealTypeCatalog.load("\(source)/seal-types.yaml", profiles: profiles)
        let partial = "\(path)/.policies-\(UUID().uuidString)"
        do {
            try manager.copyItem(atPath: source, toPath: partial)
            Self.restrictPermissions(under: partial)
            try manager.moveItem(atPath: partial, toPath: policiesPath)
            SecureFile.syncDirectory(path)
        } catch {
            try? manager.removeItem(atPath: partial)
            throw TrustError(.unavailable, "cannot copy policies from \(source): \(error)")
        }
    }

    /// Opens an initialised directory. Settings saved at initialisation (base URL, organisation) override the
    /// defaults in `configuration`.
    public func open(configuration: CAConfiguration = .init()) throws -> Appliance {
        guard FileManager.default.fileExists(atPath: path) else { throw TrustError.notFound("no trustd data directory at \(path)") }
        let kek: KeyEncryptionKey
        let keys: SoftwareKeyStore
        do {
            kek = try KeyEncryptionKey(file: kekPath)
            keys = try SoftwareKeyStore(directory: keysPath, kek: kek)
        } catch let error as KeyCustodyError {
            throw TrustError(error.code == .insecurePermissions ? .forbidden : .unavailable, error.message)
        }
        let store = try TrustStore(path: databasePath)
        var configuration = configuration
        let saved = try store.read { reader in
            (try reader.setting("ca.base_url"), try reader.setting("ca.organization"), try reader.setting("ca.country"))
        }
        if let url = saved.0 { configuration.baseURL = url }
        if let organization = saved.1 { configuration.organization = organization }
        if let country = saved.2 { configuration.country = country }
        let profiles = try ProfileCatalog.load(directory: profilesPath)
        guard FileManager.default.fileExists(atPath: assurancePolicyPath) else {
            throw TrustError.invalid("\(assurancePolicyPath) is missing: copy policies/assurance.yaml into the data directory")
        }
        let policy = try AssurancePolicyLoader.load(assurancePolicyPath)
        let ca = CertificateAuthority(store: store, keys: keys, profiles: profiles, configuration: configuration)
        let secrets = try IdentitySecrets.load(path: identityKeyPath)
        let registry = try ReloadingRegistry(registry: SQLiteRegistry(store: store), path: registryPath, secrets: secrets)
        let trusted = trustedCertificatesPath, foreignCRLs = foreignCRLsPath
        let anchors = TrustAnchorSource { try TrustAnchors.load(ca: ca, trustedDirectory: trusted, crlDirectory: foreignCRLs) }
        let identity = IdentityService(store: store, secrets: secrets, policy: policy, otpSender: OutboxOTPSender(path: otpOutboxPath),
                                       population: registry, business: registry, realName: registry,
                                       anchors: { try anchors.current() })
        for required in [sealTypesPath] where !FileManager.default.fileExists(atPath: required) {
            throw TrustError.invalid("\(required) is missing: copy it from policies/ into the data directory")
        }
        let identities = SystemIdentities(ca: ca, journal: ca.journal)
        let seals = SealService(store: store, ca: ca, keys: keys, identity: identity,
                                types: try SealTypeCatalog.load(sealTypesPath, profiles: profiles), identities: identities)
        let timestamps = TimestampAuthority(ca: ca, keys: keys, identities: identities)
        let marker = completionMarkerPath
        return Appliance(store: store, keys: keys, ca: ca, issuance: CertificateIssuance(ca: ca, identity: identity), identities: identities,
                         audit: AuditService(store: store, keys: keys, anchors: AuditAnchorFile(path: auditAnchorPath)),
                         identity: identity, seals: seals,
                         timestamps: timestamps,
                         signing: SigningService(store: store, ca: ca, keys: keys, identity: identity, timestamps: timestamps),
                         signingKeys: SigningKeyService(store: store, ca: ca, keys: keys, identity: identity),
                         verifier: SignatureVerifier(store: store, ca: ca, anchors: { try anchors.current() }), anchors: anchors,
                         counter: CounterCheckService(store: store, identity: identity, ca: ca, cardIssuers: { [cardIssuers = cardIssuersPath] in
                             try CounterCheckService.loadCardIssuers(directory: cardIssuers, crlDirectory: foreignCRLs)
                         }),
                         readiness: ReadinessProbe(store: store, installationComplete: { FileManager.default.fileExists(atPath: marker) }),
                         statistics: ApplianceStatistics(store: store))
    }
}

/// The wired services of one installation.
public struct Appliance: Sendable {
    public let store: TrustStore
    public let keys: any KeyStore
    public let ca: CertificateAuthority
    /// CSR issuance by CA officers, with the assurance policy's cert.issue rules.
    public let issuance: CertificateIssuance
    public let identities: SystemIdentities
    public let audit: AuditService
    public let identity: IdentityService
    public let seals: SealService
    public let timestamps: TimestampAuthority
    public let signing: SigningService
    public let signingKeys: SigningKeyService
    public let verifier: SignatureVerifier
    public let anchors: TrustAnchorSource
    public let counter: CounterCheckService
    /// Whether the appliance can serve: installation complete and database answering.
    public let readiness: ReadinessProbe
    /// Counts for the metrics endpoint, refreshed by the maintenance loop.
    public let statistics: ApplianceStatistics
}
