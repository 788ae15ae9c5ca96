import APIContract
import Foundation
import Hummingbird
import TrustModel

// Reading requests and writing answers: the only places handlers touch bytes.

/// Decodes and validates a JSON body: `application/json`, within the upload limit, no control characters in its
/// strings, the DTO's shape (``APIRequest/validate()``).
func decode<T: APIRequest>(_ type: T.Type, _ request: Request, _ context: TrustRequestContext) async throws -> T {
    guard request.headers[.contentType]?.lowercased().hasPrefix("application/json") == true else {
        throw APIError(.unsupportedMediaType, "unsupported_media_type", "send application/json")
    }
    let buffer = try await request.body.collect(upTo: max(context.maxUploadSize, T.maxBodyBytes))
    guard buffer.readableBytes > 0 else { throw APIError(.badRequest, "malformed_json", "the request body is empty") }
    return try validated(T.self, buffer)
}

/// The same for routes whose body may be left out.
func decodeOptional<T: APIRequest>(_ type: T.Type, _ request: Request, _ context: TrustRequestContext) async throws
    -> T?
{
    let buffer = try await request.body.collect(upTo: context.maxUploadSize)
    guard buffer.readableBytes > 0 else { return nil }
    return try validated(T.self, buffer)
}

private func validated<T: APIRequest>(_ type: T.Type, _ buffer: ByteBuffer) throws -> T {
    if let control = buffer.withUnsafeReadableBytes({ ControlCharacters.firstInJSON($0) }) {
        throw APIError(
            .badRequest, "control_character", "request values must not contain control characters (found \(control))")
    }
    let value = try JSONDecoder().decode(T.self, from: Data(buffer: buffer))
    try value.validate()
    return value
}

/// A path parameter: present, at most 128 characters, no control characters.
func parameter(_ context: TrustRequestContext, _ name: String) throws -> String {
    guard let value = context.parameters.get(name), !value.isEmpty, value.count <= 128 else {
        throw TrustError.invalid("missing or oversized path parameter \(name)")
    }
    if let control = ControlCharacters.firstInIdentifier(value) {
        throw APIError(
            .badRequest, "control_character", "path parameter \(name) contains the control character \(control)")
    }
    return value
}

/// A hexadecimal path parameter (ids, serials; colons allowed in serials).
func hexParameter(_ context: TrustRequestContext, _ name: String) throws -> String {
    let value = try parameter(context, name)
    guard value.allSatisfy({ $0.isHexDigit || $0 == ":" }) else {
        throw TrustError.invalid("\(name) must be hexadecimal")
    }
    return value
}

/// A name from a closed set (roles, levels, reasons, formats): the typed value, or 400 listing the choices.
func named<Value>(_ text: String, _ field: String, _ parse: (String) -> Value?, choices: [String]) throws -> Value {
    guard let value = parse(text) else {
        throw TrustError.invalid("unknown \(field) '\(text)' (\(choices.joined(separator: ", ")))")
    }
    return value
}

func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    var headers = HTTPFields()
    headers[.contentType] = "application/json"
    return Response(
        status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
}

func text(_ value: String, contentType: String) -> Response {
    var headers = HTTPFields()
    headers[.contentType] = contentType
    return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: value)))
}

func binary(_ bytes: [UInt8], contentType: String) -> Response {
    var headers = HTTPFields()
    headers[.contentType] = contentType
    return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
}
