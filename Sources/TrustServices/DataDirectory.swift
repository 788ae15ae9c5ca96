import Foundation
import KeyCustody
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
    /// Foreign CA certificates trusted for validation (other provinces' CAs).
    public var trustedCertificatesPath: String { "\(path)/certs/trusted" }
    /// CRLs of those foreign CAs (DER or PEM), refreshed by the operator; trustd's own CAs need none.
    public var foreignCRLsPath: String { "\(path)/certs/crls" }
    /// CAs whose smart cards counter checks accept (card profile 1).
    public var cardIssuersPath: String { "\(path)/certs/card-issuers" }

    /// `true` once `initialize` has run here.
    public var isInitialized: Bool { FileManager.default.fileExists(atPath: databasePath) }

    /// Creates the directory, a fresh KEK and a copy of `policies`, then the database, the audit key and both CA
    /// hierarchies. Refuses a directory that is already initialised.
    @discardableResult
    public func initialize(policiesFrom source: String, configuration: CAConfiguration, actor: String) throws -> Appliance {
        guard !isInitialized else { throw TrustError.conflict("\(path) is already initialised") }
        let manager = FileManager.default
        do {
            try manager.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try manager.setAttributes([.posixPermissions: 0o700], ofItemAtPath: path)
        } catch {
            throw TrustError(.unavailable, "cannot create \(path): \(error.localizedDescription)")
        }
        // Validate the policies before copying anything.
        _ = try ProfileCatalog.load(directory: "\(source)/profiles")
        _ = try AssurancePolicyLoader.load("\(source)/assurance.yaml")
        _ = try SealTypeCatalog.load("\(source)/seal-types.yaml", profiles: try ProfileCatalog.load(directory: "\(source)/profiles"))
        if !manager.fileExists(atPath: policiesPath) {
            do { try manager.copyItem(atPath: source, toPath: policiesPath) } catch {
                throw TrustError(.unavailable, "cannot copy policies from \(source): \(error.localizedDescription)")
            }
        }
        if !manager.fileExists(atPath: kekPath) {
            do { try KeyEncryptionKey.generate(writingTo: kekPath) } catch let error as KeyCustodyError {
                throw TrustError(.unavailable, "cannot create the KEK: \(error.message)")
            }
        }
        let appliance = try open(configuration: configuration)
        try appliance.store.write { tx in
            try tx.setSetting("ca.base_url", configuration.baseURL)
            try tx.setSetting("ca.organization", configuration.organization)
            try tx.setSetting("ca.country", configuration.country)
        }
        try appliance.ca.initialize(actor: actor)
        return appliance
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
        let registry = SQLiteRegistry(store: store)
        if FileManager.default.fileExists(atPath: registryPath) { _ = try registry.load(csv: registryPath, secrets: secrets) }
        let trusted = trustedCertificatesPath, foreignCRLs = foreignCRLsPath
        let anchors = TrustAnchorSource { try TrustAnchors.load(ca: ca, trustedDirectory: trusted, crlDirectory: foreignCRLs) }
        let identity = IdentityService(store: store, secrets: secrets, policy: policy, otpSender: OutboxOTPSender(path: otpOutboxPath),
                                       population: registry, business: registry, realName: registry,
                                       anchors: { try anchors.current() })
        for required in [sealTypesPath] where !FileManager.default.fileExists(atPath: required) {
            throw TrustError.invalid("\(required) is missing: copy it from policies/ into the data directory")
        }
        let seals = SealService(store: store, ca: ca, keys: keys, identity: identity,
                                types: try SealTypeCatalog.load(sealTypesPath, profiles: profiles))
        let timestamps = TimestampAuthority(ca: ca, keys: keys)
        return Appliance(store: store, keys: keys, ca: ca, audit: AuditService(store: store, keys: keys), identity: identity, seals: seals,
                         timestamps: timestamps,
                         signing: SigningService(store: store, ca: ca, keys: keys, identity: identity, timestamps: timestamps),
                         signingKeys: SigningKeyService(store: store, ca: ca, keys: keys, identity: identity),
                         verifier: SignatureVerifier(store: store, ca: ca, anchors: { try anchors.current() }), anchors: anchors,
                         counter: CounterCheckService(store: store, identity: identity, ca: ca, cardIssuers: { [cardIssuers = cardIssuersPath] in
                             try CounterCheckService.loadCardIssuers(directory: cardIssuers, crlDirectory: foreignCRLs)
                         }))
    }
}

/// The wired services of one installation.
public struct Appliance: Sendable {
    public let store: TrustStore
    public let keys: any KeyStore
    public let ca: CertificateAuthority
    public let audit: AuditService
    public let identity: IdentityService
    public let seals: SealService
    public let timestamps: TimestampAuthority
    public let signing: SigningService
    public let signingKeys: SigningKeyService
    public let verifier: SignatureVerifier
    public let anchors: TrustAnchorSource
    public let counter: CounterCheckService
}
