import TrustModel

/// Where the signing time comes from: a valid RFC 3161 token (a proof of existence), or only the signer's claim.
/// A token that proves nothing is a warning and is ignored — it is unsigned, anyone could have attached it.
struct TimestampCheck: SignatureCheck {
    func evaluate(_ facts: SignatureFacts) -> [ValidationReport.Check] {
        guard facts.signer != nil else { return [] }
        let claim: String =
            if let claimed = facts.time.claimed {
                "the signing time \(iso(claimed)) is the signer's claim"
                    + (facts.time.claimNote.map { " (\($0))" } ?? "")
            } else if let note = facts.time.claimNote {
                "the signer's time cannot be read (\(note)); the certificate is checked at the validation time"
            } else {
                "no signing time: the certificate is checked at the validation time"
            }
        switch facts.time.timestamp {
        case .proves(let time, let tsa): return [.passed(.timestamp, "RFC 3161 token from \(tsa) at \(iso(time))")]
        case .broken(let reason): return [.warning(.timestamp, "\(reason); the token is ignored and \(claim)")]
        case .absent: return [.info(.timestamp, "no timestamp: \(claim)")]
        }
    }
}
