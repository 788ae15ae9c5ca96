import Foundation
import Hummingbird
import Prometheus
import Synchronization
import TrustServices

/// `/healthz`, `/openapi.yaml` and `/metrics`: what operators and load balancers read. Nothing here touches the
/// store on the request path — readiness is probed on its own thread and remembered for a second, and the metrics'
/// counts come from memory (refreshed by the maintenance loop).
struct SystemController: Controller {
    let readiness: ReadinessProbe
    let statistics: ApplianceStatistics
    let ocsp: OCSPResponder
    let metrics: PrometheusCollectorRegistry
    let metricsAccess: MetricsAccess
    let connections: ConnectionTable?

    var routes: [Route] {
        [
            Route(.get, "/healthz", .public) { _, _ in
                let state = await readiness.check()
                guard state.ready else {
                    return try json(
                        ["status": "not_ready", "reason": state.reason ?? "not ready"], status: .serviceUnavailable)
                }
                return try json(["status": "ok"])
            },
            // A load balancer takes a node out on /healthz; a supervisor restarts it only when /livez fails.
            Route(.get, "/livez", .public) { _, _ in try json(["status": "alive"]) },
            Route(.get, "/openapi.yaml", .public) { _, _ in text(OpenAPIDocument.yaml, contentType: "application/yaml")
            },
            Route(.get, "/metrics", metricsAccess == .token ? .permission(.metricsRead) : .public) { _, _ in
                let counts = statistics.snapshot
                gauge("certificates", "Certificates issued by trustd's CAs").set(to: Double(counts.certificates))
                gauge("certificates_revoked", "Revoked or held certificates").set(
                    to: Double(counts.revokedCertificates))
                gauge("audit_records", "Records in the audit log").set(to: Double(counts.auditRecords))
                gauge("ocsp_cached_responses", "Pre-signed OCSP responses in the cache").set(
                    to: Double(ocsp.cachedResponseCount))
                if let connections {
                    gauge("connections_open", "Client connections open now").set(to: Double(connections.openCount))
                }
                let now = Date()
                for (ca, signedAt) in counts.crlSignedAt {
                    labelled("crl_age_seconds", ["ca": ca], "Seconds since the CA's latest full CRL was signed").set(
                        to: now.timeIntervalSince(signedAt))
                }
                if let expiry = statistics.expiryReport {
                    for ca in expiry.cas {
                        labelled(
                            "ca_certificate_expiry_seconds", ["ca": ca.name], "Seconds until the CA's certificate ends"
                        ).set(to: ca.notAfter.timeIntervalSince(now))
                    }
                    for profile in Self.expiryProfiles(expiry) {
                        labelled(
                            "certificates_expiring", ["profile": profile],
                            "Valid certificates ending within the warning window (maintenance.expiryWarningDays)"
                        ).set(to: Double(expiry.expiring.first { $0.profile == profile }?.count ?? 0))
                    }
                }
                return text(metrics.emitToString(), contentType: "text/plain; version=0.0.4")
            },
        ]
    }

    /// The profiles the expiring gauge reports: the ones that expire now, and those seen before (reported 0 when they
    /// no longer do, rather than left at their last count).
    private static let seenProfiles = Mutex<Set<String>>([])
    private static func expiryProfiles(_ report: ExpiryReport) -> [String] {
        seenProfiles.withLock { seen in
            seen.formUnion(report.expiring.map(\.profile))
            return seen.sorted()
        }
    }

    private func labelled(_ name: String, _ labels: [String: String], _ help: String) -> Gauge {
        metrics.makeGauge(
            descriptor: MetricNameDescriptor(namespace: "trustd", metricName: name, unitName: "", helpText: help),
            labels: labels.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
    }

    /// A `trustd_<name>` gauge in the API's registry (the registry returns the same gauge for the same name).
    private func gauge(_ name: String, _ help: String) -> Gauge {
        metrics.makeGauge(
            descriptor: MetricNameDescriptor(namespace: "trustd", metricName: name, unitName: "", helpText: help))
    }
}
