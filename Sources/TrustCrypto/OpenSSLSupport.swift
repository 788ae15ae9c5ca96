internal import COpenSSL

// MARK: - Error queue

enum OpenSSL {
    /// Drains OpenSSL's thread-local error queue into one short, secret-free string.
    static func drainErrors() -> String {
        var reasons: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            if reasons.count < 4 {
                reasons.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
            }
        }
        return reasons.joined(separator: "; ")
    }

    /// A C string with static storage. `OSSL_PARAM_BLD_push_*` keep the key pointer until `to_param`, so a
    /// Swift string literal (bridged to a temporary buffer) must not be passed there.
    static func cName(_ name: StaticString) -> UnsafePointer<CChar> {
        UnsafeRawPointer(name.utf8Start).assumingMemoryBound(to: CChar.self)
    }

    /// Clears stale errors before an operation whose failure we want to report precisely.
    static func clearErrors() { ERR_clear_error() }

    /// An error that carries the drained OpenSSL reason, if any.
    static func error(_ code: CryptoError.Code, _ message: String) -> CryptoError {
        let reason = drainErrors()
        return CryptoError(code, reason.isEmpty ? message : "\(message) (\(reason))")
    }

    /// Returns an owned `BIO` reading `bytes`, valid only inside `body`.
    ///
    /// `BIO_new_mem_buf` does not copy: the buffer must outlive the BIO, so all reading happens inside
    /// `withUnsafeBytes` (see ../shared/specs/swift-recipes.md, pitfall 4 — it failed only in release builds).
    static func withReadBIO<R>(_ bytes: [UInt8], _ body: (OpaquePointer) throws -> R) throws -> R {
        try bytes.withUnsafeBytes { raw in
            guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else {
                throw error(.internalFailure, "cannot allocate a memory BIO")
            }
            defer { BIO_free(bio) }
            return try body(bio)
        }
    }

    /// Runs `body` with a fresh writable memory BIO and returns everything written to it.
    static func writeBIO(_ body: (OpaquePointer) throws -> Bool) throws -> [UInt8] {
        guard let bio = BIO_new(BIO_s_mem()) else { throw error(.internalFailure, "cannot allocate a memory BIO") }
        defer { BIO_free(bio) }
        guard try body(bio) else { throw error(.internalFailure, "cannot write to a memory BIO") }
        var data: UnsafeMutablePointer<CChar>? = nil
        let length = trustd_BIO_get_mem_data(bio, &data)
        guard length >= 0, let data else { return [] }
        return data.withMemoryRebound(to: UInt8.self, capacity: length) {
            Array(UnsafeBufferPointer(start: $0, count: length))
        }
    }

    /// Decodes `der` with one of OpenSSL's `d2i_*` functions and insists the structure spans every byte: trailing
    /// bytes after a valid structure are rejected (and the object freed), so nothing can be smuggled behind it.
    static func d2iExact(
        _ der: [UInt8], _ decode: (UnsafeMutablePointer<UnsafePointer<UInt8>?>, Int) -> OpaquePointer?,
        free: (OpaquePointer) -> Void
    ) -> OpaquePointer? {
        der.withUnsafeBufferPointer { buffer in
            guard let start = buffer.baseAddress else { return nil }
            var cursor: UnsafePointer<UInt8>? = start
            guard let object = decode(&cursor, buffer.count) else { return nil }
            guard cursor == start + buffer.count else {
                free(object)
                return nil
            }
            return object
        }
    }

    /// Serialises with one `i2d_*` call that lets OpenSSL allocate the output: for large objects (CRLs) and for
    /// `i2d_re_*`, which re-encode on every call, this halves the work compared with a length query first.
    static func i2dOnce(_ encode: (UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>?) -> Int32) throws -> [UInt8] {
        var buffer: UnsafeMutablePointer<UInt8>? = nil
        let length = encode(&buffer)
        guard length > 0, let buffer else { throw error(.internalFailure, "DER encoding failed") }
        defer { trustd_OPENSSL_free(buffer) }
        return Array(UnsafeBufferPointer(start: buffer, count: Int(length)))
    }

    /// Serialises an object with one of OpenSSL's `i2d_*` functions (length query, then write).
    static func i2d(_ encode: (UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>?) -> Int32) throws -> [UInt8] {
        let length = encode(nil)
        guard length > 0 else { throw error(.internalFailure, "DER encoding failed") }
        var out = [UInt8](repeating: 0, count: Int(length))
        let written = out.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var cursor: UnsafeMutablePointer<UInt8>? = buffer.baseAddress
            return encode(&cursor)
        }
        guard written == length else { throw error(.internalFailure, "DER encoding changed length") }
        return out
    }
}

// MARK: - Fetched message digests

/// An `EVP_MD` fetched once and shared read-only by every thread (fetching per call costs a lock).
struct FetchedMD: @unchecked Sendable {
    let pointer: OpaquePointer

    init(_ name: String) {
        // These are built into OpenSSL 3's default provider; absence means a broken installation.
        guard let md = EVP_MD_fetch(nil, name, nil) else {
            preconditionFailure("OpenSSL 3 default provider lacks \(name): \(OpenSSL.drainErrors())")
        }
        self.pointer = md
    }

    static let sm3 = FetchedMD("SM3")
    static let sha1 = FetchedMD("SHA1")
    static let sha256 = FetchedMD("SHA256")
    static let sha384 = FetchedMD("SHA384")
    static let sha512 = FetchedMD("SHA512")
}
