import CMSFormat
import Foundation
import OFDFormat
import SealFormat
import TrustCrypto
import TrustModel

/// Verifies CMS signatures (RFC 5652 and GM/T 0010 OIDs), GB/T 38540 seal signatures (v4, and GM/T 0031 v1) and bare
/// seals, and explains the verdict as a ``ValidationReport``: a format adapter gathers the facts
/// (``SignatureFacts``, with the registry and trust anchors through ``VerificationSources``), then each check
/// (``SignatureChecks``) judges one aspect. Order as gm-standards.md §4.6: signer signature → document hash →
/// timestamp → signer certificate (chain, validity at the signing time, revocation, key usage) → signer in the seal's
/// certList → seal maker → seal validity → seal status.
public struct SignatureVerifier: Sendable {
    public let store: any TransactionalStore
    public let ca: CertificateAuthority
    let sources: VerificationSources
    let useCases: UseCases
    let clock: @Sendable () -> Date

    /// Whether the trust anchors are in memory (loading them reads directories, which is blocking work).
    let anchorsInMemory: @Sendable () -> Bool

    public init(
        store: any TransactionalStore, ca: CertificateAuthority, anchors: @escaping @Sendable () throws -> TrustAnchors,
        anchorsInMemory: @escaping @Sendable () -> Bool = { false }, clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.anchorsInMemory = anchorsInMemory
        self.useCases = UseCases(store: store, executor: ca.useCases.executor, clock: clock)
        self.store = store
        self.ca = ca
        self.clock = clock
        sources = VerificationSources(store: store, anchors: anchors, makerResults: MakerSignatureMemo(), clock: clock)
    }

    public static let maxSize = SealSignature.maxSize

    /// What an OFD document may cost to read (configurable; the defaults are in ``OFDLimits``).
    public var ofdLimits = OFDLimits.default

    /// `POST /v1/verify`: the report for a signature or seal. `data` or `digest` (SM3 of the document) checks the
    /// document hash; with neither that check is indeterminate. Verification writes nothing (only a refusal is audited).
    public func verify(_ bytes: [UInt8], data: [UInt8]?, digest: [UInt8]?, by caller: Caller) async throws
        -> ValidationReport
    {
        try await useCases.check(caller, .verify, action: "verify", object: "signature")
        // Small work on a store that answers in process, with the anchors in memory, runs where it is: handing it to
        // the executor and back cost more CPU than the checks (see SigningService.sign). Larger inputs are hashed, and
        // the anchors (re)loaded, on the executor.
        let report =
            store.readsInProcess && bytes.count + (data?.count ?? 0) <= BlockingExecutor.inPlaceLimit
                && anchorsInMemory()
            ? verify(bytes, data: data, digest: digest)
            : try await useCases.executor.run { [self] in verify(bytes, data: data, digest: digest) }
        ServiceMetrics.verification(kind: "signature", indication: report.indication.rawValue)
        return report
    }

    /// `POST /v1/verify` for any bytes: an OFD document (a ZIP package) gets one report per signature, anything else
    /// the report for one signature or seal.
    public func verifyAny(_ bytes: [UInt8], data: [UInt8]?, digest: [UInt8]?, by caller: Caller) async throws
        -> VerificationOutcome
    {
        guard bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) else {
            return .signature(try await verify(bytes, data: data, digest: digest, by: caller))
        }
        guard data == nil, digest == nil else {
            throw TrustError.invalid(
                "an OFD document carries what its signatures cover: give no data or digest with it")
        }
        try await useCases.check(caller, .verify, action: "verify", object: "document")
        let limits = ofdLimits
        let report = try await useCases.executor.run { [self] in
            try documentReport(OFDDocument(package: OFDPackage(bytes: bytes, limits: limits), limits: limits))
        }
        ServiceMetrics.verification(kind: "document", indication: report.indication.rawValue)
        return .document(report)
    }

    func verify(_ bytes: [UInt8], data: [UInt8]?, digest: [UInt8]?) -> ValidationReport {
        SignatureChecks.report(facts(bytes, data: data, digest: digest))
    }

    /// Whether the bytes are a SEQUENCE whose first element is an OBJECT IDENTIFIER, as a CMS ContentInfo is (a seal
    /// signature starts with its TBS_Sign SEQUENCE): anything else skips the CMS parser, which parsed a whole seal
    /// signature only to refuse it.
    static func firstElementIsAnOID(_ der: [UInt8]) -> Bool {
        guard der.count > 2, der[0] == 0x30 else { return false }
        let header = der[1] < 0x80 ? 2 : 2 + Int(der[1] & 0x7F)  // 0x80 (BER indefinite length) has no length bytes
        return der.count > header && der[header] == 0x06
    }

    /// The format adapter for the bytes, and its facts.
    func facts(_ bytes: [UInt8], data: [UInt8]?, digest: [UInt8]?) -> SignatureFacts {
        let now = clock()
        if bytes.count <= ParsedSignedData.maxSize, Self.firstElementIsAnOID(bytes),
            let signed = try? ParsedSignedData(der: bytes),
            signed.contentType == CMSObjectID.data || signed.contentType == CMSObjectID.gmData
        {
            return CMSFormatAdapter.facts(signed, data: data, digest: digest, sources: sources, now: now)
        }
        if let signature = try? SealSignature(der: bytes) {
            return SealFormatAdapter.facts(signature, data: data, digest: digest, sources: sources, now: now)
        }
        if let legacy = try? LegacySealSignature(der: bytes) {
            return SealFormatAdapter.facts(legacy, data: data, digest: digest, sources: sources, now: now)
        }
        if let seal = try? AnySeal(der: bytes) {
            return SealFormatAdapter.facts(seal, sources: sources, now: now)
        }
        // None of the formats: the v4 parser's complaint is the most useful one to show.
        let reason: String
        do {
            _ = try SealSignature(der: bytes)
            reason = "unrecognised"
        } catch { reason = "\(error)" }
        return .unsupported(reason, at: now)
    }
}

/// What `POST /v1/verify` found: a signature (or seal) report, or a document report with one per signature.
public enum VerificationOutcome: Sendable {
    case signature(ValidationReport)
    case document(DocumentValidationReport)
}
