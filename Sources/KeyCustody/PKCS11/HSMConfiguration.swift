import Foundation
import Yams

/// Configuration of the PKCS#11 key store, read from a YAML file (see `hsm/pkcs11.example.yaml`).
///
/// ```yaml
/// module: /usr/lib/softhsm/libsofthsm2.so   # dlopen'ed; relative paths are relative to this file
/// tokenLabel: trustd                        # tokens are selected by label (slot ids are not stable)
/// pin: { file: hsm.pin }                    # or { env: TRUSTD_HSM_PIN }; a PIN file must be mode 0600
/// environment: { SOFTHSM2_CONF: softhsm2.conf }   # optional, set before C_Initialize
/// sm2:                                      # optional vendor mechanisms; without them SM2 is refused
///   keyGenMechanism: 0x80000001
///   signMechanism: 0x80000002               # signs e = SM3(Z_A ‖ M) computed on the host
///   keyType: 0x00000003                     # CKA_KEY_TYPE of SM2 keys (default CKK_EC)
/// ```
public struct HSMConfiguration: Sendable {
    public enum PINSource: Sendable, Hashable {
        case file(String)
        case environment(String)
    }

    public struct SM2Mechanisms: Sendable, Hashable {
        public var keyGenMechanism: UInt
        public var signMechanism: UInt
        public var keyType: UInt

        public init(keyGenMechanism: UInt, signMechanism: UInt, keyType: UInt = 3) {
            self.keyGenMechanism = keyGenMechanism
            self.signMechanism = signMechanism
            self.keyType = keyType
        }
    }

    public var module: String
    public var tokenLabel: String
    public var pin: PINSource
    public var environment: [String: String]
    public var sm2: SM2Mechanisms?

    public init(
        module: String, tokenLabel: String, pin: PINSource, environment: [String: String] = [:],
        sm2: SM2Mechanisms? = nil
    ) {
        self.module = module
        self.tokenLabel = tokenLabel
        self.pin = pin
        self.environment = environment
        self.sm2 = sm2
    }

    /// Loads and validates a configuration file. Errors name the file and the field.
    public static func load(_ path: String) throws -> HSMConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw KeyCustodyError(.invalidConfiguration, "\(path): cannot read the HSM configuration file")
        }
        let node: Node
        do {
            guard let parsed = try Yams.compose(yaml: String(decoding: data, as: UTF8.self)) else {
                throw KeyCustodyError(.invalidConfiguration, "\(path): the file is empty")
            }
            node = parsed
        } catch let error as KeyCustodyError {
            throw error
        } catch {
            throw KeyCustodyError(.invalidConfiguration, "\(path): not valid YAML: \(error)")
        }
        guard let map = node.mapping else {
            throw KeyCustodyError(.invalidConfiguration, "\(path): the top level must be a mapping")
        }
        let base = URL(fileURLWithPath: path).deletingLastPathComponent()
        func fail(_ field: String, _ problem: String) -> KeyCustodyError {
            KeyCustodyError(.invalidConfiguration, "\(path): \(field): \(problem)")
        }
        func resolve(_ value: String) -> String {
            value.hasPrefix("/") ? value : base.appendingPathComponent(value).standardizedFileURL.path
        }
        let known: Set<String> = ["module", "tokenLabel", "pin", "environment", "sm2"]
        for key in map.keys.compactMap(\.string) where !known.contains(key) {
            throw fail(key, "unknown field (expected one of \(known.sorted().joined(separator: ", ")))")
        }
        guard let module = map["module"]?.string, !module.isEmpty else { throw fail("module", "required string") }
        guard let token = map["tokenLabel"]?.string, !token.isEmpty else { throw fail("tokenLabel", "required string") }
        guard token.utf8.count <= 32 else { throw fail("tokenLabel", "PKCS#11 token labels are at most 32 bytes") }

        guard let pinMap = map["pin"]?.mapping else { throw fail("pin", "required mapping with `file` or `env`") }
        let pin: PINSource
        if let file = pinMap["file"]?.string, pinMap["env"] == nil {
            pin = .file(resolve(file))
        } else if let env = pinMap["env"]?.string, pinMap["file"] == nil {
            pin = .environment(env)
        } else {
            throw fail("pin", "give exactly one of `file` or `env`")
        }

        var environment: [String: String] = [:]
        if let envNode = map["environment"] {
            guard let envMap = envNode.mapping else {
                throw fail("environment", "must be a mapping of names to values")
            }
            for (key, value) in envMap {
                guard let name = key.string, let text = value.string else {
                    throw fail("environment", "names and values must be strings")
                }
                // Paths for well-known module variables are resolved like the other paths.
                environment[name] = name.hasSuffix("_CONF") ? resolve(text) : text
            }
        }

        var sm2: SM2Mechanisms? = nil
        if let sm2Node = map["sm2"] {
            guard let sm2Map = sm2Node.mapping else { throw fail("sm2", "must be a mapping") }
            func number(_ field: String, default fallback: UInt? = nil) throws -> UInt {
                guard let text = sm2Map[field]?.string else {
                    if let fallback { return fallback }
                    throw fail("sm2.\(field)", "required mechanism number (e.g. 0x80000001)")
                }
                let parsed = text.lowercased().hasPrefix("0x") ? UInt(text.dropFirst(2), radix: 16) : UInt(text)
                guard let parsed else { throw fail("sm2.\(field)", "`\(text)` is not a number") }
                return parsed
            }
            sm2 = SM2Mechanisms(
                keyGenMechanism: try number("keyGenMechanism"), signMechanism: try number("signMechanism"),
                keyType: try number("keyType", default: 3))
        }
        return HSMConfiguration(
            module: resolve(module), tokenLabel: token, pin: pin, environment: environment, sm2: sm2)
    }

    /// Reads the user PIN from its source.
    func readPIN() throws -> [UInt8] {
        switch pin {
        case .file(let path):
            var bytes = try SecureFile.read(path, maxBytes: 256)
            while let last = bytes.last, last == 0x0a || last == 0x0d || last == 0x20 { bytes.removeLast() }
            guard !bytes.isEmpty else { throw KeyCustodyError(.secretUnavailable, "PIN file \(path) is empty") }
            return bytes
        case .environment(let name):
            guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
                throw KeyCustodyError(.secretUnavailable, "environment variable \(name) with the HSM PIN is not set")
            }
            return Array(value.utf8)
        }
    }
}
