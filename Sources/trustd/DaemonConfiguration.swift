import ArgumentParser
import Foundation
import Logging
import TrustServer
import Yams

/// `trustd --config FILE`: the daemon's settings in YAML. Command-line options override the file.
///
/// ```yaml
/// data: /var/lib/trustd
/// listen: 0.0.0.0:8443
/// policies: /usr/share/trustd/policies
/// logLevel: info
/// tls:
///   enabled: true                 # required for non-loopback addresses
///   ca: rsa-issuing               # an RSA or ECDSA issuing CA of trustd
///   names: [trustd.example.gov.cn, 10.0.0.5]
///   clientCertificates: optional  # none | optional | required (mutual TLS for platforms)
/// metrics: token                  # who reads /metrics: public | token (default: public on loopback, else token)
/// keyStore:
///   type: pkcs11                  # software (default: DIR/keys under DIR/kek) | pkcs11 (an HSM)
///   pkcs11: /etc/trustd/pkcs11.yaml   # the token: module, tokenLabel, pin (0600 file or env), sm2 mechanisms (hsm/pkcs11.example.yaml)
///   sm2Keys: token                # token (default; the HSM must offer the vendor's SM2 mechanisms) | software
/// store: postgres                # sqlite (default: DIR/trustd.sqlite) | postgres (several nodes on one database)
/// postgres:
///   url: postgres://trustd@db.example.gov.cn:5432/trustd   # no password here
///   passwordFile: /etc/trustd/postgres.password             # 0600; or TRUSTD_POSTGRES_PASSWORD in the environment
///   poolSize: 8                   # connections per node
///   tls: verify-full              # disable (loopback, trusted network) | verify-full
///   caFile: /etc/trustd/postgres-ca.pem                     # the server's CA, for verify-full
/// maintenance:
///   intervalSeconds: 60           # counts, audit checkpoints, the leader lease (with postgres), OCSP refresh
///   expiryWarningDays: 30         # warn (log + metric) about certificates ending within this many days
/// connections:
///   maxOpen: 4096                 # default: 3/4 of the descriptor limit left after a reserve, at most 16384
///   headerTimeoutSeconds: 10      # a request head must arrive within this
///   idleTimeoutSeconds: 60        # idle keep-alive connections are closed after this
/// liveness:                       # the face-check service live checks ask (none: `advanced` is unreachable)
///   url: https://face.example.gov.cn/trustd/check   # https (http only on the loopback); README "Live checks"
///   tokenFile: /etc/trustd/liveness.token           # 0600; sent as a bearer token
///   timeoutSeconds: 10
/// login:                          # the login service's lifetimes (these are the defaults)
///   codeLifetimeSeconds: 60       # authorization codes (5–600)
///   accessTokenLifetimeSeconds: 600   # access and ID tokens (60–86400)
///   refreshTokenLifetimeDays: 30  # at most the session's remaining life (1–365)
///   sessionLifetimeHours: 8       # single sign-on (1–72)
/// ofd:                            # what reading an OFD document may cost (these are the defaults)
///   maxPackageBytes: 33554432     # the package as received (HTTP bodies carry at most 16 MiB)
///   maxEntries: 4096
///   maxEntryBytes: 33554432       # one entry, inflated
///   maxTotalBytes: 134217728      # all entries, inflated
///   maxRatio: 100                 # inflated : stored, for entries over 1 MiB
///   maxXMLBytes: 8388608
///   maxXMLDepth: 64
/// ```
///
/// A key the daemon does not know is refused with its path, so a misspelling never silently falls back to a default.
struct DaemonConfiguration: Decodable {
    var data: String?
    var listen: String?
    var policies: String?
    var logLevel: String?
    var tls: TLS?
    var connections: Connections?
    var metrics: String?
    var keyStore: KeyStore?
    var ofd: OFD?
    var store: String?
    var postgres: Postgres?
    var maintenance: Maintenance?
    var liveness: Liveness?
    var login: Login?

    struct Login: Decodable {
        var codeLifetimeSeconds, accessTokenLifetimeSeconds, refreshTokenLifetimeDays, sessionLifetimeHours: Int?
    }

    struct Liveness: Decodable {
        var url: String?
        var tokenFile: String?
        var timeoutSeconds: Int?
    }

    struct Maintenance: Decodable {
        var intervalSeconds: Int?
        var expiryWarningDays: Int?
    }

    struct Postgres: Decodable {
        var url: String?
        var passwordFile: String?
        var poolSize: Int?
        var tls: String?
        var caFile: String?
    }

    struct OFD: Decodable {
        var maxPackageBytes, maxEntries, maxEntryBytes, maxTotalBytes, maxRatio, maxXMLBytes, maxXMLDepth: Int?
    }

    struct KeyStore: Decodable {
        var type: String?
        var pkcs11: String?
        var sm2Keys: String?
    }

    struct TLS: Decodable {
        var enabled: Bool?
        var ca: String?
        var names: [String]?
        var clientCertificates: String?
    }

    struct Connections: Decodable {
        var maxOpen: Int?
        var headerTimeoutSeconds: Double?
        var idleTimeoutSeconds: Double?
    }

    /// The keys each mapping may hold, by path ("" is the top level).
    static let knownKeys: [String: Set<String>] = [
        "": [
            "data", "listen", "policies", "logLevel", "tls", "connections", "metrics", "keyStore", "ofd", "store",
            "postgres", "maintenance", "liveness", "login",
        ],
        "login": [
            "codeLifetimeSeconds", "accessTokenLifetimeSeconds", "refreshTokenLifetimeDays", "sessionLifetimeHours",
        ],
        "liveness": ["url", "tokenFile", "timeoutSeconds"],
        "maintenance": ["intervalSeconds", "expiryWarningDays"],
        "postgres": ["url", "passwordFile", "poolSize", "tls", "caFile"],
        "ofd": [
            "maxPackageBytes", "maxEntries", "maxEntryBytes", "maxTotalBytes", "maxRatio", "maxXMLBytes", "maxXMLDepth",
        ],
        "keyStore": ["type", "pkcs11", "sm2Keys"],
        "tls": ["enabled", "ca", "names", "clientCertificates"],
        "connections": ["maxOpen", "headerTimeoutSeconds", "idleTimeoutSeconds"],
    ]

    /// A file named in the configuration: an absolute path as given, a relative one from the configuration's folder.
    static func resolve(_ file: String, from configuration: String) -> String {
        file.hasPrefix("/")
            ? file : URL(fileURLWithPath: configuration).deletingLastPathComponent().appendingPathComponent(file).path
    }

    static func load(_ path: String) throws -> DaemonConfiguration {
        guard let bytes = FileManager.default.contents(atPath: path) else {
            throw ValidationError("cannot read the configuration file \(path)")
        }
        let text = String(decoding: bytes, as: UTF8.self)
        do {
            if let node = try Yams.compose(yaml: text) { try checkKeys(node, at: "", file: path) }
            return try YAMLDecoder().decode(DaemonConfiguration.self, from: text)
        } catch let error as ValidationError {
            throw error
        } catch let error as DecodingError {
            throw ValidationError("\(path): \(Self.describe(error))")
        } catch {
            throw ValidationError("\(path): not valid YAML: \(error)")
        }
    }

    /// Refuses keys outside ``knownKeys``, naming the line.
    static func checkKeys(_ node: Node, at path: String, file: String) throws {
        guard case .mapping(let mapping) = node else { return }
        let allowed = knownKeys[path] ?? []
        for (key, value) in mapping {
            guard let name = key.string else { continue }
            let full = path.isEmpty ? name : "\(path).\(name)"
            guard allowed.contains(name) else {
                let line = key.mark.map { ":\($0.line)" } ?? ""
                throw ValidationError(
                    "\(file)\(line): unknown key '\(full)' (known: \(allowed.sorted().joined(separator: ", ")))")
            }
            if knownKeys[full] != nil { try checkKeys(value, at: full, file: file) }
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map(\.stringValue).joined(separator: ".")
        }
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "\(path(context)): \(context.debugDescription)"
        case .keyNotFound(let key, let context):
            return "\(path(context)): missing \(key.stringValue)"
        @unknown default:
            return "\(error)"
        }
    }
}
