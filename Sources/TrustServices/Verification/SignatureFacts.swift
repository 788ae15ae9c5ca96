import Foundation
import SealFormat
import TrustCrypto
import TrustModel

/// Everything a verification found about one signature, before anything is judged. Format adapters
/// (``SignatureFormats``) fill it from the bytes; ``VerificationSources`` add what the registry and the trust
/// anchors say — a lookup that fails is itself a fact (``RevocationFact/lookupFailed(_:)``), never a silent
/// default. The checks (``SignatureChecks``) then turn facts into the report.
struct SignatureFacts: Sendable {
    /// The report's format name (`cms`, `gmt0010`, `ses`, `ses-v1`, `eseal`, `unknown`) and what it is.
    var format: String
    var formatDetail: String
    /// Why the bytes are not a supported signature; nothing else is known then.
    var formatProblem: String?
    var signatureValue: SignatureValueFact?
    var document: DocumentFact?
    var time = SigningTimeFact()
    /// `nil` for a bare seal (no signer).
    var signer: SignerFact?
    var seal: SealFacts?
    var validationTime: Date

    init(format: String, formatDetail: String, validationTime: Date) {
        self.format = format
        self.formatDetail = formatDetail
        self.validationTime = validationTime
    }

    static func unsupported(_ problem: String, at now: Date) -> SignatureFacts {
        var facts = SignatureFacts(format: "unknown", formatDetail: "-", validationTime: now)
        facts.formatProblem = problem
        return facts
    }

    /// The time the signature is judged at: the time-stamped time (a proof of existence), else the signer's claim,
    /// else the validation time.
    var signingTime: SigningTime {
        if case .proves(let time, _) = time.timestamp { return SigningTime(date: time, source: .timestamp) }
        if let claimed = time.claimed { return SigningTime(date: claimed, source: .claimed) }
        return SigningTime(date: validationTime, source: .validation)
    }

    var signerSubject: String? {
        if case .present(let certificate) = signer { return certificate.subject }
        return nil
    }
}

struct SigningTime: Sendable {
    enum Source: String, Sendable { case timestamp, claimed, validation }
    let date: Date
    let source: Source
    var proven: Bool { source == .timestamp }
}

enum SignatureValueFact: Sendable {
    case verifies(String)
    case fails(String)
    /// Algorithms the verifier does not accept.
    case unsupported(String)
}

enum DocumentFact: Sendable {
    case matches(String)
    case differs(String)
    /// Neither the document nor its digest was given (a detached signature).
    case notGiven(String)
    /// The signature carries no hash of the document.
    case noSignedDigest(String)
}

struct SigningTimeFact: Sendable {
    /// The signer's own time (signingTime attribute, TBS_Sign timeInfo), if readable.
    var claimed: Date?
    /// How the claimed time was read, or why it could not be (v1 timeInfo forms).
    var claimNote: String?
    var timestamp: TimestampFact = .absent
}

enum TimestampFact: Sendable {
    case absent
    /// A valid RFC 3161 token over the signature value from a trusted TSA.
    case proves(Date, tsa: String)
    /// A token that proves nothing (not over this value, TSA not trusted, broken signature); the claim stands alone.
    case broken(String)
}

enum SignerFact: Sendable {
    /// The signature names a signer whose certificate is not there (or does not parse).
    case missing(String)
    case present(CertificateFacts)
}

/// The signer certificate as the trust anchors and the registry see it at the signing time.
struct CertificateFacts: Sendable {
    let subject: String
    let notBefore: Date
    let notAfter: Date
    let chain: ChainFact
    let revocation: RevocationFact
    let keyUsageAllowsSigning: Bool
}

enum ChainFact: Sendable {
    case valid(anchor: String)
    case invalid(String)
    /// The trust anchors could not be loaded.
    case anchorsUnavailable(String)
}

enum RevocationFact: Sendable {
    /// trustd issued it: its registry's status (and when it changed, for revoked or held).
    case registry(CertificateStatus, at: Date?)
    /// A foreign certificate on its issuer's CRL (`revokedAt` nil: not listed; `staleSince`: the CRL is out of date).
    case crl(source: String, revokedAt: Date?, staleSince: Date?)
    /// Foreign, and no CRL of its issuer is configured.
    case unknown(String)
    /// The registry or the CRLs could not be read.
    case lookupFailed(String)
}

struct SealFacts: Sendable {
    let info: SealInfo
    /// Why the maker's signature over SES_SealInfo fails, or nil.
    let makerProblem: String?
    /// The maker certificate's validity, when it parses (the seal must have been made inside it).
    let makerValidity: (notBefore: Date, notAfter: Date)?
    /// Whether the signer certificate is in the seal's certList (nil for a bare seal).
    let signerListed: Bool?
    let registry: SealRegistryFact
    /// The holder and filing number from trustd's registry (nil for a seal made elsewhere).
    let holder: ValidationReport.SealHolder?
}

enum SealRegistryFact: Sendable {
    case record(id: String, state: SealState, endedAt: Date?)
    /// No seal with this esID in trustd's registry (made elsewhere).
    case notTrustd
    case lookupFailed(String)
}
