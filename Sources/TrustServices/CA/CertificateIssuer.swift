import Foundation
import KeyCustody
import TrustCrypto
import TrustModel

/// A certificate with its stored record and chain up to (not including) the root.
public struct IssuedCertificate: Sendable {
    public let record: CertificateRecord
    public let certificate: Certificate
    /// Issuing CA first, then its parents, the root last.
    public let chain: [Certificate]
}

/// Issues certificates from trustd's CAs under the profiles' rules: from a CSR (proof of possession checked) or for a
/// key in trustd's own custody. Signing happens before the transaction; the certificate and its audit record commit
/// together (``commit(_:in:)``), in the caller's transaction when a certificate belongs to a larger change.
struct CertificateIssuer: Sendable {
    let store: any TransactionalStore
    let hierarchy: CAHierarchy
    let profiles: ProfileCatalog
    let configuration: CAConfiguration
    let clock: @Sendable () -> Date
    let faultPoint: (@Sendable (String) throws -> Void)?

    /// Issues a certificate for `csr` under `profile` from CA `caName`.
    ///
    /// Checks the CSR's proof of possession (SM2 with the standard ID), that the profile may be issued by this CA,
    /// and every profile rule (key type, subject, subjectAltNames, identity extensions); validity is the profile's
    /// (or `validityDays` if shorter), capped by the issuer's notAfter.
    func issue(
        csr: CertificateSigningRequest, profile profileName: String, ca caName: String,
        identity: [CertificateProfile.IdentityExtension: String] = [:], validityDays: Int? = nil,
        actor: String
    ) throws -> IssuedCertificate {
        let publicKey = try validate(
            csr: csr, profile: profileName, ca: caName, identity: identity, validityDays: validityDays)
        return try issue(
            subject: csr.subject, subjectAlternativeNames: csr.requestedSubjectAlternativeNames, publicKey: publicKey,
            request: csr, profile: profileName, ca: caName, identity: identity, validityDays: validityDays, actor: actor
        )
    }

    /// Every check issuance from `csr` makes before signing (proof of possession, requested extensions, the CA's role and
    /// the profile's rules), without signing anything. Returns the CSR's key.
    @discardableResult
    func validate(
        csr: CertificateSigningRequest, profile profileName: String, ca caName: String,
        identity: [CertificateProfile.IdentityExtension: String], validityDays: Int?
    ) throws -> PublicKey {
        guard csr.verifySignature() else {
            throw TrustError.invalid("the CSR's signature does not verify (proof of possession failed)")
        }
        let publicKey: PublicKey
        do { publicKey = try csr.publicKey } catch {
            throw TrustError.invalid("the CSR's key is not supported: \(error)")
        }
        for oid in csr.requestedExtensionOIDs where oid != "2.5.29.17" {
            throw TrustError.invalid("the CSR requests extension \(oid); trustd sets extensions from the profile only")
        }
        let profile = try profiles.profile(profileName)
        let caName = try hierarchy.current(caName)
        let ca = try hierarchy.load(caName)
        guard profile.issuedBy == ca.record.role.rawValue else {
            throw TrustError.invalid(
                "profile \(profile.name) is issued by a \(profile.issuedBy) CA, and \(caName) is a \(ca.record.role) CA"
            )
        }
        _ = try profile.check(
            subject: csr.subject.attributes.map { ($0.type, $0.value) },
            subjectAltNames: csr.requestedSubjectAlternativeNames.map(Self.kind), keyType: publicKey.type.rawValue,
            identity: identity)
        if let validityDays, !(1...profile.validityDays).contains(validityDays) {
            throw TrustError.invalid("validityDays must be 1 to \(profile.validityDays) for profile \(profile.name)")
        }
        return publicKey
    }

    /// Issues a certificate for a key held in trustd's own key custody (no CSR: possession is custody's), e.g. the
    /// TLS server certificate of the daemon. Same profile rules and audit as CSR issuance.
    func issue(
        publicKey: PublicKey, subject: DistinguishedName, subjectAlternativeNames: [GeneralName],
        profile profileName: String, ca caName: String, identity: [CertificateProfile.IdentityExtension: String] = [:],
        validityDays: Int? = nil, actor: String
    ) throws -> IssuedCertificate {
        try issue(
            subject: subject, subjectAlternativeNames: subjectAlternativeNames, publicKey: publicKey, request: nil,
            profile: profileName, ca: caName, identity: identity, validityDays: validityDays, actor: actor)
    }

    /// Signs a certificate for a key in trustd's custody without writing it (see ``commit(_:in:)``).
    func prepare(
        publicKey: PublicKey, subject: DistinguishedName, subjectAlternativeNames: [GeneralName] = [],
        profile profileName: String, ca caName: String, identity: [CertificateProfile.IdentityExtension: String] = [:],
        validityDays: Int? = nil, actor: String
    ) throws -> PendingCertificate {
        try sign(
            subject: subject, subjectAlternativeNames: subjectAlternativeNames, publicKey: publicKey, request: nil,
            profile: profileName,
            ca: caName, identity: identity, validityDays: validityDays, actor: actor)
    }

    /// Writes a prepared certificate and its audit record in `tx`.
    func commit(_ pending: PendingCertificate, in tx: any Repositories) throws {
        if try tx.certificate(serial: pending.issued.record.serial) != nil { throw SerialCollision() }
        try tx.insert(pending.issued.record)
        try tx.appendAudit(pending.audit, at: pending.now)
    }

    private func issue(
        subject: DistinguishedName, subjectAlternativeNames sans: [GeneralName], publicKey: PublicKey,
        request csr: CertificateSigningRequest?, profile profileName: String, ca caName: String,
        identity: [CertificateProfile.IdentityExtension: String], validityDays: Int?,
        actor: String
    ) throws -> IssuedCertificate {
        for attempt in 0..<2 {
            let pending = try sign(
                subject: subject, subjectAlternativeNames: sans, publicKey: publicKey, request: csr,
                profile: profileName,
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

    private func sign(
        subject: DistinguishedName, subjectAlternativeNames sans: [GeneralName], publicKey: PublicKey,
        request csr: CertificateSigningRequest?, profile profileName: String, ca caName: String,
        identity: [CertificateProfile.IdentityExtension: String], validityDays: Int?,
        actor: String
    ) throws -> PendingCertificate {
        let profile = try profiles.profile(profileName)
        // A renewed CA hands issuance to its successor (its own CRL and OCSP continue for what it issued).
        let caName = try hierarchy.current(caName)
        let ca = try hierarchy.load(caName)
        guard profile.issuedBy == ca.record.role.rawValue else {
            throw TrustError.invalid(
                "profile \(profile.name) is issued by a \(profile.issuedBy) CA, and \(caName) is a \(ca.record.role) CA"
            )
        }
        let validated = try profile.check(
            subject: subject.attributes.map { ($0.type, $0.value) },
            subjectAltNames: sans.map(Self.kind),
            keyType: publicKey.type.rawValue, identity: identity)
        if let validityDays, !(1...profile.validityDays).contains(validityDays) {
            throw TrustError.invalid("validityDays must be 1 to \(profile.validityDays) for profile \(profile.name)")
        }
        let now = clock()
        let notAfter = min(
            now.addingTimeInterval(TimeInterval(validityDays ?? profile.validityDays) * 86400), ca.certificate.notAfter)
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
            extensions.append(
                .custom(oid: kind.oid, critical: false, value: try crypto { try ASN1Value.printableString(value) }))
        }
        let template = CertificateTemplate(
            serialNumber: CertificateBuilder.randomSerialNumber(), subject: subject,
            notBefore: now.addingTimeInterval(-configuration.backdate), notAfter: notAfter,
            publicKey: publicKey, extensions: extensions, request: csr)
        let certificate = try crypto {
            try CertificateBuilder.issue(template, issuer: ca.certificate, signer: ca.signer)
        }
        let record = CertificateRecord(
            serial: certificate.serialHex, issuer: caName, subject: subject.description,
            profile: profile.name, notBefore: certificate.notBefore, notAfter: certificate.notAfter,
            status: .valid, revokedAt: nil, revocationReason: nil, statusChangedAt: now,
            der: Data(certificate.der), fingerprint: certificate.fingerprint, issuedAt: now)
        let audit = AuditEntry(
            actor: actor, action: "certificate.issue", object: "certificate:\(record.serial)",
            details: [
                "ca": caName, "profile": profile.name, "subject": record.subject, "fingerprint": record.fingerprint,
                "notAfter": AuditFormat.time(record.notAfter),
            ])
        return PendingCertificate(
            issued: IssuedCertificate(record: record, certificate: certificate, chain: ca.chain), audit: audit, now: now
        )
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

}

/// A signed certificate not yet in the registry: the caller commits it inside its own transaction (e.g. a seal being
/// made), so the certificate and the state that names it land together.
public struct PendingCertificate: Sendable {
    public let issued: IssuedCertificate
    let audit: AuditEntry
    let now: Date
}
