/// The one error type of KeyCustody. Messages name files, tokens and mechanisms, never keys or PINs.
public struct KeyCustodyError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// No key with this id in the store.
        public static let keyNotFound = Code("key_not_found")
        /// The key-encryption key does not match the one the key was stored under.
        public static let wrongKEK = Code("wrong_kek")
        /// A stored key failed its integrity check (altered, truncated, or not a trustd key file).
        public static let tamperedKey = Code("tampered_key")
        /// The KEK or PIN source is missing or unreadable.
        public static let secretUnavailable = Code("secret_unavailable")
        /// A file holding a secret is readable by group or others.
        public static let insecurePermissions = Code("insecure_permissions")
        /// A configuration file is missing, malformed or names something invalid.
        public static let invalidConfiguration = Code("invalid_configuration")
        /// The request is malformed (bad key id, empty label, …).
        public static let invalidRequest = Code("invalid_request")
        /// The backend cannot do this algorithm (e.g. SM2 on a token without a vendor mechanism).
        public static let unsupportedAlgorithm = Code("unsupported_algorithm")
        /// The PKCS#11 module could not be loaded.
        public static let moduleUnavailable = Code("pkcs11_module_unavailable")
        /// No token with the configured label.
        public static let tokenNotFound = Code("token_not_found")
        /// The token rejected the PIN.
        public static let wrongPIN = Code("wrong_pin")
        /// The token's PIN is locked.
        public static let pinLocked = Code("pin_locked")
        /// The token does not offer a required mechanism.
        public static let mechanismNotSupported = Code("mechanism_not_supported")
        /// The token failed an operation.
        public static let hsmFailure = Code("hsm_failure")
        /// Reading or writing the store's files failed.
        public static let storageFailure = Code("storage_failure")
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
    public static func == (lhs: KeyCustodyError, rhs: KeyCustodyError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
