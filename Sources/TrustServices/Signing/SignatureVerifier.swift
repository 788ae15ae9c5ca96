import BoundedCache
import CMSFormat
import Foundation
import Synchronization
import SealFormat
import TrustCrypto
import TrustModel

/// Verifies CMS signatures (RFC 5652 and GM/T 0010 OIDs), GB/T 38540 seal signatures (v4, and GM/T 0031 v1) and bare
/// seals, and explains the verdict as a ``ValidationReport``. Order (gm-standards.md §4.6): signer signature over TBS_Sign → document hash → timestamp →
/// signer certificate (chain to trustd's CAs or `certs/trusted/`, validity at the signing time, revocation, key usage)
/// → signer in the seal's certList → seal maker signature → seal validity window → seal status in trustd's registry.
public struct SignatureVerifier: Sendable {
    public let store: any TransactionalStore
    public let ca: CertificateAuthority
    let anchors: @Sendable () throws -> TrustAnchors
    /// Seal maker signature results by the seal's bytes: the same seal arrives with every signature made with it.
    private let makerResults = MakerSignatureMemo()

    let useCases: UseCases

    public init(store: any TransactionalStore, ca: CertificateAuthority, anchors: @escaping @Sendable () throws -> TrustAnchors) {
        self.useCases = UseCases(store: store, executor: ca.useCases.executor)
        self.store = store
        self.ca = ca
        self.anchors = anchors
    }

    public static let maxSize = SealSignature.maxSize

    /// `POST /v1/verify`: the report for a signature or seal. `data` or `digest` (SM3 of the document) checks the
    /// document hash; with neither that check is indeterminate. Verification writes nothing (only a refusal is audited).
    public func verify(_ bytes: [UInt8], data: [UInt8]?, digest: [UInt8]?, by caller: Caller) async throws -> ValidationReport {
        try await useCases.check(caller, .verify, action: "verify", object: "signature")
        return try await useCases.executor.run { [self] in verify(bytes, data: data, digest: digest) }
    }

    func verify(_ bytes: [UInt8], data: [UInt8]?, digest: [UInt8]?) -> ValidationReport {
        if bytes.count <= ParsedSignedData.maxSize, let signed = try? ParsedSignedData(der: bytes),
           signed.contentType == CMSObjectID.data || signed.contentType == CMSObjectID.gmData {
            return verifyCMS(signed, data: data, digest: digest, gm: signed.flavor == .gmt0010)
        }
        if let signature = try? SealSignature(der: bytes) {
            return verifySignature(signature, data: data, digest: digest)
        }
        if let legacy = try? LegacySealSignature(der: bytes) {
            return verifyLegacy(legacy, data: data, digest: digest)
        }
        if let seal = try? AnySeal(der: bytes) {
            var checks = [ValidationReport.Check("format", .passed, "a bare \(seal.version) SESeal (no document signature)")]
            checks += sealChecks(info: seal.info, makerProblem: seal.makerSignatureProblem(), at: Date(), signerCertificate: nil)
            return ValidationReport(format: "eseal", checks: checks, sealName: seal.info.property.name, sealID: seal.info.esID)
        }
        var reason = ""
        do { _ = try SealSignature(der: bytes) } catch { reason = "\(error)" }
        return ValidationReport(format: "unknown", checks: [ValidationReport.Check(
            "format", .failed, "not a GB/T 38540 or GM/T 0031 seal signature or seal: \(reason)", subIndication: "FORMAT_FAILURE")])
    }

    func verifySignature(_ signature: SealSignature, data: [UInt8]?, digest: [UInt8]?) -> ValidationReport {
        var checks = [ValidationReport.Check("format", .passed, "GB/T 38540 SES_Signature v\(signature.version)")]
        checks.append(signature.signerSignatureProblem().map { ValidationReport.Check("signature", .failed, $0, subIndication: "SIG_CRYPTO_FAILURE") }
                      ?? ValidationReport.Check("signature", .passed, "the signer's signature over TBS_Sign verifies"))
        checks.append(hashCheck(signature.dataHash, data: data, digest: digest))
        var time = signature.signingTime
        var source = "claimed"
        if let token = signature.timeStamp {
            let (check, stamped) = timestampCheck(token, over: signature.signature)
            checks.append(check)
            if let stamped { time = stamped; source = "timestamp" }
        } else {
            checks.append(ValidationReport.Check("timestamp", .info, "no timestamp: the signing time \(UTCTime.iso8601(time)) is the signer's claim"))
        }
        checks += certificateChecks(signature.signerCertificate, at: time, proven: source == "timestamp")
        checks.append(signature.signerIsListedInSeal ? ValidationReport.Check("seal-cert-list", .passed, "the signer certificate is in the seal's certList")
                      : ValidationReport.Check("seal-cert-list", .failed, "the signer certificate is not in the seal's certList", subIndication: "NOT_IN_SEAL"))
        checks += sealChecks(info: signature.seal.info, makerProblem: makerResults.problem(of: signature.seal), at: time,
                             signerCertificate: signature.signerCertificate, proven: source == "timestamp")
        let subject = (try? Certificate.cached(der: signature.signerCertificate))?.subject.description
        return ValidationReport(format: "ses", checks: checks, signer: subject, sealName: signature.seal.info.property.name,
                                sealID: signature.seal.info.esID, signingTime: time, timeSource: source)
    }

    func verifyLegacy(_ signature: LegacySealSignature, data: [UInt8]?, digest: [UInt8]?) -> ValidationReport {
        var checks = [ValidationReport.Check("format", .passed, "GM/T 0031-2014 SES_Signature (v1)")]
        checks.append(signature.signerSignatureProblem().map { ValidationReport.Check("signature", .failed, $0, subIndication: "SIG_CRYPTO_FAILURE") }
                      ?? ValidationReport.Check("signature", .passed, "the signer's signature over TBS_Sign verifies"))
        checks.append(hashCheck(signature.dataHash, data: data, digest: digest))
        checks.append(ValidationReport.Check("timestamp", .indeterminate, "v1 timeInfo is a free-form string; the signing time cannot be established",
                                             subIndication: "NO_POE"))
        checks += certificateChecks(signature.signerCertificate, at: Date(), proven: false)
        checks.append(signature.signerIsListedInSeal ? ValidationReport.Check("seal-cert-list", .passed, "the signer certificate is in the seal's certList")
                      : ValidationReport.Check("seal-cert-list", .failed, "the signer certificate is not in the seal's certList", subIndication: "NOT_IN_SEAL"))
        checks += sealChecks(info: signature.seal.info, makerProblem: signature.seal.makerSignatureProblem(), at: Date(),
                             signerCertificate: signature.signerCertificate)
        return ValidationReport(format: "ses-v1", checks: checks, signer: (try? Certificate.cached(der: signature.signerCertificate))?.subject.description,
                                sealName: signature.seal.info.property.name, sealID: signature.seal.info.esID)
    }

    /// A detached or attached SignedData with one signer: signature over the signed attributes, messageDigest against
    /// the document, optional signature timestamp, then the signer certificate at the signing time.
    func verifyCMS(_ signed: ParsedSignedData, data: [UInt8]?, digest: [UInt8]?, gm: Bool) -> ValidationReport {
        let format = gm ? "gmt0010" : "cms"
        var checks = [ValidationReport.Check("format", .passed, gm ? "CMS SignedData with GM/T 0010 OIDs" : "CMS SignedData (RFC 5652)")]
        let certificates = signed.certificates.compactMap { try? Certificate.cached(der: $0) }
        let signer = certificates.first { certificate in
            guard let (issuer, serial) = try? SignedDataBuilder.issuerAndSerial(certificate.der) else { return false }
            return issuer == signed.signerIssuer && serial == signed.signerSerial
        }
        guard let signer else {
            checks.append(ValidationReport.Check("certificate", .indeterminate, "the signer certificate is not in the SignedData",
                                                 subIndication: "NO_SIGNING_CERTIFICATE_FOUND"))
            return ValidationReport(format: format, checks: checks)
        }
        guard let (algorithm, digestAlgorithm) = CMSVerification.algorithms(signature: signed.signatureAlgorithm, digest: signed.digestAlgorithm) else {
            checks.append(ValidationReport.Check("signature", .failed, "unsupported algorithms \(signed.signatureAlgorithm) / \(signed.digestAlgorithm)",
                                                 subIndication: "CRYPTO_CONSTRAINTS_FAILURE"))
            return ValidationReport(format: format, checks: checks, signer: signer.subject.description)
        }
        let verified = (try? signer.publicKey.isValidSignature(signed.signature, for: signed.signedAttributes, algorithm: algorithm)) ?? false
        checks.append(verified ? ValidationReport.Check("signature", .passed, "the \(algorithm) signature over the signed attributes verifies")
                      : ValidationReport.Check("signature", .failed, "the signature over the signed attributes does not verify", subIndication: "SIG_CRYPTO_FAILURE"))
        if let expected = signed.messageDigest {
            let document = data ?? signed.content
            if let document {
                checks.append(Digest.hash(digestAlgorithm, document) == expected
                    ? ValidationReport.Check("document", .passed, "\(digestAlgorithm) of the document equals messageDigest")
                    : ValidationReport.Check("document", .failed, "the document does not match the signed messageDigest", subIndication: "HASH_FAILURE"))
            } else if let digest {
                checks.append(digest == expected ? ValidationReport.Check("document", .passed, "the given digest equals messageDigest")
                              : ValidationReport.Check("document", .failed, "the given digest does not match messageDigest", subIndication: "HASH_FAILURE"))
            } else {
                checks.append(ValidationReport.Check("document", .indeterminate, "detached signature: no document or digest given",
                                                     subIndication: "SIGNED_DATA_NOT_FOUND"))
            }
        } else {
            checks.append(ValidationReport.Check("document", .failed, "no messageDigest attribute", subIndication: "FORMAT_FAILURE"))
        }
        var time = signed.signingTime ?? Date()
        var source = signed.signingTime == nil ? "validation" : "claimed"
        if let token = signed.signatureTimeStampToken {
            let (check, stamped) = timestampCheck(token, over: signed.signature)
            checks.append(check)
            if let stamped { time = stamped; source = "timestamp" }
        } else if signed.signingTime == nil {
            checks.append(ValidationReport.Check("timestamp", .info, "no signingTime and no timestamp: the certificate is checked at the validation time"))
        } else {
            checks.append(ValidationReport.Check("timestamp", .info, "no timestamp: the signing time \(UTCTime.iso8601(time)) is the signer's claim"))
        }
        checks += certificateChecks(signer.der, at: time, proven: source == "timestamp", intermediates: certificates.filter { $0.isCA })
        return ValidationReport(format: format, checks: checks, signer: signer.subject.description, signingTime: time, timeSource: source)
    }

    func hashCheck(_ signed: [UInt8], data: [UInt8]?, digest: [UInt8]?) -> ValidationReport.Check {
        guard let actual = data.map({ Digest.hash(.sm3, $0) }) ?? digest else {
            return ValidationReport.Check("document", .indeterminate, "no document or digest given to compare with dataHash", subIndication: "SIGNED_DATA_NOT_FOUND")
        }
        return actual == signed ? ValidationReport.Check("document", .passed, "SM3 of the document equals dataHash")
            : ValidationReport.Check("document", .failed, "the document does not match the signed dataHash", subIndication: "HASH_FAILURE")
    }

    /// The RFC 3161 token over the signature value: CMS signature, messageDigest, imprint = SM3 or SHA-256 of the value,
    /// TSA certificate chain. Returns the proven time when valid.
    func timestampCheck(_ token: [UInt8], over value: [UInt8]) -> (ValidationReport.Check, Date?) {
        func fail(_ detail: String) -> (ValidationReport.Check, Date?) {
            (ValidationReport.Check("timestamp", .failed, detail, subIndication: "TIMESTAMP_FAILURE"), nil)
        }
        guard let signed = try? ParsedSignedData(der: token), signed.contentType == CMSObjectID.tstInfo, let content = signed.content,
              let info = try? ParsedTSTInfo(der: content) else { return fail("the timestamp token is not an RFC 3161 TimeStampToken") }
        let algorithm: DigestAlgorithm? = info.hashAlgorithm == CMSObjectID.sm3 ? .sm3 : info.hashAlgorithm == CMSObjectID.sha256 ? .sha256 : nil
        guard let algorithm, Digest.hash(algorithm, value) == info.hashedMessage else { return fail("the timestamp is not over this signature value") }
        let contentDigest: DigestAlgorithm = signed.digestAlgorithm == CMSObjectID.sm3 ? .sm3 : .sha256
        guard signed.messageDigest == Digest.hash(contentDigest, content) else { return fail("the token's messageDigest does not match its TSTInfo") }
        guard let tsaDER = signed.certificates.first, let tsa = try? Certificate.cached(der: tsaDER) else {
            return fail("the token carries no TSA certificate (request certReq)")
        }
        let signatureAlgorithm: SignatureAlgorithm = signed.signatureAlgorithm == CMSObjectID.sm2WithSM3 || signed.signatureAlgorithm == CMSObjectID.sm2Sign
            ? .sm2(id: .default) : .rsaPKCS1v15(contentDigest)
        guard let key = try? tsa.publicKey, (try? key.isValidSignature(signed.signature, for: signed.signedAttributes, algorithm: signatureAlgorithm)) == true else {
            return fail("the TSA's signature does not verify")
        }
        guard tsa.extendedKeyUsage == ["1.3.6.1.5.5.7.3.8"] else { return fail("the TSA certificate is not for time-stamping only") }
        guard let anchors = try? anchors(), anchors.validate(tsa, at: info.genTime).isValid else {
            return fail("the TSA certificate does not chain to a trusted CA")
        }
        return (ValidationReport.Check("timestamp", .passed, "RFC 3161 token from \(tsa.subject) at \(UTCTime.iso8601(info.genTime))"), info.genTime)
    }

    func certificateChecks(_ der: [UInt8], at time: Date, proven: Bool, intermediates: [Certificate] = []) -> [ValidationReport.Check] {
        guard let certificate = try? Certificate.cached(der: der) else {
            return [ValidationReport.Check("certificate", .failed, "the signer certificate does not parse", subIndication: "FORMAT_FAILURE")]
        }
        var checks: [ValidationReport.Check] = []
        let trust: TrustAnchors?
        let outcome: PathValidator.Outcome
        do {
            let loaded = try anchors()
            trust = loaded
            outcome = loaded.validate(certificate, intermediates: intermediates, at: min(time, certificate.notAfter))
        } catch {
            trust = nil
            outcome = .invalid(reason: "the trust anchors cannot be loaded: \(error)", code: 0, depth: 0)
        }
        var issuer: Certificate? = nil
        switch outcome {
        case .valid(let chain):
            issuer = chain.count > 1 ? chain[1] : nil
            checks.append(ValidationReport.Check("chain", .passed, "chains to \(chain.last?.subject.description ?? "a trust anchor")"))
        case .invalid(let reason, _, _):
            // EN 319 102-1: an unknown or broken chain leaves the signature indeterminate, not proven false.
            checks.append(ValidationReport.Check("chain", .indeterminate, "does not chain to a trusted CA: \(reason)", subIndication: "NO_CERTIFICATE_CHAIN_FOUND"))
        }
        if certificate.notBefore <= time && time <= certificate.notAfter {
            checks.append(ValidationReport.Check("validity", .passed, "valid at the \(proven ? "time-stamped" : "claimed") signing time"))
        } else {
            checks.append(ValidationReport.Check("validity", .failed, "not valid at the signing time (\(UTCTime.iso8601(certificate.notBefore)) – \(UTCTime.iso8601(certificate.notAfter)))",
                                                 subIndication: "OUT_OF_BOUNDS_NO_POE"))
        }
        // Revocation: trustd's own registry for its certificates, the issuer's CRL (certs/crls/) for foreign ones.
        if let record = try? store.read({ try $0.certificate(serial: certificate.serialHex) }), record.fingerprint == certificate.fingerprint {
            if record.status == .valid {
                checks.append(ValidationReport.Check("revocation", .passed, "not revoked (trustd's registry)"))
            } else {
                checks.append(Self.revoked(record.status.rawValue, at: record.revokedAt ?? record.statusChangedAt, source: "trustd's registry",
                                           signingTime: time, proven: proven))
            }
        } else if let issuer, let (crl, entry) = trust?.crlStatus(of: certificate, issuer: issuer) {
            let source = "CRL of \(crl.issuer) (this update \(UTCTime.iso8601(crl.thisUpdate)))"
            if let entry {
                checks.append(Self.revoked("revoked", at: entry.revocationDate, source: source, signingTime: time, proven: proven))
            } else if let next = crl.nextUpdate, next < Date() {
                checks.append(ValidationReport.Check("revocation", .indeterminate, "the \(source) is out of date since \(UTCTime.iso8601(next))",
                                                     subIndication: "TRY_LATER"))
            } else {
                checks.append(ValidationReport.Check("revocation", .passed, "not on the \(source)"))
            }
        } else {
            checks.append(ValidationReport.Check("revocation", .indeterminate,
                                                 "issued by a foreign CA with no CRL in certs/crls/ signed by its issuer", subIndication: "TRY_LATER"))
        }
        let usage = certificate.keyUsage
        if usage.map({ $0.contains(.digitalSignature) || $0.contains(.nonRepudiation) }) ?? true {
            checks.append(ValidationReport.Check("key-usage", .passed, "digitalSignature/nonRepudiation"))
        } else {
            checks.append(ValidationReport.Check("key-usage", .failed, "the certificate is not for signatures", subIndication: "CHAIN_CONSTRAINTS_FAILURE"))
        }
        return checks
    }

    /// A revoked (or held) certificate judged against the signing time: before it → REVOKED; after a time-stamped
    /// signing time → passed; after a merely claimed one → REVOKED_NO_POE.
    static func revoked(_ status: String, at revokedAt: Date, source: String, signingTime time: Date, proven: Bool) -> ValidationReport.Check {
        let when = "\(status) at \(UTCTime.iso8601(revokedAt)) (\(source))"
        if revokedAt <= time {
            return ValidationReport.Check("revocation", .failed, "\(when), before the signing time", subIndication: "REVOKED")
        }
        if proven { return ValidationReport.Check("revocation", .passed, "\(when), after the time-stamped signing time") }
        return ValidationReport.Check("revocation", .indeterminate, "\(when); without a timestamp the earlier signing time is only claimed",
                                      subIndication: "REVOKED_NO_POE")
    }

    func sealChecks(info: SealInfo, makerProblem: String?, at time: Date, signerCertificate: [UInt8]?, proven: Bool = false) -> [ValidationReport.Check] {
        var checks: [ValidationReport.Check] = []
        checks.append(makerProblem.map { ValidationReport.Check("seal-maker", .failed, $0, subIndication: "SIG_CRYPTO_FAILURE") }
                      ?? ValidationReport.Check("seal-maker", .passed, "the seal maker's signature over SES_SealInfo verifies"))
        let property = info.property
        if property.validStart <= time && time <= property.validEnd {
            checks.append(ValidationReport.Check("seal-validity", .passed, "the seal is within \(UTCTime.iso8601(property.validStart)) – \(UTCTime.iso8601(property.validEnd))"))
        } else {
            checks.append(ValidationReport.Check("seal-validity", .failed, "the seal is not valid at the signing time (\(UTCTime.iso8601(property.validStart)) – \(UTCTime.iso8601(property.validEnd)))",
                                                 subIndication: "EXPIRED"))
        }
        if let record = try? store.read({ try $0.seal(esID: info.esID) }) {
            let state = record.state
            switch state {
            case .active:
                checks.append(ValidationReport.Check("seal-status", .passed, "seal \(record.id) is active in trustd's registry"))
            case .suspended:
                checks.append(ValidationReport.Check("seal-status", .indeterminate, "seal \(record.id) is reported lost (suspended)", subIndication: "TRY_LATER"))
            case .revoked, .destroyed:
                let revokedAt = (try? store.read { try $0.sealEvents(sealID: record.id) })?.first { $0.step == .revoke || $0.step == .destroy }?.time
                if let revokedAt, revokedAt > time, proven {
                    checks.append(ValidationReport.Check("seal-status", .passed, "seal \(record.id) was \(state.rawValue) at \(UTCTime.iso8601(revokedAt)), after the time-stamped signing time"))
                } else {
                    checks.append(ValidationReport.Check("seal-status", .failed, "seal \(record.id) is \(state.rawValue) in trustd's registry", subIndication: "REVOKED"))
                }
            default:
                checks.append(ValidationReport.Check("seal-status", .failed, "seal \(record.id) is \(state.rawValue) and has never been issued for signing",
                                                     subIndication: "NOT_YET_VALID"))
            }
        } else {
            checks.append(ValidationReport.Check("seal-status", .info, "the seal \(info.esID) was not made by trustd"))
        }
        return checks
    }
}

/// The maker-signature verdict per seal encoding (the verdict of a byte-identical seal cannot change).
final class MakerSignatureMemo: Sendable {
    /// Seals carry their picture, so the byte bound matters more than the count.
    private let results = BoundedCache<[UInt8], Verdict>(.init(maxEntries: 1024, maxBytes: 32 << 20)) { der, verdict in
        der.count + (verdict.problem?.utf8.count ?? 0) + 64
    }

    private struct Verdict: Sendable {
        let problem: String?
    }

    func problem(of seal: ElectronicSeal) -> String? {
        results.value(forKey: seal.der, makingIfAbsent: { Verdict(problem: seal.makerSignatureProblem()) }).problem
    }
}

extension AnySeal {
    var version: String {
        switch self {
        case .v4: "GB/T 38540 v4"
        case .v1: "GM/T 0031-2014 v1"
        }
    }
}

/// Algorithm mapping for CMS signer infos.
enum CMSVerification {
    /// The signature algorithm (SM2 always with the default ID, GM/T 0009) and digest of a SignerInfo.
    static func algorithms(signature: ParsedSignedData.ObjectID, digest: ParsedSignedData.ObjectID) -> (SignatureAlgorithm, DigestAlgorithm)? {
        let digests: [(ParsedSignedData.ObjectID, DigestAlgorithm)] = [
            (CMSObjectID.sm3, .sm3), (CMSObjectID.sha256, .sha256), (CMSObjectID.sha384, .sha384), (CMSObjectID.sha512, .sha512),
        ]
        guard let digestAlgorithm = digests.first(where: { $0.0 == digest })?.1 else { return nil }
        if [CMSObjectID.sm2WithSM3, CMSObjectID.sm2Sign].contains(signature) {
            return digestAlgorithm == .sm3 ? (.sm2(id: .default), .sm3) : nil
        }
        guard digestAlgorithm != .sm3 else { return nil }
        if [CMSObjectID.rsaEncryption, CMSObjectID.sha256WithRSA, CMSObjectID.sha384WithRSA, CMSObjectID.sha512WithRSA].contains(signature) {
            return (.rsaPKCS1v15(digestAlgorithm), digestAlgorithm)
        }
        if [CMSObjectID.ecdsaWithSHA256, CMSObjectID.ecPublicKey, CMSObjectID.ecdsaWithSHA384, CMSObjectID.ecdsaWithSHA512].contains(signature) {
            return (.ecdsa(digestAlgorithm), digestAlgorithm)
        }
        return nil
    }
}
