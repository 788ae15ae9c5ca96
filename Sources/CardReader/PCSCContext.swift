internal import CPCSCLite

/// An established PC/SC resource-manager context (`SCardEstablishContext`), released exactly once.
///
/// Calls into pcsc-lite block (they talk to pcscd over a socket); callers on the Swift concurrency pool should
/// use the `async` wrappers, which run them on a dedicated thread.
public final class PCSCContext: @unchecked Sendable {
    private let handle: SCARDCONTEXT

    /// Connects to pcscd (honouring `PCSCLITE_CSOCK_NAME`, as every pcsc-lite client does).
    /// - Throws: ``PCSCError`` `.serviceNotAvailable` when pcscd is not running.
    public init() throws {
        var context: SCARDCONTEXT = 0
        let status = SCardEstablishContext(DWORD(SCARD_SCOPE_SYSTEM), nil, nil, &context)
        guard status == 0 else { throw PCSCError.from(status: Int(status), during: "connecting to pcscd") }
        self.handle = context
    }

    deinit { SCardReleaseContext(handle) }

    /// `true` while pcscd still answers for this context.
    public var isValid: Bool { SCardIsValidContext(handle) == 0 }

    /// Runs `body` with the raw context handle (internal to CardReader).
    func withContext<R>(_ body: (SCARDCONTEXT) throws -> R) rethrows -> R { try body(handle) }

    /// Names of the attached readers, in pcscd's order. Empty when none is attached.
    public func readers() throws -> [String] {
        var length: DWORD = 0
        var status = SCardListReaders(handle, nil, nil, &length)
        if UInt32(truncatingIfNeeded: Int(status)) == 0x8010_002E { return [] }
        guard status == 0 else { throw PCSCError.from(status: Int(status), during: "listing readers") }
        var buffer = [CChar](repeating: 0, count: Int(length))
        status = SCardListReaders(handle, nil, &buffer, &length)
        if UInt32(truncatingIfNeeded: Int(status)) == 0x8010_002E { return [] }
        guard status == 0 else { throw PCSCError.from(status: Int(status), during: "listing readers") }
        // A multi-string: names separated by NUL, ended by an empty name.
        return buffer.prefix(Int(length))
            .split(separator: 0, omittingEmptySubsequences: true)
            .map { String(decoding: $0.map { UInt8(bitPattern: $0) }, as: UTF8.self) }
    }
}
