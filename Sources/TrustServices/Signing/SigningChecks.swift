import BoundedCache
import CMSFormat
import Foundation
import KeyCustody
import SealFormat
import Synchronization
import TrustCrypto
import TrustModel

/// The rules a signature request must pass before key custody signs: the seal's state, validity, certificate and
/// grants (with the grantee's level), or the signing key's owner, state, certificate and level. A refusal is returned
/// (and audited by the caller), an unknown seal or key thrown.
extension SigningService {
    // MARK: Checks

    func checkSeal(_ sealID: String, principal: Principal, request: Request, at now: Date) throws
        -> Swift.Result<Signer, TrustError>
    {
        let records = try sealRecords.records(sealID, in: store)
        let (sealRecord, allGrants, certificateRecord) = (records.seal, records.grants, records.certificate)
        guard let seal = sealRecord else { throw TrustError.notFound("no seal \(sealID)") }
        let state = seal.state
        guard state.canSign else {
            return .failure(TrustError.conflict("seal \(seal.id) is \(state.rawValue) and cannot sign"))
        }
        guard seal.validFrom <= now.addingTimeInterval(0.001), now < seal.validTo else {
            return .failure(
                TrustError.conflict(
                    "seal \(seal.id) is outside its validity (\(UTCTime.iso8601(seal.validFrom)) – \(UTCTime.iso8601(seal.validTo)))"
                ))
        }
        guard let record = certificateRecord, let keyText = seal.keyID, let keyID = try? KeyID(keyText),
            let esealDER = seal.eseal
        else {
            return .failure(TrustError.conflict("seal \(seal.id) has no key or certificate"))
        }
        if let problem = Self.certificateProblem(record, at: now) {
            return .failure(TrustError.conflict("the seal certificate \(problem)"))
        }
        let grants = allGrants.filter {
            $0.withdrawnAt == nil && $0.validFrom <= now.addingTimeInterval(0.001) && now < $0.validTo
        }
        let candidates = grants.filter { grant in
            if let person = request.signerPersonID { return grant.granteeKind == .person && grant.granteeID == person }
            return grant.granteeKind == .principal && grant.granteeID == principal.id
        }
        guard
            let grant = candidates.first(where: { candidate in
                candidate.usageLimit.map { candidate.usageCount < $0 } ?? true
            })
        else {
            let who = request.signerPersonID.map { "person \($0)" } ?? "principal \(principal.name)"
            return .failure(
                TrustError(
                    .forbidden,
                    candidates.isEmpty
                        ? "\(who) holds no current grant for seal \(seal.id)"
                        : "\(who) has used every signature the grant allows"))
        }
        if let person = request.signerPersonID {
            let level = grant.minLevel
            if case .deny(let reason) = try identity.evaluate(
                personID: person, organizationID: nil, action: .signWithSeal, grantLevel: level,
                levelCap: request.levelCap)
            {
                return .failure(TrustError(.forbidden, reason))
            }
        }
        let certificate = try Certificate.cached(der: Array(record.der))
        let parsedSeal = try parsedSeals.seal(seal.id, der: esealDER)
        return .success(
            Signer(keyID: keyID, certificate: certificate, certificateRecord: record, seal: parsedSeal, grant: grant))
    }

    func checkKey(_ id: String, principal: Principal, request: Request, at now: Date) throws
        -> Swift.Result<Signer, TrustError>
    {
        let (keyRecord, certificateRecord) = try store.read { reader in
            let key = try reader.signingKey(id: id)
            return (key, try key.flatMap { try reader.certificate(serial: $0.certificateSerial) })
        }
        guard let key = keyRecord, let record = certificateRecord else {
            throw TrustError.notFound("no signing key \(id)")
        }
        // A key another platform created is not named to this one (audited as a denial, answered as not found).
        guard key.principalID == principal.id else { return .failure(TrustError.notFound("no signing key \(id)")) }
        guard key.state == .active, let keyID = try? KeyID(key.keyID) else {
            return .failure(TrustError.conflict("signing key \(id) is \(key.state.rawValue)"))
        }
        if let problem = Self.certificateProblem(record, at: now) {
            return .failure(TrustError.conflict("the key's certificate \(problem)"))
        }
        guard let person = request.signerPersonID else {
            return .failure(
                TrustError(.forbidden, "signing with key \(id) needs the signer (its holder, person \(key.personID))"))
        }
        guard person == key.personID else {
            return .failure(TrustError(.forbidden, "person \(person) does not hold signing key \(id)"))
        }
        let action: PolicyAction = key.organizationID == nil ? .signWithKey : .signWithOrgKey
        if case .deny(let reason) = try identity.evaluate(
            personID: person, organizationID: key.organizationID, action: action, grantLevel: nil,
            levelCap: request.levelCap)
        {
            return .failure(TrustError(.forbidden, reason))
        }
        let certificate = try Certificate.cached(der: Array(record.der))
        return .success(
            Signer(keyID: keyID, certificate: certificate, certificateRecord: record, seal: nil, grant: nil))
    }

    static func certificateProblem(_ record: CertificateRecord, at now: Date) -> String? {
        if record.notAfter <= now { return "\(record.serial) expired at \(UTCTime.iso8601(record.notAfter))" }
        if record.notBefore > now.addingTimeInterval(1) {
            return "\(record.serial) is not valid before \(UTCTime.iso8601(record.notBefore))"
        }
        if record.status != .valid { return "\(record.serial) is \(record.status.rawValue)" }
        return nil
    }
}

/// Parsed seals keyed by seal id and the bytes they were parsed from (a changed row parses again).
final class ParsedSeals: Sendable {
    private struct Entry: Sendable {
        let der: Data
        let seal: ElectronicSeal
    }
    private let seals = BoundedCache<String, Entry>(.init(maxEntries: 4096, maxBytes: 64 << 20)) { id, entry in
        id.utf8.count + 2 * entry.der.count + 256
    }

    func seal(_ id: String, der: Data) throws -> ElectronicSeal {
        if let hit = seals[id], hit.der == der { return hit.seal }
        let seal = try ElectronicSeal(der: Array(der))
        seals.insert(Entry(der: der, seal: seal), forKey: id)
        return seal
    }
}
