import Foundation
import KeyCustody
import TrustCrypto
import TrustModel

extension SealService {
    // MARK: File and grant

    public func file(id: String, filingNumber: String, authority: String, by caller: Caller) async throws -> SealDetails
    {
        let number = try IdentityService.checkName(filingNumber)
        let authority = try IdentityService.checkName(authority)
        return try await step(id, .file, comment: nil, by: caller) { record, _ in
            record.filingNumber = number
            record.filingAuthority = authority
            return ["filingNumber": number, "authority": authority]
        }
    }

    public enum Grantee: Sendable, Hashable {
        case person(String)
        case principal(String)
        var kind: GranteeKind { if case .person = self { .person } else { .principal } }
        var id: String {
            switch self {
            case .person(let id), .principal(let id): id
            }
        }
    }

    /// Authorises a signer (a person with a minimum level, or a platform principal) for a filed or active seal. The
    /// organisation must be at policy `seal.grant`'s level.
    public func grant(
        id: String, to grantee: Grantee, minimumLevel: AssuranceLevel, validFrom: Date?, validTo: Date,
        usageLimit: Int?,
        by caller: Caller
    ) async throws -> SealGrantRecord {
        if let usageLimit, usageLimit < 1 { throw TrustError.invalid("usageLimit must be at least 1") }
        try await useCases.check(caller, .sealGrant, action: "seal.grant", object: "seal:\(id)")
        return try await useCases.executor.run { [self] in
            let now = clock()
            let from = validFrom ?? now
            guard validTo > from, validTo > now else {
                throw TrustError.invalid("validTo must be after validFrom and in the future")
            }
            switch grantee {
            case .person(let personID): _ = try identity.person(id: personID)
            case .principal(let principalID):
                guard try store.read({ try $0.principal(id: principalID) }) != nil else {
                    throw TrustError.notFound("no principal \(principalID)")
                }
            }
            let current = try load(id)
            if case .deny(let reason) = try identity.evaluate(
                personID: nil, organizationID: current.organizationID, action: .sealGrant, grantLevel: nil)
            {
                try useCases.deny(caller, action: "seal.grant", object: "seal:\(id)", Denial(reason), at: now)
            }
            let grant = SealGrantRecord(
                id: Hex.encode(SecureRandom.bytes(16)), sealID: id, granteeKind: grantee.kind, granteeID: grantee.id,
                minLevel: minimumLevel, validFrom: from, validTo: min(validTo, current.validTo),
                usageLimit: usageLimit, createdAt: now)
            _ = try move(id, .grant, by: caller, comment: nil) { _, tx in
                try tx.insert(grant)
                return [
                    "grant": grant.id, "grantee": "\(grantee.kind.rawValue):\(grantee.id)",
                    "minLevel": minimumLevel.rawValue,
                    "validTo": UTCTime.iso8601(grant.validTo), "usageLimit": usageLimit.map(String.init) ?? "-",
                ]
            }
            return grant
        }
    }

    public func withdraw(id: String, grantID: String, by caller: Caller) async throws -> SealDetails {
        try await step(id, .withdraw, comment: nil, by: caller) { [clock] _, tx in
            guard var grant = try tx.sealGrant(id: grantID), grant.sealID == id else {
                throw TrustError.notFound("no grant \(grantID) on seal \(id)")
            }
            guard grant.withdrawnAt == nil else { throw TrustError.conflict("grant \(grantID) is already withdrawn") }
            grant.withdrawnAt = clock()
            try tx.update(grant)
            return ["grant": grantID]
        }
    }

    // MARK: Loss, recovery, revocation, destruction

    /// Reports the seal lost: its certificate goes on hold in the same transaction.
    public func reportLoss(id: String, comment: String?, by caller: Caller) async throws -> SealDetails {
        try await stepWithCertificate(
            id, .reportLoss, reason: .certificateHold, comment: comment, by: caller, details: [:])
    }

    /// A lost seal found again: the hold is released.
    public func recover(id: String, comment: String?, by caller: Caller) async throws -> SealDetails {
        try await stepWithCertificate(id, .recover, reason: .removeFromCRL, comment: comment, by: caller, details: [:])
    }

    public func revoke(
        id: String, reason: RevocationReason = .cessationOfOperation, comment: String?, by caller: Caller
    ) async throws -> SealDetails {
        guard ![.certificateHold, .removeFromCRL].contains(reason) else {
            throw TrustError.invalid("use report-loss / recover for holds")
        }
        return try await stepWithCertificate(
            id, .revoke, reason: reason, comment: comment, by: caller,
            details: ["reason": reason.name])
    }

    /// A step that changes the seal certificate's status in the same transaction (hold, release, revoke), then drops
    /// the certificate's cached OCSP answers.
    private func stepWithCertificate(
        _ id: String, _ step: SealStep, reason: RevocationReason, comment: String?,
        by caller: Caller, details: [String: String]
    ) async throws -> SealDetails {
        if let comment, comment.count > 1000 { throw TrustError.invalid("comment is longer than 1000 characters") }
        try await useCases.check(caller, step.permission, action: "seal.\(step.rawValue)", object: "seal:\(id)")
        return try await useCases.executor.run { [self] in
            var serial: String? = nil
            let result = try move(id, step, by: caller, comment: comment) { record, tx in
                serial = record.certificateSerial
                if let certificate = record.certificateSerial {
                    _ = try ca.revoke(serial: certificate, reason: reason, actor: caller.auditName, in: tx)
                }
                return details
            }
            serial.map { ca.ocsp.invalidate(serial: $0) }
            return result
        }
    }

    /// Revokes the certificate if it is not revoked yet and destroys the seal key in custody once that commits (the
    /// key is journaled in the transaction, so a crash before its destruction finishes it at the next start).
    public func destroy(id: String, comment: String?, by caller: Caller) async throws -> SealDetails {
        if let comment, comment.count > 1000 { throw TrustError.invalid("comment is longer than 1000 characters") }
        try await useCases.check(caller, .sealDestroy, action: "seal.destroy", object: "seal:\(id)")
        return try await useCases.executor.run { [self] in
            var serial: String? = nil
            var retired: KeyID? = nil
            let result = try move(id, .destroy, by: caller, comment: comment) { record, tx in
                if let certificate = record.certificateSerial,
                    let status = try tx.certificate(serial: certificate)?.status, status != .revoked
                {
                    serial = certificate
                    _ = try ca.revoke(
                        serial: certificate, reason: .cessationOfOperation, actor: caller.auditName, in: tx)
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
    }

    // MARK: Queries

    public func details(id: String, by caller: Caller) async throws -> SealDetails {
        try await useCases.read(caller, .sealRead, action: "seal.read", object: "seal:\(id)") { tx in
            try Self.details(id: id, in: tx)
        }
    }

    public func list(organizationID: String?, state: SealState?, by caller: Caller) async throws -> [SealDetails] {
        try await useCases.read(caller, .sealRead, action: "seal.read", object: "seal:*") { tx in
            try tx.seals(organizationID: organizationID, state: state, limit: 500).map {
                try Self.details(id: $0.id, in: tx)
            }
        }
    }

    /// What platforms ask before relying on a seal (状态查询).
    public func status(id: String, by caller: Caller) async throws -> SealStatus {
        try await useCases.read(caller, .sealRead, action: "seal.read", object: "seal:\(id)") { tx in
            guard let record = try tx.seal(id: id) else { throw TrustError.notFound("no seal \(id)") }
            let certificateStatus = try record.certificateSerial.map { serial -> CertificateStatus in
                guard let certificate = try tx.certificate(serial: serial) else {
                    throw TrustError(.integrity, "seal \(id) names no certificate \(serial)")
                }
                return certificate.status
            }
            return SealStatus(
                id: id, state: record.state, certificateStatus: certificateStatus,
                validFrom: record.validFrom, validTo: record.validTo, filingNumber: record.filingNumber)
        }
    }

    /// A seal's public status for the verification page, found by its id, its esID or its filing number (备案号):
    /// what is printed on or carried in a sealed document, nothing about grants or applicants.
    public func lookup(_ query: String, by caller: Caller) async throws -> PublicSealStatus {
        try await useCases.read(caller, .sealLookup, action: "seal.lookup", object: "seal:\(query)") { tx in
            guard
                let record = try tx.seal(id: query) ?? tx.seal(esID: query) ?? tx.seal(filingNumber: query),
                record.state != .applied && record.state != .rejected
            else { throw TrustError.notFound("no seal has this id, seal code or filing number") }
            let certificateStatus = try record.certificateSerial.flatMap { try tx.certificate(serial: $0)?.status }
            return PublicSealStatus(
                id: record.id, esID: record.esID, name: record.name, type: record.type,
                organization: try tx.organization(id: record.organizationID)?.name ?? "-", state: record.state,
                certificateStatus: certificateStatus, validFrom: record.validFrom, validTo: record.validTo,
                filingNumber: record.filingNumber)
        }
    }

    func detailsNow(id: String) throws -> SealDetails { try store.read { tx in try Self.details(id: id, in: tx) } }

    static func details(id: String, in tx: any Repositories) throws -> SealDetails {
        guard let record = try tx.seal(id: id) else { throw TrustError.notFound("no seal \(id)") }
        return SealDetails(record: record, events: try tx.sealEvents(sealID: id), grants: try tx.sealGrants(sealID: id))
    }
}
