import TrustModel

/// The signer's signature value verifies with the signer certificate's key.
struct SignatureValueCheck: SignatureCheck {
    func evaluate(_ facts: SignatureFacts) -> [ValidationReport.Check] {
        switch facts.signatureValue {
        case nil: []
        case .verifies(let detail): [.passed(.signature, detail)]
        case .fails(let detail): [.problem(.signature, detail, .sigCryptoFailure)]
        case .unsupported(let detail): [.problem(.signature, detail, .cryptoConstraintsFailure)]
        }
    }
}
