internal import CPKCS11
import Foundation
import Synchronization
import TrustCrypto

/// Key store on a PKCS#11 token (an HSM; SoftHSM2 in tests).
///
/// RSA and P-256 keys are generated on the token as sensitive, non-extractable, token objects and every signature
/// is made there. SM2 needs vendor mechanisms named in the configuration (SoftHSM2 has none; an EC key on the
/// SM2 curve there signs plain ECDSA, which is *not* SM2 — see ../shared/specs/platform-recipes.md §3).
///
/// Keys carry trustd's 16-byte id as `CKA_ID` and the label as `CKA_LABEL`; objects without a 16-byte id are not
/// trustd's and are ignored. Sessions are pooled: one per concurrent operation, all sharing the login.
public final class PKCS11KeyStore: KeyStore {
    public let backend = "pkcs11"
    public let configuration: HSMConfiguration
    let module: PKCS11Module
    let slot: CK_SLOT_ID
    let mechanisms: Set<CK_MECHANISM_TYPE>
    private let idle = Mutex<[CK_SESSION_HANDLE]>([])

    /// Loads the module, finds the token by label and logs in.
    public init(configuration: HSMConfiguration) throws {
        self.configuration = configuration
        let module = try PKCS11Module.acquire(path: configuration.module, environment: configuration.environment)
        do {
            let slot = try Self.findSlot(module, label: configuration.tokenLabel)
            var pin = try configuration.readPIN()
            defer { Memory.wipe(&pin) }
            var session: CK_SESSION_HANDLE = 0
            try module.check(
                module.functions.C_OpenSession!(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nil, nil, &session),
                "opening a session on token '\(configuration.tokenLabel)'")
            let rv = pin.withUnsafeMutableBufferPointer {
                module.functions.C_Login!(session, CKU_USER, $0.baseAddress, CK_ULONG($0.count))
            }
            if rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN {
                _ = module.functions.C_CloseSession!(session)
                throw PKCS11Module.error(rv, "logging in to token '\(configuration.tokenLabel)'")
            }
            var count: CK_ULONG = 0
            try module.check(module.functions.C_GetMechanismList!(slot, nil, &count), "listing mechanisms")
            var list = [CK_MECHANISM_TYPE](repeating: 0, count: Int(count))
            try module.check(module.functions.C_GetMechanismList!(slot, &list, &count), "listing mechanisms")
            let mechanisms = Set(list.prefix(Int(count)))
            if let sm2 = configuration.sm2 {
                for mechanism in [sm2.keyGenMechanism, sm2.signMechanism]
                where !mechanisms.contains(CK_MECHANISM_TYPE(mechanism)) {
                    _ = module.functions.C_CloseSession!(session)
                    throw KeyCustodyError(
                        .mechanismNotSupported,
                        "token '\(configuration.tokenLabel)' does not offer the configured SM2 mechanism 0x\(String(mechanism, radix: 16))"
                    )
                }
            }
            self.module = module
            self.slot = slot
            self.mechanisms = mechanisms
            idle.withLock { $0.append(session) }
        } catch let failure as PKCS11Failure {
            module.release()
            throw failure.error
        } catch {
            module.release()
            throw error
        }
    }

    deinit {
        for session in idle.withLock({ $0 }) { _ = module.functions.C_CloseSession!(session) }
        module.release()
    }

    private static func findSlot(_ module: PKCS11Module, label: String) throws -> CK_SLOT_ID {
        var count: CK_ULONG = 0
        try module.check(module.functions.C_GetSlotList!(CK_BBOOL(CK_TRUE), nil, &count), "listing slots")
        var slots = [CK_SLOT_ID](repeating: 0, count: Int(count))
        try module.check(module.functions.C_GetSlotList!(CK_BBOOL(CK_TRUE), &slots, &count), "listing slots")
        var seen: [String] = []
        for slot in slots.prefix(Int(count)) {
            var info = CK_TOKEN_INFO()
            guard module.functions.C_GetTokenInfo!(slot, &info) == CKR_OK else { continue }
            // CK_TOKEN_INFO.label is 32 bytes, blank padded.
            let raw = withUnsafeBytes(of: info.label) { Array($0) }
            let name = String(decoding: raw, as: UTF8.self).trimmingCharacters(in: .whitespaces)
            if !name.isEmpty { seen.append(name) }
            if name == label { return slot }
        }
        let known = seen.isEmpty ? "no initialised tokens" : "tokens present: \(seen.joined(separator: ", "))"
        throw KeyCustodyError(.tokenNotFound, "no token labelled '\(label)' in \(module.path) (\(known))")
    }

    // MARK: Sessions

    func withSession<R>(_ body: (CK_SESSION_HANDLE) throws -> R) throws -> R {
        var session = idle.withLock { $0.popLast() } ?? 0
        if session == 0 { session = try openLoggedInSession() }
        do {
            let result = try body(session)
            idle.withLock { $0.append(session) }
            return result
        } catch {
            // A failed PKCS#11 call ends its operation (and FindObjectsFinal runs in a defer), so the session stays
            // usable; closing it could close the last one, which logs the whole application out.
            if let failure = error as? PKCS11Failure {
                _ = module.functions.C_CloseSession!(session)
                throw failure.error
            }
            idle.withLock { $0.append(session) }
            throw error
        }
    }

    /// Opens a session and logs in (the login is per application; an already-logged-in answer is fine).
    private func openLoggedInSession() throws -> CK_SESSION_HANDLE {
        var session: CK_SESSION_HANDLE = 0
        try module.check(
            module.functions.C_OpenSession!(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nil, nil, &session),
            "opening a session")
        var pin = try configuration.readPIN()
        defer { Memory.wipe(&pin) }
        let rv = pin.withUnsafeMutableBufferPointer {
            module.functions.C_Login!(session, CKU_USER, $0.baseAddress, CK_ULONG($0.count))
        }
        guard rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN else {
            _ = module.functions.C_CloseSession!(session)
            throw PKCS11Module.error(rv, "logging in to token '\(configuration.tokenLabel)'")
        }
        return session
    }

    func find(_ session: CK_SESSION_HANDLE, _ attributes: [PKCS11Attribute], max: Int = 1024) throws
        -> [CK_OBJECT_HANDLE]
    {
        try withTemplate(attributes) { template, count in
            try module.check(module.functions.C_FindObjectsInit!(session, template, count), "searching objects")
        }
        defer { _ = module.functions.C_FindObjectsFinal!(session) }
        var handles = [CK_OBJECT_HANDLE](repeating: 0, count: max)
        var found: CK_ULONG = 0
        try module.check(module.functions.C_FindObjects!(session, &handles, CK_ULONG(max), &found), "searching objects")
        return Array(handles.prefix(Int(found)))
    }

    func attribute(_ session: CK_SESSION_HANDLE, _ object: CK_OBJECT_HANDLE, _ type: CK_ATTRIBUTE_TYPE) throws
        -> [UInt8]?
    {
        var query = CK_ATTRIBUTE(type: type, pValue: nil, ulValueLen: 0)
        let rv = module.functions.C_GetAttributeValue!(session, object, &query, 1)
        if rv == CKR_ATTRIBUTE_SENSITIVE || rv == CKR_ATTRIBUTE_TYPE_INVALID { return nil }
        try module.check(rv, "reading an attribute")
        if query.ulValueLen == CK_ULONG.max { return nil }  // CK_UNAVAILABLE_INFORMATION (~0UL)
        var value = [UInt8](repeating: 0, count: Int(query.ulValueLen))
        try value.withUnsafeMutableBytes { raw in
            var read = CK_ATTRIBUTE(type: type, pValue: raw.baseAddress, ulValueLen: CK_ULONG(raw.count))
            try module.check(module.functions.C_GetAttributeValue!(session, object, &read, 1), "reading an attribute")
        }
        return value
    }

    func key(_ session: CK_SESSION_HANDLE, _ id: KeyID, _ objectClass: CK_OBJECT_CLASS) throws
        -> CK_OBJECT_HANDLE
    {
        let handles = try find(
            session, [PKCS11Attribute(CKA_CLASS, ulong: objectClass), PKCS11Attribute(CKA_ID, id.bytes)], max: 2)
        guard let handle = handles.first else {
            throw KeyCustodyError(.keyNotFound, "no key \(id) on token '\(configuration.tokenLabel)'")
        }
        return handle
    }

    // MARK: KeyStore

    public func generate(_ type: KeyType, label: String, id: KeyID) throws -> KeyInfo {
        try validateLabel(label)
        if (try? info(id)) != nil {
            throw KeyCustodyError(.invalidRequest, "key \(id) exists on token '\(configuration.tokenLabel)'")
        }
        var mechanismType: CK_MECHANISM_TYPE
        var keyType: CK_KEY_TYPE
        var publicExtra: [PKCS11Attribute]
        switch type {
        case .rsa2048, .rsa3072, .rsa4096:
            mechanismType = CKM_RSA_PKCS_KEY_PAIR_GEN
            keyType = CKK_RSA
            publicExtra = [
                PKCS11Attribute(CKA_MODULUS_BITS, ulong: CK_ULONG(type.rsaBits!)),
                PKCS11Attribute(CKA_PUBLIC_EXPONENT, [0x01, 0x00, 0x01]),
            ]
        case .p256:
            mechanismType = CKM_EC_KEY_PAIR_GEN
            keyType = CKK_EC
            publicExtra = [PKCS11Attribute(CKA_EC_PARAMS, Self.p256Parameters)]
        case .sm2:
            guard let sm2 = configuration.sm2 else {
                throw KeyCustodyError(
                    .unsupportedAlgorithm,
                    "token '\(configuration.tokenLabel)' has no SM2 mechanism configured (set sm2.keyGenMechanism and sm2.signMechanism in the HSM configuration); SoftHSM2 offers none"
                )
            }
            mechanismType = CK_MECHANISM_TYPE(sm2.keyGenMechanism)
            keyType = CK_KEY_TYPE(sm2.keyType)
            publicExtra = [PKCS11Attribute(CKA_EC_PARAMS, Self.sm2Parameters)]
        }
        guard mechanisms.contains(mechanismType) else {
            throw KeyCustodyError(
                .mechanismNotSupported, "token '\(configuration.tokenLabel)' cannot generate \(type) keys")
        }
        let common = [
            PKCS11Attribute(CKA_TOKEN, bool: true), PKCS11Attribute(CKA_ID, id.bytes),
            PKCS11Attribute(CKA_LABEL, string: label), PKCS11Attribute(CKA_KEY_TYPE, ulong: keyType),
        ]
        let publicTemplate =
            common + publicExtra + [
                PKCS11Attribute(CKA_CLASS, ulong: CKO_PUBLIC_KEY),
                PKCS11Attribute(CKA_VERIFY, bool: true), PKCS11Attribute(CKA_PRIVATE, bool: false),
            ]
        let privateTemplate =
            common + [
                PKCS11Attribute(CKA_CLASS, ulong: CKO_PRIVATE_KEY), PKCS11Attribute(CKA_SIGN, bool: true),
                PKCS11Attribute(CKA_PRIVATE, bool: true), PKCS11Attribute(CKA_SENSITIVE, bool: true),
                PKCS11Attribute(CKA_EXTRACTABLE, bool: false),
            ]
        let fingerprint: String = try withSession { session in
            var mechanism = CK_MECHANISM(mechanism: mechanismType, pParameter: nil, ulParameterLen: 0)
            var publicHandle: CK_OBJECT_HANDLE = 0
            var privateHandle: CK_OBJECT_HANDLE = 0
            try withTemplate(publicTemplate) { pub, pubCount in
                try withTemplate(privateTemplate) { priv, privCount in
                    try module.check(
                        module.functions.C_GenerateKeyPair!(
                            session, &mechanism, pub, pubCount, priv, privCount,
                            &publicHandle, &privateHandle),
                        "generating a \(type) key pair")
                }
            }
            return try publicKey(session, id).fingerprintHex()
        }
        return KeyInfo(
            id: id, label: label, type: type, backend: backend, createdAt: nil, publicKeyFingerprint: fingerprint)
    }

    /// Refused: a key in clear is not written into the token by trustd. Import it with the token's own tool (for
    /// SoftHSM2 `softhsm2-util --import KEY.pem --id <32 hex>`), then name it by that id.
    public func importKey(_ key: PrivateKey, label: String, id: KeyID) throws -> KeyInfo {
        throw KeyCustodyError(
            .invalidRequest,
            "the HSM does not take keys in clear from trustd: import the key with the token's own tool under a "
                + "16-byte CKA_ID, then name that id")
    }

    public func info(_ id: KeyID) throws -> KeyInfo {
        try withSession { session in
            let object = try key(session, id, CKO_PRIVATE_KEY)
            let label = try attribute(session, object, CKA_LABEL).map { String(decoding: $0, as: UTF8.self) } ?? ""
            guard let type = try keyType(session, try key(session, id, CKO_PUBLIC_KEY)) else {
                throw KeyCustodyError(
                    .unsupportedAlgorithm, "key \(id) on the token is not RSA, P-256 or a configured SM2 key")
            }
            return KeyInfo(
                id: id, label: label, type: type, backend: backend, createdAt: nil,
                publicKeyFingerprint: try publicKey(session, id).fingerprintHex())
        }
    }

    public func list() throws -> [KeyInfo] {
        let ids: [KeyID] = try withSession { session in
            try find(session, [PKCS11Attribute(CKA_CLASS, ulong: CKO_PRIVATE_KEY)]).compactMap { object in
                guard let raw = try attribute(session, object, CKA_ID), raw.count == 16 else { return nil }
                return try? KeyID(Hex.encode(raw))
            }
        }
        return try ids.sorted().compactMap { id in
            do { return try info(id) } catch let error as KeyCustodyError where error.code == .unsupportedAlgorithm {
                return nil
            }
        }
    }

    public func publicKey(_ id: KeyID) throws -> PublicKey {
        try withSession { try publicKey($0, id) }
    }

    /// Whether the token reports the key as sensitive and non-extractable (what trustd asks for at generation).
    public func isNonExtractable(_ id: KeyID) throws -> Bool {
        try withSession { session in
            let object = try key(session, id, CKO_PRIVATE_KEY)
            return try attribute(session, object, CKA_SENSITIVE) == [1]
                && attribute(session, object, CKA_EXTRACTABLE) == [0]
                && attribute(session, object, CKA_NEVER_EXTRACTABLE) == [1]
        }
    }

    public func sign(_ message: [UInt8], with id: KeyID, algorithm: SignatureAlgorithm?) throws -> [UInt8] {
        try withSession { session in
            let publicKey = try publicKey(session, id)
            let algorithm = algorithm ?? publicKey.type.defaultSignatureAlgorithm
            try check(algorithm, publicKey.type)
            switch algorithm {
            case .rsaPKCS1v15(let digest):
                return try rawSign(session, id, try Self.rsaMechanism(digest, pss: false), message)
            case .rsaPSS(let digest):
                return try pssSign(session, id, try Self.rsaMechanism(digest, pss: true), digest, message)
            case .ecdsa, .sm2:
                return try signDigest(
                    session, id, publicKey, algorithm, try digestForSigning(publicKey, algorithm, message))
            }
        }
    }

    public func sign(digest: [UInt8], with id: KeyID, algorithm: SignatureAlgorithm?) throws -> [UInt8] {
        try withSession { session in
            let publicKey = try publicKey(session, id)
            let algorithm = algorithm ?? publicKey.type.defaultSignatureAlgorithm
            try check(algorithm, publicKey.type)
            guard digest.count == algorithm.digest.outputLength else {
                throw KeyCustodyError(
                    .invalidRequest,
                    "\(algorithm) needs a \(algorithm.digest.outputLength)-byte digest, got \(digest.count)")
            }
            return try signDigest(session, id, publicKey, algorithm, digest)
        }
    }

    public func destroy(_ id: KeyID) throws {
        try withSession { session in
            let privateHandle = try key(session, id, CKO_PRIVATE_KEY)
            try module.check(module.functions.C_DestroyObject!(session, privateHandle), "destroying private key \(id)")
            if let publicHandle = try? key(session, id, CKO_PUBLIC_KEY) {
                try module.check(
                    module.functions.C_DestroyObject!(session, publicHandle), "destroying public key \(id)")
            }
        }
    }
}
