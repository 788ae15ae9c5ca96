import Foundation

// Sealed documents: `/v1/documents/seal`, and OFD reports from `/v1/verify`.

/// Where a seal goes. One of: `page` (1-based) or `pageId` with `x`, `y` (mm, the seal's top-left corner);
/// `keyword` (+ `occurrence`, default 1), the seal centred on that text; `riding` ("1-5": a riding seal across those
/// pages at the right edge, `y` its top, centred when absent).
public struct PlacementBody: Codable, Sendable, Hashable {
    public var page: Int?
    public var pageId: String?
    public var x, y: Double?
    public var keyword: String?
    public var occurrence: Int?
    public var riding: String?

    public init(
        page: Int? = nil, pageId: String? = nil, x: Double? = nil, y: Double? = nil, keyword: String? = nil,
        occurrence: Int? = nil, riding: String? = nil
    ) {
        self.page = page
        self.pageId = pageId
        self.x = x
        self.y = y
        self.keyword = keyword
        self.occurrence = occurrence
        self.riding = riding
    }

    /// Which kind of placement this is, once checked.
    public enum Kind: Sendable, Hashable {
        case page(index: Int?, id: String?, x: Double, y: Double)
        case keyword(String, occurrence: Int)
        case riding(first: Int, last: Int, y: Double?)
    }

    public func kind() throws(RequestError) -> Kind {
        let chosen = [page != nil || pageId != nil, keyword != nil, riding != nil].filter { $0 }.count
        guard chosen == 1 else {
            throw RequestError(
                "a placement is one of page/pageId + x + y, keyword, or riding", code: "invalid_placement")
        }
        func millimetres(_ value: Double?, _ name: String) throws(RequestError) -> Double? {
            guard let value else { return nil }
            guard value.isFinite, value >= 0, value <= 10_000 else {
                throw RequestError("\(name) must be a position in millimetres (0–10000)", code: "invalid_placement")
            }
            return value
        }
        if let keyword {
            guard !keyword.isEmpty, keyword.count <= 64 else {
                throw RequestError("keyword must be 1–64 characters", code: "invalid_placement")
            }
            guard (occurrence ?? 1) >= 1, (occurrence ?? 1) <= 1000 else {
                throw RequestError("occurrence counts from 1", code: "invalid_placement")
            }
            return .keyword(keyword, occurrence: occurrence ?? 1)
        }
        if let riding {
            let bounds = riding.split(separator: "-").map { Int($0) }
            guard bounds.count == 2, let first = bounds[0], let last = bounds[1], first >= 1, last > first,
                last <= 10_000
            else {
                throw RequestError(
                    "riding is a page range such as \"1-5\" (two pages at least)", code: "invalid_placement")
            }
            return .riding(first: first, last: last, y: try millimetres(y, "y"))
        }
        if let pageId {
            guard !pageId.isEmpty, pageId.count <= 32, pageId.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) })
            else {
                throw RequestError("pageId is a page's ID attribute (letters and digits)", code: "invalid_placement")
            }
        }
        guard page.map({ $0 >= 1 && $0 <= 100_000 }) ?? true else {
            throw RequestError("page counts from 1", code: "invalid_placement")
        }
        guard let x = try millimetres(x, "x"), let y = try millimetres(y, "y") else {
            throw RequestError("a page placement needs x and y in millimetres", code: "invalid_placement")
        }
        return .page(index: page, id: pageId, x: x, y: y)
    }
}

/// `POST /v1/documents/seal`: `{sealId | keyId, signer?, document: B64 OFD, placements, mode, timestamp}`.
public struct SealDocumentRequestBody: Codable, Sendable {
    public let sealId, keyId, signer: String?
    public let document: String
    public let placements: [PlacementBody]?
    /// `continue` (default) or `whole`.
    public let mode: String?
    public let timestamp: Bool?

    public init(
        sealId: String? = nil, keyId: String? = nil, signer: String? = nil, document: String,
        placements: [PlacementBody]? = nil, mode: String? = nil, timestamp: Bool? = nil
    ) {
        self.sealId = sealId
        self.keyId = keyId
        self.signer = signer
        self.document = document
        self.placements = placements
        self.mode = mode
        self.timestamp = timestamp
    }

    /// The largest OFD document accepted (inflated limits apply on top, see OFDLimits).
    public static let maxDocumentBytes = 16 << 20
}

extension SealDocumentRequestBody: APIRequest {
    public static var maxBodyBytes: Int { (maxDocumentBytes + 2) / 3 * 4 + 64 * 1024 }

    public func validate() throws(RequestError) {
        guard (sealId == nil) != (keyId == nil) else {
            throw RequestError("give sealId (an electronic seal) or keyId (a digital signature), not both")
        }
        if let sealId { try Field.identifier(sealId, "sealId") }
        if let keyId { try Field.identifier(keyId, "keyId") }
        if let signer { try Field.identifier(signer, "signer") }
        // The document is decoded once, by the handler (documentBytes): here only its size, since decoding 16 MiB
        // twice would double the cost of every sealing.
        guard !document.isEmpty, document.utf8.count <= (Self.maxDocumentBytes + 2) / 3 * 4 + 8 else {
            throw RequestError(
                "document is not base64 of at most \(Self.maxDocumentBytes) bytes", code: "malformed_base64")
        }
        guard let placements, !placements.isEmpty, placements.count <= 64 else {
            throw RequestError("placements: give 1–64 places for the seal", code: "invalid_placement")
        }
        for placement in placements { _ = try placement.kind() }
        guard mode == nil || mode == "continue" || mode == "whole" else {
            throw RequestError("mode is continue or whole")
        }
    }

    public func documentBytes() throws(RequestError) -> [UInt8] {
        try Field.base64(document, "document", maxBytes: Self.maxDocumentBytes)
    }
}

/// The sealed document and what was added to it.
public struct SealedDocumentView: Codable, Sendable {
    public let document: String
    public let signatureId: String
    public let signaturePath: String
    public let certificateSerial: String

    public init(document: String, signatureId: String, signaturePath: String, certificateSerial: String) {
        self.document = document
        self.signatureId = signatureId
        self.signaturePath = signaturePath
        self.certificateSerial = certificateSerial
    }
}

/// A document's report (`POST /v1/verify` with an OFD): one report per signature and the package's findings.
public struct DocumentReportView: Codable, Sendable {
    public struct SignatureView: Codable, Sendable {
        public let id, type, path: String
        public let pages: [String]
        public let report: ValidationReportView
        public init(id: String, type: String, path: String, pages: [String], report: ValidationReportView) {
            self.id = id
            self.type = type
            self.path = path
            self.pages = pages
            self.report = report
        }
    }
    public let valid: Bool
    public let indication: String
    public let subIndication: String?
    public let format: String
    public let signatures: [SignatureView]
    public let unprotectedFiles: [String]
    public let warnings: [String]
    public init(
        valid: Bool, indication: String, subIndication: String?, format: String, signatures: [SignatureView],
        unprotectedFiles: [String], warnings: [String]
    ) {
        self.valid = valid
        self.indication = indication
        self.subIndication = subIndication
        self.format = format
        self.signatures = signatures
        self.unprotectedFiles = unprotectedFiles
        self.warnings = warnings
    }
}
