import APIContract
import CMSFormat
import Foundation
import Hummingbird
import TrustModel
import TrustServices

/// What the time-stamping routes need of the TSA.
protocol TimestampOperations: Sendable {
    func timestamp(der requestDER: [UInt8], unit: TimestampAuthority.Unit, by caller: Caller) async throws -> [UInt8]
    func timestamp(
        hash: TimestampHash, digest: [UInt8], nonce: [UInt8]?, certReq: Bool, unit: TimestampAuthority.Unit,
        by caller: Caller
    ) async throws -> TimestampAuthority.Granted
}

extension TimestampAuthority: TimestampOperations {}

/// RFC 3161 over HTTP: `POST /tsa` (`application/timestamp-query` → `application/timestamp-reply`, `?tsa=sm2|rsa`,
/// default rsa for standard clients) and `POST /v1/timestamp` (JSON, default SM2).
struct TimestampController: Controller {
    let tsa: any TimestampOperations

    var routes: [Route] {
        [
            Route(.post, "/tsa", .permission(.timestamp)) { request, context in
                guard request.headers[.contentType]?.lowercased().hasPrefix("application/timestamp-query") == true
                else {
                    throw APIError(
                        .unsupportedMediaType, "unsupported_media_type",
                        "timestamp requests must be application/timestamp-query")
                }
                let unit = try Self.unit(request.uri.queryParameters["tsa"].map(String.init) ?? "rsa")
                let buffer = try await request.body.collect(upTo: TimeStampRequest.maxSize)
                let reply = try await tsa.timestamp(der: Array(buffer: buffer), unit: unit, by: try context.caller())
                return binary(reply, contentType: "application/timestamp-reply")
            },
            Route(.post, "/v1/timestamp", .permission(.timestamp)) { request, context in
                let body = try await decode(TimestampRequestBody.self, request, context)
                let unit = try Self.unit(body.tsa ?? "sm2")
                let hash = try named(
                    body.hashAlgorithm ?? (unit == .sm2 ? "sm3" : "sha256"), "hashAlgorithm",
                    TimestampHash.init(rawValue:),
                    choices: TimestampHash.allCases.map(\.rawValue))
                let granted = try await tsa.timestamp(
                    hash: hash, digest: try body.digestBytes(), nonce: try body.nonceBytes(),
                    certReq: body.certReq ?? true, unit: unit, by: try context.caller())
                return try json(
                    TimestampView(
                        status: "granted", response: Data(granted.response).base64EncodedString(),
                        serialNumber: granted.serialNumber.map { String(format: "%02x", $0) }.joined(),
                        genTime: UTCTime.iso8601(granted.time)))
            },
        ]
    }

    static func unit(_ name: String) throws -> TimestampAuthority.Unit {
        try named(
            name, "tsa", TimestampAuthority.Unit.init(rawValue:),
            choices: TimestampAuthority.Unit.allCases.map(\.rawValue))
    }
}
