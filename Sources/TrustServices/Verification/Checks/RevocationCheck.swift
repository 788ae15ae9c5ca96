import Foundation
import TrustModel

/// The signer certificate was not revoked when the signature was made: trustd's registry for its own certificates,
/// the issuer's CRL for foreign ones. An unknown status or a failed lookup is INDETERMINATE/TRY_LATER.
struct RevocationCheck: SignatureCheck {
    func evaluate(_ facts: SignatureFacts) -> [ValidationReport.Check] {
        guard case .present(let certificate) = facts.signer else { return [] }
        let time = facts.signingTime
        switch certificate.revocation {
        case .registry(.valid, _):
            return [.passed(.revocation, "not revoked (trustd's registry)")]
        case .registry(let status, let at):
            return [
                Self.revoked(
                    status.rawValue, at: at ?? facts.validationTime, source: "trustd's registry", time: time,
                    cause: status == .hold ? .certificateOnHold : nil)
            ]
        case .crl(let source, let revokedAt?, _):
            return [Self.revoked("revoked", at: revokedAt, source: source, time: time)]
        case .crl(let source, nil, let stale?):
            return [.problem(.revocation, "the \(source) is out of date since \(iso(stale))", .tryLater)]
        case .crl(let source, nil, nil):
            return [.passed(.revocation, "not on the \(source)")]
        case .unknown(let reason):
            return [.problem(.revocation, reason, .tryLater)]
        case .lookupFailed(let reason):
            return [.problem(.revocation, reason, .tryLater, cause: .lookupFailed)]
        }
    }

    /// A revoked (or held) certificate against the signing time: revoked before it → REVOKED; after a time-stamped
    /// signing time → passed; after a merely claimed one → REVOKED_NO_POE.
    static func revoked(
        _ status: String, at revokedAt: Date, source: String, time: SigningTime, cause: ValidationReport.Cause? = nil
    ) -> ValidationReport.Check {
        let when = "\(status) at \(iso(revokedAt)) (\(source))"
        if revokedAt <= time.date {
            return .problem(.revocation, "\(when), before the signing time", .revoked, cause: cause)
        }
        if time.proven { return .passed(.revocation, "\(when), after the time-stamped signing time") }
        return .problem(
            .revocation, "\(when); without a timestamp the earlier signing time is only claimed", .revokedNoPOE,
            cause: cause)
    }
}
