import Foundation
import TrustCrypto
import TrustModel

/// Evidence and the levels it makes: recording a verification's outcome, auditing every level change it causes (the
/// subject's and, for a person, the organisations they represent) in the same transaction, and revoking evidence.
struct EvidenceLedger: Sendable {
    let registry: IdentityRegistry
    var store: any TransactionalStore { registry.store }
    var policy: AssurancePolicy { registry.policy }
    let clock: @Sendable () -> Date

    /// Revokes a piece of evidence (e.g. a mistaken counter check); the level is recomputed and the change audited.
    func revokeEvidence(id: String, reason: String, actor: String) throws -> Evidence {
        guard !reason.isEmpty, reason.count <= 500 else {
            throw TrustError.invalid("a revocation reason of 1–500 characters is required")
        }
        let now = clock()
        return try store.write { tx in
            guard var record = try tx.evidence(id: id) else { throw TrustError.notFound("no evidence \(id)") }
            guard record.revokedAt == nil else { throw TrustError.conflict("evidence \(id) is already revoked") }
            let kind = record.subjectKind
            let before = try levels(tx, kind, record.subjectID, at: now)
            record.revokedAt = now
            record.revocationReason = reason
            try tx.update(record)
            try tx.appendAudit(
                AuditEntry(
                    actor: actor, action: "evidence.revoke", object: "evidence:\(id)",
                    details: [
                        "subject": "\(record.subjectKind.rawValue):\(record.subjectID)",
                        "method": record.method.rawValue, "reason": reason,
                    ]), at: now)
            try auditLevelChanges(tx, before: before, kind, record.subjectID, cause: id, actor: actor, at: now)
            return record.evidence
        }
    }

    func recordAnswer(
        _ answer: RegistryAnswer, _ kind: SubjectKind, _ id: String, _ method: VerificationMethod, source: String,
        actor: String
    ) throws {
        let now = clock()
        _ = try store.write { tx in
            switch answer {
            case .confirmed(let reference):
                try record(
                    tx, kind, id, method, passed: true, source: source, reference: reference, actor: actor, at: now)
            case .mismatch(let detail):
                try record(
                    tx, kind, id, method, passed: false, source: source, reference: nil, actor: actor, at: now,
                    failure: detail)
            case .unknown:
                try record(
                    tx, kind, id, method, passed: false, source: source, reference: nil, actor: actor, at: now,
                    failure: "not known to \(source)")
            }
        }
        switch answer {
        case .confirmed: return
        case .mismatch(let detail): throw TrustError(.verificationFailed, "\(method.rawValue) check failed: \(detail)")
        case .unknown:
            throw TrustError(
                .verificationFailed, "\(method.rawValue) check failed: the subject is not known to \(source)")
        }
    }

    /// Inserts evidence, audits it, and audits any level change of the subject (and of organisations whose legal
    /// representative the subject is) with the evidence id — all in the caller's transaction.
    @discardableResult
    func record(
        _ tx: any Repositories, _ kind: SubjectKind, _ id: String, _ method: VerificationMethod, passed: Bool,
        source: String, reference: String?, actor: String, at now: Date, failure: String? = nil
    ) throws -> String {
        guard method.subjects.contains(kind) else {
            throw TrustError.invalid("\(method.rawValue) does not apply to a \(kind.rawValue)")
        }
        let before = try levels(tx, kind, id, at: now)
        let evidence = EvidenceRecord(
            id: Hex.encode(SecureRandom.bytes(16)), subjectKind: kind, subjectID: id, method: method,
            passed: passed, verifiedAt: now, expiresAt: policy.expiry(of: method, verifiedAt: now),
            source: source, reference: reference, operatorName: actor)
        try tx.insert(evidence)
        var details = ["method": method.rawValue, "source": source, "evidence": evidence.id]
        if let failure { details["failure"] = failure }
        try tx.appendAudit(
            AuditEntry(
                actor: actor, action: "identity.verify", object: "\(kind.rawValue):\(id)",
                outcome: passed ? .success : .failure, details: details), at: now)
        try auditLevelChanges(tx, before: before, kind, id, cause: evidence.id, actor: actor, at: now)
        return evidence.id
    }

    /// Levels of the subject and of dependent organisations, keyed `kind:id`.
    func levels(_ reader: any Repositories, _ kind: SubjectKind, _ id: String, at now: Date) throws -> [String:
        AssuranceLevel]
    {
        var out: [String: AssuranceLevel] = [:]
        switch kind {
        case .person:
            let assessment = try registry.personAssessment(reader, id, at: now)
            out["person:\(id)"] = assessment.level
            for org in try reader.organizations(legalRepresentative: id) {
                out["organization:\(org.id)"] = try registry.organizationAssessment(reader, org, at: now).level
            }
        case .organization:
            guard let org = try reader.organization(id: id) else { throw TrustError.notFound("no organisation \(id)") }
            out["organization:\(id)"] = try registry.organizationAssessment(reader, org, at: now).level
        }
        return out
    }

    func auditLevelChanges(
        _ tx: any Repositories, before: [String: AssuranceLevel], _ kind: SubjectKind, _ id: String,
        cause: String, actor: String, at now: Date
    ) throws {
        let after = try levels(tx, kind, id, at: now)
        for (subject, level) in after.sorted(by: { $0.key < $1.key }) where before[subject] != level {
            let parts = subject.split(separator: ":", maxSplits: 1).map(String.init)
            if parts[0] == "person", var record = try tx.person(id: parts[1]) {
                record.level = level
                try tx.update(record)
            } else if parts[0] == "organization", var record = try tx.organization(id: parts[1]) {
                record.level = level
                try tx.update(record)
            }
            try tx.appendAudit(
                AuditEntry(
                    actor: actor, action: "identity.level", object: subject,
                    details: [
                        "from": before[subject]?.rawValue ?? "anonymous", "to": level.rawValue, "evidence": cause,
                    ]), at: now)
        }
    }

}
