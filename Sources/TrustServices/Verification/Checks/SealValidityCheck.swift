import TrustModel

/// The seal was within its validity when the signature was made (see ``TimeWindow``); a bare seal is judged now.
struct SealValidityCheck: SignatureCheck {
    func evaluate(_ facts: SignatureFacts) -> [ValidationReport.Check] {
        guard let seal = facts.seal else { return [] }
        let property = seal.info.property
        guard facts.signer != nil else {
            let now = facts.validationTime
            if now < property.validStart {
                return [
                    .problem(.sealValidity, "the seal is not valid before \(iso(property.validStart))", .notYetValid)
                ]
            }
            if now > property.validEnd {
                return [.problem(.sealValidity, "the seal expired at \(iso(property.validEnd))", .expired)]
            }
            return [
                .passed(
                    .sealValidity, "the seal is valid now (\(iso(property.validStart)) – \(iso(property.validEnd)))")
            ]
        }
        return [
            TimeWindow.judge(
                .sealValidity, "the seal", from: property.validStart, to: property.validEnd, at: facts.signingTime,
                now: facts.validationTime)
        ]
    }
}
