import Foundation

/// A request body whose shape is wrong: a missing alternative, a field that is not base64, hex or a time, a value
/// out of range. The server answers 400 with `code` and `message`; nothing has been read or written yet.
public struct RequestError: Error, Sendable, Hashable {
    public let code: String
    public let message: String

    public init(_ message: String, code: String = "invalid_request") {
        self.code = code
        self.message = message
    }
}

/// A request body the server decodes. `validate()` checks its shape only — what can be judged without the
/// appliance's state — so that a handler's service call starts from well-formed values.
public protocol APIRequest: Decodable, Sendable {
    func validate() throws(RequestError)
    /// The largest body this request may come in (1 MiB unless a route carries documents).
    static var maxBodyBytes: Int { get }
}

extension APIRequest {
    public static var maxBodyBytes: Int { 1 << 20 }
}

/// Field checks shared by the request bodies (and their decoded accessors, which cannot fail once `validate()` passed).
public enum Field {
    public static func base64(_ text: String, _ name: String, maxBytes: Int, allowEmpty: Bool = false)
        throws(RequestError) -> [UInt8]
    {
        guard text.utf8.count <= (maxBytes + 2) / 3 * 4 + 8, let data = Data(base64Encoded: text) else {
            throw RequestError("\(name) is not base64 of at most \(maxBytes) bytes", code: "malformed_base64")
        }
        guard allowEmpty || !data.isEmpty else { throw RequestError("\(name) is empty", code: "malformed_base64") }
        guard data.count <= maxBytes else {
            throw RequestError("\(name) is larger than \(maxBytes) bytes", code: "malformed_base64")
        }
        return Array(data)
    }

    /// Hexadecimal bytes whose count is one of `lengths`.
    public static func hex(_ text: String, _ name: String, lengths: ClosedRange<Int>) throws(RequestError) -> [UInt8] {
        try hex(
            text, name, allowed: { lengths.contains($0) },
            describe: "\(lengths.lowerBound) to \(lengths.upperBound) bytes")
    }

    public static func hex(_ text: String, _ name: String, oneOf lengths: [Int]) throws(RequestError) -> [UInt8] {
        try hex(
            text, name, allowed: { lengths.contains($0) },
            describe: lengths.map(String.init).joined(separator: ", ") + " bytes")
    }

    private static func hex(_ text: String, _ name: String, allowed: (Int) -> Bool, describe: String)
        throws(RequestError) -> [UInt8]
    {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0, digits.count <= 2048 else {
            throw RequestError("\(name) must be hexadecimal (\(describe))")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else {
                throw RequestError("\(name) must be hexadecimal (\(describe))")
            }
            bytes.append(high << 4 | low)
            index += 2
        }
        guard allowed(bytes.count) else { throw RequestError("\(name) must be \(describe) of hex, not \(bytes.count)") }
        return bytes
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// An RFC 3339 time (`2027-01-31T00:00:00Z`, fractional seconds allowed).
    public static func time(_ text: String, _ name: String) throws(RequestError) -> Date {
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        guard text.count <= 40, let date = fractional.date(from: text) ?? ISO8601DateFormatter().date(from: text) else {
            throw RequestError("\(name) must be an ISO 8601 time such as 2027-01-31T00:00:00Z")
        }
        return date
    }

    /// A non-empty text of at most `max` characters.
    public static func text(_ value: String, _ name: String, max: Int) throws(RequestError) {
        guard !value.isEmpty, value.count <= max else { throw RequestError("\(name) must be 1 to \(max) characters") }
    }

    public static func optionalText(_ value: String?, _ name: String, max: Int) throws(RequestError) {
        if let value, value.count > max { throw RequestError("\(name) must be at most \(max) characters") }
    }

    /// An identifier trustd made (lower- or upper-case hex, at most 64 characters).
    public static func identifier(_ value: String, _ name: String) throws(RequestError) {
        guard !value.isEmpty, value.count <= 64, value.allSatisfy(\.isHexDigit) else {
            throw RequestError("\(name) must be an id (hex)")
        }
    }

    /// Exactly one of the named alternatives is present.
    public static func exactlyOne(_ alternatives: [(String, Bool)]) throws(RequestError) {
        guard alternatives.filter(\.1).count == 1 else {
            throw RequestError("give exactly one of \(alternatives.map(\.0).joined(separator: " or "))")
        }
    }

    /// PEM text with the expected label, within `max` characters.
    public static func pem(_ value: String, _ name: String, label: String, max: Int = 64 * 1024) throws(RequestError) {
        guard value.count <= max, value.contains("-----BEGIN \(label)-----") else {
            throw RequestError("\(name) must be a PEM \(label.lowercased()) (at most \(max / 1024) KiB)")
        }
    }
}
