import TrustModel

/// The signer certificate was valid when the signature was made (see ``TimeWindow``).
struct ValidityCheck: SignatureCheck {
    func evaluate(_ facts: SignatureFacts) -> [ValidationReport.Check] {
        guard case .present(let certificate) = facts.signer else { return [] }
        return [
            TimeWindow.judge(
                .validity, "the signer certificate", from: certificate.notBefore, to: certificate.notAfter,
                at: facts.signingTime,
                now: facts.validationTime)
        ]
    }
}
