import Foundation
import KeyCustody
import Synchronization
import TrustCrypto
import TrustModel

/// A certificate with its stored record and chain up to (not including) the root.
public struct IssuedCertificate: Sendable {
    public let record: CertificateRecord
    public let certificate: Certificate
    /// Issuing CA first, then its parents, the root last.
    public let chain: [Certificate]
}

/// Public view of a CA.
public struct CAInfo: Sendable, Hashable {
    public let name: String
    public let role: CARole
    public let algorithm: CAAlgorithm
    public let parent: String?
    public let certificate: Certificate
    public let keyID: String
}

/// The certification authority use cases: hierarchies, issuance from CSRs under profiles, revocation, CRLs.
///
/// Every state change is one store transaction together with its audit record. Keys are generated in key custody
/// before the transaction that names them commits; if that transaction fails, the fresh key is destroyed.
public final class CertificateAuthority: Sendable {
    public let store: any TransactionalStore
    public let keys: any KeyStore
    public let profiles: ProfileCatalog
    public let configuration: CAConfiguration
    let clock: @Sendable () -> Date
    /// Called at named points inside transactions ("issue.before-commit", "ca.before-commit", …); a throw there
    /// rolls the transaction back. For crash-safety tests; `nil` in production.
    let faultPoint: (@Sendable (String) throws -> Void)?
    public let ocsp: OCSPResponder
    /// Keys are generated and retired through the journal, so a crash never leaves an orphan in custody.
    public let journal: KeyJournal
    /// CAs loaded once (certificate, signer, chain): parsing and key references are not free in OpenSSL 3.0.
    private let loaded = Mutex<[String: LoadedCA]>([:])

    public init(store: any TransactionalStore, keys: any KeyStore, profiles: ProfileCatalog, configuration: CAConfiguration = .init(),
                clock: @escaping @Sendable () -> Date = { Date() }, faultPoint: (@Sendable (String) throws -> Void)? = nil) {
        self.store = store
        self.keys = keys
        self.profiles = profiles
        self.configuration = configuration
        self.clock = clock
        self.faultPoint = faultPoint
        self.ocsp = OCSPResponder(store: store, keys: keys, configuration: configuration, clock: clock)
        self.journal = KeyJournal(store: store, keys: keys, clock: clock)
    }

    // MARK: Hierarchies

    /// Creates the SM2 and RSA hierarchies (root + issuing CA each, with delegated OCSP signers) and the audit key,
    /// skipping what exists. Returns every CA.
    @discardableResult
    public func initialize(actor: String) throws -> [CAInfo] {
        try AuditService(store: store, keys: keys, clock: clock).ensureAuditKey(actor: actor, journal: journal)
        for family in ["sm2", "rsa"] {
            if try store.read({ try $0.ca("\(family)-root") }) == nil {
                try createCA(name: "\(family)-root", parent: nil, keyType: family == "sm2" ? "sm2" : configuration.rsaRootKey, actor: actor)
            }
            if try store.read({ try $0.ca("\(family)-issuing") }) == nil {
                try createCA(name: "\(family)-issuing", parent: "\(family)-root",
                             keyType: family == "sm2" ? "sm2" : configuration.rsaIssuingKey, actor: actor)
            }
        }
        return try list()
    }

    /// Creates one CA: a self-signed root (`parent == nil`, profile root-ca) or an issuing CA under `parent`
    /// (profile issuing-ca), with its OCSP signer.
    @discardableResult
    public func createCA(name: String, parent: String?, keyType typeName: String, actor: String) throws -> CAInfo {
        guard name.range(of: "^[a-z0-9][a-z0-9-]{0,62}$", options: .regularExpression) != nil else {
            throw TrustError.invalid("CA name must be lower-case letters, digits and dashes")
        }
        guard let keyType = KeyType(name: typeName) else { throw TrustError.invalid("unknown key type \(typeName)") }
        if try store.read({ try $0.ca(name) }) != nil { throw TrustError.conflict("CA \(name) exists") }
        let profile = try profiles.profile(parent == nil ? "root-ca" : "issuing-ca")
        guard profile.keyTypes.contains(keyType.rawValue) else {
            throw TrustError.invalid("profile \(profile.name) does not allow \(keyType) keys")
        }
        let parentCA = try parent.map { try loadCA($0) }
        if let parentCA, parentCA.record.role != .root { throw TrustError.invalid("an issuing CA must be created under a root") }

        let family: CAAlgorithm = keyType == .sm2 ? .sm2 : keyType.isRSA ? .rsa : .ecdsa
        let label = "ca:\(name)"
        let keyInfo = try journal.generate(keyType, label: label)
        var generated = [keyInfo.id]
        do {
            let signer = try KeyStoreSigner(store: keys, keyID: keyInfo.id)
            let now = clock()
            let subject = DistinguishedName([
                .init("C", configuration.country), .init("O", configuration.organization),
                .init("CN", "\(configuration.organization) \(family.rawValue.uppercased()) \(parent == nil ? "Root" : "Issuing") CA"),
            ])
            var notAfter = now.addingTimeInterval(TimeInterval(profile.validityDays) * 86400)
            if let parentCA { notAfter = min(notAfter, parentCA.certificate.notAfter) }
            var extensions: [CertificateExtension] = [
                .basicConstraints(ca: true, pathLength: profile.pathLength),
                .keyUsage(KeyUsage(profile.keyUsage.compactMap(KeyUsage.init(name:)))),
                .subjectKeyIdentifier, .authorityKeyIdentifier,
            ]
            if let parent {
                extensions.append(.crlDistributionPoints([configuration.crlURL(parent)]))
                extensions.append(.authorityInfoAccess(ocsp: [configuration.ocspURL], caIssuers: [configuration.caIssuersURL(parent)]))
            }
            let template = CertificateTemplate(serialNumber: CertificateBuilder.randomSerialNumber(), subject: subject,
                                               notBefore: now.addingTimeInterval(-configuration.backdate), notAfter: notAfter,
                                               publicKey: signer.publicKey, extensions: extensions)
            let certificate = try crypto {
                try CertificateBuilder.issue(template, issuer: parentCA?.certificate, signer: parentCA?.signer ?? signer)
            }
            // The CA's delegated OCSP signer.
            let ocspType: KeyType = keyType == .sm2 ? .sm2 : keyType.isRSA ? .rsa2048 : .p256
            let ocspKey = try journal.generate(ocspType, label: "ocsp:\(name)")
            generated.append(ocspKey.id)
            let ocspProfile = try profiles.profile("ocsp-signer")
            let ocspSigner = try KeyStoreSigner(store: keys, keyID: ocspKey.id)
            let ocspCertificate = try crypto {
                try CertificateBuilder.issue(CertificateTemplate(
                    serialNumber: CertificateBuilder.randomSerialNumber(),
                    subject: DistinguishedName([.init("C", configuration.country), .init("O", configuration.organization),
                                                .init("CN", "\(configuration.organization) OCSP Signer (\(name))")]),
                    notBefore: now.addingTimeInterval(-configuration.backdate),
                    notAfter: min(now.addingTimeInterval(TimeInterval(ocspProfile.validityDays) * 86400), certificate.notAfter),
                    publicKey: ocspSigner.publicKey,
                    extensions: [.basicConstraints(ca: false, pathLength: nil), .keyUsage([.digitalSignature]),
                                 .extendedKeyUsage(ocspProfile.extendedKeyUsage, critical: ocspProfile.extendedKeyUsageCritical),
                                 .ocspNoCheck, .subjectKeyIdentifier, .authorityKeyIdentifier]),
                    issuer: certificate, signer: signer)
            }
            let record = CARecord(name: name, role: parent == nil ? .root : .issuing, algorithm: family, parent: parent,
                                  keyID: keyInfo.id.rawValue, certificate: Data(certificate.der),
                                  ocspSignerKeyID: ocspKey.id.rawValue, ocspSignerCertificate: Data(ocspCertificate.der),
                                  createdAt: now)
            try store.write { tx in
                try tx.insert(record)
                for id in generated { try journal.settle(id, in: tx) }
                try tx.appendAudit(AuditEntry(actor: actor, action: "ca.create", object: "ca:\(name)", details: [
                    "role": record.role.rawValue, "algorithm": family.rawValue, "parent": parent ?? "", "subject": certificate.subject.description,
                    "serial": certificate.serialHex, "fingerprint": certificate.fingerprint, "key": keyInfo.id.rawValue,
                    "ocspSigner": ocspCertificate.serialHex,
                ]), at: now)
                try faultPoint?("ca.before-commit")
            }
            return CAInfo(name: name, role: record.role, algorithm: family, parent: parent, certificate: certificate, keyID: keyInfo.id.rawValue)
        } catch {
            // Nothing names the fresh keys: destroy them rather than leave orphans in custody.
            for id in generated { journal.abandon(id) }
            throw error
        }
    }

    public func list() throws -> [CAInfo] {
        try store.read { try $0.cas() }.map { record in
            CAInfo(name: record.name, role: record.role, algorithm: record.algorithm, parent: record.parent,
                   certificate: try Certificate(der: Array(record.certificate)), keyID: record.keyID)
        }
    }

    struct LoadedCA: Sendable {
        /// The record as loaded (role, parent, key id; counters such as crlNumber are read fresh in transactions).
        let record: CARecord
        let certificate: Certificate
        let signer: KeyStoreSigner
        /// This CA's certificate and its parents up to the root.
        let chain: [Certificate]
    }

    func loadCA(_ name: String) throws -> LoadedCA {
        if let cached = loaded.withLock({ $0[name] }) { return cached }
        guard let record = try store.read({ try $0.ca(name) }) else { throw TrustError.notFound("no CA named \(name)") }
        let certificate = try Certificate(der: Array(record.certificate))
        let ca = LoadedCA(record: record, certificate: certificate,
                          signer: try KeyStoreSigner(store: keys, keyID: try KeyID(record.keyID)), chain: try readChain(of: name))
        loaded.withLock { $0[name] = ca }
        return ca
    }

    /// The CA's certificate followed by its parents up to the root.
    public func chain(of name: String) throws -> [Certificate] { try loadCA(name).chain }

    private func readChain(of name: String) throws -> [Certificate] {
        var out: [Certificate] = []
        var next: String? = name
        while let current = next, out.count < 8 {
            guard let record = try store.read({ try $0.ca(current) }) else { throw TrustError.notFound("no CA named \(current)") }
            out.append(try Certificate(der: Array(record.certificate)))
            next = record.parent
        }
        return out
    }

    // MARK: Issuance

    /// Issues a certificate for `csr` under `profile` from CA `caName`.
    ///
    /// Checks the CSR's proof of possession (SM2 with the standard ID), that the profile may be issued by this CA,
    /// and every profile rule (key type, subject, subjectAltNames, identity extensions); validity is the profile's
    /// (or `validityDays` if shorter), capped by the issuer's notAfter.
    public func issue(csr: CertificateSigningRequest, profile profileName: String, ca caName: String,
                      identity: [CertificateProfile.IdentityExtension: String] = [:], validityDays: Int? = nil,
                      actor: String) throws -> IssuedCertificate {
        let publicKey = try validate(csr: csr, profile: profileName, ca: caName, identity: identity, validityDays: validityDays)
        return try issue(subject: csr.subject, subjectAlternativeNames: csr.requestedSubjectAlternativeNames, publicKey: publicKey,
                         request: csr, profile: profileName, ca: caName, identity: identity, validityDays: validityDays, actor: actor)
    }

    /// Every check issuance from `csr` makes before signing (proof of possession, requested extensions, the CA's role and
    /// the profile's rules), without signing anything. Returns the CSR's key.
    @discardableResult
    public func validate(csr: CertificateSigningRequest, profile profileName: String, ca caName: String,
                         identity: [CertificateProfile.IdentityExtension: String], validityDays: Int?) throws -> PublicKey {
        guard csr.verifySignature() else {
            throw TrustError.invalid("the CSR's signature does not verify (proof of possession failed)")
        }
        let publicKey: PublicKey
        do { publicKey = try csr.publicKey } catch { throw TrustError.invalid("the CSR's key is not supported: \(error)") }
        for oid in csr.requestedExtensionOIDs where oid != "2.5.29.17" {
            throw TrustError.invalid("the CSR requests extension \(oid); trustd sets extensions from the profile only")
        }
        let profile = try profiles.profile(profileName)
        let ca = try loadCA(caName)
        guard profile.issuedBy == ca.record.role.rawValue else {
            throw TrustError.invalid("profile \(profile.name) is issued by a \(profile.issuedBy) CA, and \(caName) is a \(ca.record.role) CA")
        }
        _ = try profile.check(subject: csr.subject.attributes.map { ($0.type, $0.value) },
                              subjectAltNames: csr.requestedSubjectAlternativeNames.map(Self.kind), keyType: publicKey.type.rawValue, identity: identity)
        if let validityDays, !(1...profile.validityDays).contains(validityDays) {
            throw TrustError.invalid("validityDays must be 1 to \(profile.validityDays) for profile \(profile.name)")
        }
        return publicKey
    }

    /// Issues a certificate for a key held in trustd's own key custody (no CSR: possession is custody's), e.g. the
    /// TLS server certificate of the daemon. Same profile rules and audit as CSR issuance.
    public func issue(publicKey: PublicKey, subject: DistinguishedName, subjectAlternativeNames: [GeneralName],
                      profile profileName: String, ca caName: String, identity: [CertificateProfile.IdentityExtension: String] = [:],
                      validityDays: Int? = nil, actor: String) throws -> IssuedCertificate {
        try issue(subject: subject, subjectAlternativeNames: subjectAlternativeNames, publicKey: publicKey, request: nil,
                  profile: profileName, ca: caName, identity: identity, validityDays: validityDays, actor: actor)
    }

    /// A signed certificate not yet in the registry: the caller commits it inside its own transaction (e.g. a seal
    /// being made), so the certificate and the state that names it land together.
    public struct PendingCertificate: Sendable {
        public let issued: IssuedCertificate
        let audit: AuditEntry
        let now: Date
    }

    /// Signs a certificate for a key in trustd's custody without writing it (see ``commit(_:in:)``).
    public func prepare(publicKey: PublicKey, subject: DistinguishedName, subjectAlternativeNames: [GeneralName] = [],
                        profile profileName: String, ca caName: String, identity: [CertificateProfile.IdentityExtension: String] = [:],
                        validityDays: Int? = nil, actor: String) throws -> PendingCertificate {
        try sign(subject: subject, subjectAlternativeNames: subjectAlternativeNames, publicKey: publicKey, request: nil, profile: profileName,
                 ca: caName, identity: identity, validityDays: validityDays, actor: actor)
    }

    /// Writes a prepared certificate and its audit record in `tx`.
    public func commit(_ pending: PendingCertificate, in tx: any Repositories) throws {
        if try tx.certificate(serial: pending.issued.record.serial) != nil { throw SerialCollision() }
        try tx.insert(pending.issued.record)
        try tx.appendAudit(pending.audit, at: pending.now)
    }

    private func issue(subject: DistinguishedName, subjectAlternativeNames sans: [GeneralName], publicKey: PublicKey,
                       request csr: CertificateSigningRequest?, profile profileName: String, ca caName: String,
                       identity: [CertificateProfile.IdentityExtension: String], validityDays: Int?,
                       actor: String) throws -> IssuedCertificate {
        for attempt in 0..<2 {
            let pending = try sign(subject: subject, subjectAlternativeNames: sans, publicKey: publicKey, request: csr, profile: profileName,
                                   ca: caName, identity: identity, validityDays: validityDays, actor: actor)
            do {
                try store.write { tx in
                    try commit(pending, in: tx)
                    try faultPoint?("issue.before-commit")
                }
            } catch is SerialCollision where attempt == 0 {
                continue  // 2^-159: astronomically unlikely, but never reuse a serial.
            }
            return pending.issued
        }
        throw TrustError(.unavailable, "could not allocate a unique serial number")
    }

    private func sign(subject: DistinguishedName, subjectAlternativeNames sans: [GeneralName], publicKey: PublicKey,
                      request csr: CertificateSigningRequest?, profile profileName: String, ca caName: String,
                      identity: [CertificateProfile.IdentityExtension: String], validityDays: Int?,
                      actor: String) throws -> PendingCertificate {
        let profile = try profiles.profile(profileName)
        let ca = try loadCA(caName)
        guard profile.issuedBy == ca.record.role.rawValue else {
            throw TrustError.invalid("profile \(profile.name) is issued by a \(profile.issuedBy) CA, and \(caName) is a \(ca.record.role) CA")
        }
        let validated = try profile.check(subject: subject.attributes.map { ($0.type, $0.value) },
                                          subjectAltNames: sans.map(Self.kind),
                                          keyType: publicKey.type.rawValue, identity: identity)
        if let validityDays, !(1...profile.validityDays).contains(validityDays) {
            throw TrustError.invalid("validityDays must be 1 to \(profile.validityDays) for profile \(profile.name)")
        }
        let now = clock()
        let notAfter = min(now.addingTimeInterval(TimeInterval(validityDays ?? profile.validityDays) * 86400), ca.certificate.notAfter)
        guard notAfter > now else { throw TrustError.conflict("CA \(caName) has expired") }

        var extensions: [CertificateExtension] = [
            .basicConstraints(ca: profile.isCA, pathLength: profile.pathLength),
            .keyUsage(KeyUsage(profile.keyUsage.compactMap(KeyUsage.init(name:)))),
            .extendedKeyUsage(profile.extendedKeyUsage, critical: profile.extendedKeyUsageCritical),
            .subjectKeyIdentifier, .authorityKeyIdentifier,
            .subjectAlternativeNames(sans),
            .crlDistributionPoints([configuration.crlURL(caName)]),
            .authorityInfoAccess(ocsp: [configuration.ocspURL], caIssuers: [configuration.caIssuersURL(caName)]),
        ]
        if profile.ocspNoCheck { extensions.append(.ocspNoCheck) }
        for kind in CertificateProfile.IdentityExtension.allCases {
            guard let value = validated[kind] else { continue }
            extensions.append(.custom(oid: kind.oid, critical: false, value: try crypto { try ASN1Value.printableString(value) }))
        }
        let template = CertificateTemplate(serialNumber: CertificateBuilder.randomSerialNumber(), subject: subject,
                                           notBefore: now.addingTimeInterval(-configuration.backdate), notAfter: notAfter,
                                           publicKey: publicKey, extensions: extensions, request: csr)
        let certificate = try crypto { try CertificateBuilder.issue(template, issuer: ca.certificate, signer: ca.signer) }
        let record = CertificateRecord(serial: certificate.serialHex, issuer: caName, subject: subject.description,
                                       profile: profile.name, notBefore: certificate.notBefore, notAfter: certificate.notAfter,
                                       status: .valid, revokedAt: nil, revocationReason: nil, statusChangedAt: now,
                                       der: Data(certificate.der), fingerprint: certificate.fingerprint, issuedAt: now)
        let audit = AuditEntry(actor: actor, action: "certificate.issue", object: "certificate:\(record.serial)", details: [
            "ca": caName, "profile": profile.name, "subject": record.subject, "fingerprint": record.fingerprint,
            "notAfter": AuditFormat.time(record.notAfter),
        ])
        return PendingCertificate(issued: IssuedCertificate(record: record, certificate: certificate, chain: ca.chain), audit: audit, now: now)
    }

    struct SerialCollision: Error {}

    static func kind(_ name: GeneralName) -> (kind: CertificateProfile.SubjectAltNameKind, value: String) {
        switch name {
        case .dns(let v): (.dns, v)
        case .ip(let v): (.ip, v)
        case .email(let v): (.email, v)
        case .uri(let v): (.uri, v)
        }
    }

    // MARK: Lookup and revocation

    /// Revocation status of a certificate from trustd's own registry: `true` revoked or on hold, `false` valid,
    /// `nil` when trustd did not issue it (same serial and fingerprint).
    public func registryRevocationStatus(_ certificate: Certificate) throws -> Bool? {
        guard let record = try store.read({ try $0.certificate(serial: certificate.serialHex) }), record.fingerprint == certificate.fingerprint else {
            return nil
        }
        return record.status != .valid
    }

    public func certificate(serial: String) throws -> CertificateRecord {
        guard let record = try store.read({ try $0.certificate(serial: Self.normalise(serial)) }) else {
            throw TrustError.notFound("no certificate with serial \(serial)")
        }
        return record
    }

    /// The canonical serial form stored and used everywhere: lower-case hex of the serial's bytes without leading
    /// zero bytes (what ``Certificate/serialHex`` gives). Accepts upper case, colons and extra leading zeros.
    static func normalise(_ serial: String) -> String {
        var digits = String(serial.lowercased().filter { $0 != ":" }.drop { $0 == "0" })
        if digits.count % 2 == 1 { digits = "0" + digits }
        return digits.isEmpty ? "00" : digits
    }

    /// Revokes (RFC 5280 reasons), puts on hold (`certificateHold`) or releases a hold (`removeFromCRL`).
    /// Revoking a revoked certificate is a conflict. The OCSP cache entry is dropped at once.
    @discardableResult
    public func revoke(serial: String, reason: RevocationReason, actor: String) throws -> CertificateRecord {
        let normalised = Self.normalise(serial)
        guard normalised.allSatisfy(\.isHexDigit) else { throw TrustError.invalid("serial must be hexadecimal") }
        let updated: CertificateRecord = try store.write { tx in
            let record = try revoke(serial: normalised, reason: reason, actor: actor, in: tx)
            try faultPoint?("revoke.before-commit")
            return record
        }
        ocsp.invalidate(serial: normalised)
        return updated
    }

    /// Revokes inside the caller's transaction (e.g. a seal revoked with its certificate). The caller must call
    /// `ocsp.invalidate(serial:)` after the commit.
    public func revoke(serial: String, reason: RevocationReason, actor: String, in tx: any Repositories) throws -> CertificateRecord {
        let normalised = Self.normalise(serial)
        let now = clock()
        guard var record = try tx.certificate(serial: normalised) else {
            throw TrustError.notFound("no certificate with serial \(serial)")
        }
        let before = record.status
        switch (record.status, reason) {
        case (.revoked, _):
            throw TrustError.conflict("certificate \(normalised) is already revoked")
        case (.valid, .removeFromCRL):
            throw TrustError.conflict("certificate \(normalised) is not on hold; removeFromCRL only releases a hold")
        case (.hold, .certificateHold):
            throw TrustError.conflict("certificate \(normalised) is already on hold")
        case (.hold, .removeFromCRL):
            record.status = .valid
            record.revokedAt = nil
            record.revocationReason = nil
        case (_, .certificateHold):
            record.status = .hold
            record.revokedAt = now
            record.revocationReason = reason
        default:
            record.status = .revoked
            // A hold that becomes a revocation keeps the original revocation time (RFC 5280 §5.3.1).
            record.revokedAt = before == .hold ? (record.revokedAt ?? now) : now
            record.revocationReason = reason
        }
        record.statusChangedAt = now
        try tx.update(record)
        try tx.appendAudit(AuditEntry(actor: actor, action: reason == .removeFromCRL ? "certificate.release-hold" : "certificate.revoke",
                                      object: "certificate:\(normalised)", details: [
                                          "ca": record.issuer, "reason": reason.name, "from": before.rawValue, "to": record.status.rawValue,
                                      ]), at: now)
        return record
    }

    // MARK: CRLs

    /// Builds, signs and stores a CRL for `caName`: full (every revoked or held certificate), or a delta CRL with
    /// the changes since the latest full CRL (released holds appear as removeFromCRL).
    @discardableResult
    public func generateCRL(ca caName: String, delta: Bool = false, actor: String) throws -> CRLRecord {
        let ca = try loadCA(caName)
        let now = clock()
        return try store.write { tx in
            guard var record = try tx.ca(caName) else { throw TrustError.notFound("no CA named \(caName)") }
            let number = record.crlNumber + 1
            var entries: [RevokedEntry]
            var base: CRLRecord? = nil
            if delta {
                guard let latest = try tx.latestCRL(issuer: caName, delta: false) else {
                    throw TrustError.conflict("CA \(caName) has no full CRL to base a delta CRL on")
                }
                base = latest
                entries = try tx.statusChanges(issuer: caName, sinceCRL: latest.number).compactMap { changed in
                    guard let serial = Hex.decode(changed.serial.count % 2 == 0 ? changed.serial : "0" + changed.serial) else { return nil }
                    switch changed.status {
                    case .valid: return RevokedEntry(serialNumber: serial, revocationDate: changed.statusChangedAt, reason: .removeFromCRL)
                    case .revoked, .hold:
                        return RevokedEntry(serialNumber: serial, revocationDate: changed.revokedAt ?? changed.statusChangedAt,
                                            reason: changed.revocationReason)
                    }
                }
            } else {
                entries = []
                try tx.forEachRevoked(issuer: caName) { revoked in
                    guard let bytes = Hex.decode(revoked.serial) else { return }
                    entries.append(RevokedEntry(serialNumber: bytes, revocationDate: Date(timeIntervalSince1970: TimeInterval(revoked.revokedAt)),
                                                reason: revoked.reason))
                }
            }
            let crl = try crypto {
                try CRLBuilder.build(issuer: ca.certificate, signer: ca.signer, number: UInt64(number), thisUpdate: now,
                                     nextUpdate: now.addingTimeInterval(configuration.crlLifetime), entries: entries,
                                     deltaOf: base.map { UInt64($0.number) })
            }
            record.crlNumber = number
            try tx.update(record)
            let stored = CRLRecord(issuer: caName, number: number, thisUpdate: now, nextUpdate: now.addingTimeInterval(configuration.crlLifetime),
                                   deltaBase: base?.number, der: Data(crl.der))
            try tx.insert(stored)
            try tx.appendAudit(AuditEntry(actor: actor, action: delta ? "crl.generate-delta" : "crl.generate", object: "ca:\(caName)", details: [
                "number": String(number), "entries": String(entries.count), "base": base.map { String($0.number) } ?? "",
            ]), at: now)
            try faultPoint?("crl.before-commit")
            return stored
        }
    }

    /// The latest full CRL, generated when there is none or it has passed its nextUpdate.
    public func currentCRL(ca caName: String, actor: String = "system") throws -> CRLRecord {
        if let latest = try store.read({ try $0.latestCRL(issuer: caName, delta: false) }), latest.nextUpdate > clock() { return latest }
        _ = try loadCA(caName)
        return try generateCRL(ca: caName, actor: actor)
    }
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
