import Foundation
import KeyCustody
import SealFormat
import TrustCrypto
import TrustModel

/// A seal with its history and grants.
public struct SealDetails: Sendable {
    public let record: SealRecord
    public let events: [SealEventRecord]
    public let grants: [SealGrantRecord]
}

/// What platforms ask before relying on a seal (the "状态查询" interface).
public struct SealStatus: Sendable {
    public let id: String
    public let state: SealState
    /// The seal certificate's status; `nil` before the seal is made.
    public let certificateStatus: CertificateStatus?
    public let validFrom: Date
    public let validTo: Date
    public let filingNumber: String?
}

/// The seal registry: apply → review → make → file → grant → report loss / recover → revoke → destroy.
///
/// Each step checks the caller's role, separation of duties and the current state (SealLifecycle), and is one
/// transaction with its audit record and history event. Making a seal generates its key in key custody first, then
/// commits the certificate and the signed SESeal with the state; a failure destroys the fresh key. Revoking revokes
/// the seal certificate in the same transaction; report-loss puts it on hold, recover releases the hold.
public final class SealService: Sendable {
    public let store: any TransactionalStore
    public let ca: CertificateAuthority
    public let keys: any KeyStore
    public let identity: IdentityService
    public let types: SealTypeCatalog
    public let vendorID: String
    let clock: @Sendable () -> Date
    let identities: SystemIdentities
    /// Called at named points inside transactions ("seal.make.before-commit"); tests throw there to simulate a crash.
    let faultPoint: (@Sendable (String) throws -> Void)?

    public init(store: any TransactionalStore, ca: CertificateAuthority, keys: any KeyStore, identity: IdentityService, types: SealTypeCatalog,
                identities: SystemIdentities? = nil, vendorID: String = "trustd", clock: @escaping @Sendable () -> Date = { Date() },
                faultPoint: (@Sendable (String) throws -> Void)? = nil) {
        self.faultPoint = faultPoint
        self.identities = identities ?? SystemIdentities(ca: ca, journal: ca.journal, clock: clock)
        self.store = store
        self.ca = ca
        self.keys = keys
        self.identity = identity
        self.types = types
        self.vendorID = vendorID
        self.clock = clock
    }

    public struct Picture: Sendable {
        public let format: String
        public let data: [UInt8]
        public let widthMM: Int
        public let heightMM: Int
        public init(format: String, data: [UInt8], widthMM: Int, heightMM: Int) {
            self.format = format
            self.data = data
            self.widthMM = widthMM
            self.heightMM = heightMM
        }
    }

    // MARK: Apply and review

    /// A person authorised by the organisation applies for a seal of `type`.
    public func apply(by principal: Principal, organizationID: String, applicantPersonID: String, type code: String, name: String,
                      picture: Picture, validTo: Date?, keyType: String?) throws -> SealDetails {
        try require(principal, .apply)
        let type = try types.type(code)
        let name = try IdentityService.checkName(name)
        try type.checkPicture(format: picture.format, data: picture.data, widthMM: picture.widthMM, heightMM: picture.heightMM)
        let keyName = keyType ?? type.keyTypes[0]
        guard type.keyTypes.contains(keyName), let keyType = KeyType(name: keyName) else {
            throw TrustError.invalid("key type \(keyName) is not allowed for \(code) seals (\(type.keyTypes.joined(separator: ", ")))")
        }
        guard let pictureFormat = SealPictureFormat(name: picture.format) else {
            throw TrustError.invalid("picture format \(picture.format) is not one of \(SealPictureFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let now = clock()
        let end = validTo ?? now.addingTimeInterval(TimeInterval(type.validityDays) * 86400)
        guard end > now, end <= now.addingTimeInterval(TimeInterval(type.validityDays) * 86400 + 60) else {
            throw TrustError.invalid("validTo must be in the future and at most \(type.validityDays) days away for \(code) seals")
        }
        // The policy's seal.apply rule, then the type's own levels (a refusal of either is audited once).
        if case .deny(let reason) = try identity.decide(principal: principal, personID: applicantPersonID, organizationID: organizationID,
                                                        action: .sealApply, resource: "organization:\(organizationID)") {
            throw TrustError(.forbidden, reason)
        }
        let personLevel = try identity.person(id: applicantPersonID).assessment.level
        let orgLevel = try identity.organization(id: organizationID).assessment.level
        if personLevel < type.applicantLevel || orgLevel < type.organizationLevel {
            let reason = "\(code) seals need the applicant at \(type.applicantLevel.rawValue) and the organisation at \(type.organizationLevel.rawValue)"
                + " (they are at \(personLevel.rawValue) and \(orgLevel.rawValue))"
            try identity.recordDenial(principal: principal, action: .sealApply, personID: applicantPersonID, organizationID: organizationID,
                                      resource: "organization:\(organizationID)", reason: reason)
            throw TrustError(.forbidden, reason)
        }
        let id = Hex.encode(SecureRandom.bytes(16))
        let record = SealRecord(id: id, organizationID: organizationID, type: code, name: name, state: .applied,
                                applicant: principal.auditName, applicantPersonID: applicantPersonID, pictureFormat: pictureFormat,
                                picture: Data(picture.data), widthMM: picture.widthMM, heightMM: picture.heightMM, keyType: keyType,
                                validFrom: now, validTo: end, esID: "TD" + Hex.encode(SecureRandom.bytes(8)).uppercased(), createdAt: now)
        try store.write { tx in
            try tx.insert(record)
            try event(tx, record, .apply, from: nil, to: .applied, principal: principal, comment: nil, at: now,
                      details: ["organization": organizationID, "type": code, "applicant": applicantPersonID])
        }
        return try details(id: id)
    }

    /// Approve or reject an application; the reviewer must not be the applicant.
    public func review(by principal: Principal, id: String, approve: Bool, comment: String?) throws -> SealDetails {
        let step: SealStep = approve ? .approve : .reject
        try require(principal, step)
        return try move(id, step, by: principal, comment: comment) { record, _ in
            guard record.applicant != principal.auditName else {
                throw TrustError(.forbidden, "separation of duties: the applicant cannot review their own application")
            }
            return [:]
        }
    }

    // MARK: Make

    /// Generates the seal key in custody, issues the seal certificate and builds the SESeal signed by trustd's seal
    /// maker (profile `seal-maker`).
    public func make(by principal: Principal, id: String) throws -> SealDetails {
        try require(principal, .make)
        let current = try load(id)
        try check(current, .make)
        guard principal.auditName != current.applicant else {
            throw TrustError(.forbidden, "separation of duties: the applicant cannot make their own seal")
        }
        let type = try types.type(current.type)
        let organization = try identity.organization(id: current.organizationID).record
        let keyType = current.keyType
        let maker = try makerIdentity()
        let keyInfo = try ca.journal.generate(keyType, label: "seal \(current.esID)")
        do {
            let publicKey = try custody { try keys.publicKey(keyInfo.id) }
            let now = clock()
            let days = max(1, Int((current.validTo.timeIntervalSince(now) / 86400).rounded(.up)))
            let pending = try ca.prepare(publicKey: publicKey, subject: DistinguishedName(["C": "CN", "O": organization.name, "CN": current.name]),
                                         profile: type.profile, ca: type.ca, identity: [.organizationCode: organization.creditCode],
                                         validityDays: min(days, try ca.profiles.profile(type.profile).validityDays), actor: principal.auditName)
            let certificate = pending.issued.certificate
            let info = SealInfo(header: SealHeader(vendorID: vendorID), esID: current.esID,
                                property: SealProperty(type: type.typeCode, name: current.name, certificateList: .certificates([certificate.der]),
                                                       createDate: now, validStart: current.validFrom, validEnd: min(current.validTo, certificate.notAfter)),
                                picture: SealPicture(type: current.pictureFormat.rawValue.uppercased(), data: Array(current.picture),
                                                     widthMM: current.widthMM, heightMM: current.heightMM))
            let makerKey = maker.keyID
            let seal = try ElectronicSeal.make(info: info, makerCertificate: maker.certificate.der, signatureAlgorithm: SealAlgorithm.sm2WithSM3) { bytes in
                try custody { try keys.sign(bytes, with: makerKey, algorithm: .sm2(id: .default)) }
            }
            guard seal.makerSignatureProblem() == nil else { throw TrustError(.integrity, "the made seal does not verify") }
            try store.write { tx in
                guard var record = try tx.seal(id: id) else { throw TrustError.notFound("no seal \(id)") }
                try check(record, .make)
                try ca.commit(pending, in: tx)
                try ca.journal.settle(keyInfo.id, in: tx)
                record.keyID = keyInfo.id.rawValue
                record.certificateSerial = certificate.serialHex
                record.eseal = Data(seal.der)
                record.state = .made
                record.updatedAt = now
                try tx.update(record)
                try event(tx, record, .make, from: .approved, to: .made, principal: principal, comment: nil, at: now,
                          details: ["certificate": certificate.serialHex, "key": keyInfo.id.rawValue, "esID": current.esID])
                try faultPoint?("seal.make.before-commit")
            }
        } catch {
            // Nothing names the fresh key: destroy it rather than leave an orphan in custody.
            ca.journal.abandon(keyInfo.id)
            throw error
        }
        return try details(id: id)
    }

    /// trustd's seal maker (制章者): an SM2 key in custody with a `seal-maker` certificate from the SM2 issuing CA
    /// (see ``SystemIdentities``).
    func makerIdentity() throws -> (keyID: KeyID, certificate: Certificate) {
        let organization = ca.configuration.organization
        let maker = try identities.identity(SystemIdentities.Spec(
            name: "seal.maker", keyType: .sm2, profile: "seal-maker", ca: "sm2-issuing",
            subject: DistinguishedName(["C": "CN", "O": organization, "CN": "\(organization) Seal Maker"])))
        return (maker.keyID, maker.certificate)
    }

    // MARK: File and grant

    public func file(by principal: Principal, id: String, filingNumber: String, authority: String) throws -> SealDetails {
        try require(principal, .file)
        let number = try IdentityService.checkName(filingNumber), authority = try IdentityService.checkName(authority)
        return try move(id, .file, by: principal, comment: nil) { record, _ in
            record.filingNumber = number
            record.filingAuthority = authority
            return ["filingNumber": number, "authority": authority]
        }
    }

    public enum Grantee: Sendable, Hashable {
        case person(String)
        case principal(String)
        var kind: GranteeKind { if case .person = self { .person } else { .principal } }
        var id: String { switch self { case .person(let id), .principal(let id): id } }
    }

    /// Authorises a signer (a person with a minimum level, or a platform principal) for a filed or active seal.
    public func grant(by principal: Principal, id: String, to grantee: Grantee, minimumLevel: AssuranceLevel, validFrom: Date?, validTo: Date,
                      usageLimit: Int?) throws -> SealGrantRecord {
        try require(principal, .grant)
        let now = clock()
        let from = validFrom ?? now
        guard validTo > from, validTo > now else { throw TrustError.invalid("validTo must be after validFrom and in the future") }
        if let usageLimit, usageLimit < 1 { throw TrustError.invalid("usageLimit must be at least 1") }
        switch grantee {
        case .person(let personID): _ = try identity.person(id: personID)
        case .principal(let principalID): _ = try AccessService(store: store).principal(id: principalID)
        }
        let current = try load(id)
        if case .deny(let reason) = try identity.decide(principal: principal, personID: nil, organizationID: current.organizationID,
                                                        action: .sealGrant, resource: "seal:\(id)") {
            throw TrustError(.forbidden, reason)
        }
        let grant = SealGrantRecord(id: Hex.encode(SecureRandom.bytes(16)), sealID: id, granteeKind: grantee.kind, granteeID: grantee.id,
                                    minLevel: minimumLevel, validFrom: from, validTo: min(validTo, current.validTo),
                                    usageLimit: usageLimit, createdAt: now)
        _ = try move(id, .grant, by: principal, comment: nil) { _, tx in
            try tx.insert(grant)
            return ["grant": grant.id, "grantee": "\(grantee.kind):\(grantee.id)", "minLevel": minimumLevel.rawValue,
                    "validTo": UTCTime.iso8601(grant.validTo), "usageLimit": usageLimit.map(String.init) ?? "-"]
        }
        return grant
    }

    public func withdraw(by principal: Principal, id: String, grantID: String) throws -> SealDetails {
        try require(principal, .withdraw)
        return try move(id, .withdraw, by: principal, comment: nil) { _, tx in
            guard var grant = try tx.sealGrant(id: grantID), grant.sealID == id else { throw TrustError.notFound("no grant \(grantID) on seal \(id)") }
            guard grant.withdrawnAt == nil else { throw TrustError.conflict("grant \(grantID) is already withdrawn") }
            grant.withdrawnAt = clock()
            try tx.update(grant)
            return ["grant": grantID]
        }
    }

    // MARK: Loss, recovery, revocation, destruction

    public func reportLoss(by principal: Principal, id: String, comment: String?) throws -> SealDetails {
        try require(principal, .reportLoss)
        return try moveWithCertificate(id, .reportLoss, reason: .certificateHold, by: principal, comment: comment, details: [:])
    }

    public func recover(by principal: Principal, id: String, comment: String?) throws -> SealDetails {
        try require(principal, .recover)
        return try moveWithCertificate(id, .recover, reason: .removeFromCRL, by: principal, comment: comment, details: [:])
    }

    public func revoke(by principal: Principal, id: String, reason: RevocationReason = .cessationOfOperation, comment: String?) throws -> SealDetails {
        try require(principal, .revoke)
        guard ![.certificateHold, .removeFromCRL].contains(reason) else { throw TrustError.invalid("use report-loss / recover for holds") }
        return try moveWithCertificate(id, .revoke, reason: reason, by: principal, comment: comment, details: ["reason": reason.name])
    }

    /// A lifecycle step that changes the seal certificate's status in the same transaction (hold, release, revoke),
    /// then drops the certificate's cached OCSP answers.
    private func moveWithCertificate(_ id: String, _ step: SealStep, reason: RevocationReason, by principal: Principal, comment: String?,
                                     details: [String: String]) throws -> SealDetails {
        var serial: String? = nil
        let result = try move(id, step, by: principal, comment: comment) { record, tx in
            serial = record.certificateSerial
            if let certificate = record.certificateSerial {
                _ = try ca.revoke(serial: certificate, reason: reason, actor: principal.auditName, in: tx)
            }
            return details
        }
        serial.map { ca.ocsp.invalidate(serial: $0) }
        return result
    }

    /// Revokes the certificate if it is not revoked yet and destroys the seal key in custody once that commits (the
    /// key is journaled in the transaction, so a crash before its destruction finishes it at the next start).
    public func destroy(by principal: Principal, id: String, comment: String?) throws -> SealDetails {
        try require(principal, .destroy)
        var serial: String? = nil
        var retired: KeyID? = nil
        let result = try move(id, .destroy, by: principal, comment: comment) { record, tx in
            if let certificate = record.certificateSerial, let status = try tx.certificate(serial: certificate)?.status, status != .revoked {
                serial = certificate
                _ = try ca.revoke(serial: certificate, reason: .cessationOfOperation, actor: principal.auditName, in: tx)
            }
            if let keyText = record.keyID, let keyID = try? KeyID(keyText) {
                retired = keyID
                try ca.journal.retire(keyID, label: "seal \(record.esID)", in: tx)
            }
            return ["key": record.keyID ?? "-"]
        }
        retired.map { ca.journal.completeRetirement($0) }
        serial.map { ca.ocsp.invalidate(serial: $0) }
        return result
    }

    // MARK: Queries

    public func details(id: String) throws -> SealDetails {
        try store.read { reader in
            guard let record = try reader.seal(id: id) else { throw TrustError.notFound("no seal \(id)") }
            return SealDetails(record: record, events: try reader.sealEvents(sealID: id), grants: try reader.sealGrants(sealID: id))
        }
    }

    public func list(organizationID: String?, state: SealState?) throws -> [SealRecord] {
        try store.read { try $0.seals(organizationID: organizationID, state: state, limit: 500) }
    }

    public func status(id: String) throws -> SealStatus {
        let record = try load(id)
        let certificateStatus = try record.certificateSerial.map { try ca.certificate(serial: $0).status }
        return SealStatus(id: id, state: record.state, certificateStatus: certificateStatus,
                          validFrom: record.validFrom, validTo: record.validTo, filingNumber: record.filingNumber)
    }

    // MARK: Helpers

    private func require(_ principal: Principal, _ step: SealStep) throws {
        guard principal.roles.contains(step.role) || principal.roles.contains(.admin) && step == .destroy else {
            throw TrustError(.forbidden, "\(step.rawValue) needs the \(step.role.rawValue) role")
        }
    }

    private func load(_ id: String) throws -> SealRecord {
        guard let record = try store.read({ try $0.seal(id: id) }) else { throw TrustError.notFound("no seal \(id)") }
        return record
    }

    private func check(_ record: SealRecord, _ step: SealStep) throws {
        let state = record.state
        guard SealLifecycle.next(state, step) != nil else {
            let allowed = SealLifecycle.allowed(from: state).map(\.rawValue)
            throw TrustError.conflict("seal \(record.id) is \(state.rawValue); \(step.rawValue) is not possible"
                                      + (allowed.isEmpty ? "" : " (possible: \(allowed.joined(separator: ", ")))"))
        }
    }

    /// One lifecycle step in one transaction: state check, `body` (may change the record, write more), new state,
    /// history event and audit record.
    private func move(_ id: String, _ step: SealStep, by principal: Principal, comment: String?,
                      _ body: (inout SealRecord, any Repositories) throws -> [String: String]) throws -> SealDetails {
        if let comment, comment.count > 1000 { throw TrustError.invalid("comment is longer than 1000 characters") }
        let now = clock()
        try store.write { tx in
            guard var record = try tx.seal(id: id) else { throw TrustError.notFound("no seal \(id)") }
            try check(record, step)
            let from = record.state
            let to = SealLifecycle.next(from, step)!
            let details = try body(&record, tx)
            record.state = to
            record.updatedAt = now
            try tx.update(record)
            try event(tx, record, step, from: from, to: to, principal: principal, comment: comment, at: now, details: details)
        }
        return try details(id: id)
    }

    private func event(_ tx: any Repositories, _ record: SealRecord, _ step: SealStep, from: SealState?, to: SealState, principal: Principal,
                       comment: String?, at now: Date, details: [String: String]) throws {
        try tx.insert(SealEventRecord(sealID: record.id, step: step, fromState: from, toState: to,
                                            actor: principal.auditName, comment: comment, time: now))
        var audit = details
        audit["from"] = from?.rawValue ?? "-"
        audit["to"] = to.rawValue
        if let comment { audit["comment"] = comment }
        try tx.appendAudit(AuditEntry(actor: principal.auditName, action: "seal.\(step.rawValue)", object: "seal:\(record.id)", details: audit), at: now)
    }
}
