import TrustModel

/// The signature names a signer certificate that is there.
struct SignerCertificateCheck: SignatureCheck {
    func evaluate(_ facts: SignatureFacts) -> [ValidationReport.Check] {
        guard case .missing(let reason) = facts.signer else { return [] }
        return [.problem(.certificate, reason, .noSigningCertificateFound)]
    }
}
