import APIContract
import Foundation
import NIOPosix
import Hummingbird
import Prometheus
import TrustCrypto
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

/// What the HTTP layer talks to: the wired services of one installation.
public struct TrustAPI: Sendable {
    public let appliance: Appliance
    public let access: AccessService
    /// Where `/metrics` reads from. trustd also bootstraps swift-metrics with it, so Hummingbird's request
    /// counters and durations land here too.
    public let metrics: PrometheusCollectorRegistry
    public let metricsAccess: MetricsAccess
    /// The daemon's open connections (for a gauge); `nil` in router-only tests.
    public let connections: ConnectionTable?

    public init(appliance: Appliance, metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), metricsAccess: MetricsAccess = .public,
                connections: ConnectionTable? = nil) {
        self.appliance = appliance
        self.access = AccessService(store: appliance.store)
        self.metrics = metrics
        self.metricsAccess = metricsAccess
        self.connections = connections
    }
}

/// Builds the router: error mapping, bearer authentication, then every route of ``RouteTable`` with its role check.
public func buildRouter(_ api: TrustAPI, clientCertificates: Bool = false) -> Router<TrustRequestContext> {
    let router = Router(context: TrustRequestContext.self)
    router.add(middleware: RequestLogMiddleware())
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: ErrorMiddleware())
    router.add(middleware: AuthenticationMiddleware(access: api.access, clientCertificates: clientCertificates))
    let handlers = Handlers(api: api)
    for declared in RouteTable.routes {
        let handler = handlers.handler(for: declared)
        let spec = declared.path == "/metrics" && api.metricsAccess == .token
            ? RouteSpec(declared.method, declared.path, .roles([.auditor, .admin])) : declared
        router.on(RouterPath(spec.path == "/ocsp/{request}" ? "/ocsp/**" : spec.path), method: spec.method) { request, context in
            guard spec.access.allows(context.principal) else {
                guard let principal = context.principal else { throw APIError(.unauthorized, "unauthenticated", "this route needs a bearer token") }
                let access = api.access
                try await BlockingWork.run { try access.recordDenied(principal, method: spec.method.rawValue, route: spec.path) }
                throw APIError(.forbidden, "forbidden", "your roles do not allow \(spec.method.rawValue) \(spec.path)")
            }
            return try await handler(request, context)
        }
    }
    return router
}

typealias Handler = @Sendable (Request, TrustRequestContext) async throws -> Response

/// Threads for service calls that block: signing and verification wait on key custody, SQLite and the group commit's
/// fsync. Running them here keeps Swift's cooperative threads (one per core) free to serve other requests.
enum BlockingWork {
    static let pool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 16)
        pool.start()
        return pool
    }()

    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await pool.runIfActive(body)
    }
}

/// Thin handlers: read parameters, decode a DTO, one service call, encode the answer.
struct Handlers: Sendable {
    let api: TrustAPI
    var ca: CertificateAuthority { api.appliance.ca }

    func handler(for spec: RouteSpec) -> Handler {
        switch (spec.method, spec.path) {
        case (.get, "/healthz"): return { _, _ in
            let state = api.appliance.readiness.check()
            guard state.ready else {
                return try json(["status": "not_ready", "reason": state.reason ?? "not ready"], status: .serviceUnavailable)
            }
            return json(["status": "ok"]) }
        case (.get, "/openapi.yaml"): return { _, _ in
            text(OpenAPIDocument.yaml, contentType: "application/yaml") }
        case (.get, "/metrics"): return { _, _ in
            // From memory only: the counts are refreshed by the maintenance loop, never by a scrape.
            let counts = api.appliance.statistics.snapshot
            gauge("certificates", "Certificates issued by trustd's CAs").set(to: Double(counts.certificates))
            gauge("certificates_revoked", "Revoked or held certificates").set(to: Double(counts.revokedCertificates))
            gauge("audit_records", "Records in the audit log").set(to: Double(counts.auditRecords))
            gauge("ocsp_cached_responses", "Pre-signed OCSP responses in the cache").set(to: Double(ca.ocsp.cachedResponseCount))
            if let connections = api.connections {
                gauge("connections_open", "Client connections open now").set(to: Double(connections.openCount))
            }
            return text(api.metrics.emitToString(), contentType: "text/plain; version=0.0.4") }
        case (.get, "/v1/cas"): return { _, _ in try json(CAList(cas: ca.list().map(CAView.init))) }
        case (.get, "/v1/cas/{ca}/certificate"): return { request, context in
            let certificate = try ca.chain(of: try parameter(context, "ca"))[0]
            if request.headers[.accept]?.contains("application/pkix-cert") == true {
                return binary(certificate.der, contentType: "application/pkix-cert")
            }
            return text(certificate.pem, contentType: "application/x-pem-file") }
        case (.get, "/v1/cas/{ca}/crl"): return { _, context in
            let crl = try ca.currentCRL(ca: try parameter(context, "ca"))
            return binary(Array(crl.der), contentType: "application/pkix-crl") }
        case (.post, "/v1/cas/{ca}/crl"): return { request, context in
            let name = try parameter(context, "ca")
            let delta = request.uri.queryParameters["delta"].map { $0 == "true" } ?? false
            let record = try ca.generateCRL(ca: name, delta: delta, actor: actor(context))
            let entries = (try? CertificateRevocationList(der: Array(record.der)).entries.count) ?? 0
            return try json(CRLView(ca: name, number: record.number, thisUpdate: UTCTime.iso8601(record.thisUpdate),
                                    nextUpdate: UTCTime.iso8601(record.nextUpdate), entries: entries), status: .created) }
        case (.post, "/v1/certificates"): return { request, context in
            let body = try await decode(IssueRequest.self, request, context)
            let csr = try CertificateSigningRequest(pem: body.csr)
            var identity: [CertificateProfile.IdentityExtension: String] = [:]
            for (key, value) in body.identity ?? [:] {
                guard let kind = CertificateProfile.IdentityExtension(rawValue: key) else {
                    throw TrustError.invalid("unknown identity extension '\(key)'")
                }
                identity[kind] = value
            }
            guard let principal = context.principal else { throw APIError(.unauthorized, "unauthenticated", "no principal") }
            let issued = try api.appliance.issuance.issue(csr: csr, profile: body.profile, ca: body.ca, identity: identity,
                                                          applicantID: body.applicant, validityDays: body.validityDays, by: principal)
            return try json(IssueResponse(serial: issued.record.serial, certificate: issued.certificate.pem, chain: issued.chain.map(\.pem)),
                            status: .created) }
        case (.get, "/v1/certificates/{serial}"): return { _, context in
            try json(CertificateView(try ca.certificate(serial: try hexParameter(context, "serial")))) }
        case (.post, "/v1/certificates/{serial}/revoke"): return { request, context in
            let body = try await decode(RevokeRequest.self, request, context)
            guard let reason = RevocationReason(name: body.reason) else {
                throw TrustError.invalid("unknown reason '\(body.reason)' (\(RevocationReason.allCases.map(\.name).joined(separator: ", ")))")
            }
            return try json(CertificateView(try ca.revoke(serial: try hexParameter(context, "serial"), reason: reason, actor: actor(context)))) }
        case (.post, "/ocsp"): return { request, context in
            guard request.headers[.contentType]?.lowercased().hasPrefix("application/ocsp-request") == true else {
                throw APIError(.unsupportedMediaType, "unsupported_media_type", "OCSP requests must be application/ocsp-request")
            }
            let buffer = try await request.body.collect(upTo: OCSPRequest.maxSize)
            return binary(ca.ocsp.respond(Array(buffer: buffer)), contentType: "application/ocsp-response") }
        case (.get, "/ocsp/{request}"): return { request, _ in
            // RFC 5019 §5: base64 of the DER request, URL-encoded, as the path after /ocsp/.
            let encoded = String(request.uri.path.dropFirst("/ocsp/".count))
            guard let decoded = encoded.removingPercentEncoding, let der = Data(base64Encoded: decoded), !der.isEmpty else {
                throw APIError(.badRequest, "malformed_base64", "the path after /ocsp/ is not URL-encoded base64")
            }
            var response = binary(ca.ocsp.respond(Array(der)), contentType: "application/ocsp-response")
            let maxAge = Int(ca.configuration.ocspLifetime - ca.configuration.ocspRefreshMargin)
            response.headers[.cacheControl] = "max-age=\(max(0, maxAge)), public, no-transform, must-revalidate"
            return response }
        case (.get, "/v1/audit"): return { request, _ in
            let query = request.uri.queryParameters
            guard let after = Int64(query["after"].map(String.init) ?? "0"), after >= 0,
                  let limit = Int(query["limit"].map(String.init) ?? "100"), (1...1000).contains(limit)
            else { throw TrustError.invalid("after must be ≥ 0 and limit 1 to 1000") }
            let records = try api.appliance.store.read { try $0.auditRecords(after: after, limit: limit) }
            return try json(AuditList(records: records.map(AuditView.init))) }
        case (.post, "/v1/audit/verify"): return { _, _ in
            let report = try api.appliance.audit.verify()
            return try json(AuditVerifyResponse(intact: report.isIntact, records: report.records, checkpoints: report.checkpoints,
                                                brokenSeq: report.firstBroken?.seq, reason: report.firstBroken?.reason)) }
        case (.post, "/v1/audit/checkpoints"): return { _, context in
            let made = try api.appliance.audit.checkpoint(actor: actor(context))
            return try json(CheckpointResponse(created: made != nil, seq: made?.seq, time: made?.time), status: made == nil ? .ok : .created) }
        case (.get, "/v1/principals"): return { _, _ in
            try json(PrincipalList(principals: try api.access.principals().map { try view($0) })) }
        case (.post, "/v1/principals"): return { request, context in
            let body = try await decode(PrincipalRequest.self, request, context)
            var roles: Set<Role> = []
            for name in body.roles {
                guard let role = Role(rawValue: name) else { throw TrustError.invalid("unknown role '\(name)'") }
                roles.insert(role)
            }
            return try json(try view(try api.access.createPrincipal(name: body.name, roles: roles, actor: actor(context))), status: .created) }
        case (.post, "/v1/principals/{id}/certificates"): return { request, context in
            let body = try await decode(ClientCertificateRequest.self, request, context)
            let certificate = try Certificate(pem: body.certificate)
            return try json(try view(try api.access.bindClientCertificate(principalID: try hexParameter(context, "id"), certificate: certificate,
                                                                         actor: actor(context))), status: .created) }
        case (.post, "/v1/principals/{id}/tokens"): return { request, context in
            let body = try await decodeOptional(TokenRequest.self, request, context) ?? TokenRequest(lifetimeDays: nil)
            let lifetime = TimeInterval(body.lifetimeDays ?? 90) * 86400
            let issued = try api.access.issueToken(principalID: try hexParameter(context, "id"), lifetime: lifetime, actor: actor(context))
            return try json(TokenResponse(token: issued.token, id: issued.id, expiresAt: UTCTime.iso8601(issued.expiresAt)), status: .created) }
        case (.post, "/v1/tokens/{id}/revoke"): return { _, context in
            try api.access.revokeToken(id: try hexParameter(context, "id"), actor: actor(context))
            return json(["status": "revoked"]) }
        default:
            if let handler = identityHandler(for: spec) ?? sealHandler(for: spec) ?? timestampHandler(for: spec)
                ?? signingHandler(for: spec) ?? signingKeyHandler(for: spec) ?? verifyHandler(for: spec) ?? counterHandler(for: spec) {
                return handler
            }
            preconditionFailure("route \(spec.method) \(spec.path) has no handler")
        }
    }
}

// MARK: - Helpers

extension Handlers {
    func view(_ principal: Principal) throws -> PrincipalView {
        PrincipalView(principal, clientCertificates: try api.access.clientCertificates(principalID: principal.id))
    }

    /// A `trustd_<name>` gauge in the API's registry (the registry returns the same gauge for the same name).
    func gauge(_ name: String, _ help: String) -> Gauge {
        api.metrics.makeGauge(descriptor: MetricNameDescriptor(namespace: "trustd", metricName: name, unitName: "", helpText: help))
    }
}

func actor(_ context: TrustRequestContext) -> String { context.principal?.auditName ?? "anonymous" }

func parameter(_ context: TrustRequestContext, _ name: String) throws -> String {
    guard let value = context.parameters.get(name), !value.isEmpty, value.count <= 128 else {
        throw TrustError.invalid("missing or oversized path parameter \(name)")
    }
    if let control = ControlCharacters.firstInIdentifier(value) {
        throw APIError(.badRequest, "control_character", "path parameter \(name) contains the control character \(control)")
    }
    return value
}

func hexParameter(_ context: TrustRequestContext, _ name: String) throws -> String {
    let value = try parameter(context, name)
    guard value.allSatisfy({ $0.isHexDigit || $0 == ":" }) else { throw TrustError.invalid("\(name) must be hexadecimal") }
    return value
}

func decode<T: Decodable>(_ type: T.Type, _ request: Request, _ context: TrustRequestContext) async throws -> T {
    guard request.headers[.contentType]?.lowercased().hasPrefix("application/json") == true else {
        throw APIError(.unsupportedMediaType, "unsupported_media_type", "send application/json")
    }
    let buffer = try await request.body.collect(upTo: context.maxUploadSize)
    guard buffer.readableBytes > 0 else { throw APIError(.badRequest, "malformed_json", "the request body is empty") }
    try refuseControlCharacters(buffer)
    return try JSONDecoder().decode(T.self, from: Data(buffer: buffer))
}

/// No JSON string value may carry a control character (tab, CR and LF excepted).
func refuseControlCharacters(_ buffer: ByteBuffer) throws {
    if let control = buffer.withUnsafeReadableBytes({ ControlCharacters.firstInJSON($0) }) {
        throw APIError(.badRequest, "control_character", "request values must not contain control characters (found \(control))")
    }
}

func decodeOptional<T: Decodable>(_ type: T.Type, _ request: Request, _ context: TrustRequestContext) async throws -> T? {
    let buffer = try await request.body.collect(upTo: context.maxUploadSize)
    guard buffer.readableBytes > 0 else { return nil }
    try refuseControlCharacters(buffer)
    return try JSONDecoder().decode(T.self, from: Data(buffer: buffer))
}

func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    var headers = HTTPFields()
    headers[.contentType] = "application/json"
    return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
}

func json(_ value: [String: String]) -> Response {
    (try? json(value, status: .ok)) ?? Response(status: .ok)
}

func text(_ value: String, contentType: String) -> Response {
    var headers = HTTPFields()
    headers[.contentType] = contentType
    return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: value)))
}

func binary(_ bytes: [UInt8], contentType: String) -> Response {
    var headers = HTTPFields()
    headers[.contentType] = contentType
    return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
}
