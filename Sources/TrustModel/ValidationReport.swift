import Foundation

/// A signature validation report modelled on ETSI EN 319 102-1 and the EU DSS simple report: an overall indication
/// with a sub-indication, and every check that was run with its status and detail. Facts first, judgement second: a
/// check records what was found; the indication is derived from the checks.
public struct ValidationReport: Sendable, Hashable {
    public enum Indication: String, Sendable, Hashable {
        case totalPassed = "TOTAL_PASSED", totalFailed = "TOTAL_FAILED", indeterminate = "INDETERMINATE"
    }

    public enum Status: String, Sendable, Hashable {
        case passed, failed, indeterminate, info
    }

    public struct Check: Sendable, Hashable {
        public let name: String
        public let status: Status
        public let detail: String
        /// The ETSI sub-indication this check gives when it does not pass (e.g. `HASH_FAILURE`).
        public let subIndication: String?

        public init(_ name: String, _ status: Status, _ detail: String, subIndication: String? = nil) {
            self.name = name
            self.status = status
            self.detail = detail
            self.subIndication = subIndication
        }
    }

    public let format: String
    public let checks: [Check]
    public let signer: String?
    public let sealName: String?
    public let sealID: String?
    public let signingTime: Date?
    /// `timestamp` when an RFC 3161 token proves the time, `claimed` when only the signer's own time is known.
    public let timeSource: String?

    public init(format: String, checks: [Check], signer: String? = nil, sealName: String? = nil, sealID: String? = nil,
                signingTime: Date? = nil, timeSource: String? = nil) {
        self.format = format
        self.checks = checks
        self.signer = signer
        self.sealName = sealName
        self.sealID = sealID
        self.signingTime = signingTime
        self.timeSource = timeSource
    }

    public var indication: Indication {
        if checks.contains(where: { $0.status == .failed }) { return .totalFailed }
        if checks.contains(where: { $0.status == .indeterminate }) { return .indeterminate }
        return .totalPassed
    }

    /// The sub-indication of the first failed (else indeterminate) check.
    public var subIndication: String? {
        (checks.first { $0.status == .failed } ?? checks.first { $0.status == .indeterminate })?.subIndication
    }

    public var isValid: Bool { indication == .totalPassed }
}
