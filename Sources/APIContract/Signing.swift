import Foundation

// Signing for platforms: `/v1/sign`.

/// `POST /v1/sign` (DESIGN §4): `{"sealId","signer","format","data":B64|"digest":HEX,"propertyInfo"?,"timestamp"?}`.
public struct SignRequestBody: Codable, Sendable {
    public let sealId, keyId, signer: String?
    public let format: String
    public let data, digest, propertyInfo: String?
    public let timestamp: Bool?
    /// An ID token trustd's login service gave this platform, naming the signer instead of `signer`: the signature is
    /// allowed at the level the token states.
    public let idToken: String?
    public init(
        sealId: String?, keyId: String? = nil, signer: String?, format: String, data: String? = nil,
        digest: String? = nil,
        propertyInfo: String? = nil, timestamp: Bool? = nil, idToken: String? = nil
    ) {
        self.idToken = idToken
        self.sealId = sealId
        self.keyId = keyId
        self.signer = signer
        self.format = format
        self.data = data
        self.digest = digest
        self.propertyInfo = propertyInfo
        self.timestamp = timestamp
    }
}

public struct SignResponse: Codable, Sendable {
    public let format: String
    /// Base64 of the signature (raw) or of the DER SES_Signature (ses).
    public let signature: String
    /// The signing certificate (PEM).
    public let certificate: String
    public init(format: String, signature: String, certificate: String) {
        self.format = format
        self.signature = signature
        self.certificate = certificate
    }
}

extension SignRequestBody: APIRequest {
    /// Documents signed whole (larger ones are signed by digest).
    public static let maxDataBytes = 768 * 1024

    public func validate() throws(RequestError) {
        try Field.exactlyOne([("sealId", sealId != nil), ("keyId", keyId != nil)])
        for (name, value) in [("sealId", sealId), ("keyId", keyId), ("signer", signer)] {
            if let value { try Field.identifier(value, name) }
        }
        try Field.text(format, "format", max: 16)
        if idToken != nil, signer != nil { throw RequestError("give signer or idToken, not both") }
        if let idToken, idToken.count > 8192 || idToken.split(separator: ".").count != 3 {
            throw RequestError("idToken must be a compact JWT of at most 8 KiB")
        }
        try Field.exactlyOne([("data", data != nil), ("digest", digest != nil)])
        _ = try dataBytes()
        _ = try digestBytes()
        if let propertyInfo, propertyInfo.count > 512 || !propertyInfo.allSatisfy(\.isASCII) {
            throw RequestError("propertyInfo must be at most 512 ASCII characters")
        }
    }

    public func dataBytes() throws(RequestError) -> [UInt8]? {
        try data.map { text throws(RequestError) in
            try Field.base64(text, "data", maxBytes: Self.maxDataBytes, allowEmpty: true)
        }
    }
    public func digestBytes() throws(RequestError) -> [UInt8]? {
        try digest.map { text throws(RequestError) in try Field.hex(text, "digest", lengths: 1...64) }
    }
}
