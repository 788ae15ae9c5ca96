import TrustModel

extension TrustError {
    /// A stored row that does not decode into its record (a value of the wrong type, an unknown state or kind): an
    /// integrity failure in every engine — never read as a default, never mistaken for a client's malformed request.
    public static func unreadableRow(_ error: DecodingError) -> TrustError {
        let detail =
            switch error {
            case .dataCorrupted(let context), .typeMismatch(_, let context), .valueNotFound(_, let context):
                "\(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)"
            case .keyNotFound(let key, _): "missing column \(key.stringValue)"
            @unknown default: "\(error)"
            }
        return TrustError(.integrity, "a stored row does not read back: \(detail)")
    }
}
