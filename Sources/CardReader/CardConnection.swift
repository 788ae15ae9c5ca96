internal import CPCSCLite
import Foundation

/// A command APDU (ISO 7816-4), short or extended length as its sizes require.
public struct CommandAPDU: Sendable, Hashable, CustomStringConvertible {
    public let cla, ins, p1, p2: UInt8
    public let data: [UInt8]
    /// Expected response length: `nil` = none, `0` = as much as the card has (256, or 65536 extended).
    public let le: Int?

    public init(cla: UInt8 = 0x00, ins: UInt8, p1: UInt8, p2: UInt8, data: [UInt8] = [], le: Int? = nil) {
        self.cla = cla
        self.ins = ins
        self.p1 = p1
        self.p2 = p2
        self.data = data
        self.le = le
    }

    /// Extended length when the data is over 255 bytes or Le over 256.
    public var isExtended: Bool { data.count > 255 || (le ?? 0) > 256 }

    public var bytes: [UInt8] {
        var out = [cla, ins, p1, p2]
        if isExtended {
            out.append(0x00)
            if !data.isEmpty { out += [UInt8(data.count >> 8), UInt8(data.count & 0xff)] + data }
            if let le { out += [UInt8((le >> 8) & 0xff), UInt8(le & 0xff)] }
        } else {
            if !data.isEmpty { out += [UInt8(data.count)] + data }
            if let le { out.append(UInt8(le & 0xff)) }
        }
        return out
    }

    public var description: String { bytes.map { String(format: "%02X", $0) }.joined(separator: " ") }
}

/// A response APDU: data and the status word.
public struct ResponseAPDU: Sendable, Hashable {
    public let data: [UInt8]
    public let sw1, sw2: UInt8
    public var status: UInt16 { UInt16(sw1) << 8 | UInt16(sw2) }
    public var isSuccess: Bool { sw1 == 0x90 && sw2 == 0x00 }

    public init(data: [UInt8], sw1: UInt8, sw2: UInt8) {
        self.data = data
        self.sw1 = sw1
        self.sw2 = sw2
    }

    init(raw: [UInt8]) throws {
        guard raw.count >= 2 else {
            throw PCSCError(.communication, "the card answered \(raw.count) byte(s), fewer than a status word")
        }
        self.init(data: Array(raw.dropLast(2)), sw1: raw[raw.count - 2], sw2: raw[raw.count - 1])
    }

    public var statusHex: String { String(format: "%04X", status) }
}

/// A connection to the card in one reader (`SCardConnect`, shared, T=0 or T=1), disconnected exactly once.
/// Calls block on pcscd; use ``CardReaderThread`` (or the `async` helpers) from Swift concurrency.
public final class CardConnection: @unchecked Sendable {
    private let context: PCSCContext
    private let handle: SCARDHANDLE
    public let reader: String
    /// The protocol pcscd negotiated (`T=0` or `T=1`).
    public let protocolName: String
    private let pci: SCARD_IO_REQUEST

    public init(context: PCSCContext, reader: String) throws {
        var card: SCARDHANDLE = 0
        var active: DWORD = 0
        let status = context.withContext { handle in
            SCardConnect(
                handle, reader, DWORD(SCARD_SHARE_SHARED), DWORD(SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1), &card, &active)
        }
        guard status == 0 else {
            throw PCSCError.from(status: Int(status), during: "connecting to the card in \(reader)")
        }
        self.context = context
        self.handle = card
        self.reader = reader
        if active == DWORD(SCARD_PROTOCOL_T0) {
            protocolName = "T=0"
            pci = g_rgSCardT0Pci
        } else {
            protocolName = "T=1"
            pci = g_rgSCardT1Pci
        }
    }

    deinit { SCardDisconnect(handle, DWORD(SCARD_LEAVE_CARD)) }

    /// Runs `body` inside `SCardBeginTransaction`/`SCardEndTransaction`, so no other client interleaves APDUs
    /// (the selected file and PIN state are shared by every client of the card).
    public func transaction<R>(_ body: () throws -> R) throws -> R {
        let begin = SCardBeginTransaction(handle)
        guard begin == 0 else { throw PCSCError.from(status: Int(begin), during: "starting a card transaction") }
        defer { SCardEndTransaction(handle, DWORD(SCARD_LEAVE_CARD)) }
        return try body()
    }

    /// The card's answer-to-reset (`SCardStatus`; vpcd does not support the ATR attribute).
    public func atr() throws -> [UInt8] {
        var nameLength: DWORD = 0
        var state: DWORD = 0
        var active: DWORD = 0
        var atr = [UInt8](repeating: 0, count: Int(MAX_ATR_SIZE))
        var atrLength = DWORD(atr.count)
        let status = SCardStatus(handle, nil, &nameLength, &state, &active, &atr, &atrLength)
        guard status == 0 else { throw PCSCError.from(status: Int(status), during: "reading the ATR") }
        return Array(atr.prefix(Int(atrLength)))
    }

    /// Sends one APDU as is, answering the raw response.
    public func transmitRaw(_ apdu: [UInt8]) throws -> ResponseAPDU {
        var buffer = [UInt8](repeating: 0, count: 65_538)
        var length = DWORD(buffer.count)
        var request = pci
        let status = SCardTransmit(handle, &request, apdu, DWORD(apdu.count), nil, &buffer, &length)
        guard status == 0 else { throw PCSCError.from(status: Int(status), during: "sending an APDU") }
        return try ResponseAPDU(raw: Array(buffer.prefix(Int(length))))
    }

    /// Sends an APDU and follows the card's transport answers (ISO 7816-4 §5.3): `6C xx` = wrong Le, send again
    /// with Le = xx; `61 xx` = more data, fetch it with GET RESPONSE (repeatedly) and join the parts.
    public func transmit(_ command: CommandAPDU) throws -> ResponseAPDU {
        var response = try transmitRaw(command.bytes)
        var resent = 0
        while response.sw1 == 0x6C, resent < 3 {
            resent += 1
            let retry = CommandAPDU(
                cla: command.cla, ins: command.ins, p1: command.p1, p2: command.p2, data: command.data,
                le: response.sw2 == 0 ? 256 : Int(response.sw2))
            response = try transmitRaw(retry.bytes)
        }
        var data = response.data
        var rounds = 0
        while response.sw1 == 0x61 {
            rounds += 1
            guard rounds < 256, data.count < 65_536 else {
                throw PCSCError(.communication, "the card keeps answering 61xx")
            }
            response = try transmitRaw(
                CommandAPDU(cla: command.cla, ins: 0xC0, p1: 0, p2: 0, le: response.sw2 == 0 ? 256 : Int(response.sw2))
                    .bytes)
            data += response.data
        }
        return ResponseAPDU(data: data, sw1: response.sw1, sw2: response.sw2)
    }
}

extension PCSCContext {
    /// Blocks until a reader's state differs from `known` (or `timeout` seconds pass), answering the new states.
    /// `known` is what the caller saw last (``readerStates()``); `SCardCancel` from ``cancel()`` ends the wait with `.cancelled`.
    public func waitForChange(from known: [ReaderState], timeout: Double) throws -> [ReaderState] {
        guard !known.isEmpty else { throw PCSCError(.noReader, "no smart-card reader is attached") }
        let cNames = known.map { Array($0.reader.utf8CString) }
        var storage: [UnsafeMutablePointer<CChar>] = []
        defer { for buffer in storage { buffer.deallocate() } }
        var states: [SCARD_READERSTATE] = []
        for (name, state) in zip(cNames, known) {
            let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: name.count)
            buffer.initialize(from: name, count: name.count)
            storage.append(buffer)
            var reader = SCARD_READERSTATE()
            reader.szReader = UnsafePointer(buffer)
            reader.dwCurrentState = DWORD(
                state.card == .empty
                    ? SCARD_STATE_EMPTY : state.card == .unknown ? SCARD_STATE_UNAWARE : SCARD_STATE_PRESENT)
            states.append(reader)
        }
        let milliseconds = DWORD(max(0, min(timeout, 86_400)) * 1000)
        let status = withContext { SCardGetStatusChange($0, milliseconds, &states, DWORD(states.count)) }
        guard status == 0 else { throw PCSCError.from(status: Int(status), during: "waiting for a card") }
        // In use by another client still means a card is there: report it as present.
        return zip(known, states).map { old, state in
            let now = ReaderState(old.reader, state)
            return [.inUse, .exclusive].contains(now.card)
                ? ReaderState(reader: now.reader, card: .present, atr: now.atr) : now
        }
    }

    /// Ends a blocking ``waitForChange(from:timeout:)`` on another thread (`SCardCancel`).
    public func cancel() { _ = withContext { SCardCancel($0) } }
}

/// Runs blocking PC/SC calls on a thread of their own, so the Swift concurrency pool never waits on pcscd.
public enum CardReaderThread {
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                do { continuation.resume(returning: try body()) } catch { continuation.resume(throwing: error) }
            }
            thread.name = "pcsc"
            thread.start()
        }
    }

    /// Waits for a card in `reader` (or any reader), cancellable: cancelling the task calls `SCardCancel`.
    public static func waitForCard(in context: PCSCContext, reader: String?, timeout: Double) async throws
        -> ReaderState
    {
        try await withTaskCancellationHandler {
            try await run {
                var states = try context.readerStates().filter { reader == nil || $0.reader == reader }
                guard !states.isEmpty else {
                    throw reader.map { PCSCError(.unknownReader, "no reader named \($0)") }
                        ?? PCSCError(.noReader, "no smart-card reader is attached")
                }
                let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
                while true {
                    if let ready = states.first(where: { $0.card == .present || $0.card == .inUse }) { return ready }
                    let left = deadline - ContinuousClock.now
                    guard left > .zero else {
                        throw PCSCError(.timeout, "no card was inserted within \(Int(timeout)) s")
                    }
                    do {
                        states = try context.waitForChange(from: states, timeout: Double(left.components.seconds) + 0.5)
                    } catch let error as PCSCError where error.code == .timeout {
                        continue
                    }
                }
            }
        } onCancel: {
            context.cancel()
        }
    }
}
