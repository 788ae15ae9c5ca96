import Foundation

// Verification reports: `/v1/verify`.

/// `POST /v1/verify`: `{"signature":B64,"data":B64|"digest":HEX}`, or `{"document":B64}` for a signed OFD document
/// (an OFD given as `signature` is recognised too).
public struct VerifyRequestBody: Codable, Sendable {
    public let signature: String?
    public let data, digest: String?
    public let document: String?
    public init(signature: String? = nil, data: String? = nil, digest: String? = nil, document: String? = nil) {
        self.signature = signature
        self.data = data
        self.digest = digest
        self.document = document
    }
}

public struct ValidationCheckView: Codable, Sendable {
    public let name, status, detail: String
    public let subIndication: String?
    public init(name: String, status: String, detail: String, subIndication: String?) {
        self.name = name
        self.status = status
        self.detail = detail
        self.subIndication = subIndication
    }
}

/// The validation report (DESIGN §4: `{valid, format, signer, seal, signingTime, checks:[{name, status, detail}]}`),
/// with the ETSI EN 319 102-1 indication and sub-indication.
public struct ValidationReportView: Codable, Sendable {
    public struct SealSummary: Codable, Sendable {
        public let name: String?
        public let esId: String?
        public init(name: String?, esId: String?) {
            self.name = name
            self.esId = esId
        }
    }
    public let valid: Bool
    public let indication: String
    public let subIndication: String?
    public let format: String
    public let signer: String?
    public let seal: SealSummary?
    public let signingTime: String?
    public let timeSource: String?
    public let checks: [ValidationCheckView]
    public init(
        valid: Bool, indication: String, subIndication: String?, format: String, signer: String?, seal: SealSummary?,
        signingTime: String?, timeSource: String?, checks: [ValidationCheckView]
    ) {
        self.valid = valid
        self.indication = indication
        self.subIndication = subIndication
        self.format = format
        self.signer = signer
        self.seal = seal
        self.signingTime = signingTime
        self.timeSource = timeSource
        self.checks = checks
    }
}

extension VerifyRequestBody: APIRequest {
    public static let maxSignatureBytes = 512 * 1024
    public static let maxDataBytes = 512 * 1024

    public static var maxBodyBytes: Int { SealDocumentRequestBody.maxBodyBytes }

    public func validate() throws(RequestError) {
        try Field.exactlyOne([("signature", signature != nil), ("document", document != nil)])
        if let document {
            // Decoded once, by the handler (signatureBytes); here only its size.
            guard !document.isEmpty,
                document.utf8.count <= (SealDocumentRequestBody.maxDocumentBytes + 2) / 3 * 4 + 8
            else {
                throw RequestError(
                    "document is not base64 of at most \(SealDocumentRequestBody.maxDocumentBytes) bytes",
                    code: "malformed_base64")
            }
        } else {
            _ = try signatureBytes()
        }
        _ = try dataBytes()
        _ = try digestBytes()
        guard data == nil || digest == nil else { throw RequestError("give data or digest, not both") }
    }

    /// The signature, seal or document to verify.
    public func signatureBytes() throws(RequestError) -> [UInt8] {
        if let document {
            return try Field.base64(document, "document", maxBytes: SealDocumentRequestBody.maxDocumentBytes)
        }
        return try Field.base64(signature ?? "", "signature", maxBytes: Self.maxSignatureBytes)
    }
    public func dataBytes() throws(RequestError) -> [UInt8]? {
        try data.map { text throws(RequestError) in
            try Field.base64(text, "data", maxBytes: Self.maxDataBytes, allowEmpty: true)
        }
    }
    public func digestBytes() throws(RequestError) -> [UInt8]? {
        try digest.map { text throws(RequestError) in try Field.hex(text, "digest", oneOf: [32, 48, 64]) }
    }
}
