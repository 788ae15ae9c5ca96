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

/// What anyone may learn of a seal on the public verification page.
public struct PublicSealStatus: Sendable {
    public let id, esID, name, type, organization: String
    public let state: SealState
    public let certificateStatus: CertificateStatus?
    public let validFrom, validTo: Date
    public let filingNumber: String?
}

/// The seal registry: apply → review → make → file → grant → report loss / recover → revoke → destroy.
///
/// Each step checks the caller's permission, separation of duties and the current state (SealLifecycle), and is one
/// transaction with its audit record and history event; a refusal (permission, separation of duties, level) is one
/// `denied` audit record. The steps run on the blocking executor. Making a seal generates its key in key custody first, then
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
    public let useCases: UseCases
    /// Called at named points inside transactions ("seal.make.before-commit"); tests throw there to simulate a crash.
    let faultPoint: (@Sendable (String) throws -> Void)?

    public init(
        store: any TransactionalStore, ca: CertificateAuthority, keys: any KeyStore, identity: IdentityService,
        types: SealTypeCatalog,
        identities: SystemIdentities? = nil, vendorID: String = "trustd",
        clock: @escaping @Sendable () -> Date = { Date() },
        faultPoint: (@Sendable (String) throws -> Void)? = nil
    ) {
        self.faultPoint = faultPoint
        self.identities = identities ?? SystemIdentities(ca: ca, journal: ca.journal, clock: clock)
        self.useCases = UseCases(store: store, executor: ca.useCases.executor, clock: clock)
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

    // MARK: Apply, review, make

    /// A person authorised by the organisation applies for a seal of `type`.
    /// Without `applicantPersonID` the organisation's legal representative applies.
    public func apply(
        organizationID: String, applicantPersonID: String?, type code: String, name: String, picture: Picture,
        validTo: Date?, keyType: String?, by caller: Caller
    ) async throws -> SealDetails {
        try await useCases.check(caller, .sealApply, action: "seal.apply", object: "organization:\(organizationID)")
        return try await useCases.executor.run { [self] in
            try applyNow(
                organizationID: organizationID, applicantPersonID: applicantPersonID, type: code, name: name,
                picture: picture,
                validTo: validTo, keyType: keyType, caller: caller)
        }
    }

    func applyNow(
        organizationID: String, applicantPersonID: String?, type code: String, name: String, picture: Picture,
        validTo: Date?, keyType: String?, caller: Caller
    ) throws -> SealDetails {
        let applicantPersonID =
            try applicantPersonID ?? identity.organization(id: organizationID).record.legalRepresentativeID
        let type = try types.type(code)
        let name = try IdentityService.checkName(name)
        try type.checkPicture(
            format: picture.format, data: picture.data, widthMM: picture.widthMM, heightMM: picture.heightMM)
        let keyName = keyType ?? type.keyTypes[0]
        guard type.keyTypes.contains(keyName), let keyType = KeyType(name: keyName) else {
            throw TrustError.invalid(
                "key type \(keyName) is not allowed for \(code) seals (\(type.keyTypes.joined(separator: ", ")))")
        }
        guard let pictureFormat = SealPictureFormat(name: picture.format) else {
            throw TrustError.invalid(
                "picture format \(picture.format) is not one of \(SealPictureFormat.allCases.map(\.rawValue).joined(separator: ", "))"
            )
        }
        let now = clock()
        let end = validTo ?? now.addingTimeInterval(TimeInterval(type.validityDays) * 86400)
        guard end > now, end <= now.addingTimeInterval(TimeInterval(type.validityDays) * 86400 + 60) else {
            throw TrustError.invalid(
                "validTo must be in the future and at most \(type.validityDays) days away for \(code) seals")
        }
        // The policy's seal.apply rule, then the type's own levels (a refusal of either is one denied record).
        let object = "organization:\(organizationID)"
        if case .deny(let reason) = try identity.evaluate(
            personID: applicantPersonID, organizationID: organizationID, action: .sealApply,
            grantLevel: nil)
        {
            try useCases.deny(
                caller, action: "seal.apply", object: object, Denial(reason, details: ["applicant": applicantPersonID]),
                at: now)
        }
        let personLevel = try identity.person(id: applicantPersonID).assessment.level
        let orgLevel = try identity.organization(id: organizationID).assessment.level
        if personLevel < type.applicantLevel || orgLevel < type.organizationLevel {
            let reason =
                "\(code) seals need the applicant at \(type.applicantLevel.rawValue) and the organisation at \(type.organizationLevel.rawValue)"
                + " (they are at \(personLevel.rawValue) and \(orgLevel.rawValue))"
            try useCases.deny(
                caller, action: "seal.apply", object: object, Denial(reason, details: ["applicant": applicantPersonID]),
                at: now)
        }
        let id = Hex.encode(SecureRandom.bytes(16))
        let record = SealRecord(
            id: id, organizationID: organizationID, type: code, name: name, state: .applied,
            applicant: caller.auditName, applicantPersonID: applicantPersonID, pictureFormat: pictureFormat,
            picture: Data(picture.data), widthMM: picture.widthMM, heightMM: picture.heightMM, keyType: keyType,
            validFrom: now, validTo: end, esID: "TD" + Hex.encode(SecureRandom.bytes(8)).uppercased(), createdAt: now)
        try store.write { tx in
            try tx.insert(record)
            try event(
                tx, record, .apply, from: nil, to: .applied, caller: caller, comment: nil, at: now,
                details: ["organization": organizationID, "type": code, "applicant": applicantPersonID])
        }
        return try detailsNow(id: id)
    }

    /// Approve or reject an application; the reviewer must not be the applicant.
    public func review(id: String, approve: Bool, comment: String?, by caller: Caller) async throws -> SealDetails {
        let review: SealStep = approve ? .approve : .reject
        return try await step(id, review, comment: comment, by: caller) { record, _ in
            guard record.applicant != caller.auditName else {
                throw Denial("separation of duties: the applicant cannot review their own application")
            }
            return [:]
        }
    }

    // MARK: Make

    /// Generates the seal key in custody, issues the seal certificate and builds the SESeal signed by trustd's seal
    /// maker (profile `seal-maker`).
    public func make(id: String, by caller: Caller) async throws -> SealDetails {
        try await useCases.check(caller, .sealMake, action: "seal.make", object: "seal:\(id)")
        return try await useCases.executor.run { [self] in try makeNow(id: id, caller: caller) }
    }

    private func makeNow(id: String, caller: Caller) throws -> SealDetails {
        let current = try load(id)
        try check(current, .make)
        guard caller.auditName != current.applicant else {
            try useCases.deny(
                caller, action: "seal.make", object: "seal:\(id)",
                Denial("separation of duties: the applicant cannot make their own seal"), at: clock())
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
            let pending = try ca.prepare(
                publicKey: publicKey,
                subject: DistinguishedName(["C": "CN", "O": organization.name, "CN": current.name]),
                profile: type.profile, ca: type.ca, identity: [.organizationCode: organization.creditCode],
                validityDays: min(days, try ca.profiles.profile(type.profile).validityDays), actor: caller.auditName)
            let certificate = pending.issued.certificate
            let info = SealInfo(
                header: SealHeader(vendorID: vendorID), esID: current.esID,
                property: SealProperty(
                    type: type.typeCode, name: current.name, certificateList: .certificates([certificate.der]),
                    createDate: now, validStart: current.validFrom, validEnd: min(current.validTo, certificate.notAfter)
                ),
                picture: SealPicture(
                    type: current.pictureFormat.rawValue.uppercased(), data: Array(current.picture),
                    widthMM: current.widthMM, heightMM: current.heightMM))
            let makerKey = maker.keyID
            let seal = try ElectronicSeal.make(
                info: info, makerCertificate: maker.certificate.der, signatureAlgorithm: SealAlgorithm.sm2WithSM3
            ) { bytes in
                try custody { try keys.sign(bytes, with: makerKey, algorithm: .sm2(id: .default)) }
            }
            guard seal.makerSignatureProblem() == nil else {
                throw TrustError(.integrity, "the made seal does not verify")
            }
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
                try event(
                    tx, record, .make, from: .approved, to: .made, caller: caller, comment: nil, at: now,
                    details: ["certificate": certificate.serialHex, "key": keyInfo.id.rawValue, "esID": current.esID])
                try faultPoint?("seal.make.before-commit")
            }
        } catch {
            // Nothing names the fresh key: destroy it rather than leave an orphan in custody.
            ca.journal.abandon(keyInfo.id)
            throw error
        }
        return try detailsNow(id: id)
    }

    /// trustd's seal maker (制章者): an SM2 key in custody with a `seal-maker` certificate from the SM2 issuing CA
    /// (see ``SystemIdentities``).
    func makerIdentity() throws -> (keyID: KeyID, certificate: Certificate) {
        let organization = ca.configuration.organization
        let maker = try identities.identity(
            SystemIdentities.Spec(
                name: "seal.maker", keyType: .sm2, profile: "seal-maker", ca: "sm2-issuing",
                subject: DistinguishedName(["C": "CN", "O": organization, "CN": "\(organization) Seal Maker"])))
        return (maker.keyID, maker.certificate)
    }

    // MARK: Helpers

    func load(_ id: String) throws -> SealRecord {
        guard let record = try store.read({ try $0.seal(id: id) }) else { throw TrustError.notFound("no seal \(id)") }
        return record
    }

    func check(_ record: SealRecord, _ step: SealStep) throws {
        let state = record.state
        guard SealLifecycle.next(state, step) != nil else {
            let allowed = SealLifecycle.allowed(from: state).map(\.rawValue)
            throw TrustError.conflict(
                "seal \(record.id) is \(state.rawValue); \(step.rawValue) is not possible"
                    + (allowed.isEmpty ? "" : " (possible: \(allowed.joined(separator: ", ")))"))
        }
    }

    /// One lifecycle step as a use case: the permission, then in one transaction the state check, `body` (may change
    /// the record, write more, or refuse with a ``Denial``), the new state, history event and audit record.
    func step(
        _ id: String, _ step: SealStep, comment: String?, by caller: Caller,
        _ body: @escaping @Sendable (inout SealRecord, any Repositories) throws -> [String: String]
    ) async throws -> SealDetails {
        if let comment, comment.count > 1000 { throw TrustError.invalid("comment is longer than 1000 characters") }
        let action = "seal.\(step.rawValue)"
        try await useCases.check(caller, step.permission, action: action, object: "seal:\(id)")
        return try await useCases.executor.run { [self] in try move(id, step, by: caller, comment: comment, body) }
    }

    /// The transaction of a step (see ``step(_:_:permission:comment:by:_:)``), on the calling thread.
    func move(
        _ id: String, _ step: SealStep, by caller: Caller, comment: String?,
        _ body: (inout SealRecord, any Repositories) throws -> [String: String]
    ) throws -> SealDetails {
        let now = clock()
        do {
            try store.write { tx in
                guard var record = try tx.seal(id: id) else { throw TrustError.notFound("no seal \(id)") }
                try check(record, step)
                let from = record.state
                let to = SealLifecycle.next(from, step)!
                let details = try body(&record, tx)
                record.state = to
                record.updatedAt = now
                try tx.update(record)
                try event(
                    tx, record, step, from: from, to: to, caller: caller, comment: comment, at: now, details: details)
            }
        } catch let denial as Denial {
            try useCases.deny(caller, action: "seal.\(step.rawValue)", object: "seal:\(id)", denial, at: now)
        }
        return try detailsNow(id: id)
    }

    func event(
        _ tx: any Repositories, _ record: SealRecord, _ step: SealStep, from: SealState?, to: SealState, caller: Caller,
        comment: String?, at now: Date, details: [String: String]
    ) throws {
        try tx.insert(
            SealEventRecord(
                sealID: record.id, step: step, fromState: from, toState: to,
                actor: caller.auditName, comment: comment, time: now))
        var audit = details
        audit["from"] = from?.rawValue ?? "-"
        audit["to"] = to.rawValue
        if let comment { audit["comment"] = comment }
        try tx.appendAudit(
            AuditEntry(
                actor: caller.auditName, action: "seal.\(step.rawValue)", object: "seal:\(record.id)", details: audit),
            at: now)
    }
}
