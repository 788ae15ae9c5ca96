import Foundation

/// A signature validation report modelled on ETSI EN 319 102-1 and the EU DSS simple report: an overall indication
/// with a sub-indication, and every check that was run with its status and detail. Facts first, judgement second: a
/// check records what was found; the indication is derived from the checks.
public struct ValidationReport: Sendable, Hashable {
    public enum Indication: String, Sendable, Hashable {
        case totalPassed = "TOTAL_PASSED"
        case totalFailed = "TOTAL_FAILED"
        case indeterminate = "INDETERMINATE"
    }

    public enum Status: String, Sendable, Hashable {
        /// `info` records a fact that neither passes nor fails (no timestamp; a seal trustd did not make); `warning`
        /// a fact a relying party should see that does not change the verdict.
        case passed, failed, indeterminate, info, warning
    }

    public struct Check: Sendable, Hashable {
        public let name: CheckName
        public let status: Status
        public let detail: String
        /// The EN 319 102-1 sub-indication when the check did not pass; its class fixes the status (failed for a
        /// TOTAL-FAILED sub-indication, indeterminate otherwise).
        public let subIndication: SubIndication?
        /// What happened, where the check and its sub-indication leave it open (a seal reported lost and a registry
        /// that cannot be read are both TRY_LATER): the plain-words reason a report gives people.
        public let cause: Cause?

        private init(
            _ name: CheckName, _ status: Status, _ detail: String, _ subIndication: SubIndication?, _ cause: Cause?
        ) {
            self.name = name
            self.status = status
            self.detail = detail
            self.subIndication = subIndication
            self.cause = cause
        }

        public static func passed(_ name: CheckName, _ detail: String) -> Check {
            Check(name, .passed, detail, nil, nil)
        }
        public static func info(_ name: CheckName, _ detail: String) -> Check { Check(name, .info, detail, nil, nil) }
        public static func warning(_ name: CheckName, _ detail: String) -> Check {
            Check(name, .warning, detail, nil, nil)
        }

        /// A check that did not pass: TOTAL_FAILED or INDETERMINATE as the standard pairs the sub-indication.
        public static func problem(
            _ name: CheckName, _ detail: String, _ subIndication: SubIndication, cause: Cause? = nil
        ) -> Check {
            Check(
                name, subIndication.indication == .totalFailed ? .failed : .indeterminate, detail, subIndication, cause)
        }
    }

    /// Causes a check name and sub-indication do not tell apart.
    public enum Cause: String, Sendable, Hashable {
        /// The seal is reported lost (suspended) in trustd's registry.
        case sealReportedLost = "seal-reported-lost"
        /// The certificate is on hold (its seal reported lost), not revoked for good.
        case certificateOnHold = "certificate-on-hold"
        /// trustd's registry, the trust anchors or the CRLs could not be read.
        case lookupFailed = "lookup-failed"
    }

    /// What trustd's registry says about the seal's holder (for seals trustd made).
    public struct SealHolder: Sendable, Hashable {
        public let organization: String?
        /// The public-security filing number (备案号), once filed.
        public let filingNumber: String?
        public init(organization: String?, filingNumber: String?) {
            self.organization = organization
            self.filingNumber = filingNumber
        }
    }

    /// The seal's picture as the seal carries it (`png`, `jpeg`, `gif`, `ofd`, `svg` …).
    public struct SealImage: Sendable, Hashable {
        public let type: String
        public let data: [UInt8]
        public init(type: String, data: [UInt8]) {
            self.type = type
            self.data = data
        }
    }

    public let format: String
    public let checks: [Check]
    public let signer: String?
    public let sealName: String?
    public let sealID: String?
    public let signingTime: Date?
    /// `timestamp` when an RFC 3161 token proves the time, `claimed` when only the signer's own time is known,
    /// `validation` when there is neither.
    public let timeSource: String?
    public let sealHolder: SealHolder?
    public let sealImage: SealImage?

    public init(
        format: String, checks: [Check], signer: String? = nil, sealName: String? = nil, sealID: String? = nil,
        signingTime: Date? = nil, timeSource: String? = nil, sealHolder: SealHolder? = nil, sealImage: SealImage? = nil
    ) {
        self.format = format
        self.checks = checks
        self.signer = signer
        self.sealName = sealName
        self.sealID = sealID
        self.signingTime = signingTime
        self.timeSource = timeSource
        self.sealHolder = sealHolder
        self.sealImage = sealImage
    }

    public var indication: Indication {
        if checks.contains(where: { $0.status == .failed }) { return .totalFailed }
        if checks.contains(where: { $0.status == .indeterminate }) { return .indeterminate }
        return .totalPassed
    }

    /// The sub-indication of the first failed (else indeterminate) check.
    public var subIndication: SubIndication? {
        (checks.first { $0.status == .failed } ?? checks.first { $0.status == .indeterminate })?.subIndication
    }

    public var isValid: Bool { indication == .totalPassed }

    public func check(_ name: CheckName) -> Check? { checks.first { $0.name == name } }
}

/// The checks a report can hold, in the order they are run.
public enum CheckName: String, Sendable, Hashable, CaseIterable {
    case format
    /// OFD: every file a signature references is present and hashes to its CheckValue.
    case references
    /// OFD: every stamp annotation names a page of the document.
    case stampAnnotations = "stamp-annotations"
    /// OFD: Seal.esl is the seal inside the signed value, and the signed value names its Signature.xml.
    case sealFile = "seal-file"
    /// The signer's signature value (over TBS_Sign, or over the CMS signed attributes).
    case signature
    /// The document (or the given digest) against the signed hash.
    case document
    case timestamp
    /// No signer certificate could be found (CMS without the signer's certificate).
    case certificate
    case chain
    case validity
    case revocation
    case keyUsage = "key-usage"
    case sealCertList = "seal-cert-list"
    case sealMaker = "seal-maker"
    case sealValidity = "seal-validity"
    case sealStatus = "seal-status"
}

/// ETSI EN 319 102-1 sub-indications (Table 6): six belong to TOTAL-FAILED, the rest to INDETERMINATE.
public enum SubIndication: String, Sendable, Hashable, CaseIterable {
    // TOTAL-FAILED
    case formatFailure = "FORMAT_FAILURE"
    case hashFailure = "HASH_FAILURE"
    case sigCryptoFailure = "SIG_CRYPTO_FAILURE"
    case revoked = "REVOKED"
    /// The signing time, proven by a proof of existence, is after the certificate's (or seal's) end.
    case expired = "EXPIRED"
    /// The signing time, proven, is before the certificate's (or seal's) start.
    case notYetValid = "NOT_YET_VALID"
    // INDETERMINATE
    case sigConstraintsFailure = "SIG_CONSTRAINTS_FAILURE"
    case chainConstraintsFailure = "CHAIN_CONSTRAINTS_FAILURE"
    case certificateChainGeneralFailure = "CERTIFICATE_CHAIN_GENERAL_FAILURE"
    case cryptoConstraintsFailure = "CRYPTO_CONSTRAINTS_FAILURE"
    case timestampOrderFailure = "TIMESTAMP_ORDER_FAILURE"
    case noSigningCertificateFound = "NO_SIGNING_CERTIFICATE_FOUND"
    case noCertificateChainFound = "NO_CERTIFICATE_CHAIN_FOUND"
    case revokedNoPOE = "REVOKED_NO_POE"
    case outOfBoundsNoPOE = "OUT_OF_BOUNDS_NO_POE"
    case outOfBoundsNotRevoked = "OUT_OF_BOUNDS_NOT_REVOKED"
    case noPOE = "NO_POE"
    case tryLater = "TRY_LATER"
    case signedDataNotFound = "SIGNED_DATA_NOT_FOUND"

    public var indication: ValidationReport.Indication {
        switch self {
        case .formatFailure, .hashFailure, .sigCryptoFailure, .revoked, .expired, .notYetValid: .totalFailed
        default: .indeterminate
        }
    }
}
