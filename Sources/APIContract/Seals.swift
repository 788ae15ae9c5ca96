import Foundation

// The seal registry: `/v1/seals`.

public struct SealPictureBody: Codable, Sendable {
    public let format: String
    /// Base64 of the image bytes.
    public let data: String
    public let widthMm, heightMm: Int
    public init(format: String, data: String, widthMm: Int, heightMm: Int) {
        self.format = format
        self.data = data
        self.widthMm = widthMm
        self.heightMm = heightMm
    }
}

public struct SealApplyRequest: Codable, Sendable {
    public let organizationId, type, name: String
    /// The applying person; default the organisation's legal representative.
    public let applicantId: String?
    /// The picture, or `pictureGenerate: true` for the type's standard picture with the organisation's name (and
    /// `pictureNumber`).
    public let picture: SealPictureBody?
    public let pictureGenerate: Bool?
    public let pictureNumber: String?
    public let validTo, keyType: String?
    public init(
        organizationId: String, applicantId: String?, type: String, name: String, picture: SealPictureBody?,
        pictureGenerate: Bool? = nil, pictureNumber: String? = nil, validTo: String? = nil, keyType: String? = nil
    ) {
        self.organizationId = organizationId
        self.applicantId = applicantId
        self.type = type
        self.name = name
        self.picture = picture
        self.pictureGenerate = pictureGenerate
        self.pictureNumber = pictureNumber
        self.validTo = validTo
        self.keyType = keyType
    }
}

public struct SealEventView: Codable, Sendable {
    public let step, to, actor, time: String
    public let from, comment: String?
    public init(step: String, to: String, actor: String, time: String, from: String?, comment: String?) {
        self.step = step
        self.to = to
        self.actor = actor
        self.time = time
        self.from = from
        self.comment = comment
    }
}

public struct SealGrantView: Codable, Sendable {
    public let id, granteeKind, granteeId, minLevel, validFrom, validTo: String
    public let usageLimit: Int?
    public let usageCount: Int
    public let withdrawnAt: String?
    public init(
        id: String, granteeKind: String, granteeId: String, minLevel: String, validFrom: String, validTo: String,
        usageLimit: Int?,
        usageCount: Int, withdrawnAt: String?
    ) {
        self.id = id
        self.granteeKind = granteeKind
        self.granteeId = granteeId
        self.minLevel = minLevel
        self.validFrom = validFrom
        self.validTo = validTo
        self.usageLimit = usageLimit
        self.usageCount = usageCount
        self.withdrawnAt = withdrawnAt
    }
}

public struct SealView: Codable, Sendable {
    public let id, organizationId, type, name, state, esId, applicant, applicantId, keyType, validFrom, validTo: String
    public let certificateSerial, filingNumber, filingAuthority: String?
    /// The lifecycle steps possible from the current state.
    public let nextSteps: [String]
    public let history: [SealEventView]
    public let grants: [SealGrantView]
    public init(
        id: String, organizationId: String, type: String, name: String, state: String, esId: String, applicant: String,
        applicantId: String, keyType: String, validFrom: String, validTo: String, certificateSerial: String?,
        filingNumber: String?,
        filingAuthority: String?, nextSteps: [String], history: [SealEventView], grants: [SealGrantView]
    ) {
        self.id = id
        self.organizationId = organizationId
        self.type = type
        self.name = name
        self.state = state
        self.esId = esId
        self.applicant = applicant
        self.applicantId = applicantId
        self.keyType = keyType
        self.validFrom = validFrom
        self.validTo = validTo
        self.certificateSerial = certificateSerial
        self.filingNumber = filingNumber
        self.filingAuthority = filingAuthority
        self.nextSteps = nextSteps
        self.history = history
        self.grants = grants
    }
}

public struct SealList: Codable, Sendable {
    public let seals: [SealView]
    public init(seals: [SealView]) { self.seals = seals }
}

/// `GET /v1/seals/{id}/status` (状态查询).
public struct SealStatusView: Codable, Sendable {
    public let id, state, certificateStatus, validFrom, validTo: String
    public let filingNumber: String?
    public init(
        id: String, state: String, certificateStatus: String, validFrom: String, validTo: String, filingNumber: String?
    ) {
        self.id = id
        self.state = state
        self.certificateStatus = certificateStatus
        self.validFrom = validFrom
        self.validTo = validTo
        self.filingNumber = filingNumber
    }
}

public struct SealReviewRequest: Codable, Sendable {
    public let approve: Bool
    public let comment: String?
    public init(approve: Bool, comment: String? = nil) {
        self.approve = approve
        self.comment = comment
    }
}

public struct SealFileRequest: Codable, Sendable {
    public let filingNumber, authority: String
    public init(filingNumber: String, authority: String) {
        self.filingNumber = filingNumber
        self.authority = authority
    }
}

public struct SealGrantRequest: Codable, Sendable {
    public let personId, principalId: String?
    public let minLevel: String
    public let validFrom: String?
    public let validTo: String
    public let usageLimit: Int?
    public init(
        personId: String? = nil, principalId: String? = nil, minLevel: String, validFrom: String? = nil,
        validTo: String, usageLimit: Int? = nil
    ) {
        self.personId = personId
        self.principalId = principalId
        self.minLevel = minLevel
        self.validFrom = validFrom
        self.validTo = validTo
        self.usageLimit = usageLimit
    }
}

/// Body of report-loss, recover, revoke and destroy (all optional).
public struct SealStepRequest: Codable, Sendable {
    public let comment: String?
    /// revoke only: an RFC 5280 reason for the seal certificate (default cessationOfOperation).
    public let reason: String?
    public init(comment: String? = nil, reason: String? = nil) {
        self.comment = comment
        self.reason = reason
    }
}

extension SealApplyRequest: APIRequest {
    /// Seal pictures are small images (GB/T 38540 pictures are a few KiB to a few hundred).
    public static let maxPictureBytes = 512 * 1024

    public func validate() throws(RequestError) {
        try Field.identifier(organizationId, "organizationId")
        if let applicantId { try Field.identifier(applicantId, "applicantId") }
        try Field.text(type, "type", max: 32)
        try Field.text(name, "name", max: 128)
        try Field.exactlyOne([("picture", picture != nil), ("pictureGenerate", pictureGenerate == true)])
        if let picture { try Field.text(picture.format, "picture.format", max: 16) }
        _ = try pictureBytes()
        if let pictureNumber {
            guard picture == nil else { throw RequestError("pictureNumber goes with pictureGenerate") }
            try SealPictureRequest(type: type, organization: "-", number: pictureNumber).validate()
        }
        if let validTo { _ = try Field.time(validTo, "validTo") }
        try Field.optionalText(keyType, "keyType", max: 16)
    }

    public func pictureBytes() throws(RequestError) -> [UInt8]? {
        try picture.map { body throws(RequestError) in
            try Field.base64(body.data, "picture.data", maxBytes: Self.maxPictureBytes)
        }
    }
    public func validToDate() throws(RequestError) -> Date? {
        try validTo.map { text throws(RequestError) in try Field.time(text, "validTo") }
    }
}

extension SealReviewRequest: APIRequest {
    public func validate() throws(RequestError) { try Field.optionalText(comment, "comment", max: 1000) }
}

extension SealFileRequest: APIRequest {
    public func validate() throws(RequestError) {
        try Field.text(filingNumber, "filingNumber", max: 128)
        try Field.text(authority, "authority", max: 128)
    }
}

extension SealGrantRequest: APIRequest {
    public func validate() throws(RequestError) {
        try Field.exactlyOne([("personId", personId != nil), ("principalId", principalId != nil)])
        for (name, value) in [("personId", personId), ("principalId", principalId)] {
            if let value { try Field.identifier(value, name) }
        }
        try Field.text(minLevel, "minLevel", max: 16)
        _ = try validity()
        if let usageLimit, usageLimit < 1 { throw RequestError("usageLimit must be at least 1") }
    }

    public func validity() throws(RequestError) -> (from: Date?, to: Date) {
        (
            try validFrom.map { text throws(RequestError) in try Field.time(text, "validFrom") },
            try Field.time(validTo, "validTo")
        )
    }
}

extension SealStepRequest: APIRequest {
    public func validate() throws(RequestError) {
        try Field.optionalText(comment, "comment", max: 1000)
        try Field.optionalText(reason, "reason", max: 64)
    }
}

/// `POST /v1/seal-pictures`: a type's standard picture with the organisation's name (and number), as PNG at `dpi`
/// (default 300) or SVG.
public struct SealPictureRequest: Codable, Sendable {
    public let type, organization: String
    public let number, format: String?
    public let dpi: Int?
    public init(type: String, organization: String, number: String? = nil, format: String? = nil, dpi: Int? = nil) {
        self.type = type
        self.organization = organization
        self.number = number
        self.format = format
        self.dpi = dpi
    }
}

extension SealPictureRequest: APIRequest {
    public static let formats = ["png", "svg"]

    public func validate() throws(RequestError) {
        try Field.text(type, "type", max: 32)
        try Field.text(organization, "organization", max: 40)
        if let number {
            guard (1...24).contains(number.count), number.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) })
            else { throw RequestError("number must be 1 to 24 letters and digits") }
        }
        if let format, !Self.formats.contains(format) { throw RequestError("format must be png or svg") }
        if let dpi, !(72...600).contains(dpi) { throw RequestError("dpi must be 72 to 600") }
    }
}
