import Foundation
import KeyCustody
import TrustCrypto
import TrustModel

/// Personal and organisation signing keys (`POST /v1/keys`): a key generated in key custody for a person, or for an
/// organisation held by one of its people, with a certificate from profile `person-signing` (ID number in the
/// citizen-id extension) or `org-signing` (credit code). The identity policy decides (`key.create.person`,
/// `key.create.org`); the platform principal that asked is the only one that may sign with the key, always naming
/// its owner (`sign.with-key`, `sign.with-org-key`). Creation is one transaction with the certificate and the audit
/// record; the fresh key is destroyed if anything fails.
public final class SigningKeyService: Sendable {
    public enum Owner: Sendable, Hashable {
        case person(String)
        /// The organisation and the person who holds its key (legal representative or authorised).
        case organization(String, person: String)
    }

    public struct Details: Sendable {
        public let record: SigningKeyRecord
        public let certificate: Certificate
        public let certificateStatus: CertificateStatus
    }

    public let store: any TransactionalStore
    public let ca: CertificateAuthority
    public let keys: any KeyStore
    public let identity: IdentityService
    let clock: @Sendable () -> Date
    let useCases: UseCases

    public init(
        store: any TransactionalStore, ca: CertificateAuthority, keys: any KeyStore, identity: IdentityService,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.useCases = UseCases(store: store, executor: ca.useCases.executor, clock: clock)
        self.store = store
        self.ca = ca
        self.keys = keys
        self.identity = identity
        self.clock = clock
    }

    /// The CA issuing a signing certificate for `keyType`: SM2 from the SM2 hierarchy, RSA and P-256 from the RSA one.
    static func issuingCA(for keyType: KeyType) -> String { keyType == .sm2 ? "sm2-issuing" : "rsa-issuing" }

    /// Creates a key and its certificate for `owner`, on behalf of the calling platform.
    public func create(owner: Owner, keyType: KeyType, by caller: Caller) async throws -> Details {
        let object: String =
            switch owner {
            case .person(let id): "person:\(id)"
            case .organization(let id, _): "organization:\(id)"
            }
        try await useCases.check(caller, .keyCreate, action: "key.create", object: object)
        return try await useCases.executor.run { [self] in
            try createNow(owner: owner, keyType: keyType, caller: caller, object: object)
        }
    }

    private func createNow(owner: Owner, keyType: KeyType, caller: Caller, object: String) throws -> Details {
        guard let principal = caller.principal, principal.roles.contains(.platform) else {
            throw TrustError(.forbidden, "signing keys are created for a platform principal")
        }
        let personID: String
        let organizationID: String?
        let action: PolicyAction
        let profile: String
        switch owner {
        case .person(let id):
            (personID, organizationID, action, profile) = (id, nil, .keyCreatePerson, "person-signing")
        case .organization(let id, let person):
            (personID, organizationID, action, profile) = (person, id, .keyCreateOrg, "org-signing")
        }
        guard try ca.profiles.profile(profile).keyTypes.contains(keyType.rawValue) else {
            throw TrustError.invalid("profile \(profile) does not allow \(keyType.rawValue) keys")
        }
        let person = try identity.person(id: personID).record
        let organization = try organizationID.map { try identity.organization(id: $0).record }
        if case .deny(let reason) = try identity.evaluate(
            personID: personID, organizationID: organizationID, action: action, grantLevel: nil)
        {
            try useCases.deny(
                caller, action: "key.create", object: object,
                Denial(reason, details: ["policy": action.rawValue, "person": personID]),
                at: clock())
        }
        let subject: DistinguishedName
        let identityFields: [CertificateProfile.IdentityExtension: String]
        if let organization {
            subject = DistinguishedName(["C": "CN", "O": organization.name, "CN": organization.name])
            identityFields = [.organizationCode: organization.creditCode]
        } else {
            subject = DistinguishedName(["C": "CN", "CN": person.name])
            identityFields = [.citizenID: try identity.secrets.open(person.idSealed, context: "person:\(person.id):id")]
        }
        let keyInfo = try ca.journal.generate(keyType, label: "\(profile) \(organizationID ?? personID)")
        let id = Hex.encode(SecureRandom.bytes(16))
        do {
            let pending = try ca.prepare(
                publicKey: try custody { try keys.publicKey(keyInfo.id) }, subject: subject, profile: profile,
                ca: Self.issuingCA(for: keyType), identity: identityFields, actor: principal.auditName)
            let now = clock()
            let record = SigningKeyRecord(
                id: id, ownerKind: organizationID == nil ? .person : .organization, personID: personID,
                organizationID: organizationID, principalID: principal.id, keyID: keyInfo.id.rawValue, keyType: keyType,
                certificateSerial: pending.issued.record.serial, createdAt: now)
            try store.write { tx in
                try ca.commit(pending, in: tx)
                try tx.insert(record)
                try ca.journal.settle(keyInfo.id, in: tx)
                try tx.appendAudit(
                    AuditEntry(
                        actor: principal.auditName, action: "key.create", object: "signing-key:\(id)",
                        details: [
                            "owner": organizationID.map { "organization:\($0)" } ?? "person:\(personID)",
                            "person": personID, "keyType": keyType.rawValue,
                            "profile": profile, "certificate": record.certificateSerial,
                        ]), at: now)
            }
        } catch {
            ca.journal.abandon(keyInfo.id)
            throw error
        }
        return try detailsNow(id: id, for: principal)
    }

    /// A key's record and certificate; platforms see only the keys they created.
    public func details(id: String, by caller: Caller) async throws -> Details {
        try await useCases.check(caller, .keyRead, action: "key.read", object: "signing-key:\(id)")
        return try await useCases.executor.run { [self] in try detailsNow(id: id, for: caller.principal) }
    }

    func detailsNow(id: String, for principal: Principal?) throws -> Details {
        let record = try load(id, for: principal)
        let certificate = try ca.certificateRecord(serial: record.certificateSerial)
        return Details(
            record: record, certificate: try Certificate(der: Array(certificate.der)),
            certificateStatus: certificate.status)
    }

    /// Revokes the certificate in one transaction with the audit record, then destroys the key in custody (journaled in
    /// that transaction, so a crash before the destruction finishes it at the next start).
    public func revoke(id: String, reason: RevocationReason, by caller: Caller) async throws -> Details {
        try await useCases.check(caller, .keyRevoke, action: "key.revoke", object: "signing-key:\(id)")
        return try await useCases.executor.run { [self] in try revokeNow(id: id, reason: reason, caller: caller) }
    }

    private func revokeNow(id: String, reason: RevocationReason, caller: Caller) throws -> Details {
        let record = try load(id, for: caller.principal)
        guard record.state == .active else {
            throw TrustError.conflict("signing key \(id) is already \(record.state.rawValue)")
        }
        guard let keyID = try? KeyID(record.keyID) else {
            throw TrustError(.integrity, "signing key \(id) names no valid custody key")
        }
        let now = clock()
        try store.write { tx in
            guard var current = try tx.signingKey(id: id), current.state == .active else {
                throw TrustError.conflict("signing key \(id) changed")
            }
            current.state = .revoked
            current.revokedAt = now
            try tx.update(current)
            if try tx.certificate(serial: record.certificateSerial)?.status != .revoked {
                _ = try ca.revoke(serial: record.certificateSerial, reason: reason, actor: caller.auditName, in: tx)
            }
            try tx.appendAudit(
                AuditEntry(
                    actor: caller.auditName, action: "key.revoke", object: "signing-key:\(id)",
                    details: ["reason": reason.name, "certificate": record.certificateSerial]), at: now)
            try ca.journal.retire(keyID, label: "signing-key \(id)", in: tx)
        }
        ca.journal.completeRetirement(keyID)
        ca.ocsp.invalidate(serial: record.certificateSerial)
        return try detailsNow(id: id, for: caller.principal)
    }

    /// The key, when `principal` may see it: its creator, an admin or an auditor (or trustd itself, `nil`).
    func load(_ id: String, for principal: Principal?) throws -> SigningKeyRecord {
        guard let record = try store.read({ try $0.signingKey(id: id) }),
            principal.map({ $0.roles.contains(.admin) || $0.roles.contains(.auditor) || record.principalID == $0.id })
                ?? true
        else { throw TrustError.notFound("no signing key \(id)") }
        return record
    }
}
