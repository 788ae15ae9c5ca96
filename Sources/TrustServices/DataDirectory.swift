import Foundation
import KeyCustody
import TrustCrypto
import TrustModel

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
    public func initialize(
        policiesFrom source: String, configuration: CAConfiguration, actor: String,
        engines: ApplianceEngines
    ) throws -> Appliance {
        let manager = FileManager.default
        do {
            try SecureFile.makePrivateDirectory(path)
            try manager.setAttributes([.posixPermissions: 0o700], ofItemAtPath: path)
        } catch {
            throw TrustError(.unavailable, "cannot create \(path): \(error)")
        }
        try installPolicies(from: source)
        try recordKeyStore(engines.keyStoreName)
        try recordStore(engines.storeName)
        _ = try engines.keys(self, true)
        let appliance = try open(configuration: configuration, engines: engines)
        try appliance.ca.journal.recover()
        try appliance.store.write { tx in
            // The base URL goes into every CA certificate: once a CA exists, the saved settings stay.
            guard try tx.cas().isEmpty else { return }
            try tx.setSetting("ca.base_url", configuration.baseURL)
            try tx.setSetting("ca.organization", configuration.organization)
            try tx.setSetting("ca.country", configuration.country)
        }
        let completed = try open(configuration: configuration, engines: engines)
        try completed.ca.initialize(actor: actor)
        _ = try AccessService(store: completed.store).bootstrapAdmin(tokenPath: adminTokenPath)
        Self.restrictPermissions(under: path)
        do {
            try SecureFile.write(
                Array("trustd initialised \(UTCTime.iso8601(Date()))\n".utf8), to: completionMarkerPath)
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
            let isDirectory =
                (try? manager.attributesOfItem(atPath: full))?[.type] as? FileAttributeType == .typeDirectory
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
}
