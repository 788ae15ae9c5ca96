internal import CPKCS11
import Foundation
import Synchronization

/// A PKCS#11 module loaded with `dlopen` and initialised once per process.
///
/// `C_Initialize`/`C_Finalize` are process-wide for a module, so modules are shared through a registry and
/// finalised when the last user releases them.
final class PKCS11Module: @unchecked Sendable {
    let path: String
    let functions: CK_FUNCTION_LIST
    private let library: UnsafeMutableRawPointer

    private static let registry = Mutex<[String: (module: PKCS11Module, users: Int)]>([:])

    private init(path: String, library: UnsafeMutableRawPointer, functions: CK_FUNCTION_LIST) {
        self.path = path
        self.library = library
        self.functions = functions
    }

    /// Loads (or shares) the module at `path`. `environment` is applied before the first `C_Initialize`
    /// (SoftHSM2 reads `SOFTHSM2_CONF` there).
    static func acquire(path: String, environment: [String: String]) throws -> PKCS11Module {
        try registry.withLock { modules in
            if let entry = modules[path] {
                modules[path] = (entry.module, entry.users + 1)
                return entry.module
            }
            for (name, value) in environment { setenv(name, value, 1) }
            guard FileManager.default.fileExists(atPath: path) else {
                throw KeyCustodyError(.moduleUnavailable, "PKCS#11 module \(path) does not exist")
            }
            guard let library = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
                let reason = dlerror().map { String(cString: $0) } ?? "unknown reason"
                throw KeyCustodyError(.moduleUnavailable, "cannot load PKCS#11 module \(path): \(reason)")
            }
            guard let symbol = dlsym(library, "C_GetFunctionList") else {
                dlclose(library)
                throw KeyCustodyError(.moduleUnavailable, "\(path) is not a PKCS#11 module (no C_GetFunctionList)")
            }
            let getFunctionList = unsafeBitCast(symbol, to: CK_C_GetFunctionList.self)
            var list: UnsafeMutablePointer<CK_FUNCTION_LIST>? = nil
            guard getFunctionList(&list) == CKR_OK, let list, let initialize = list.pointee.C_Initialize else {
                dlclose(library)
                throw KeyCustodyError(.moduleUnavailable, "\(path): C_GetFunctionList failed")
            }
            var arguments = CK_C_INITIALIZE_ARGS(
                CreateMutex: nil, DestroyMutex: nil, LockMutex: nil, UnlockMutex: nil,
                flags: CKF_OS_LOCKING_OK, pReserved: nil)
            let rv = initialize(&arguments)
            guard rv == CKR_OK || rv == CKR_CRYPTOKI_ALREADY_INITIALIZED else {
                dlclose(library)
                throw KeyCustodyError(.moduleUnavailable, "\(path): C_Initialize failed with \(PKCS11Module.name(rv))")
            }
            let module = PKCS11Module(path: path, library: library, functions: list.pointee)
            modules[path] = (module, 1)
            return module
        }
    }

    /// Drops one user; the last one finalises and unloads the module.
    func release() {
        Self.registry.withLock { modules in
            guard let entry = modules[path] else { return }
            if entry.users > 1 {
                modules[path] = (entry.module, entry.users - 1)
            } else {
                modules[path] = nil
                _ = functions.C_Finalize?(nil)
                dlclose(library)
            }
        }
    }

    // MARK: Return values

    /// Throws unless `rv` is `CKR_OK`, mapping the common failures to precise codes.
    func check(_ rv: CK_RV, _ operation: String) throws {
        guard rv != CKR_OK else { return }
        if rv == CKR_SESSION_HANDLE_INVALID || rv == CKR_SESSION_CLOSED || rv == CKR_DEVICE_REMOVED
            || rv == CKR_TOKEN_NOT_PRESENT
        {
            throw PKCS11Failure(error: Self.error(rv, operation))
        }
        throw Self.error(rv, operation)
    }

    static func error(_ rv: CK_RV, _ operation: String) -> KeyCustodyError {
        let code: KeyCustodyError.Code =
            switch rv {
            case CKR_PIN_INCORRECT, CKR_PIN_INVALID, CKR_PIN_LEN_RANGE: .wrongPIN
            case CKR_PIN_LOCKED: .pinLocked
            case CKR_MECHANISM_INVALID, CKR_MECHANISM_PARAM_INVALID: .mechanismNotSupported
            case CKR_TOKEN_NOT_PRESENT, CKR_TOKEN_NOT_RECOGNIZED, CKR_SLOT_ID_INVALID: .tokenNotFound
            case CKR_OBJECT_HANDLE_INVALID, CKR_KEY_HANDLE_INVALID: .keyNotFound
            case CKR_DATA_LEN_RANGE, CKR_DATA_INVALID, CKR_ARGUMENTS_BAD, CKR_TEMPLATE_INCONSISTENT: .invalidRequest
            default: .hsmFailure
            }
        return KeyCustodyError(code, "\(operation) failed: \(name(rv))")
    }

    static func name(_ rv: CK_RV) -> String {
        let names: [CK_RV: String] = [
            CKR_OK: "CKR_OK", CKR_GENERAL_ERROR: "CKR_GENERAL_ERROR", CKR_ARGUMENTS_BAD: "CKR_ARGUMENTS_BAD",
            CKR_PIN_INCORRECT: "CKR_PIN_INCORRECT", CKR_PIN_INVALID: "CKR_PIN_INVALID",
            CKR_PIN_LEN_RANGE: "CKR_PIN_LEN_RANGE",
            CKR_PIN_LOCKED: "CKR_PIN_LOCKED", CKR_MECHANISM_INVALID: "CKR_MECHANISM_INVALID",
            CKR_MECHANISM_PARAM_INVALID: "CKR_MECHANISM_PARAM_INVALID", CKR_TOKEN_NOT_PRESENT: "CKR_TOKEN_NOT_PRESENT",
            CKR_SLOT_ID_INVALID: "CKR_SLOT_ID_INVALID", CKR_DEVICE_ERROR: "CKR_DEVICE_ERROR",
            CKR_OBJECT_HANDLE_INVALID: "CKR_OBJECT_HANDLE_INVALID", CKR_KEY_HANDLE_INVALID: "CKR_KEY_HANDLE_INVALID",
            CKR_TEMPLATE_INCOMPLETE: "CKR_TEMPLATE_INCOMPLETE", CKR_TEMPLATE_INCONSISTENT: "CKR_TEMPLATE_INCONSISTENT",
            CKR_ATTRIBUTE_VALUE_INVALID: "CKR_ATTRIBUTE_VALUE_INVALID", CKR_DATA_LEN_RANGE: "CKR_DATA_LEN_RANGE",
            CKR_USER_NOT_LOGGED_IN: "CKR_USER_NOT_LOGGED_IN", CKR_SESSION_HANDLE_INVALID: "CKR_SESSION_HANDLE_INVALID",
            CKR_DOMAIN_PARAMS_INVALID: "CKR_DOMAIN_PARAMS_INVALID",
            CKR_CRYPTOKI_NOT_INITIALIZED: "CKR_CRYPTOKI_NOT_INITIALIZED",
            CKR_FUNCTION_FAILED: "CKR_FUNCTION_FAILED", CKR_KEY_TYPE_INCONSISTENT: "CKR_KEY_TYPE_INCONSISTENT",
        ]
        return names[rv] ?? "CKR 0x\(String(rv, radix: 16))"
    }
}

/// A failure after which the session cannot be used again (invalid/closed session, token gone). Internal:
/// ``PKCS11KeyStore`` closes the session and throws the wrapped ``KeyCustodyError``.
struct PKCS11Failure: Error {
    let error: KeyCustodyError
}

// MARK: - Attribute templates

/// One attribute value for a PKCS#11 template.
struct PKCS11Attribute {
    let type: CK_ATTRIBUTE_TYPE
    let value: [UInt8]

    init(_ type: CK_ATTRIBUTE_TYPE, _ value: [UInt8]) {
        self.type = type
        self.value = value
    }

    init(_ type: CK_ATTRIBUTE_TYPE, bool: Bool) { self.init(type, [bool ? 1 : 0]) }

    init(_ type: CK_ATTRIBUTE_TYPE, ulong: CK_ULONG) {
        self.init(type, withUnsafeBytes(of: ulong) { Array($0) })
    }

    init(_ type: CK_ATTRIBUTE_TYPE, string: String) { self.init(type, Array(string.utf8)) }
}

/// Lays `attributes` out as a `CK_ATTRIBUTE` array whose value buffers live exactly as long as `body` runs.
func withTemplate<R>(
    _ attributes: [PKCS11Attribute], _ body: (UnsafeMutablePointer<CK_ATTRIBUTE>, CK_ULONG) throws -> R
) rethrows -> R {
    let buffers = attributes.map { attribute -> UnsafeMutableRawPointer in
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(attribute.value.count, 1), alignment: 8)
        attribute.value.withUnsafeBytes {
            if let base = $0.baseAddress { buffer.copyMemory(from: base, byteCount: $0.count) }
        }
        return buffer
    }
    defer { for buffer in buffers { buffer.deallocate() } }
    var template = zip(attributes, buffers).map { attribute, buffer in
        CK_ATTRIBUTE(type: attribute.type, pValue: buffer, ulValueLen: CK_ULONG(attribute.value.count))
    }
    return try template.withUnsafeMutableBufferPointer { try body($0.baseAddress!, CK_ULONG($0.count)) }
}
