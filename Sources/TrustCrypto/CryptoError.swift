/// The one error type of TrustCrypto.
///
/// Shaped like swift-certificates' `CertificateError`: a stable, comparable ``code`` for programs and a
/// human ``message`` for people. Messages never contain key material; OpenSSL's reason strings (which only
/// name the failing routine) are appended where they help.
public struct CryptoError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is. New codes may be added; switch with a default.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// Input could not be decoded (empty, truncated, garbage PEM or DER).
        public static let malformedInput = Code("malformed_input")
        /// A key of the wrong kind for the operation (e.g. an RSA key with an SM2 algorithm).
        public static let keyTypeMismatch = Code("key_type_mismatch")
        /// The algorithm, curve or key size is not one trustd supports.
        public static let unsupportedAlgorithm = Code("unsupported_algorithm")
        /// A parameter is out of range (empty SM2 ID, digest of the wrong length, …).
        public static let invalidArgument = Code("invalid_argument")
        /// A signature is not DER `(r,s)` and not raw `r‖s` of the right size.
        public static let invalidSignatureEncoding = Code("invalid_signature_encoding")
        /// Authenticated decryption failed: wrong key, or the data was altered.
        public static let authenticationFailed = Code("authentication_failed")
        /// OpenSSL failed where it should not have (allocation, internal error).
        public static let internalFailure = Code("internal_failure")
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }

    /// Equality compares codes only, which keeps tests about behaviour rather than wording.
    public static func == (lhs: CryptoError, rhs: CryptoError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    static func malformed(_ message: String) -> CryptoError { CryptoError(.malformedInput, message) }
    static func mismatch(_ message: String) -> CryptoError { CryptoError(.keyTypeMismatch, message) }
    static func unsupported(_ message: String) -> CryptoError { CryptoError(.unsupportedAlgorithm, message) }
    static func invalid(_ message: String) -> CryptoError { CryptoError(.invalidArgument, message) }
}
