import Foundation
import TrustCrypto
import TrustModel

/// Organisations' authorisations of persons to act for them, for named actions and a window.
struct AuthorizationRegistry: Sendable {
    let registry: IdentityRegistry
    let clock: @Sendable () -> Date
    var store: any TransactionalStore { registry.store }

    /// Records that `personID` may act for `organizationID` for the actions in `scope` during the window. Policy
    /// `org.authorize` applies: the person and the organisation at its levels (a denial is audited).
    func authorize(
        organizationID: String, personID: String, scope: [String], validFrom: Date?, validTo: Date,
        caller: Caller, useCases: UseCases
    ) throws -> AuthorizationRecord {
        let actor = caller.auditName
        let now = clock()
        let from = validFrom ?? now
        guard !scope.isEmpty, scope.count <= 50 else { throw TrustError.invalid("scope must list 1 to 50 actions") }
        let actions = try scope.map { name in
            guard let action = PolicyAction(rawValue: name) else {
                throw TrustError.invalid(
                    "unknown action '\(name)' in scope (known: \(PolicyAction.allCases.map(\.rawValue).joined(separator: ", ")))"
                )
            }
            return action
        }
        guard validTo > from, validTo > now else {
            throw TrustError.invalid("validTo must be after validFrom and in the future")
        }
        _ = try registry.person(id: personID)
        _ = try registry.organization(id: organizationID)
        let facts = try registry.facts(personID: personID, organizationID: organizationID, action: .orgAuthorize)
        if case .deny(let reason) = AssuranceDecision.evaluate(.orgAuthorize, policy: registry.policy, facts: facts) {
            try useCases.deny(
                caller, action: "organization.authorize", object: "organization:\(organizationID)",
                Denial(reason, details: ["person": personID, "policy": PolicyAction.orgAuthorize.rawValue]), at: now)
        }
        let record = AuthorizationRecord(
            id: Hex.encode(SecureRandom.bytes(16)), organizationID: organizationID, personID: personID,
            scope: actions, validFrom: from, validTo: validTo, createdAt: now)
        try store.write { tx in
            try tx.insert(record)
            try tx.appendAudit(
                AuditEntry(
                    actor: actor, action: "organization.authorize", object: "organization:\(organizationID)",
                    details: [
                        "authorization": record.id, "person": personID,
                        "scope": record.scope.map(\.rawValue).joined(separator: ","),
                        "validFrom": UTCTime.iso8601(from), "validTo": UTCTime.iso8601(validTo),
                    ]), at: now)
        }
        return record
    }

    func revokeAuthorization(id: String, actor: String) throws -> AuthorizationRecord {
        let now = clock()
        return try store.write { tx in
            guard var record = try tx.authorization(id: id) else { throw TrustError.notFound("no authorisation \(id)") }
            guard record.revokedAt == nil else { throw TrustError.conflict("authorisation \(id) is already revoked") }
            record.revokedAt = now
            try tx.update(record)
            try tx.appendAudit(
                AuditEntry(
                    actor: actor, action: "authorization.revoke", object: "authorization:\(id)",
                    details: ["organization": record.organizationID, "person": record.personID]), at: now)
            return record
        }
    }

}
