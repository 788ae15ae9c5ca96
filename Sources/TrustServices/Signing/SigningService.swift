import Foundation
import KeyCustody
import SealFormat
import TrustCrypto
import TrustModel
import TrustStore

/// Signs documents for platforms with a seal: checks that the caller may use the seal (a grant to the named signer
/// person at the grant's level — fresh enough for `advanced` — or a grant to the calling platform principal), that the
/// seal is active and within its validity, and that its certificate is valid; then signs in key custody. Every
/// decision, allow or deny, is one audit record; an allowed signature also counts against the grant's usage limit in
/// the same transaction.
public final class SigningService: Sendable {
    public enum Format: String, Sendable, CaseIterable {
        /// A signature over the data (or over the precomputed digest: for SM2 that is `e = SM3(Z‖M)`).
        case raw
        /// GB/T 38540 `SES_Signature` over SM3 of the document.
        case ses
    }

    public struct Request: Sendable {
        public let sealID: String
        /// The person signing (checked against the seal's person grants and levels); `nil` = the calling platform
        /// signs as itself under a principal grant.
        public let signerPersonID: String?
        public let format: Format
        public let data: [UInt8]?
        public let digest: [UInt8]?
        public let propertyInfo: String?
        public let timestamp: Bool

        public init(sealID: String, signerPersonID: String?, format: Format, data: [UInt8]?, digest: [UInt8]?, propertyInfo: String? = nil,
                    timestamp: Bool = false) {
            self.sealID = sealID
            self.signerPersonID = signerPersonID
            self.format = format
            self.data = data
            self.digest = digest
            self.propertyInfo = propertyInfo
            self.timestamp = timestamp
        }
    }

    public struct Result: Sendable {
        public let format: Format
        public let signature: [UInt8]
        public let certificate: Certificate
        public let grantID: String
    }

    public static let maxDataSize = 32 << 20

    public let store: TrustStore
    public let ca: CertificateAuthority
    public let keys: any KeyStore
    public let identity: IdentityService
    public let timestamps: TimestampAuthority
    let clock: @Sendable () -> Date

    public init(store: TrustStore, ca: CertificateAuthority, keys: any KeyStore, identity: IdentityService, timestamps: TimestampAuthority,
                clock: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.ca = ca
        self.keys = keys
        self.identity = identity
        self.timestamps = timestamps
        self.clock = clock
    }

    public func sign(by principal: Principal, _ request: Request) throws -> Result {
        guard (request.data == nil) != (request.digest == nil) else { throw TrustError.invalid("give exactly one of data or digest") }
        if let data = request.data, data.count > Self.maxDataSize { throw TrustError.invalid("data is larger than \(Self.maxDataSize) bytes") }
        if let property = request.propertyInfo, property.count > 512 || !property.allSatisfy(\.isASCII) {
            throw TrustError.invalid("propertyInfo must be at most 512 ASCII characters")
        }
        let now = clock()
        guard let seal = try store.read({ try $0.seal(id: request.sealID) }) else { throw TrustError.notFound("no seal \(request.sealID)") }
        let decision = try check(principal: principal, seal: seal, request: request, at: now)
        guard case .success(let grant) = decision else {
            if case .failure(let denial) = decision {
                try audit(principal, seal, request, outcome: "denied", details: ["reason": denial.message], at: now)
                throw denial
            }
            throw TrustError(.forbidden, "denied")
        }
        guard let serial = seal.certificateSerial, let keyText = seal.keyID, let keyID = try? KeyID(keyText), let esealDER = seal.eseal else {
            throw TrustError.conflict("seal \(seal.id) has no key or certificate")
        }
        let certificate = try Certificate(der: Array(try ca.certificate(serial: serial).der))
        let keyType = try certificate.publicKey.type
        let algorithm = keyType.defaultSignatureAlgorithm
        let signature: [UInt8]
        switch request.format {
        case .raw:
            if let data = request.data {
                signature = try custody { try keys.sign(data, with: keyID, algorithm: algorithm) }
            } else {
                signature = try custody { try keys.sign(digest: request.digest!, with: keyID, algorithm: algorithm) }
            }
        case .ses:
            let hash = try request.data.map { Digest.hash(.sm3, $0) } ?? {
                guard request.digest!.count == 32 else { throw TrustError.invalid("ses signatures need the SM3 digest of the document (32 bytes)") }
                return request.digest!
            }()
            let sealValue = try ElectronicSeal(der: Array(esealDER))
            let oid = keyType == .sm2 ? SealAlgorithm.sm2WithSM3 : SealAlgorithm.sha256WithRSA
            let units = timestamps
            signature = try SealSignature.make(
                seal: sealValue, signingTime: now, dataHash: hash, propertyInfo: request.propertyInfo ?? "", signerCertificate: certificate.der,
                signatureAlgorithm: oid, sign: { bytes in try custody { try keys.sign(bytes, with: keyID, algorithm: algorithm) } },
                timeStamp: request.timestamp ? { value in try Self.timestampToken(units, over: value) } : nil).der
        }
        let digestHex = Hex.encode(request.data.map { Digest.hash(.sm3, $0) } ?? request.digest!)
        try store.write { tx in
            guard var current = try tx.reader.sealGrant(id: grant.id) else { throw TrustError.conflict("grant \(grant.id) vanished") }
            if let limit = current.usageLimit, current.usageCount >= limit { throw TrustError(.forbidden, "grant \(grant.id) has used its \(limit) signatures") }
            current.usageCount += 1
            try tx.save(current)
            try tx.appendAudit(AuditEntry(actor: principal.auditName, action: "sign.seal", object: "seal:\(seal.id)", details: [
                "grant": grant.id, "signer": request.signerPersonID ?? principal.auditName, "format": request.format.rawValue,
                "documentDigest": digestHex, "timestamp": request.timestamp ? "yes" : "no",
            ]), at: now)
        }
        return Result(format: request.format, signature: signature, certificate: certificate, grantID: grant.id)
    }

    /// The RFC 3161 token (ContentInfo) from the SM2 unit over the SM3 hash of the signature value.
    static func timestampToken(_ units: TimestampAuthority, over value: [UInt8]) throws -> [UInt8] {
        let granted = try units.respond(to: CMSTimestampRequest.sm3(Digest.hash(.sm3, value)), unit: .sm2)
        return try CMSTimestampRequest.token(of: granted.response)
    }

    private func check(principal: Principal, seal: SealRecord, request: Request, at now: Date) throws -> Swift.Result<SealGrantRecord, TrustError> {
        let state = SealState(rawValue: seal.state) ?? .applied
        guard state.canSign else { return .failure(TrustError.conflict("seal \(seal.id) is \(state.rawValue) and cannot sign")) }
        guard seal.validFrom <= now.addingTimeInterval(0.001), now < seal.validTo else {
            return .failure(TrustError.conflict("seal \(seal.id) is outside its validity (\(UTCTime.iso8601(seal.validFrom)) – \(UTCTime.iso8601(seal.validTo)))"))
        }
        if let serial = seal.certificateSerial {
            let record = try ca.certificate(serial: serial)
            guard record.status == .valid, record.notAfter > now else {
                return .failure(TrustError.conflict("the seal certificate \(serial) is \(record.notAfter > now ? record.status.rawValue : "expired")"))
            }
        }
        let grants = try store.read { try $0.sealGrants(sealID: seal.id) }.filter {
            $0.withdrawnAt == nil && $0.validFrom <= now.addingTimeInterval(0.001) && now < $0.validTo
        }
        let candidates = grants.filter { grant in
            if let person = request.signerPersonID { return grant.granteeKind == "person" && grant.granteeID == person }
            return grant.granteeKind == "principal" && grant.granteeID == principal.id
        }
        guard let grant = candidates.first(where: { candidate in candidate.usageLimit.map { candidate.usageCount < $0 } ?? true }) else {
            let who = request.signerPersonID.map { "person \($0)" } ?? "principal \(principal.name)"
            return .failure(TrustError(.forbidden, candidates.isEmpty ? "\(who) holds no current grant for seal \(seal.id)"
                                                                        : "\(who) has used every signature the grant allows"))
        }
        if let person = request.signerPersonID {
            let level = AssuranceLevel(rawValue: grant.minLevel) ?? .advanced
            if case .deny(let reason) = try identity.decide(principal: principal, personID: person, organizationID: nil, action: "sign.with-seal",
                                                            grantLevel: level, resource: "seal:\(seal.id)") {
                return .failure(TrustError(.forbidden, reason))
            }
        }
        return .success(grant)
    }

    private func audit(_ principal: Principal, _ seal: SealRecord, _ request: Request, outcome: String, details: [String: String], at now: Date) throws {
        var all = details
        all["signer"] = request.signerPersonID ?? principal.auditName
        all["format"] = request.format.rawValue
        try store.write { tx in
            _ = try tx.appendAudit(AuditEntry(actor: principal.auditName, action: "sign.seal", object: "seal:\(seal.id)", outcome: outcome, details: all),
                                   at: now)
        }
    }
}
