import TrustModel

/// The signer certificate is for signatures (keyUsage digitalSignature or nonRepudiation, or no keyUsage).
struct KeyUsageCheck: SignatureCheck {
    func evaluate(_ facts: SignatureFacts) -> [ValidationReport.Check] {
        guard case .present(let certificate) = facts.signer else { return [] }
        return certificate.keyUsageAllowsSigning
            ? [.passed(.keyUsage, "digitalSignature/nonRepudiation")]
            : [.problem(.keyUsage, "the certificate is not for signatures", .chainConstraintsFailure)]
    }
}
