import Foundation
import TrustCrypto
import TrustModel

/// The registry's revocation side: revoking, holding and releasing certificates (RFC 5280 reasons), full and delta
/// CRLs, and each certificate's status for OCSP and verification. Every change drops the certificate's cached OCSP
/// answers once it commits.
struct RevocationRegistry: Sendable {
    let store: any TransactionalStore
    let hierarchy: CAHierarchy
    let ocsp: OCSPResponder
    let configuration: CAConfiguration
    let clock: @Sendable () -> Date
    let faultPoint: (@Sendable (String) throws -> Void)?

    /// Revocation status of a certificate from trustd's own registry: `true` revoked or on hold, `false` valid,
    /// `nil` when trustd did not issue it (same serial and fingerprint).
    func registryRevocationStatus(_ certificate: Certificate) throws -> Bool? {
        guard let record = try store.read({ try $0.certificate(serial: certificate.serialHex) }),
            record.fingerprint == certificate.fingerprint
        else {
            return nil
        }
        return record.status != .valid
    }

    func certificate(serial: String) throws -> CertificateRecord {
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
    func revoke(serial: String, reason: RevocationReason, actor: String) throws -> CertificateRecord {
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
    func revoke(serial: String, reason: RevocationReason, actor: String, in tx: any Repositories) throws
        -> CertificateRecord
    {
        let normalised = Self.normalise(serial)
        let now = clock()
        try tx.announce(.certificateStatus(serial: normalised))
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
        try tx.appendAudit(
            AuditEntry(
                actor: actor, action: reason == .removeFromCRL ? "certificate.release-hold" : "certificate.revoke",
                object: "certificate:\(normalised)",
                details: [
                    "ca": record.issuer, "reason": reason.name, "from": before.rawValue, "to": record.status.rawValue,
                ]), at: now)
        return record
    }

    // MARK: CRLs

    /// Builds, signs and stores a CRL for `caName`: full (every revoked or held certificate), or a delta CRL with
    /// the changes since the latest full CRL (released holds appear as removeFromCRL).
    @discardableResult
    func generateCRL(ca caName: String, delta: Bool = false, actor: String) throws -> GeneratedCRL {
        let ca = try hierarchy.load(caName)
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
                    guard let serial = Hex.decode(changed.serial.count % 2 == 0 ? changed.serial : "0" + changed.serial)
                    else { return nil }
                    switch changed.status {
                    case .valid:
                        return RevokedEntry(
                            serialNumber: serial, revocationDate: changed.statusChangedAt, reason: .removeFromCRL)
                    case .revoked, .hold:
                        return RevokedEntry(
                            serialNumber: serial, revocationDate: changed.revokedAt ?? changed.statusChangedAt,
                            reason: changed.revocationReason)
                    }
                }
            } else {
                entries = []
                try tx.forEachRevoked(issuer: caName) { revoked in
                    guard let bytes = Hex.decode(revoked.serial) else { return }
                    entries.append(
                        RevokedEntry(
                            serialNumber: bytes,
                            revocationDate: Date(timeIntervalSince1970: TimeInterval(revoked.revokedAt)),
                            reason: revoked.reason))
                }
            }
            let crl = try crypto {
                try CRLBuilder.build(
                    issuer: ca.certificate, signer: ca.signer, number: UInt64(number), thisUpdate: now,
                    nextUpdate: now.addingTimeInterval(configuration.crlLifetime), entries: entries,
                    deltaOf: base.map { UInt64($0.number) })
            }
            record.crlNumber = number
            try tx.update(record)
            let stored = CRLRecord(
                issuer: caName, number: number, thisUpdate: now,
                nextUpdate: now.addingTimeInterval(configuration.crlLifetime),
                deltaBase: base?.number, der: Data(crl.der))
            try tx.insert(stored)
            try tx.appendAudit(
                AuditEntry(
                    actor: actor, action: delta ? "crl.generate-delta" : "crl.generate", object: "ca:\(caName)",
                    details: [
                        "number": String(number), "entries": String(entries.count),
                        "base": base.map { String($0.number) } ?? "",
                    ]), at: now)
            try faultPoint?("crl.before-commit")
            return GeneratedCRL(record: stored, entries: entries.count)
        }
    }

    /// The latest full CRL, generated when there is none or it has passed its nextUpdate.
    func currentCRL(ca caName: String, actor: String = "system") throws -> CRLRecord {
        if let latest = try store.read({ try $0.latestCRL(issuer: caName, delta: false) }), latest.nextUpdate > clock()
        {
            return latest
        }
        _ = try hierarchy.load(caName)
        return try generateCRL(ca: caName, actor: actor).record
    }
}
