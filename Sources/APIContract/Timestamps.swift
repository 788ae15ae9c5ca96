import Foundation

// RFC 3161 time-stamping as JSON: `/v1/timestamp`.

/// `POST /v1/timestamp`: time-stamp a digest (hex) with the SM2 or RSA unit.
public struct TimestampRequestBody: Codable, Sendable {
    public let digest: String
    /// `sm3` (default for the SM2 unit), `sha256` (default for RSA), `sha384`, `sha512`.
    public let hashAlgorithm: String?
    /// `sm2` (default) or `rsa`.
    public let tsa: String?
    /// Hex, at most 32 bytes.
    public let nonce: String?
    public let certReq: Bool?
    public init(
        digest: String, hashAlgorithm: String? = nil, tsa: String? = nil, nonce: String? = nil, certReq: Bool? = nil
    ) {
        self.digest = digest
        self.hashAlgorithm = hashAlgorithm
        self.tsa = tsa
        self.nonce = nonce
        self.certReq = certReq
    }
}

public struct TimestampView: Codable, Sendable {
    public let status: String
    /// Base64 of the TimeStampResp (DER); its token is the RFC 3161 TimeStampToken.
    public let response: String
    public let serialNumber: String?
    public let genTime: String?
    public init(status: String, response: String, serialNumber: String?, genTime: String?) {
        self.status = status
        self.response = response
        self.serialNumber = serialNumber
        self.genTime = genTime
    }
}

extension TimestampRequestBody: APIRequest {
    public func validate() throws(RequestError) {
        _ = try digestBytes()
        _ = try nonceBytes()
        try Field.optionalText(hashAlgorithm, "hashAlgorithm", max: 16)
        try Field.optionalText(tsa, "tsa", max: 8)
    }

    public func digestBytes() throws(RequestError) -> [UInt8] { try Field.hex(digest, "digest", oneOf: [32, 48, 64]) }
    public func nonceBytes() throws(RequestError) -> [UInt8]? {
        try nonce.map { text throws(RequestError) in try Field.hex(text, "nonce", lengths: 1...32) }
    }
}
