internal import COpenSSL
import Synchronization

/// Owns one `EVP_PKEY` and frees it exactly once.
///
/// OpenSSL 3 allows one `EVP_PKEY` to be used from many threads at once as long as nobody mutates it; trustd
/// never mutates a key after creating it, and every operation makes its own context, hence `@unchecked Sendable`.
/// The pointer never leaves TrustCrypto.
final class EVPKey: @unchecked Sendable {
    let pointer: OpaquePointer
    let type: KeyType
    /// Initialised signing/verification contexts, reused across calls (see ``ContextPool``).
    let contexts = ContextPool()

    /// Takes ownership of `pointer` after checking it is a key type trustd supports. On failure the pointer
    /// is freed here, so callers never leak.
    init(takingOwnership pointer: OpaquePointer) throws {
        do {
            self.type = try EVPKey.classify(pointer)
        } catch {
            EVP_PKEY_free(pointer)
            throw error
        }
        self.pointer = pointer
    }

    /// Shares an `EVP_PKEY` owned elsewhere (e.g. inside an X509) by taking a reference of our own:
    /// no decoding, which in OpenSSL 3.0 costs a few hundred microseconds per key.
    convenience init(sharing pointer: OpaquePointer) throws {
        guard EVP_PKEY_up_ref(pointer) == 1 else { throw OpenSSL.error(.internalFailure, "cannot reference key") }
        try self.init(takingOwnership: pointer)
    }

    deinit { EVP_PKEY_free(pointer) }

    private let publicHalf = Mutex<EVPKey?>(nil)

    /// The public half as its own key (decoded once from SubjectPublicKeyInfo, then cached).
    func publicOnly() throws -> EVPKey {
        if let cached = publicHalf.withLock({ $0 }) { return cached }
        let spki = try OpenSSL.i2d { i2d_PUBKEY(pointer, $0) }
        let decoded: OpaquePointer? = spki.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_PUBKEY(nil, &cursor, buffer.count)
        }
        guard let decoded else { throw OpenSSL.error(.internalFailure, "cannot derive the public key") }
        let key = try EVPKey(takingOwnership: decoded)
        publicHalf.withLock { $0 = key }
        return key
    }

    /// `Z_A` for the last SM2 distinguishing ID used with this key (nearly always the default): it depends only on
    /// the ID and the public key, and a key is never changed.
    private let sm2ZMemo = Mutex<(id: [UInt8], z: [UInt8])?>(nil)

    /// `Z_A` (GB/T 32918.2 §5.5) for `id` and this SM2 key.
    func sm2Z(_ id: SM2DistinguishingID) throws -> [UInt8] {
        if let memo = sm2ZMemo.withLock({ $0 }), memo.id == id.bytes { return memo.z }
        let z = try PublicKey(self).sm2Z(id: id)
        sm2ZMemo.withLock { $0 = (id.bytes, z) }
        return z
    }

    /// `true` when the key holds private material.
    var hasPrivateKey: Bool {
        // An EVP_PKEY made from public parameters only has no "priv"/"d" component.
        if type.isRSA {
            var d: OpaquePointer? = nil
            defer { BN_free(d) }
            let ok = EVP_PKEY_get_bn_param(pointer, "d", &d) == 1
            ERR_clear_error()
            return ok
        }
        var priv: OpaquePointer? = nil
        defer { BN_clear_free(priv) }
        let ok = EVP_PKEY_get_bn_param(pointer, "priv", &priv) == 1
        ERR_clear_error()
        return ok
    }

    /// Maximum signature length in bytes for this key.
    var maxSignatureLength: Int { Int(EVP_PKEY_get_size(pointer)) }

    private static func classify(_ key: OpaquePointer) throws -> KeyType {
        if EVP_PKEY_is_a(key, "SM2") == 1 { return .sm2 }
        if EVP_PKEY_is_a(key, "RSA") == 1 {
            switch EVP_PKEY_get_bits(key) {
            case 2048: return .rsa2048
            case 3072: return .rsa3072
            case 4096: return .rsa4096
            case let bits: throw CryptoError.unsupported("RSA keys must be 2048, 3072 or 4096 bits, not \(bits)")
            }
        }
        if EVP_PKEY_is_a(key, "EC") == 1 {
            var name = [CChar](repeating: 0, count: 64)
            var length = 0
            guard EVP_PKEY_get_utf8_string_param(key, "group", &name, name.count, &length) == 1 else {
                throw OpenSSL.error(.unsupportedAlgorithm, "EC key without a named curve")
            }
            let curve = String(decoding: name.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            switch curve {
            case "prime256v1", "P-256": return .p256
            case "SM2": throw CryptoError.unsupported("EC key on the SM2 curve must be loaded as an SM2 key")
            default: throw CryptoError.unsupported("elliptic curve \(curve) is not supported (use P-256 or SM2)")
            }
        }
        if EVP_PKEY_is_a(key, "RSA-PSS") == 1 {
            throw CryptoError.unsupported("RSA-PSS-restricted keys are not supported; use a plain RSA key")
        }
        throw CryptoError.unsupported("key algorithm is not SM2, RSA or P-256")
    }
}

/// A pool of initialised `EVP_PKEY_CTX`s for one key, keyed by operation and algorithm.
///
/// Creating and initialising a context per call costs a provider fetch that is a noticeable share of a fast
/// operation (RSA verify ≈ 20 µs, P-256 sign ≈ 27 µs). A context is used by one thread at a time: it is taken
/// out of the pool for the call and put back afterwards; a context whose call failed is freed, never reused.
final class ContextPool: @unchecked Sendable {
    struct Slot: Hashable {
        let signing: Bool
        let algorithm: SignatureAlgorithm
    }

    /// An idle context; only ever touched by the thread that took it out of the pool.
    private struct Idle: @unchecked Sendable { let pointer: OpaquePointer }

    private let idle = Mutex<[Slot: [Idle]]>([:])
    private static let maxIdlePerSlot = 16

    deinit {
        idle.withLock { slots in
            for contexts in slots.values { for context in contexts { EVP_PKEY_CTX_free(context.pointer) } }
        }
    }

    /// Runs `body` with a ready context for `slot`, made by `make` when none is idle. `body` returns whether the
    /// context may be reused (false after any failure).
    func withContext<R>(
        _ slot: Slot, make: @autoclosure () throws -> OpaquePointer,
        _ body: (OpaquePointer) throws -> (result: R, reusable: Bool)
    ) throws -> R {
        let context = try idle.withLock { $0[slot]?.popLast() }?.pointer ?? make()
        let outcome: (result: R, reusable: Bool)
        do {
            outcome = try body(context)
        } catch {
            EVP_PKEY_CTX_free(context)
            throw error
        }
        if outcome.reusable {
            let returned = Idle(pointer: context)
            let kept = idle.withLock { slots -> Bool in
                guard slots[slot, default: []].count < Self.maxIdlePerSlot else { return false }
                slots[slot, default: []].append(returned)
                return true
            }
            if !kept { EVP_PKEY_CTX_free(context) }
        } else {
            EVP_PKEY_CTX_free(context)
        }
        return outcome.result
    }
}
