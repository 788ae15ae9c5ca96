/// A PC/SC failure, mapped from pcsc-lite's `SCARD_*` return codes to what an operator can act on.
public struct PCSCError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// pcscd is not running or its socket cannot be reached.
        public static let serviceNotAvailable = Code("pcsc_service_not_available")
        /// No reader is attached.
        public static let noReader = Code("no_reader")
        /// The named reader does not exist.
        public static let unknownReader = Code("unknown_reader")
        /// The reader is empty.
        public static let noCard = Code("no_card")
        /// The card was removed during the operation.
        public static let cardRemoved = Code("card_removed")
        /// Another application holds the card exclusively.
        public static let readerBusy = Code("reader_busy")
        /// The wait timed out.
        public static let timeout = Code("timeout")
        /// The wait was cancelled.
        public static let cancelled = Code("cancelled")
        /// The card did not answer as the protocol requires.
        public static let communication = Code("card_communication_error")
        /// Anything else pcsc-lite reports.
        public static let other = Code("pcsc_error")
    }

    public let code: Code
    /// The raw pcsc-lite return code, when there is one.
    public let status: UInt32?
    public let message: String

    public init(_ code: Code, status: UInt32? = nil, _ message: String) {
        self.code = code
        self.status = status
        self.message = message
    }

    public var description: String {
        if let status { return "\(code): \(message) (0x\(String(status, radix: 16, uppercase: true)))" }
        return "\(code): \(message)"
    }

    public static func == (lhs: PCSCError, rhs: PCSCError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    /// Maps a pcsc-lite status (a `LONG`, reinterpreted as its 32-bit pattern) to a typed error.
    /// The values are pcsc-lite's `SCARD_E_*` / `SCARD_W_*` constants (pcsclite.h), whose cast-macros Swift cannot import.
    static func from(status raw: Int, during operation: String) -> PCSCError {
        let status = UInt32(truncatingIfNeeded: raw)
        let (code, text): (Code, String) =
            switch status {
            case 0x8010_001D: (.serviceNotAvailable, "the PC/SC service (pcscd) is not running")
            case 0x8010_002E: (.noReader, "no smart-card reader is attached")
            case 0x8010_0009: (.unknownReader, "the reader is not known to pcscd")
            case 0x8010_000C: (.noCard, "no card in the reader")
            case 0x8010_0069: (.cardRemoved, "the card was removed")
            case 0x8010_0068: (.cardRemoved, "the card was reset by another application")
            case 0x8010_000B: (.readerBusy, "the card is in use by another application")
            case 0x8010_000A: (.timeout, "timed out")
            case 0x8010_0002: (.cancelled, "the wait was cancelled")
            case 0x8010_0066: (.communication, "the card does not respond to reset")
            case 0x8010_0067: (.communication, "the card is not powered")
            case 0x8010_0065: (.communication, "the card is not supported by the reader")
            case 0x8010_0016: (.readerBusy, "the reader is not ready (transaction in progress)")
            case 0x8010_0017: (.noReader, "the reader became unavailable")
            case 0x8010_0013: (.communication, "communication with the card failed")
            case 0x8010_000F: (.communication, "the card does not speak the requested protocol")
            default: (.other, "pcsc-lite reported an error")
            }
        return PCSCError(code, status: status, "\(operation): \(text)")
    }
}
