import TrustModel

/// The seal maker's signature over SES_SealInfo verifies, and the seal was made (createDate) while the maker's
/// certificate was valid.
struct SealMakerCheck: SignatureCheck {
    func evaluate(_ facts: SignatureFacts) -> [ValidationReport.Check] {
        guard let seal = facts.seal else { return [] }
        if let problem = seal.makerProblem { return [.problem(.sealMaker, problem, .sigCryptoFailure)] }
        let created = seal.info.property.createDate
        if let validity = seal.makerValidity {
            let window = "\(iso(validity.notBefore)) – \(iso(validity.notAfter))"
            if created < validity.notBefore {
                return [
                    .problem(
                        .sealMaker,
                        "the seal was made (\(iso(created))) before its maker's certificate was valid (\(window))",
                        .notYetValid)
                ]
            }
            if created > validity.notAfter {
                return [
                    .problem(
                        .sealMaker,
                        "the seal was made (\(iso(created))) after its maker's certificate expired (\(window))",
                        .expired)
                ]
            }
        }
        return [
            .passed(
                .sealMaker,
                "the seal maker's signature over SES_SealInfo verifies; made \(iso(created)) within the maker certificate's validity"
            )
        ]
    }
}
