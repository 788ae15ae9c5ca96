import Foundation
import KeyCustody
import TrustCrypto
import TrustModel

/// The engines an appliance runs on — where its records live and where its keys live — chosen by the executable from
/// its configuration (SQLite or another store engine; the software key store or an HSM).
public struct ApplianceEngines: Sendable {
    /// Opens the store of an installation.
    public var store: @Sendable (DataDirectory) throws -> any TransactionalStore
    /// Opens the key store; `creating` is true while the installation is being made (the software store then makes its KEK).
    public var keys: @Sendable (DataDirectory, _ creating: Bool) throws -> any KeyStore
    /// Where the keys live, as recorded in the installation (`DIR/keystore`): `software`, or `pkcs11 token=LABEL`
    /// (with `, sm2 in software` when SM2 keys are kept in the software store). An installation is only opened with
    /// the key store it was made with.
    public var keyStoreName: String
    /// Where the records live, as recorded in the installation (`DIR/store`): `sqlite` or `postgres`. An installation
    /// is only opened with the store engine it was made with (an empty SQLite file must never stand in for the
    /// shared database).
    public var storeName: String
    /// The face/live-check service the identity service and the login step-up ask. None configured: every live check
    /// is refused, so `advanced` cannot be reached.
    public var liveness: any LivenessService = UnconfiguredLiveness()

    public init(
        store: @escaping @Sendable (DataDirectory) throws -> any TransactionalStore,
        keys: @escaping @Sendable (DataDirectory, Bool) throws -> any KeyStore = ApplianceEngines.softwareKeys,
        keyStoreName: String = "software", storeName: String = "sqlite"
    ) {
        self.store = store
        self.keys = keys
        self.keyStoreName = keyStoreName
        self.storeName = storeName
    }

    /// The software key store in `DIR/keys` under the KEK in `DIR/kek`.
    public static let softwareKeys: @Sendable (DataDirectory, Bool) throws -> any KeyStore = { directory, creating in
        do {
            if creating, !FileManager.default.fileExists(atPath: directory.kekPath) {
                try KeyEncryptionKey.generate(writingTo: directory.kekPath)
            }
            // A KEK rotation a crash interrupted is finished before the keys are used.
            if FileManager.default.fileExists(atPath: directory.keysPath) {
                try KEKRotation.recover(storeDirectory: directory.keysPath, kekPath: directory.kekPath)
            }
            return try SoftwareKeyStore(
                directory: directory.keysPath, kek: try KeyEncryptionKey(file: directory.kekPath))
        } catch let error as KeyCustodyError {
            throw TrustError(error.code == .insecurePermissions ? .forbidden : .unavailable, error.message)
        }
    }
}

extension DataDirectory {
    /// Opens an initialised directory. Settings saved at initialisation (base URL, organisation) override the
    /// defaults in `configuration`.
    public func open(
        configuration: CAConfiguration = .init(), engines: ApplianceEngines, login: LoginConfiguration = .init()
    ) throws -> Appliance {
        guard FileManager.default.fileExists(atPath: path) else {
            throw TrustError.notFound("no trustd data directory at \(path)")
        }
        try checkKeyStore(engines.keyStoreName)
        try checkStore(engines.storeName)
        let keys = try engines.keys(self, false)
        let store = try engines.store(self)
        var configuration = configuration
        let saved = try store.read { reader in
            (try reader.setting("ca.base_url"), try reader.setting("ca.organization"), try reader.setting("ca.country"))
        }
        if let url = saved.0 { configuration.baseURL = url }
        if let organization = saved.1 { configuration.organization = organization }
        if let country = saved.2 { configuration.country = country }
        let profiles = try ProfileCatalog.load(directory: profilesPath)
        guard FileManager.default.fileExists(atPath: assurancePolicyPath) else {
            throw TrustError.invalid(
                "\(assurancePolicyPath) is missing: copy policies/assurance.yaml into the data directory")
        }
        let policy = try AssurancePolicyLoader.load(assurancePolicyPath)
        let ca = CertificateAuthority(store: store, keys: keys, profiles: profiles, configuration: configuration)
        let secrets = try IdentitySecrets.load(path: identityKeyPath)
        let registry = try ReloadingRegistry(
            registry: SQLiteRegistry(store: store), path: registryPath, secrets: secrets)
        let trusted = trustedCertificatesPath
        let foreignCRLs = foreignCRLsPath
        let anchors = TrustAnchorSource {
            try TrustAnchors.load(ca: ca, trustedDirectory: trusted, crlDirectory: foreignCRLs)
        }
        let identity = IdentityService(
            store: store, secrets: secrets, policy: policy, otpSender: OutboxOTPSender(path: otpOutboxPath),
            population: registry, business: registry, realName: registry, liveness: engines.liveness,
            anchors: { try anchors.current() }, revocation: { try ca.registryRevocationStatus($0) })
        for required in [sealTypesPath] where !FileManager.default.fileExists(atPath: required) {
            throw TrustError.invalid("\(required) is missing: copy it from policies/ into the data directory")
        }
        let identities = SystemIdentities(ca: ca, journal: ca.journal)
        let seals = SealService(
            store: store, ca: ca, keys: keys, identity: identity,
            types: try SealTypeCatalog.load(sealTypesPath, profiles: profiles), identities: identities)
        let timestamps = TimestampAuthority(ca: ca, keys: keys, identities: identities)
        let marker = completionMarkerPath
        let audit = AuditService(store: store, keys: keys, anchors: AuditAnchorFile(path: auditAnchorPath))
        let statistics = ApplianceStatistics(store: store)
        // Changes committed by other nodes sharing the store (PostgreSQL): this node's caches follow within the
        // notification's delay; its own changes it invalidates right after committing them.
        store.subscribe { [ocsp = ca.ocsp] change in
            switch change {
            case .certificateStatus(let serial): ocsp.invalidate(serial: serial)
            case .signers: ocsp.forgetSigners()
            case .everything: ocsp.forgetEverything()
            case .credentials: break
            }
        }
        let counter = CounterCheckService(
            store: store, identity: identity, ca: ca,
            cardIssuers: { [cardIssuers = cardIssuersPath] in
                try CounterCheckService.loadCardIssuers(directory: cardIssuers, crlDirectory: foreignCRLs)
            })
        let login = LoginService(
            store: store, keys: keys, journal: ca.journal, identity: identity, issuer: configuration.baseURL,
            configuration: login, cards: counter)
        return Appliance(
            store: store, keys: keys, ca: ca, issuance: CertificateIssuance(ca: ca, identity: identity),
            identities: identities,
            audit: audit,
            identity: identity, seals: seals,
            timestamps: timestamps,
            signing: SigningService(
                store: store, ca: ca, keys: keys, identity: identity, timestamps: timestamps,
                assertions: { token, principal in try login.signingAssertion(token, principalID: principal) }),
            signingKeys: SigningKeyService(store: store, ca: ca, keys: keys, identity: identity),
            verifier: SignatureVerifier(
                store: store, ca: ca, anchors: { try anchors.current() }, anchorsInMemory: { anchors.isInMemory }),
            anchors: anchors,
            counter: counter,
            readiness: ReadinessProbe(
                store: store, installationComplete: { FileManager.default.fileExists(atPath: marker) }),
            statistics: statistics, housekeeping: Housekeeping(audit: audit, statistics: statistics, ca: ca),
            login: login)
    }
}

extension DataDirectory {
    public var storeRecordPath: String { "\(path)/store" }

    /// Records the store engine at initialisation; refuses one that differs (installations without the record are
    /// SQLite ones).
    func recordStore(_ name: String) throws {
        if FileManager.default.fileExists(atPath: storeRecordPath) { return try checkStore(name) }
        do { try SecureFile.write(Array("\(name)\n".utf8), to: storeRecordPath) } catch {
            throw TrustError(.unavailable, "cannot write \(storeRecordPath): \(error)")
        }
    }

    /// Switches a complete installation to another store engine (after its records were copied there).
    public func switchStore(to name: String) throws {
        do { try SecureFile.write(Array("\(name)\n".utf8), to: storeRecordPath) } catch {
            throw TrustError(.unavailable, "cannot write \(storeRecordPath): \(error)")
        }
    }

    /// The store engine this installation keeps its records in (installations without the record are SQLite ones).
    public var recordedStore: String {
        FileManager.default.contents(atPath: storeRecordPath).map {
            String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        } ?? "sqlite"
    }

    func checkStore(_ name: String) throws {
        let recorded = recordedStore
        guard recorded != name else { return }
        throw TrustError(
            .conflict,
            "the installation in \(path) keeps its records in \(recorded), but trustd is configured for \(name) "
                + "(trustd store migrate moves an installation from SQLite to PostgreSQL)")
    }

    public var keyStoreRecordPath: String { "\(path)/keystore" }

    /// The key store this installation was made with (installations older than the record used the software store).
    public var recordedKeyStore: String? {
        guard FileManager.default.fileExists(atPath: path),
            hasInstallation || FileManager.default.fileExists(atPath: keyStoreRecordPath)
        else { return nil }
        guard let bytes = FileManager.default.contents(atPath: keyStoreRecordPath) else { return "software" }
        return String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Records the key store before the first key is made; refuses one that differs from the record.
    func recordKeyStore(_ name: String) throws {
        if FileManager.default.fileExists(atPath: keyStoreRecordPath) || hasInstallation {
            return try checkKeyStore(name)
        }
        do { try SecureFile.write(Array("\(name)\n".utf8), to: keyStoreRecordPath) } catch {
            throw TrustError(.unavailable, "cannot write \(keyStoreRecordPath): \(error)")
        }
    }

    func checkKeyStore(_ name: String) throws {
        guard let recorded = recordedKeyStore, recorded != name else { return }
        throw TrustError(
            .conflict,
            "the installation in \(path) keeps its keys in \(recorded), but trustd is configured for \(name): "
                + "start it with the key store it was made with (keyStore: in --config)")
    }
}

/// The wired services of one installation.
public struct Appliance: Sendable {
    public let store: any TransactionalStore
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
    /// `var` so the daemon can apply its OFD limits (`ofd:` in --config).
    public var verifier: SignatureVerifier
    public let anchors: TrustAnchorSource
    /// OFD sealing, through the signing service's gates.
    public var documents: DocumentSealer { DocumentSealer(signing: signing, limits: verifier.ofdLimits) }
    public let counter: CounterCheckService
    /// Whether the appliance can serve: installation complete and database answering.
    public let readiness: ReadinessProbe
    /// Counts for the metrics endpoint, refreshed by the maintenance loop.
    public let statistics: ApplianceStatistics
    /// The maintenance loop's work.
    public let housekeeping: Housekeeping
    /// The OpenID Provider (统一身份认证).
    public let login: LoginService
}
