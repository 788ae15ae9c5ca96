import TrustModel

/// The seal's status in trustd's registry (for seals trustd made): active; reported lost; revoked or destroyed
/// before the signing time (or after it, proven by a timestamp). A registry that cannot be read is TRY_LATER.
struct SealStatusCheck: SignatureCheck {
    func evaluate(_ facts: SignatureFacts) -> [ValidationReport.Check] {
        guard let seal = facts.seal else { return [] }
        let time = facts.signingTime
        switch seal.registry {
        case .notTrustd:
            return [.info(.sealStatus, "the seal \(seal.info.esID) was not made by trustd")]
        case .lookupFailed(let reason):
            return [.problem(.sealStatus, reason, .tryLater, cause: .lookupFailed)]
        case .record(let id, .active, _):
            return [.passed(.sealStatus, "seal \(id) is active in trustd's registry")]
        case .record(let id, .suspended, _):
            return [
                .problem(.sealStatus, "seal \(id) is reported lost (suspended)", .tryLater, cause: .sealReportedLost)
            ]
        case .record(let id, let state, let endedAt) where state == .revoked || state == .destroyed:
            guard facts.signer != nil, let endedAt, endedAt > time.date else {
                return [.problem(.sealStatus, "seal \(id) is \(state.rawValue) in trustd's registry", .revoked)]
            }
            if time.proven {
                return [
                    .passed(
                        .sealStatus,
                        "seal \(id) was \(state.rawValue) at \(iso(endedAt)), after the time-stamped signing time")
                ]
            }
            return [
                .problem(
                    .sealStatus,
                    "seal \(id) was \(state.rawValue) at \(iso(endedAt)); without a timestamp the earlier signing time is only claimed",
                    .revokedNoPOE)
            ]
        case .record(let id, let state, _):
            return [
                .problem(
                    .sealStatus, "seal \(id) is \(state.rawValue) and has never been issued for signing", .notYetValid)
            ]
        }
    }
}
