import Foundation
import TrustCrypto
import TrustModel

/// Persons and organisations: registration, lookups, and their levels derived from the evidence on file now. ID
/// numbers are kept as a keyed hash (lookups) and ciphertext, and shown masked.
public struct IdentityRegistry: Sendable {
    public let store: any TransactionalStore
    public let secrets: IdentitySecrets
    public let policy: AssurancePolicy
    let clock: @Sendable () -> Date

    func registerPerson(name: String, idNumber: String, mobile: String, actor: String) throws -> PersonDetails {
        let name = try Self.checkName(name)
        let number: String
        do { number = try CitizenIDNumber.validate(idNumber) } catch { throw TrustError.invalid("idNumber: \(error)") }
        guard mobile.range(of: "^1[3-9][0-9]{9}$", options: .regularExpression) != nil else {
            throw TrustError.invalid("mobile must be an 11-digit mainland mobile number starting 13–19")
        }
        let id = Hex.encode(SecureRandom.bytes(16))
        let now = clock()
        let record = PersonRecord(
            id: id, name: name, idHash: secrets.lookupHash(number, kind: "citizen-id"),
            idSealed: try secrets.seal(number, context: "person:\(id):id"), idMasked: CitizenIDNumber.mask(number),
            mobileSealed: try secrets.seal(mobile, context: "person:\(id):mobile"),
            mobileMasked: String(mobile.prefix(3)) + "****" + String(mobile.suffix(4)),
            level: .anonymous, createdAt: now)
        try store.write { tx in
            if try tx.person(idHash: record.idHash) != nil {
                throw TrustError.conflict("a person with this ID number is registered")
            }
            try tx.insert(record)
            try tx.appendAudit(
                AuditEntry(
                    actor: actor, action: "person.register", object: "person:\(id)",
                    details: ["idNumber": record.idMasked, "mobile": record.mobileMasked]), at: now)
        }
        return try person(id: id)
    }

    func person(id: String) throws -> PersonDetails {
        guard let record = try store.read({ try $0.person(id: id) }) else {
            throw TrustError.notFound("no person \(id)")
        }
        let evidence = try store.read { try $0.evidence(subject: .person, id: id) }.map(\.evidence)
        return PersonDetails(
            record: record, evidence: evidence, assessment: AssuranceLadder.person(evidence, at: clock()))
    }

    /// Finds a person by ID number (matched by keyed hash).
    func person(idNumber: String) throws -> PersonDetails? {
        guard let number = try? CitizenIDNumber.validate(idNumber) else { return nil }
        let hash = secrets.lookupHash(number, kind: "citizen-id")
        guard let record = try store.read({ try $0.person(idHash: hash) }) else { return nil }
        return try person(id: record.id)
    }

    // MARK: Organisations

    func registerOrganization(name: String, creditCode: String, legalRepresentativeID: String, actor: String) throws
        -> OrganizationDetails
    {
        let name = try Self.checkName(name)
        let code: String
        do { code = try UnifiedSocialCreditCode.validate(creditCode) } catch {
            throw TrustError.invalid("creditCode: \(error)")
        }
        let id = Hex.encode(SecureRandom.bytes(16))
        let now = clock()
        try store.write { tx in
            guard try tx.person(id: legalRepresentativeID) != nil else {
                throw TrustError.notFound(
                    "no person \(legalRepresentativeID) (register the legal representative first)")
            }
            if try tx.organization(creditCode: code) != nil {
                throw TrustError.conflict("an organisation with credit code \(code) is registered")
            }
            try tx.insert(
                OrganizationRecord(
                    id: id, name: name, creditCode: code, legalRepresentativeID: legalRepresentativeID,
                    level: .anonymous, createdAt: now))
            try tx.appendAudit(
                AuditEntry(
                    actor: actor, action: "organization.register", object: "organization:\(id)",
                    details: ["creditCode": code, "legalRepresentative": legalRepresentativeID]), at: now)
        }
        return try organization(id: id)
    }

    func organization(id: String) throws -> OrganizationDetails {
        guard let record = try store.read({ try $0.organization(id: id) }) else {
            throw TrustError.notFound("no organisation \(id)")
        }
        let evidence = try store.read { try $0.evidence(subject: .organization, id: id) }.map(\.evidence)
        let representative = try person(id: record.legalRepresentativeID)
        let authorizations = try store.read { try $0.authorizations(organizationID: id, personID: nil) }
        return OrganizationDetails(
            record: record, evidence: evidence,
            assessment: AssuranceLadder.organization(
                evidence, legalRepresentative: representative.assessment, at: clock()),
            authorizations: authorizations)
    }

    /// Finds an organisation by credit code.
    func organization(creditCode: String) throws -> OrganizationDetails? {
        guard let code = try? UnifiedSocialCreditCode.validate(creditCode),
            let record = try store.read({ try $0.organization(creditCode: code) })
        else { return nil }
        return try organization(id: record.id)
    }

    /// The facts an assurance decision about `action` needs (levels now, authorisation), read from the store.
    func facts(personID: String?, organizationID: String?, action: PolicyAction) throws -> AssuranceFacts {
        let now = clock()
        var facts = AssuranceFacts(personID: personID, organizationID: organizationID)
        if let personID { facts.personLevel = try person(id: personID).assessment.level }
        if let organizationID {
            let organization = try self.organization(id: organizationID)
            facts.organizationLevel = organization.assessment.level
            if let personID {
                facts.actsAsLegalRepresentative = organization.record.legalRepresentativeID == personID
                let held = try store.read { try $0.authorizations(organizationID: organizationID, personID: personID) }
                facts.authorization =
                    held.contains { $0.covers(action, at: now) }
                    ? .held
                    : held.contains { $0.validTo <= now && $0.scope.contains(action) } ? .expired : .none
            }
        }
        return facts
    }

    func personAssessment(_ reader: any Repositories, _ id: String, at now: Date) throws -> LevelAssessment {
        AssuranceLadder.person(try reader.evidence(subject: .person, id: id).map(\.evidence), at: now)
    }

    func organizationAssessment(_ reader: any Repositories, _ org: OrganizationRecord, at now: Date) throws
        -> LevelAssessment
    {
        AssuranceLadder.organization(
            try reader.evidence(subject: .organization, id: org.id).map(\.evidence),
            legalRepresentative: try personAssessment(reader, org.legalRepresentativeID, at: now), at: now)
    }

    static func checkName(_ name: String) throws -> String {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.count <= 100,
            !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { throw TrustError.invalid("name must be 1 to 100 characters without control characters") }
        return trimmed
    }
}
