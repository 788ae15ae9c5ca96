import TrustModel

/// The bytes are a signature format trustd reads (CMS, GM/T 0010, GB/T 38540 v4, GM/T 0031 v1, a bare seal).
struct FormatCheck: SignatureCheck {
    func evaluate(_ facts: SignatureFacts) -> [ValidationReport.Check] {
        if let problem = facts.formatProblem {
            return [
                .problem(.format, "not a CMS, GB/T 38540 or GM/T 0031 signature or seal: \(problem)", .formatFailure)
            ]
        }
        return [.passed(.format, facts.formatDetail)]
    }
}
