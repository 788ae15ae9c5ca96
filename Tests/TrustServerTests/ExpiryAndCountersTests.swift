import Foundation
import Hummingbird
import HummingbirdTesting
import Metrics
import Prometheus
import TestSupport
import Testing
import TrustCrypto
import TrustModel
import TrustServer

@testable import TrustServices

/// Expiry warnings (the maintenance loop's report, its metrics) and the operation counters `/metrics` lists.
@Suite(.serialized) struct ExpiryAndCountersTests {
    @Test func certificatesEndingWithinTheWindowAreReportedPerProfileAndEveryCAsRemainingTime() async throws {
        let fixture = try await ServerFixture()
        let ca = fixture.api.appliance.ca
        let key = try PrivateKey.generate(.p256)
        let csr = try CertificateSigningRequest.make(
            subject: DistinguishedName(["CN": "soon.example.cn"]), key: key,
            subjectAlternativeNames: [.dns("soon.example.cn")])
        _ = try ca.issue(csr: csr, profile: "tls-server", ca: "rsa-issuing", validityDays: 10, actor: "test")

        let month = try ca.expiryReport(windowDays: 30)
        let tls = try #require(month.expiring.first { $0.profile == "tls-server" })
        #expect(tls.count == 1 && tls.soonest.timeIntervalSinceNow < 10 * 86400 + 60)
        #expect(Set(month.cas.map(\.name)) == ["sm2-root", "sm2-issuing", "rsa-root", "rsa-issuing"])
        #expect(month.expiringCAs.isEmpty)
        #expect(month.warnings.contains { $0.hasPrefix("1 tls-server certificate(s) expire within 30 days") })
        #expect(try ca.expiryReport(windowDays: 5).expiring.first { $0.profile == "tls-server" } == nil)
        // Issuing CAs run ten years, roots twenty: a 15-year window flags the issuing CAs only.
        #expect(
            Set(try ca.expiryReport(windowDays: 15 * 365).expiringCAs.map(\.name)) == ["sm2-issuing", "rsa-issuing"])

        // The maintenance loop makes the report (first round), and /metrics shows it.
        await MaintenanceService(api: fixture.api, expiryWarningDays: 30).tick(hourly: false)
        try await fixture.application.test(.router) { client in
            let body = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(body.contains(#"trustd_certificates_expiring{profile="tls-server"} 1"#), "\(body)")
            let line = body.split(separator: "\n").first {
                $0.hasPrefix(#"trustd_ca_certificate_expiry_seconds{ca="rsa-root"}"#)
            }
            let seconds = Double(line?.split(separator: " ").last ?? "") ?? 0
            #expect(seconds > 19 * 365 * 86400, "\(String(describing: line))")
            #expect(body.contains(#"trustd_crl_age_seconds{ca="#) || !body.contains("trustd_crl_age_seconds"))
        }
    }

    @Test func verificationsSignaturesTimestampsAndDenialsAreCounted() async throws {
        // The daemon bootstraps swift-metrics with its registry; here a factory of our own stands in.
        let registry = PrometheusCollectorRegistry()
        ServiceMetricsProbe.bootstrapOnce(registry)
        let fixture = try await ServerFixture()
        _ = try await fixture.api.appliance.verifier.verifyAny([0x30, 0x00], data: nil, digest: nil, by: .system("t"))
        let auditor = Caller(Principal(id: "a1", name: "an-auditor", roles: [.auditor]))
        await #expect(throws: TrustError.self) {
            _ = try await fixture.api.appliance.ca.generateCRL(ca: "rsa-issuing", delta: false, by: auditor)
        }
        _ = try await fixture.api.appliance.timestamps.timestamp(
            hash: .sha256, digest: Array(repeating: 1, count: 32), nonce: nil, certReq: false, unit: .rsa,
            by: .system("t"))
        let text = ServiceMetricsProbe.emit()
        #expect(text.contains(#"trustd_verifications_total{kind="signature",indication="TOTAL_FAILED"}"#), "\(text)")
        #expect(text.contains(#"trustd_denials_total{action="crl.generate",reason="permission"}"#), "\(text)")
        #expect(text.contains(#"trustd_timestamps_total{unit="rsa",outcome="granted"}"#), "\(text)")
    }

    /// Every request is counted and timed by route template, method and status, under Hummingbird's metric names.
    @Test func requestsAreCountedAndTimedByRouteMethodAndStatus() async throws {
        let registry = PrometheusCollectorRegistry()
        ServiceMetricsProbe.bootstrapOnce(registry)
        let fixture = try await ServerFixture()
        try await fixture.application.test(.router) { client async throws in
            #expect(
                try await client.execute(uri: "/v1/cas", method: .get, headers: bearer(fixture.adminToken)).status
                    == .ok)
            #expect(try await client.execute(uri: "/v1/cas", method: .get).status == .unauthorized)
            #expect(try await client.execute(uri: "/v1/certificates/00", method: .get).status == .unauthorized)
        }
        let text = ServiceMetricsProbe.emit()
        let ok = #"http_route="/v1/cas",http_request_method="GET",http_response_status_code="200""#
        #expect(text.contains("hb_requests{\(ok)}"), "\(text)")
        #expect(text.contains("http_server_request_duration_count{\(ok)}"), "\(text)")
        #expect(
            text.contains(
                #"hb_requests{http_route="/v1/cas",http_request_method="GET",http_response_status_code="401"}"#))
        // Routes are counted by template, not by the path asked for (a bounded set of series).
        #expect(text.contains(#"http_route="/v1/certificates/{serial}""#), "\(text)")
        #expect(!text.contains("/v1/certificates/00"))
    }
}

/// swift-metrics can be bootstrapped once per process: the first test that needs counters does it.
enum ServiceMetricsProbe {
    private static let registry = LockedBox<PrometheusCollectorRegistry?>(nil)

    static func bootstrapOnce(_ candidate: PrometheusCollectorRegistry) {
        registry.modify { current in
            guard current == nil else { return }
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: candidate))
            current = candidate
        }
    }

    static func emit() -> String { registry.value?.emitToString() ?? "" }
}
