import Foundation
import NIOSSL
import PostgresNIO
import TrustModel

/// Where the PostgreSQL database is and how to reach it: `postgres://USER@HOST:PORT/DATABASE` (no password in the
/// URL: it comes from a 0600 file or from `TRUSTD_POSTGRES_PASSWORD`, and is never logged), the pool size, and TLS.
public struct PostgresSettings: Sendable {
    public enum TLSMode: String, Sendable, Codable, CaseIterable {
        /// Loopback or a private network the operator vouches for.
        case disable
        /// TLS with the server's certificate verified against `caFile` (or the system roots) and its host name.
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var user: String
    public var database: String
    public var password: String?
    public var poolSize: Int
    public var tls: TLSMode
    public var caFile: String?

    public static let passwordVariable = "TRUSTD_POSTGRES_PASSWORD"

    public init(
        url: String, passwordFile: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment,
        poolSize: Int = 8, tls: TLSMode = .disable, caFile: String? = nil
    ) throws {
        guard let components = URLComponents(string: url),
            components.scheme == "postgres" || components.scheme == "postgresql",
            let host = components.host, !host.isEmpty, let user = components.user, !user.isEmpty
        else {
            throw TrustError.invalid("postgres.url must look like postgres://USER@HOST:PORT/DATABASE")
        }
        guard components.password == nil else {
            throw TrustError.invalid(
                "postgres.url must not carry the password: put it in a 0600 file (postgres.password_file) or in \(Self.passwordVariable)"
            )
        }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty else { throw TrustError.invalid("postgres.url names no database") }
        guard (1...256).contains(poolSize) else { throw TrustError.invalid("postgres.pool_size must be 1–256") }
        self.host = host
        self.port = components.port ?? 5432
        self.user = user
        self.database = database
        self.poolSize = poolSize
        self.tls = tls
        self.caFile = caFile
        if let passwordFile {
            password = try Self.readPassword(passwordFile)
        } else {
            password = environment[Self.passwordVariable]
        }
    }

    /// The URL without any secret, for logs and errors.
    public var displayURL: String { "postgres://\(user)@\(host):\(port)/\(database)" }

    private static func readPassword(_ path: String) throws -> String {
        var info = stat()
        guard stat(path, &info) == 0 else { throw TrustError.invalid("cannot read postgres.password_file \(path)") }
        guard info.st_mode & 0o077 == 0 else {
            throw TrustError(.forbidden, "postgres.password_file \(path) must be readable by its owner only (0600)")
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw TrustError.invalid("cannot read postgres.password_file \(path)")
        }
        return text.trimmingCharacters(in: .newlines)
    }

    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        let tlsSetting: PostgresConnection.Configuration.TLS
        switch tls {
        case .disable:
            tlsSetting = .disable
        case .verifyFull:
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = .fullVerification
            if let caFile { configuration.trustRoots = .file(caFile) }
            do {
                tlsSetting = .require(try NIOSSLContext(configuration: configuration))
            } catch {
                throw TrustError.invalid("postgres TLS cannot be set up: \(error)")
            }
        }
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: user, password: password, database: database, tls: tlsSetting)
        configuration.options.connectTimeout = .seconds(5)
        return configuration
    }
}
