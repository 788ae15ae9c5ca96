import BoundedCache
import CMSFormat
import Foundation
import SealFormat
import TrustCrypto
import TrustModel

/// Where a verification's outside facts come from: the trust anchors (trustd's CAs, `certs/trusted/`, foreign CRLs)
/// and trustd's registry of certificates and seals. Every lookup answers with a fact; a failure to look is reported
/// as such (``RevocationFact/lookupFailed(_:)``, ``SealRegistryFact/lookupFailed(_:)``) so that the checks can
/// answer INDETERMINATE with the reason instead of a wrong verdict.
struct VerificationSources: Sendable {
    let store: any TransactionalStore
    let anchors: @Sendable () throws -> TrustAnchors
    let makerResults: MakerSignatureMemo
    /// trustd's records by certificate serial and by seal ES ID, exact between changes (see ``StampedMemo``).
    let certificateRecords = StampedMemo<CertificateRecord?>(maxEntries: 4096, maxBytes: 16 << 20) {
        ($0?.der.count ?? 0) + 256
    }
    let sealRegistry = StampedMemo<SealRegistryEntry>(maxEntries: 4096, maxBytes: 4 << 20) { _ in 512 }
    /// The validation time (a CRL past its nextUpdate is stale).
    let clock: @Sendable () -> Date

    /// The signer certificate at `time` (the chain is built at the earlier of `time` and its notAfter, so that expiry is
    /// judged once, by the validity check).
    func signer(_ der: [UInt8], at time: Date, intermediates: [Certificate] = []) -> SignerFact {
        guard let certificate = try? Certificate.cached(der: der) else {
            return .missing("the signer certificate does not parse")
        }
        let trust: TrustAnchors
        do { trust = try anchors() } catch {
            return .present(
                CertificateFacts(
                    subject: certificate.subjectText, notBefore: certificate.notBefore,
                    notAfter: certificate.notAfter,
                    chain: .anchorsUnavailable("\(error)"),
                    revocation: .lookupFailed("the trust anchors cannot be loaded: \(error)"),
                    keyUsageAllowsSigning: Self.allowsSigning(certificate)))
        }
        var issuer: Certificate? = nil
        let chain: ChainFact
        switch trust.validate(certificate, intermediates: intermediates, at: min(time, certificate.notAfter)) {
        case .valid(let path):
            issuer = path.count > 1 ? path[1] : nil
            chain = .valid(anchor: path.last?.subjectText ?? "a trust anchor")
        case .invalid(let reason, _, _):
            chain = .invalid(reason)
        }
        return .present(
            CertificateFacts(
                subject: certificate.subjectText, notBefore: certificate.notBefore,
                notAfter: certificate.notAfter,
                chain: chain, revocation: revocation(of: certificate, issuer: issuer, trust: trust),
                keyUsageAllowsSigning: Self.allowsSigning(certificate)))
    }

    /// trustd's registry for its own certificates, the issuer's CRL for foreign ones.
    private func revocation(of certificate: Certificate, issuer: Certificate?, trust: TrustAnchors) -> RevocationFact {
        let record: CertificateRecord?
        do {
            let serial = certificate.serialHex
            record = try certificateRecords.value(serial, stamp: store.sealRecordsStamp) {
                try store.read { try $0.certificate(serial: serial) }
            }
        } catch {
            return .lookupFailed("trustd's certificate registry could not be read: \(error)")
        }
        if let record, record.fingerprint == certificate.fingerprint {
            return .registry(
                record.status, at: record.status == .valid ? nil : record.revokedAt ?? record.statusChangedAt)
        }
        if let issuer, let (crl, entry) = trust.crlStatus(of: certificate, issuer: issuer) {
            let stale = crl.nextUpdate.flatMap { $0 < clock() ? $0 : nil }
            return .crl(
                source: "CRL of \(crl.issuer) (this update \(UTCTime.iso8601(crl.thisUpdate)))",
                revokedAt: entry?.revocationDate, staleSince: stale)
        }
        return .unknown("issued by a foreign CA with no CRL in certs/crls/ signed by its issuer")
    }

    static func allowsSigning(_ certificate: Certificate) -> Bool {
        certificate.keyUsage.map { $0.contains(.digitalSignature) || $0.contains(.nonRepudiation) } ?? true
    }

    /// An RFC 3161 token over a signature value: CMS signature, messageDigest, imprint (SM3 or SHA-256 of the value),
    /// TSA certificate (time-stamping only) chaining to a trusted CA at the stamped time.
    func timestamp(_ token: [UInt8], over value: [UInt8]) -> TimestampFact {
        guard let signed = try? ParsedSignedData(der: token), signed.contentType == CMSObjectID.tstInfo,
            let content = signed.content,
            let info = try? ParsedTSTInfo(der: content)
        else { return .broken("the timestamp token is not an RFC 3161 TimeStampToken") }
        let algorithm: DigestAlgorithm? =
            info.hashAlgorithm == CMSObjectID.sm3 ? .sm3 : info.hashAlgorithm == CMSObjectID.sha256 ? .sha256 : nil
        guard let algorithm, Digest.hash(algorithm, value) == info.hashedMessage else {
            return .broken("the timestamp is not over this signature value")
        }
        let contentDigest: DigestAlgorithm = signed.digestAlgorithm == CMSObjectID.sm3 ? .sm3 : .sha256
        guard signed.messageDigest == Digest.hash(contentDigest, content) else {
            return .broken("the token's messageDigest does not match its TSTInfo")
        }
        guard let tsaDER = signed.certificates.first, let tsa = try? Certificate.cached(der: tsaDER) else {
            return .broken("the token carries no TSA certificate (request certReq)")
        }
        let signatureAlgorithm: SignatureAlgorithm =
            signed.signatureAlgorithm == CMSObjectID.sm2WithSM3 || signed.signatureAlgorithm == CMSObjectID.sm2Sign
            ? .sm2(id: .default) : .rsaPKCS1v15(contentDigest)
        guard let key = try? tsa.publicKey,
            (try? key.isValidSignature(signed.signature, for: signed.signedAttributes, algorithm: signatureAlgorithm))
                == true
        else {
            return .broken("the TSA's signature does not verify")
        }
        guard tsa.extendedKeyUsage == ["1.3.6.1.5.5.7.3.8"] else {
            return .broken("the TSA certificate is not for time-stamping only")
        }
        let trust: TrustAnchors
        do { trust = try anchors() } catch {
            return .broken("the trust anchors cannot be loaded to check the TSA: \(error)")
        }
        guard trust.validate(tsa, at: info.genTime).isValid else {
            return .broken("the TSA certificate does not chain to a trusted CA")
        }
        return .proves(info.genTime, tsa: tsa.subjectText)
    }

    /// The seal's own facts and its status in trustd's registry.
    func seal(info: SealInfo, makerProblem: String?, makerCertificate: [UInt8], signerListed: Bool?) -> SealFacts {
        let maker = try? Certificate.cached(der: makerCertificate)
        let (registry, holder) = registry(esID: info.esID)
        return SealFacts(
            info: info, makerProblem: makerProblem, makerValidity: maker.map { ($0.notBefore, $0.notAfter) },
            signerListed: signerListed, registry: registry, holder: holder)
    }

    private func registry(esID: String) -> (SealRegistryFact, ValidationReport.SealHolder?) {
        do {
            let entry = try sealRegistry.value(esID, stamp: store.sealRecordsStamp) { try registryRead(esID: esID) }
            return (entry.fact, entry.holder)
        } catch {
            return (.lookupFailed("trustd's seal registry could not be read: \(error)"), nil)
        }
    }

    private func registryRead(esID: String) throws -> SealRegistryEntry {
        try store.read { reader in
            guard let record = try reader.seal(esID: esID) else {
                return SealRegistryEntry(fact: .notTrustd, holder: nil)
            }
            var endedAt: Date? = nil
            if record.state == .revoked || record.state == .destroyed {
                endedAt = try reader.sealEvents(sealID: record.id).first {
                    $0.step == .revoke || $0.step == .destroy
                }?.time
            }
            let holder = ValidationReport.SealHolder(
                organization: try reader.organization(id: record.organizationID)?.name,
                filingNumber: record.filingNumber)
            return SealRegistryEntry(
                fact: .record(id: record.id, state: record.state, endedAt: endedAt), holder: holder)
        }
    }
}

/// What trustd's registry says of a seal: its state (and when it ended) and its holder.
struct SealRegistryEntry: Sendable {
    let fact: SealRegistryFact
    let holder: ValidationReport.SealHolder?
}

/// The maker-signature verdict per seal encoding (the verdict of a byte-identical seal cannot change).
final class MakerSignatureMemo: Sendable {
    /// Seals carry their picture, so the byte bound matters more than the count.
    private let results = BoundedCache<ByteKey, Verdict>(.init(maxEntries: 1024, maxBytes: 32 << 20)) { der, verdict in
        der.count + (verdict.problem?.utf8.count ?? 0) + 64
    }

    private struct Verdict: Sendable {
        let problem: String?
    }

    func problem(of seal: ElectronicSeal) -> String? {
        results.value(forKey: ByteKey(seal.der), makingIfAbsent: { Verdict(problem: seal.makerSignatureProblem()) })
            .problem
    }
}
