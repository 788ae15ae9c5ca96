import TrustModel

/// The signer certificate chains to one of trustd's CAs or a CA in `certs/trusted/` (OpenSSL path validation).
/// An unknown or broken chain leaves the signature indeterminate, not proven false (EN 319 102-1).
struct ChainCheck: SignatureCheck {
    func evaluate(_ facts: SignatureFacts) -> [ValidationReport.Check] {
        guard case .present(let certificate) = facts.signer else { return [] }
        switch certificate.chain {
        case .valid(let anchor): return [.passed(.chain, "chains to \(anchor)")]
        case .invalid(let reason):
            return [.problem(.chain, "does not chain to a trusted CA: \(reason)", .noCertificateChainFound)]
        case .anchorsUnavailable(let reason):
            return [.problem(.chain, "the trust anchors cannot be loaded: \(reason)", .certificateChainGeneralFailure)]
        }
    }
}
