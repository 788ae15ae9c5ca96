/// The domain error every use case throws. `code` is stable (API clients and the HTTP layer switch on it);
/// `message` is for people and never contains secrets.
public struct TrustError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The request is malformed or violates a rule (profile, identifier checks).
        public static let invalidRequest = Code("invalid_request")
        /// A named object does not exist.
        public static let notFound = Code("not_found")
        /// The object is in a state that forbids the operation (revoking twice, …).
        public static let conflict = Code("conflict")
        /// No valid credentials (missing, unknown, expired or revoked token).
        public static let unauthenticated = Code("unauthenticated")
        /// The caller may not do this.
        public static let forbidden = Code("forbidden")
        /// Something the appliance depends on failed (key custody, storage).
        public static let unavailable = Code("unavailable")
        /// A verification method has no adapter configured on this installation (e.g. liveness checks).
        public static let notConfigured = Code("not_configured")
        /// A check of stored data failed (audit chain, tampered record).
        public static let integrity = Code("integrity_failure")
        /// The request was well-formed and the verification it asked for ran, but did not confirm the subject (a
        /// registry mismatch or an unknown person); the failed evidence is recorded.
        public static let verificationFailed = Code("verification_failed")
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
    public static func == (lhs: TrustError, rhs: TrustError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    public static func invalid(_ message: String) -> TrustError { TrustError(.invalidRequest, message) }
    public static func notFound(_ message: String) -> TrustError { TrustError(.notFound, message) }
    public static func conflict(_ message: String) -> TrustError { TrustError(.conflict, message) }
}
