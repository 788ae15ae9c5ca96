import Foundation

/// Where a seal is in its lifecycle (GB/T 38540 registry practice: 申请、审核、制作、备案、发放、挂失、撤销、销毁).
public enum SealState: String, Sendable, Hashable, Codable, CaseIterable {
    case applied, approved, rejected, made, filed, active, suspended, revoked, destroyed

    /// No way back: a rejected application, a revoked or destroyed seal.
    public var isTerminal: Bool { self == .rejected || self == .destroyed }
    /// A seal in these states may sign (subject to validity and grants).
    public var canSign: Bool { self == .active }
}

/// The steps that move a seal, each under one permission (which roles hold it is ``RolePermissions``' business).
public enum SealStep: String, Sendable, Hashable, Codable, CaseIterable {
    case apply, approve, reject, make, file, grant, withdraw
    case reportLoss = "report-loss"
    case recover, revoke, destroy

    public var permission: Permission {
        switch self {
        case .apply: .sealApply
        case .approve, .reject: .sealReview
        case .recover: .sealRecover
        case .make: .sealMake
        case .file: .sealFile
        case .grant, .withdraw: .sealGrant
        case .reportLoss: .sealReportLoss
        case .revoke: .sealRevoke
        case .destroy: .sealDestroy
        }
    }
}

/// The seal state machine. Pure: the service applies it inside a transaction and audits the move.
public enum SealLifecycle {
    /// The state after `step` from `state`, or `nil` when the step is not allowed there.
    public static func next(_ state: SealState, _ step: SealStep) -> SealState? {
        switch (state, step) {
        case (.applied, .approve): .approved
        case (.applied, .reject): .rejected
        case (.approved, .make): .made
        case (.made, .file): .filed
        case (.filed, .grant), (.active, .grant): .active
        case (.active, .withdraw): .active
        case (.active, .reportLoss): .suspended
        case (.suspended, .recover): .active
        case (.made, .revoke), (.filed, .revoke), (.active, .revoke), (.suspended, .revoke): .revoked
        case (.made, .destroy), (.filed, .destroy), (.active, .destroy), (.suspended, .destroy), (.revoked, .destroy):
            .destroyed
        default: nil
        }
    }

    /// The steps allowed from `state` (for error messages and clients).
    public static func allowed(from state: SealState) -> [SealStep] {
        SealStep.allCases.filter { next(state, $0) != nil }
    }
}

/// A seal type from `policies/seal-types.yaml`.
public struct SealType: Sendable, Hashable {
    public let code: String
    public let name: String
    /// The `SES_ESPropertyInfo.type` integer written into the seal.
    public let typeCode: Int
    public let pictureFormats: [SealPictureFormat]
    public let pictureMaxBytes: Int
    public let sizeMM: ClosedRange<Int>
    /// Certificate profile of the seal certificate.
    public let profile: String
    /// Issuing CA of the seal certificate.
    public let ca: String
    /// Key types allowed for the seal key; the first is the default.
    public let keyTypes: [String]
    /// Level the applicant needs, and the organisation's level.
    public let applicantLevel: AssuranceLevel
    public let organizationLevel: AssuranceLevel
    public let validityDays: Int
    /// How trustd draws this type's standard picture; nil when it draws none (name seals).
    public let drawing: SealTypeDrawing?

    public init(
        code: String, name: String, typeCode: Int, pictureFormats: [SealPictureFormat], pictureMaxBytes: Int,
        sizeMM: ClosedRange<Int>,
        profile: String, ca: String, keyTypes: [String], applicantLevel: AssuranceLevel,
        organizationLevel: AssuranceLevel,
        validityDays: Int, drawing: SealTypeDrawing? = nil
    ) {
        self.code = code
        self.name = name
        self.typeCode = typeCode
        self.pictureFormats = pictureFormats
        self.pictureMaxBytes = pictureMaxBytes
        self.sizeMM = sizeMM
        self.profile = profile
        self.ca = ca
        self.keyTypes = keyTypes
        self.applicantLevel = applicantLevel
        self.organizationLevel = organizationLevel
        self.validityDays = validityDays
        self.drawing = drawing
    }

    /// Checks a picture against the type's rules by its magic bytes (never trusting the declared format alone).
    public func checkPicture(format name: String, data: [UInt8], widthMM: Int, heightMM: Int) throws {
        guard let format = SealPictureFormat(name: name), pictureFormats.contains(format) else {
            throw TrustError.invalid(
                "picture format \(name) is not allowed for \(code) (\(pictureFormats.map(\.rawValue).joined(separator: ", ")))"
            )
        }
        guard !data.isEmpty, data.count <= pictureMaxBytes else {
            throw TrustError.invalid("picture must be 1 to \(pictureMaxBytes) bytes for \(code), got \(data.count)")
        }
        guard data.starts(with: format.magic) else {
            throw TrustError.invalid("picture data is not a \(format.rawValue) image")
        }
        guard sizeMM.contains(widthMM), sizeMM.contains(heightMM) else {
            throw TrustError.invalid(
                "picture size must be \(sizeMM.lowerBound)–\(sizeMM.upperBound) mm for \(code), got \(widthMM)×\(heightMM)"
            )
        }
    }
}

/// The standard picture of a seal type (policy `drawing:`): its outline and size, and the label printed under the
/// star or along the bottom (合同专用章, 发票专用章 …; none for an official seal).
public struct SealTypeDrawing: Sendable, Hashable {
    public enum Shape: String, Sendable, Hashable, CaseIterable {
        case round, oval
    }
    public let shape: Shape
    public let widthMM: Int
    public let heightMM: Int
    public let label: String?

    public init(shape: Shape, widthMM: Int, heightMM: Int, label: String?) {
        self.shape = shape
        self.widthMM = widthMM
        self.heightMM = heightMM
        self.label = label
    }
}
