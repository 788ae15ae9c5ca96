import Hummingbird
import Prometheus
import TrustModel
import TrustServices

/// Who may read `/metrics`.
public enum MetricsAccess: String, Sendable, CaseIterable {
    /// Anyone who can connect (the default on loopback, where a local Prometheus scrapes).
    case `public`
    /// Callers with a bearer token of an auditor or admin (the default elsewhere; Prometheus sends one with
    /// `authorization: { credentials_file: … }`).
    case token
}

/// What the HTTP layer talks to: the wired services of one installation, and the controllers serving them.
public struct TrustAPI: Sendable {
    public let appliance: Appliance
    public let access: AccessService
    /// Where `/metrics` reads from. trustd also bootstraps swift-metrics with it, so the request counters and
    /// durations (``RequestMetricsMiddleware``) land here too.
    public let metrics: PrometheusCollectorRegistry
    public let metricsAccess: MetricsAccess
    /// The daemon's open connections (for a gauge); `nil` in router-only tests.
    public let connections: ConnectionTable?
    let controllers: [any Controller]

    public init(
        appliance: Appliance, metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
        metricsAccess: MetricsAccess = .public,
        connections: ConnectionTable? = nil, publicLimiter: ClientRateLimiter = ClientRateLimiter()
    ) {
        let access = AccessService(store: appliance.store)
        appliance.store.subscribe { change in
            if change == .credentials || change == .everything { access.forgetRememberedAuthentications() }
        }
        appliance.login.deliverLogouts(with: HTTPLogoutDelivery())
        self.appliance = appliance
        self.access = access
        self.metrics = metrics
        self.metricsAccess = metricsAccess
        self.connections = connections
        // One gate per API: sealing and verifying documents share the places.
        let documentGate = LargeBodyGate(limit: LargeBodyGate.defaultLimit)
        controllers = [
            SystemController(
                readiness: appliance.readiness, statistics: appliance.statistics, ocsp: appliance.ca.ocsp,
                metrics: metrics,
                metricsAccess: metricsAccess, connections: connections),
            CAController(ca: appliance.ca, ocsp: appliance.ca.ocsp),
            CertificateController(issuance: appliance.issuance, registry: appliance.ca),
            AuditController(audit: appliance.audit),
            PrincipalController(access: access),
            PersonController(identity: appliance.identity),
            OrganizationController(identity: appliance.identity),
            SealController(seals: appliance.seals),
            SigningController(signing: appliance.signing),
            DocumentController(documents: appliance.documents, gate: documentGate),
            SigningKeyController(keys: appliance.signingKeys),
            TimestampController(tsa: appliance.timestamps),
            VerificationController(verifier: appliance.verifier, stamps: appliance.timestamps, gate: documentGate),
            PublicVerificationController(
                verifier: appliance.verifier, seals: appliance.seals, gate: documentGate, limiter: publicLimiter),
            CounterController(counter: appliance.counter),
            LoginController(login: appliance.login, limiter: publicLimiter),
            LoginAdminController(login: appliance.login),
        ]
    }
}

/// Builds the router: request log, metrics, error mapping, authentication, then every controller's routes behind
/// their access check. A caller whose roles lack the route's permission is refused here with one `denied` audit
/// record; the service checks the same permission again for calls that do not come through HTTP.
public func buildRouter(_ api: TrustAPI, clientCertificates: Bool = false) -> Router<TrustRequestContext> {
    let router = Router(context: TrustRequestContext.self)
    router.add(middleware: RequestLogMiddleware())
    router.add(middleware: RequestMetricsMiddleware())
    router.add(middleware: ErrorMiddleware())
    router.add(middleware: AuthenticationMiddleware(access: api.access, clientCertificates: clientCertificates))
    let access = api.access
    for route in api.controllers.flatMap(\.routes) {
        let spec = route.spec
        let handler = route.handler
        // RFC 5019 GET: the base64 request is the rest of the path (it may contain '/').
        let path = spec.path == "/ocsp/{request}" ? "/ocsp/**" : spec.path
        router.on(RouterPath(path), method: spec.method) { request, context in
            if case .permission(let permission) = spec.access {
                let caller = try context.caller()
                if !caller.holds(permission) {
                    try await access.refuse(
                        caller, permission: permission, method: spec.method.rawValue, route: spec.path)
                }
            }
            return try await handler(request, context)
        }
    }
    return router
}
