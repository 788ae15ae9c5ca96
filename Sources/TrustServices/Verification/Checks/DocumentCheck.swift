import TrustModel

/// The document (or its digest) is the one that was signed.
struct DocumentCheck: SignatureCheck {
    func evaluate(_ facts: SignatureFacts) -> [ValidationReport.Check] {
        switch facts.document {
        case nil: []
        case .matches(let detail): [.passed(.document, detail)]
        case .differs(let detail): [.problem(.document, detail, .hashFailure)]
        case .notGiven(let detail): [.problem(.document, detail, .signedDataNotFound)]
        case .noSignedDigest(let detail): [.problem(.document, detail, .formatFailure)]
        }
    }
}
