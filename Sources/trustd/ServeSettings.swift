import ArgumentParser
import Foundation
import KeyCustody
import Logging
import OFDFormat
import TrustModel
import TrustServer
import TrustServices
import TrustStorePostgres

/// The daemon's settings: the `--config` file's values, then the command line's, then the checks that need them all.
extension ServeCommand {
    struct Settings {
        var data = "trustd-data", listen = "127.0.0.1:8443", policies = "policies", logLevel = Logger.Level.info
        var tls = false, tlsCA = "rsa-issuing", tlsNames: [String] = [],
            clientCertificates = ClientCertificatePolicy.none
        var maxConnections: Int? = nil, headerTimeout = 10.0, idleTimeout = 60.0
        var metrics: MetricsAccess? = nil
        var keyStore = KeyStoreChoice.software
        var ofdLimits = OFDLimits.default
        /// nil: the embedded SQLite store.
        var postgres: PostgresSettings? = nil
        /// How often the maintenance loop runs (counts, checkpoints, the leader lease, OCSP refresh).
        var maintenanceInterval = Duration.seconds(60)
        /// Certificates ending within this many days are warned about (log and metric).
        var expiryWarningDays = 30
        /// nil: no liveness service (live checks are refused; `advanced` is unreachable).
        var liveness: HTTPLivenessService? = nil
        var login = LoginConfiguration()
    }

    /// `login:` from the file: each lifetime within its bounds (a typo must not make a code live for a day).
    static func login(_ section: DaemonConfiguration.Login, path: String) throws -> LoginConfiguration {
        var login = LoginConfiguration()
        let fields: [(String, Int?, ClosedRange<Int>, Double, WritableKeyPath<LoginConfiguration, TimeInterval>)] = [
            ("codeLifetimeSeconds", section.codeLifetimeSeconds, 5...600, 1, \.codeLifetime),
            ("accessTokenLifetimeSeconds", section.accessTokenLifetimeSeconds, 60...86400, 1, \.accessTokenLifetime),
            ("refreshTokenLifetimeDays", section.refreshTokenLifetimeDays, 1...365, 86400, \.refreshTokenLifetime),
            ("sessionLifetimeHours", section.sessionLifetimeHours, 1...72, 3600, \.sessionLifetime),
        ]
        for (name, value, bounds, unit, keyPath) in fields {
            guard let value else { continue }
            guard bounds.contains(value) else {
                throw ValidationError("\(path): login.\(name) must be \(bounds.lowerBound)–\(bounds.upperBound)")
            }
            login[keyPath: keyPath] = TimeInterval(value) * unit
        }
        return login
    }

    /// `liveness:` from the file: the service's URL, its bearer token from a 0600 file, and the timeout.
    static func liveness(_ section: DaemonConfiguration.Liveness, path: String) throws -> HTTPLivenessService {
        guard let url = section.url else { throw ValidationError("\(path): liveness needs liveness.url") }
        var token: String?
        if let file = section.tokenFile {
            let resolved = DaemonConfiguration.resolve(file, from: path)
            do {
                let text = String(decoding: try SecureFile.read(resolved, maxBytes: 4096), as: UTF8.self)
                token = text.trimmingCharacters(in: .whitespacesAndNewlines)
            } catch let error as KeyCustodyError {
                throw ValidationError("\(path): liveness.tokenFile: \(error.message)")
            }
            guard let value = token, !value.isEmpty, value.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
                throw ValidationError("\(path): liveness.tokenFile must hold one token (printable ASCII)")
            }
        }
        do {
            return try HTTPLivenessService(url: url, bearerToken: token, timeoutSeconds: section.timeoutSeconds ?? 10)
        } catch let error as TrustError {
            throw ValidationError("\(path): \(error.message)")
        }
    }

    /// `store:` and `postgres:` from the file: the section goes with `store: postgres`, and its url is required.
    static func store(_ file: DaemonConfiguration, path: String) throws -> PostgresSettings? {
        switch file.store ?? "sqlite" {
        case "sqlite":
            guard file.postgres == nil else { throw ValidationError("\(path): postgres: goes with store: postgres") }
            return nil
        case "postgres":
            guard let section = file.postgres, let url = section.url else {
                throw ValidationError("\(path): store: postgres needs postgres.url")
            }
            guard let tls = PostgresSettings.TLSMode(rawValue: section.tls ?? "disable") else {
                throw ValidationError("\(path): postgres.tls must be disable or verify-full")
            }
            let passwordFile = section.passwordFile.map { DaemonConfiguration.resolve($0, from: path) }
            do {
                return try PostgresSettings(
                    url: url, passwordFile: passwordFile, poolSize: section.poolSize ?? 8, tls: tls,
                    caFile: section.caFile)
            } catch let error as TrustError {
                throw ValidationError("\(path): \(error.message)")
            }
        case let other:
            throw ValidationError("\(path): store must be sqlite or postgres, not \(other)")
        }
    }

    /// OFD limits from the file: each at least 1 and no more than a sane ceiling (a typo must not disable a limit).
    static func limits(_ section: DaemonConfiguration.OFD, file: String) throws -> OFDLimits {
        var limits = OFDLimits.default
        let fields: [(String, Int?, WritableKeyPath<OFDLimits, Int>, Int)] = [
            ("maxPackageBytes", section.maxPackageBytes, \.maxPackageBytes, 1 << 30),
            ("maxEntries", section.maxEntries, \.maxEntries, 1 << 20),
            ("maxEntryBytes", section.maxEntryBytes, \.maxEntryBytes, 1 << 30),
            ("maxTotalBytes", section.maxTotalBytes, \.maxTotalBytes, 4 << 30),
            ("maxRatio", section.maxRatio, \.maxRatio, 10_000),
            ("maxXMLBytes", section.maxXMLBytes, \.maxXMLBytes, 256 << 20),
            ("maxXMLDepth", section.maxXMLDepth, \.maxXMLDepth, 256),
        ]
        for (name, value, path, ceiling) in fields {
            guard let value else { continue }
            guard (1...ceiling).contains(value) else {
                throw ValidationError("\(file): ofd.\(name) must be 1–\(ceiling)")
            }
            limits[keyPath: path] = value
        }
        return limits
    }

    /// The file's values, then the command line's, then checks that need them all.
    func settings() throws -> Settings {
        var settings = Settings()
        if let config {
            let file = try DaemonConfiguration.load(config)
            if let value = file.data { settings.data = value }
            if let value = file.listen { settings.listen = value }
            if let value = file.policies { settings.policies = value }
            if let value = file.logLevel {
                guard let level = Logger.Level(rawValue: value) else {
                    throw ValidationError(
                        "\(config): logLevel must be trace, debug, info, notice, warning, error or critical")
                }
                settings.logLevel = level
            }
            if let tls = file.tls {
                settings.tls = tls.enabled ?? true
                if let value = tls.ca { settings.tlsCA = value }
                if let value = tls.names { settings.tlsNames = value }
                if let value = tls.clientCertificates {
                    guard let policy = ClientCertificatePolicy(rawValue: value) else {
                        throw ValidationError("\(config): tls.clientCertificates must be none, optional or required")
                    }
                    settings.clientCertificates = policy
                }
            }
            if let value = file.metrics {
                guard let access = MetricsAccess(rawValue: value) else {
                    throw ValidationError("\(config): metrics must be public or token")
                }
                settings.metrics = access
            }
            if let keyStore = file.keyStore { settings.keyStore = try KeyStoreChoice(keyStore, file: config) }
            if let ofd = file.ofd { settings.ofdLimits = try Self.limits(ofd, file: config) }
            settings.postgres = try Self.store(file, path: config)
            settings.liveness = try file.liveness.map { try Self.liveness($0, path: config) }
            if let login = file.login { settings.login = try Self.login(login, path: config) }
            if let seconds = file.maintenance?.intervalSeconds {
                guard (1...3600).contains(seconds) else {
                    throw ValidationError("\(config): maintenance.intervalSeconds must be 1–3600")
                }
                settings.maintenanceInterval = .seconds(seconds)
            }
            if let days = file.maintenance?.expiryWarningDays {
                guard (1...3650).contains(days) else {
                    throw ValidationError("\(config): maintenance.expiryWarningDays must be 1–3650")
                }
                settings.expiryWarningDays = days
            }
            if let connections = file.connections {
                if let value = connections.maxOpen { settings.maxConnections = value }
                if let value = connections.headerTimeoutSeconds { settings.headerTimeout = value }
                if let value = connections.idleTimeoutSeconds { settings.idleTimeout = value }
            }
        }
        if let metrics {
            guard let access = MetricsAccess(rawValue: metrics) else {
                throw ValidationError("--metrics must be public or token")
            }
            settings.metrics = access
        }
        if let keyStore {
            settings.keyStore = try KeyStoreChoice(
                DaemonConfiguration.KeyStore(type: keyStore, pkcs11: hsmConfig, sm2Keys: sm2Keys), file: nil)
        } else if hsmConfig != nil || sm2Keys != nil {
            throw ValidationError("--hsm-config and --sm2-keys go with --key-store pkcs11")
        }
        if let maxConnections { settings.maxConnections = maxConnections }
        if let headerTimeout { settings.headerTimeout = headerTimeout }
        if let idleTimeout { settings.idleTimeout = idleTimeout }
        if let value = settings.maxConnections, value < 1 {
            throw ValidationError("the connection cap must be at least 1")
        }
        guard (0.1...3600).contains(settings.headerTimeout), (0.1...86400).contains(settings.idleTimeout) else {
            throw ValidationError("the header timeout must be 0.1–3600 s and the idle timeout 0.1–86400 s")
        }
        if let data { settings.data = data }
        if let listen { settings.listen = listen }
        if let policies { settings.policies = policies }
        if tls { settings.tls = true }
        if let tlsCA { settings.tlsCA = tlsCA }
        if !tlsName.isEmpty { settings.tlsNames = tlsName }
        if let clientCertificates {
            guard let policy = ClientCertificatePolicy(rawValue: clientCertificates) else {
                throw ValidationError("--client-certificates must be none, optional or required")
            }
            settings.clientCertificates = policy
        }
        if let value = ProcessInfo.processInfo.environment["TRUSTD_LOG_LEVEL"],
            let level = Logger.Level(rawValue: value)
        {
            settings.logLevel = level
        }
        let address = try ListenAddress(settings.listen)
        guard settings.tls || address.isLoopback else {
            // Tokens and CSRs must not cross a network in clear.
            throw ValidationError(
                "refusing to listen on \(address.host) without TLS; add --tls (or tls: in --config) or use a loopback address"
            )
        }
        guard settings.clientCertificates == .none || settings.tls else {
            throw ValidationError("client certificates need TLS (--tls)")
        }
        if settings.tlsNames.isEmpty {
            settings.tlsNames = address.isLoopback ? ["127.0.0.1", "::1"] : [address.host]
        }
        return settings
    }

}
