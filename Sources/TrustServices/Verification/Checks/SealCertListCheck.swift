import TrustModel

/// The signer is one of the seal's signers (its certificate is in the seal's certList).
struct SealCertListCheck: SignatureCheck {
    func evaluate(_ facts: SignatureFacts) -> [ValidationReport.Check] {
        switch facts.seal?.signerListed {
        case nil: []
        case true?: [.passed(.sealCertList, "the signer certificate is in the seal's certList")]
        case false?:
            [.problem(.sealCertList, "the signer certificate is not in the seal's certList", .sigConstraintsFailure)]
        }
    }
}
