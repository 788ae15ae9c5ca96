import APIContract
import CMSFormat
import Foundation
import Hummingbird
import SwiftASN1
import TrustCrypto
import TrustModel
import TrustServices

/// RFC 3161 over HTTP: `POST /tsa` (`application/timestamp-query` → `application/timestamp-reply`, `?tsa=sm2|rsa`,
/// default rsa for standard clients) and `POST /v1/timestamp` (JSON, default SM2).
extension Handlers {
    func timestampHandler(for spec: RouteSpec) -> Handler? {
        let tsa = api.appliance.timestamps
        switch (spec.method, spec.path) {
        case (.post, "/tsa"): return { request, _ in
            guard request.headers[.contentType]?.lowercased().hasPrefix("application/timestamp-query") == true else {
                throw APIError(.unsupportedMediaType, "unsupported_media_type", "timestamp requests must be application/timestamp-query")
            }
            let unit = try Self.unit(request.uri.queryParameters["tsa"].map(String.init) ?? "rsa")
            let buffer = try await request.body.collect(upTo: TimeStampRequest.maxSize)
            return binary(try tsa.respond(to: Array(buffer: buffer), unit: unit), contentType: "application/timestamp-reply") }
        case (.post, "/v1/timestamp"): return { request, context in
            let body = try await decode(TimestampRequestBody.self, request, context)
            let unit = try Self.unit(body.tsa ?? "sm2")
            let algorithms: [String: ASN1ObjectIdentifier] = ["sm3": CMSObjectID.sm3, "sha256": CMSObjectID.sha256,
                                                              "sha384": [2, 16, 840, 1, 101, 3, 4, 2, 2], "sha512": [2, 16, 840, 1, 101, 3, 4, 2, 3]]
            let name = body.hashAlgorithm ?? (unit == .sm2 ? "sm3" : "sha256")
            guard let algorithm = algorithms[name] else { throw TrustError.invalid("hashAlgorithm must be sm3, sha256, sha384 or sha512") }
            guard let digest = Hex.decode(body.digest.lowercased()), !digest.isEmpty else { throw TrustError.invalid("digest must be hexadecimal") }
            var nonceDER: [UInt8]? = nil
            if let nonce = body.nonce {
                guard var bytes = Hex.decode(nonce.lowercased()), !bytes.isEmpty, bytes.count <= 32 else {
                    throw TrustError.invalid("nonce must be 1 to 32 bytes of hex")
                }
                if bytes[0] & 0x80 != 0 { bytes.insert(0, at: 0) }
                while bytes.count > 1 && bytes[0] == 0 && bytes[1] & 0x80 == 0 { bytes.removeFirst() }
                nonceDER = [0x02, UInt8(bytes.count)] + bytes
            }
            let granted = try tsa.respond(to: TimeStampRequest(hashAlgorithm: algorithm, hashedMessage: digest, nonceDER: nonceDER,
                                                               certReq: body.certReq ?? true), unit: unit)
            guard !granted.serialNumber.isEmpty else {
                throw TrustError.invalid("the timestamp request was rejected (digest length must match \(name))")
            }
            return try json(TimestampView(status: "granted", response: Data(granted.response).base64EncodedString(),
                                          serialNumber: Hex.encode(granted.serialNumber), genTime: iso8601(granted.time))) }
        default:
            return nil
        }
    }

    static func unit(_ name: String) throws -> TimestampAuthority.Unit {
        guard let unit = TimestampAuthority.Unit(rawValue: name) else { throw TrustError.invalid("tsa must be sm2 or rsa") }
        return unit
    }
}
