import Foundation

// The JSON shapes of trustd's HTTP API (DESIGN §4), shared by the server (which encodes them) and trustctl
// (which decodes them), so the two cannot drift apart. Names here are what integrators script against.
// Plain values only: no dependency on the server, the store or OpenSSL.

/// `{"error":{"code","message"}}`, the body of every 4xx/5xx answer.
public struct ErrorBody: Codable, Sendable {
    public struct Detail: Codable, Sendable {
        public let code: String
        public let message: String
        public init(code: String, message: String) {
            self.code = code
            self.message = message
        }
    }
    public let error: Detail
    public init(code: String, message: String) { error = Detail(code: code, message: message) }
}
