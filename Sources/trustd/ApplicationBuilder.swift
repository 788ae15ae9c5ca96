import Foundation
import Hummingbird
import HummingbirdTLS
import Logging
import Metrics
import NIOCore
import Prometheus
import TrustServer
import TrustServices

/// Builds the daemon's application from its settings and an opened appliance: logging and metrics, the
/// connection guard, the API and its router, TLS (the server key signing in key custody), and the maintenance
/// service beside the HTTP server. The appliance's engines (store and key store) were chosen from the
/// configuration by ``KeyStoreChoice``.
func buildApplication(
    settings: ServeCommand.Settings, appliance: Appliance, directory: DataDirectory, address: ListenAddress,
    descriptorLimit: Int
) async throws -> any ApplicationProtocol {
    let scheme = settings.tls ? "https" : "http"
    let registry = PrometheusCollectorRegistry()
    MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
    let level = settings.logLevel
    LoggingSystem.bootstrap { label in
        var handler = JSONLogHandler(label: label)
        handler.logLevel = level
        return handler
    }
    let logger = Logger(label: "trustd")
    let connections = ConnectionTable(
        limits: ConnectionLimits(
            maxOpen: settings.maxConnections
                ?? ConnectionLimits.defaultMaxOpen(descriptorLimit: descriptorLimit),
            headerTimeout: .milliseconds(Int64(settings.headerTimeout * 1000)),
            idleTimeout: .milliseconds(Int64(settings.idleTimeout * 1000))), logger: logger)
    let metricsAccess = settings.metrics ?? (address.isLoopback ? .public : .token)
    let api = TrustAPI(
        appliance: appliance, metrics: registry, metricsAccess: metricsAccess, connections: connections)
    say(
        "trustd: admin token: \(directory.adminTokenPath) (mode 0600); /metrics is \(metricsAccess == .public ? "public" : "for auditor and admin tokens")"
    )
    let router = buildRouter(api, clientCertificates: settings.clientCertificates != .none)
    let serverConfiguration = ApplicationConfiguration(
        address: .hostname(address.host, port: address.port), serverName: "trustd",
        backlog: 1024)
    let onRunning: @Sendable (any Channel) async -> Void = { channel in
        try? await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.addHandler(AcceptErrorLogger(logger: logger), position: .first)
        }.get()
        let port = channel.localAddress?.port ?? address.port
        say(
            "trustd: listening on \(scheme)://\(ListenAddress(host: address.host, port: port).urlAuthority)"
                + " (at most \(connections.limits.maxOpen) connections of \(descriptorLimit) descriptors)")
    }
    if settings.tls {
        let identity = try ServerIdentity.ensure(
            identities: appliance.identities, ca: appliance.ca, caName: settings.tlsCA,
            names: settings.tlsNames)
        say(
            "trustd: TLS server certificate \(identity.certificate.serialHex) from \(settings.tlsCA) for \(settings.tlsNames.joined(separator: ", "))"
                + (identity.issued ? " (issued now)" : ""))
        // The root a client needs to trust (public); trustctl --ca-file / curl --cacert take it.
        let rootPath = "\(directory.path)/tls-root.pem"
        try? Data(identity.chain[identity.chain.count - 1].pem.utf8).write(
            to: URL(fileURLWithPath: rootPath), options: .atomic)
        say("trustd: clients trust \(rootPath) (trustctl --ca-file, curl --cacert)")
        let clientCAs = try await appliance.ca.cas(by: .system("tls")).filter { $0.algorithm != .sm2 }.map(
            \.certificate)
        let tlsConfiguration = try TLSSetup.configuration(
            identity: identity, keys: appliance.keys,
            clientCertificates: settings.clientCertificates, clientCAs: clientCAs)
        return Application(
            router: router, server: try .tls(.guardedHTTP1(connections), tlsConfiguration: tlsConfiguration),
            configuration: serverConfiguration,
            services: [
                MaintenanceService(
                    api: api, interval: settings.maintenanceInterval,
                    expiryWarningDays: settings.expiryWarningDays)
            ],
            onServerRunning: onRunning, logger: logger)
    }
    return Application(
        router: router, server: .guardedHTTP1(connections), configuration: serverConfiguration,
        services: [
            MaintenanceService(
                api: api, interval: settings.maintenanceInterval,
                expiryWarningDays: settings.expiryWarningDays)
        ],
        onServerRunning: onRunning, logger: logger)
}
