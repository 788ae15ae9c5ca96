import ArgumentParser
import Foundation
import Hummingbird
import Logging
import Metrics
import Prometheus
import TrustCrypto
import TrustModel
import TrustServer
import TrustServices

/// `trustd serve` (the default command): run the HTTP daemon on a data directory.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the trustd HTTP daemon (SIGTERM/SIGINT shut it down gracefully)."
    )

    @Option(name: .long, help: "Data directory; initialised on first start when empty or missing.")
    var data: String = "trustd-data"

    @Option(name: .long, help: "HOST:PORT to listen on. Only loopback addresses until TLS is configured.")
    var listen: String = "127.0.0.1:8443"

    @Option(name: .long, help: "Policies directory copied into a new data directory.")
    var policies: String = "policies"

    func validate() throws {
        _ = try ListenAddress(listen)
    }

    func run() async throws {
        let address = try ListenAddress(listen)
        guard address.isLoopback else {
            // Tokens and CSRs must not cross a network in clear; TLS arrives with the server work still open.
            throw ValidationError("refusing to listen on \(address.host) without TLS; use a loopback address (127.0.0.1, ::1, localhost)")
        }
        let failed = SelfTest.run().filter { !$0.passed }
        guard failed.isEmpty else {
            for check in failed { FileHandle.standardError.write(Data("trustd: self-test \(check.name) failed: \(check.detail)\n".utf8)) }
            throw ExitCode(70)
        }
        let directory = DataDirectory(data)
        do {
            if !directory.isInitialized {
                say("trustd: initialising \(directory.path) (SM2 and RSA hierarchies, keys in the software key store)")
                try directory.initialize(policiesFrom: policies, configuration: CAConfiguration(baseURL: "http://\(listen)"),
                                         actor: "system:init")
            }
            let appliance = try directory.open()
            let registry = PrometheusCollectorRegistry()
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
            let api = TrustAPI(appliance: appliance, metrics: registry)
            let tokenPath = "\(directory.path)/admin.token"
            if try api.access.bootstrapAdmin(tokenPath: tokenPath) {
                say("trustd: bootstrap admin token written to \(tokenPath) (mode 0600)")
            } else {
                say("trustd: admin token: \(tokenPath)")
            }
            let level = ProcessInfo.processInfo.environment["TRUSTD_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
            LoggingSystem.bootstrap { label in
                var handler = JSONLogHandler(label: label)
                handler.logLevel = level
                return handler
            }
            let app = Application(router: buildRouter(api),
                                  configuration: .init(address: .hostname(address.host, port: address.port), serverName: "trustd"),
                                  services: [MaintenanceService(api: api)],
                                  logger: Logger(label: "trustd"))
            say("trustd: listening on http://\(listen)")
            try await app.runService()
            LogWriter.standardError.flush()
        } catch let error as TrustError {
            FileHandle.standardError.write(Data("trustd: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}

/// A parsed `HOST:PORT` (IPv6 in brackets: `[::1]:8443`).
struct ListenAddress {
    let host: String
    let port: Int

    init(_ text: String) throws {
        let hostPart: Substring, portPart: Substring
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            hostPart = text[text.index(after: text.startIndex)..<close]
            portPart = text[text.index(after: close)...].dropFirst()
        } else if let colon = text.lastIndex(of: ":") {
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
        } else {
            throw ValidationError("--listen must be HOST:PORT")
        }
        guard !hostPart.isEmpty, let port = Int(portPart), (0...65535).contains(port) else {
            throw ValidationError("--listen must be HOST:PORT with a port from 0 to 65535")
        }
        host = String(hostPart)
        self.port = port
    }

    var isLoopback: Bool { host == "localhost" || host == "::1" || host.hasPrefix("127.") }
}

/// Writes one line to standard output at once (unbuffered), so operators and scripts see it as it happens.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
