internal import CPCSCLite

/// What a reader reports right now.
public struct ReaderState: Sendable, Hashable, Codable {
    public enum Card: String, Sendable, Hashable, Codable {
        /// No card in the reader.
        case empty
        /// A card is present and answered reset.
        case present
        /// A card is present but does not answer.
        case mute
        /// Present and held exclusively by another application.
        case exclusive
        /// Present and in shared use by another application.
        case inUse = "in-use"
        /// pcscd cannot tell.
        case unknown
    }

    public let reader: String
    public let card: Card
    /// Answer-to-reset bytes when a card is present.
    public let atr: [UInt8]

    /// The ATR as upper-case hex pairs separated by spaces (how pcsc_scan and opensc-tool print it).
    public var atrHex: String {
        atr.map { byte in
            let digits = Array("0123456789ABCDEF")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]])
        }.joined(separator: " ")
    }

    enum CodingKeys: String, CodingKey { case reader, card, atr }

    public init(reader: String, card: Card, atr: [UInt8]) {
        self.reader = reader
        self.card = card
        self.atr = atr
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(reader, forKey: .reader)
        try container.encode(card, forKey: .card)
        try container.encode(atrHex, forKey: .atr)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        reader = try container.decode(String.self, forKey: .reader)
        card = try container.decode(Card.self, forKey: .card)
        let text = try container.decode(String.self, forKey: .atr).split(separator: " ")
        atr = text.compactMap { UInt8($0, radix: 16) }
    }
}

extension PCSCContext {
    /// The current state of every attached reader (`SCardGetStatusChange` with a zero timeout).
    public func readerStates() throws -> [ReaderState] {
        let names = try readers()
        guard !names.isEmpty else { return [] }
        // The C strings must live across the call: keep them in arrays owned here.
        let cNames = names.map { Array($0.utf8CString) }
        return try withCStrings(cNames) { pointers in
            var states = pointers.map { pointer in
                var state = SCARD_READERSTATE()
                state.szReader = pointer
                state.dwCurrentState = DWORD(SCARD_STATE_UNAWARE)
                return state
            }
            let status = withContext { SCardGetStatusChange($0, 0, &states, DWORD(states.count)) }
            // With SCARD_STATE_UNAWARE pcscd answers at once; a timeout here only means "no change".
            if status != 0 && UInt32(truncatingIfNeeded: Int(status)) != 0x8010_000A {
                throw PCSCError.from(status: Int(status), during: "reading reader states")
            }
            return zip(names, states).map { name, state in ReaderState(name, state) }
        }
    }
}

extension ReaderState {
    /// What `SCardGetStatusChange` reported for one reader.
    init(_ reader: String, _ state: SCARD_READERSTATE) {
        let flags = UInt32(state.dwEventState)
        let card: Card =
            flags & UInt32(SCARD_STATE_MUTE) != 0
            ? .mute
            : flags & UInt32(SCARD_STATE_EXCLUSIVE) != 0
                ? .exclusive
                : flags & UInt32(SCARD_STATE_INUSE) != 0
                    ? .inUse
                    : flags & UInt32(SCARD_STATE_PRESENT) != 0
                        ? .present
                        : flags & UInt32(SCARD_STATE_EMPTY) != 0
                            ? .empty
                            : .unknown
        let atr = withUnsafeBytes(of: state.rgbAtr) { Array($0.prefix(Int(state.cbAtr))) }
        self.init(reader: reader, card: card, atr: card == .empty ? [] : atr)
    }
}

private func withCStrings<R>(_ strings: [[CChar]], _ body: ([UnsafePointer<CChar>]) throws -> R) rethrows -> R {
    var pointers: [UnsafePointer<CChar>] = []
    var storage: [UnsafeMutablePointer<CChar>] = []
    defer { for buffer in storage { buffer.deallocate() } }
    for string in strings {
        let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: string.count)
        buffer.initialize(from: string, count: string.count)
        storage.append(buffer)
        pointers.append(UnsafePointer(buffer))
    }
    return try body(pointers)
}
