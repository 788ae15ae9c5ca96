import APIContract
import CMSFormat
import Foundation
import Hummingbird
import KeyCustody
import OFDFormat
import SealFormat
import TrustCrypto
import TrustModel

/// The one mapping from failures to HTTP: `{"error":{"code":"snake_case","message":"..."}}` with a fitting status.
/// Causes are logged by the caller; the message shown never carries secrets.
struct APIError: HTTPResponseError {
    let status: HTTPResponse.Status
    let code: String
    let message: String

    init(_ status: HTTPResponse.Status, _ code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = "{\"error\":{\"code\":\(JSONText.quote(code)),\"message\":\(JSONText.quote(message))}}"
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// Maps any error a handler or the framework throws.
    static func from(_ error: any Error) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as TrustError:
            let status: HTTPResponse.Status =
                switch error.code {
                case .invalidRequest: .badRequest
                case .notFound: .notFound
                case .conflict: .conflict
                case .unauthenticated: .unauthorized
                case .forbidden: .forbidden
                case .unavailable, .notConfigured: .serviceUnavailable
                case .verificationFailed: .unprocessableContent
                default: .internalServerError
                }
            return APIError(status, error.code.name, error.message)
        case let error as RequestError:
            return APIError(.badRequest, error.code, error.message)
        case let error as CryptoError:
            return APIError(.badRequest, "invalid_request", error.message)
        // Format errors come from parsing what a client sent (services map their own structures' failures).
        case let error as SealFormatError:
            return APIError(.badRequest, "malformed_seal", error.message)
        case let error as CMSFormatError:
            return APIError(.badRequest, "malformed_cms", error.message)
        case let error as OFDError:
            let status: HTTPResponse.Status =
                switch error.code {
                case .tooLarge: .contentTooLarge
                case .wholeProtected: .conflict
                case .placementNotFound: .unprocessableContent
                default: .badRequest
                }
            return APIError(status, error.code.rawValue.replacingOccurrences(of: "-", with: "_"), error.message)
        case let error as KeyCustodyError:
            // Key custody failing is the appliance's problem, never the client's: 503 with the custody code, no detail
            // that could describe key material.
            let status: HTTPResponse.Status =
                error.code == .invalidRequest || error.code == .keyNotFound ? .notFound : .serviceUnavailable
            return APIError(
                status, "key_custody_\(error.code)",
                status == .notFound ? "no such key in custody" : "key custody is unavailable")
        case let error as any HTTPResponseError:
            // Framework errors (HTTPError, NIO's too-many-bytes, …) carry their status; keep the JSON shape.
            switch error.status {
            case .contentTooLarge:
                return APIError(.contentTooLarge, "payload_too_large", "the request body is larger than allowed")
            case let status where status.code < 500:
                return APIError(status, "http_error", (error as? HTTPError)?.body ?? status.reasonPhrase)
            default: return APIError(.internalServerError, "internal_error", "internal error")
            }
        case is DecodingError:
            return APIError(
                .badRequest, "malformed_json", "the request body is not the JSON this route expects: \(describe(error))"
            )
        default:
            return APIError(.internalServerError, "internal_error", "internal error")
        }
    }

    static func describe(_ error: any Error) -> String {
        guard let decoding = error as? DecodingError else { return "unreadable" }
        switch decoding {
        case .keyNotFound(let key, _): return "missing field '\(key.stringValue)'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "wrong type at '\(context.codingPath.map(\.stringValue).joined(separator: "."))'"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty
                ? "not valid JSON" : "bad value at '\(context.codingPath.map(\.stringValue).joined(separator: "."))'"
        @unknown default: return "unreadable"
        }
    }
}

/// Turns every thrown error into the JSON error shape (never an empty 500 for bad input).
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = TrustRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch {
            let mapped = APIError.from(error)
            if mapped.status == .internalServerError {
                context.logger.error("request failed", metadata: ["error": "\(error)"])
            }
            return try mapped.response(from: request, context: context)
        }
    }
}
