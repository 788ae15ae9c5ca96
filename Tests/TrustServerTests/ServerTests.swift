import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTLS
import HummingbirdTesting
import Logging
import NIOSSL
import TestSupport
import Testing
import TrustCrypto
import TrustModel
import TrustServer
import TrustStore
import Yams

@testable import TrustServices

extension CAConfiguration {
    /// The second hierarchy on P-256 instead of RSA (named rsa-* all the same): RSA is covered by the daemon tests.
    static let fastTests = CAConfiguration(rsaRootKey: "p256", rsaIssuingKey: "p256")
}

extension ApplianceEngines {
    /// SQLite on disk, keys in memory (one store for every open of the directory).
    static func inMemoryKeys() -> ApplianceEngines {
        let keys = MemoryKeyStore()
        return ApplianceEngines(store: ApplianceEngines.embedded.store, keys: { _, _ in keys }, keyStoreName: "memory")
    }
}

/// A live server on an initialised data directory, with one principal (and token) per role.
final class ServerFixture: @unchecked Sendable {
    let dir: TemporaryDirectory
    let api: TrustAPI
    var tokens: [Role: String] = [:]
    var adminToken: String

    /// `engines`: keys in memory unless the test reopens the directory as a new process would (`.embedded`).
    init(engines: ApplianceEngines = .inMemoryKeys()) async throws {
        dir = try TemporaryDirectory("trustd-server")
        let appliance = try DataDirectory(dir.file("data")).initialize(
            policiesFrom: TestPaths.packageRoot.appendingPathComponent("policies").path, configuration: .fastTests,
            actor: "test", engines: engines)
        api = TrustAPI(appliance: appliance)
        adminToken = String(decoding: try dir.read("data/admin.token"), as: UTF8.self).trimmingCharacters(
            in: .whitespacesAndNewlines)
        for role in Role.allCases {
            let principal = try await api.access.createPrincipal(
                name: "p-\(role.rawValue)", roles: [role], by: .system("test"))
            tokens[role] = try await api.access.issueToken(principalID: principal.id, by: .system("test")).token
        }
    }

    var application: some ApplicationProtocol { Application(router: buildRouter(api)) }

    func auditCount() throws -> Int { try api.appliance.store.read { try $0.auditCount() } }
}

func bearer(_ token: String?) -> HTTPFields {
    var headers = HTTPFields()
    if let token { headers[.authorization] = "Bearer \(token)" }
    return headers
}

func jsonHeaders(_ token: String?) -> HTTPFields {
    var headers = bearer(token)
    headers[.contentType] = "application/json"
    return headers
}

@Suite struct EndToEndHTTPTests {
    @Test func issueRevokePublishAndAnswerOCSPOverRealHTTP() async throws {
        let fixture = try await ServerFixture()
        let key = try PrivateKey.generate(.p256)
        let csr = try CertificateSigningRequest.make(
            subject: DistinguishedName(["CN": "svc.example.gov.cn"]), key: key,
            subjectAlternativeNames: [.dns("svc.example.gov.cn")])
        let officer = fixture.tokens[.caOfficer]!
        try await fixture.application.test(.live) { client in
            let body = try JSONSerialization.data(withJSONObject: [
                "ca": "rsa-issuing", "profile": "tls-server", "csr": csr.pem,
            ])
            let issued = try await client.execute(
                uri: "/v1/certificates", method: .post, headers: jsonHeaders(officer), body: ByteBuffer(bytes: body))
            #expect(issued.status == .created, "\(String(buffer: issued.body))")
            let object = try JSONSerialization.jsonObject(with: Data(buffer: issued.body)) as! [String: Any]
            let serial = object["serial"] as! String
            let chain = try (object["chain"] as! [String]).map { try Certificate(pem: $0) }
            let certificate = try Certificate(pem: object["certificate"] as! String)

            let revoke = try await client.execute(
                uri: "/v1/certificates/\(serial)/revoke", method: .post, headers: jsonHeaders(officer),
                body: ByteBuffer(string: #"{"reason":"keyCompromise"}"#))
            #expect(revoke.status == .ok)
            let again = try await client.execute(
                uri: "/v1/certificates/\(serial)/revoke", method: .post, headers: jsonHeaders(officer),
                body: ByteBuffer(string: #"{"reason":"keyCompromise"}"#))
            #expect(again.status == .conflict)
            #expect(String(buffer: again.body).contains(#""code":"conflict""#))

            let crl = try await client.execute(uri: "/v1/cas/rsa-issuing/crl", method: .get)
            #expect(crl.headers[.contentType] == "application/pkix-crl")
            let parsed = try CertificateRevocationList(der: Array(buffer: crl.body))
            #expect(parsed.isSigned(by: try chain[0].publicKey))
            #expect(parsed.entries.contains { Hex.encode($0.serialNumber) == serial })

            let dir = try TemporaryDirectory()
            let request = try OCSPRequest.make(for: [certificate], issuer: chain[0], nonce: SecureRandom.bytes(16))
            var ocspHeaders = HTTPFields()
            ocspHeaders[.contentType] = "application/ocsp-request"
            let posted = try await client.execute(
                uri: "/ocsp", method: .post, headers: ocspHeaders, body: ByteBuffer(bytes: request.der))
            #expect(posted.headers[.contentType] == "application/ocsp-response")
            try dir.write("chain.pem", chain.map(\.pem).joined())
            try dir.write("req.der", request.der)
            try dir.write("resp.der", Array(buffer: posted.body))
            let check = try Subprocess.run(
                "openssl",
                [
                    "ocsp", "-respin", dir.file("resp.der"), "-reqin", dir.file("req.der"),
                    "-CAfile", dir.file("chain.pem"), "-resp_text",
                ])
            #expect((check.stdout + check.stderr).contains("Response verify OK"), "\(check.stderr)")
            #expect(check.stdout.contains("Cert Status: revoked") && check.stdout.contains("keyCompromise"))

            // RFC 5019 GET, with cache headers.
            let plain = try OCSPRequest.make(for: [certificate], issuer: chain[0])
            let path = Data(plain.der).base64EncodedString().addingPercentEncoding(
                withAllowedCharacters: .alphanumerics)!
            let got = try await client.execute(uri: "/ocsp/\(path)", method: .get)
            #expect(got.status == .ok)
            #expect(got.headers[.cacheControl]?.contains("max-age=") == true)
            #expect(
                try OCSPResponse(der: Array(buffer: got.body)).isSigned(by: try chain[0].publicKey) == false,
                "signed by the delegated signer, not the CA")
        }
    }
}

@Suite struct AuthorizationMatrixTests {
    /// Every route × every role, and no token / expired / revoked / malformed token, generated from the route table.
    @Test func everyRouteAnswersEveryCallerAsThePolicySays() async throws {
        let fixture = try await ServerFixture()
        let expiredPrincipal = try await fixture.api.access.principals(by: .system("test")).first {
            $0.principal.name == "admin"
        }!.principal
        let expired = try await AccessService(
            store: fixture.api.appliance.store, clock: { Date(timeIntervalSinceNow: -400 * 86400) }
        )
        .issueToken(principalID: expiredPrincipal.id, lifetime: 86400, by: .system("test")).token
        let revoked = try await fixture.api.access.issueToken(principalID: expiredPrincipal.id, by: .system("test"))
        try await fixture.api.access.revokeToken(id: revoked.id, by: .system("test"))
        // The login service's `/oidc/` routes authenticate by the OAuth protocol, not by trustd's credentials:
        // LoginFlowTests cover them.
        let routes = RouteTable.routes(fixture.api).filter { $0.access != .oauth }
        try await fixture.application.test(.live) { client in
            for route in routes {
                let uri = route.samplePath
                let method = route.method
                func call(_ token: String?) async throws -> HTTPResponse.Status {
                    let response = try await client.execute(
                        uri: uri, method: method, headers: jsonHeaders(token), body: ByteBuffer(string: "{}"))
                    return response.status
                }
                let callers: [(String, String?)] = Role.allCases.map { ($0.rawValue, fixture.tokens[$0]) }
                for (name, token) in callers {
                    let status = try await call(token)
                    let allowed = route.access.allowsRole(Role(rawValue: name)!)
                    if allowed {
                        #expect(
                            status != .unauthorized && status != .forbidden,
                            "\(route.method) \(route.path) as \(name): \(status)")
                    } else {
                        #expect(status == .forbidden, "\(route.method) \(route.path) as \(name): \(status)")
                    }
                    #expect(status.code < 500, "\(route.method) \(route.path) as \(name): \(status)")
                }
                for (name, token) in [
                    ("no token", nil), ("expired", expired), ("revoked", revoked.token), ("malformed", "tdt_x"),
                ] as [(String, String?)] {
                    let status = try await call(token)
                    if route.access == .public && token == nil {
                        #expect(status != .unauthorized && status != .forbidden)
                    } else {
                        #expect(status == .unauthorized, "\(route.method) \(route.path) with \(name): \(status)")
                    }
                }
            }
        }
    }
}

@Suite struct MutualTLSMatrixTests {
    /// Every route × a client certificate bound to each role, an unbound one, a revoked one and one from a CA trustd
    /// does not know: the bound certificates get what their role allows, the others 401 (or no handshake at all).
    @Test func everyRouteAnswersEveryClientCertificateAsThePolicySays() async throws {
        let fixture = try await ServerFixture()
        let ca = fixture.api.appliance.ca
        let identity = try ServerIdentity.ensure(
            identities: fixture.api.appliance.identities, ca: ca, caName: "rsa-issuing", names: ["127.0.0.1"])
        let clientCAs = try ca.list().filter { $0.algorithm != .sm2 }.map(\.certificate)
        let routes = RouteTable.routes(fixture.api).filter { $0.access != .oauth }
        let tls = try TLSSetup.configuration(
            identity: identity, keys: fixture.api.appliance.keys, clientCertificates: .optional,
            clientCAs: clientCAs)
        let app = Application(
            router: buildRouter(fixture.api, clientCertificates: true),
            server: try .tls(.http1(), tlsConfiguration: tls))

        func clientCertificate(_ name: String) throws -> (Certificate, PrivateKey) {
            let key = try PrivateKey.generate(.p256)
            let csr = try CertificateSigningRequest.make(subject: DistinguishedName(["CN": name]), key: key)
            return (try ca.issue(csr: csr, profile: "tls-client", ca: "rsa-issuing", actor: "test").certificate, key)
        }
        var callers: [(name: String, role: Role?, certificate: Certificate, key: PrivateKey)] = []
        let principals = try await fixture.api.access.principals(by: .system("test"))
        for role in Role.allCases {
            let (certificate, key) = try clientCertificate("mtls-\(role.rawValue)")
            let principal = principals.first { $0.principal.name == "p-\(role.rawValue)" }!.principal
            _ = try await fixture.api.access.bindClientCertificate(
                principalID: principal.id, certificate: certificate, by: .system("test"))
            callers.append((role.rawValue, role, certificate, key))
        }
        let unbound = try clientCertificate("mtls-unbound")
        callers.append(("unbound", nil, unbound.0, unbound.1))
        let revoked = try clientCertificate("mtls-revoked")
        _ = try await fixture.api.access.bindClientCertificate(
            principalID: principals.first { $0.principal.name == "admin" }!.principal.id,
            certificate: revoked.0, by: .system("test"))
        _ = try ca.revoke(serial: revoked.0.serialHex, reason: .keyCompromise, actor: "test")
        callers.append(("revoked", nil, revoked.0, revoked.1))
        let rogueKey = try PrivateKey.generate(.p256)
        let rogue = try CertificateBuilder.issue(
            CertificateTemplate(
                serialNumber: CertificateBuilder.randomSerialNumber(),
                subject: DistinguishedName(["CN": "mtls-admin"]), notBefore: Date(),
                notAfter: Date(timeIntervalSinceNow: 86400),
                publicKey: rogueKey.publicKey, extensions: [.basicConstraints(ca: false, pathLength: nil)]),
            issuer: nil,
            signer: try PrivateKeySigner(rogueKey))

        let everyCaller = callers
        try await app.test(.ahc(.https)) { testClient in
            let port = try #require(testClient.port)
            func client(_ certificate: Certificate, _ key: PrivateKey) throws -> HTTPClient {
                var configuration = TLSConfiguration.makeClientConfiguration()
                configuration.trustRoots = .certificates([
                    try NIOSSLCertificate(bytes: identity.chain.last!.der, format: .der)
                ])
                configuration.certificateChain = [
                    .certificate(try NIOSSLCertificate(bytes: certificate.der, format: .der))
                ]
                configuration.privateKey = .privateKey(
                    try NIOSSLPrivateKey(bytes: Array(try key.pkcs8PEM().utf8), format: .pem))
                return HTTPClient(
                    eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: configuration))
            }
            func call(_ http: HTTPClient, _ route: RouteSpec) async throws -> Int {
                var request = HTTPClientRequest(url: "https://127.0.0.1:\(port)" + route.samplePath)
                request.method = .init(rawValue: route.method.rawValue)
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(string: "{}"))
                let response = try await http.execute(request, timeout: .seconds(30))
                _ = try await response.body.collect(upTo: 1 << 24)
                return Int(response.status.code)
            }
            for caller in everyCaller {
                let http = try client(caller.certificate, caller.key)
                for route in routes {
                    let status = try await call(http, route)
                    let label = "\(route.method) \(route.path) with the \(caller.name) certificate: \(status)"
                    if let role = caller.role {
                        if route.access.allowsRole(role) {
                            #expect(status != 401 && status != 403 && status < 500, "\(label)")
                        } else {
                            #expect(status == 403, "\(label)")
                        }
                    } else {
                        #expect(status == 401, "\(label)")
                    }
                }
                try await http.shutdown()
            }
            let http = try client(rogue, rogueKey)
            for route in routes {
                await #expect(
                    throws: (any Error).self, "\(route.method) \(route.path) with an unknown CA's certificate"
                ) {
                    _ = try await call(http, route)
                }
            }
            try await http.shutdown()
        }
    }
}

extension RouteSpec {
    /// The path with sample parameters filled in.
    var samplePath: String {
        path.replacingOccurrences(of: "{ca}", with: "rsa-issuing").replacingOccurrences(
            of: "{serial}", with: "0badc0de"
        )
        .replacingOccurrences(of: "{id}", with: "00").replacingOccurrences(of: "{request}", with: "AAAA")
        .replacingOccurrences(of: "{grant}", with: "00").replacingOccurrences(of: "{handle}", with: "00")
    }
}

extension RouteAccess {
    func allowsRole(_ role: Role) -> Bool { roles.contains(role) }
}

@Suite struct BadInputTests {
    @Test func malformedOversizedAndWrongTypedRequestsGet4xxAndWriteNothing() async throws {
        let fixture = try await ServerFixture()
        let admin = fixture.adminToken
        let before = try fixture.auditCount()
        try await fixture.application.test(.live) { client in
            let cases: [(String, HTTPRequest.Method, HTTPFields, ByteBuffer, HTTPResponse.Status)] = [
                ("/v1/certificates", .post, jsonHeaders(admin), ByteBuffer(), .badRequest),
                ("/v1/certificates", .post, jsonHeaders(admin), ByteBuffer(string: "{"), .badRequest),
                (
                    "/v1/certificates", .post, jsonHeaders(admin),
                    ByteBuffer(string: #"{"ca":1,"profile":"tls-server","csr":"x"}"#), .badRequest
                ),
                (
                    "/v1/certificates", .post, jsonHeaders(admin),
                    ByteBuffer(
                        string:
                            #"{"ca":"rsa-issuing","profile":"tls-server","csr":"-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n"}"#
                    ), .badRequest
                ),
                (
                    "/v1/certificates", .post, jsonHeaders(admin),
                    ByteBuffer(repeating: UInt8(ascii: "a"), count: 2 << 20), .contentTooLarge
                ),
                ("/v1/certificates", .post, bearer(admin), ByteBuffer(string: "{}"), .unsupportedMediaType),
                (
                    "/v1/certificates/zz/revoke", .post, jsonHeaders(admin),
                    ByteBuffer(string: #"{"reason":"keyCompromise"}"#), .badRequest
                ),
                (
                    "/v1/certificates/0badc0de/revoke", .post, jsonHeaders(admin),
                    ByteBuffer(string: #"{"reason":"bored"}"#), .badRequest
                ),
                (
                    "/v1/certificates/0badc0de/revoke", .post, jsonHeaders(admin),
                    ByteBuffer(string: #"{"reason":"keyCompromise"}"#), .notFound
                ),
                ("/v1/certificates/0badc0de", .get, bearer(admin), ByteBuffer(), .notFound),
                ("/v1/cas/nope/crl", .get, bearer(nil), ByteBuffer(), .notFound),
                ("/ocsp/%%%not-base64", .get, bearer(nil), ByteBuffer(), .badRequest),
                (
                    "/v1/principals", .post, jsonHeaders(admin),
                    ByteBuffer(string: #"{"name":"x","roles":["wizard"]}"#), .badRequest
                ),
                (
                    "/v1/principals", .post, jsonHeaders(admin),
                    ByteBuffer(string: #"{"name":"../../x","roles":["admin"]}"#), .badRequest
                ),
                (
                    "/v1/principals/00/tokens", .post, jsonHeaders(admin),
                    ByteBuffer(string: #"{"lifetimeDays":"soon"}"#), .badRequest
                ),
                ("/v1/audit?limit=100000", .get, bearer(admin), ByteBuffer(), .badRequest),
                // A NUL (or any control character) in an identifier is refused before it reaches SQLite or a URL.
                // (Path parameters are not percent-decoded: %00 stays three characters and names no CA.)
                ("/v1/cas/sm2-issuing%00x/crl", .post, jsonHeaders(admin), ByteBuffer(string: "{}"), .notFound),
                (
                    "/v1/certificates", .post, jsonHeaders(admin),
                    ByteBuffer(string: #"{"ca":"sm2-issuing\u0000evil","profile":"tls-server","csr":"x"}"#), .badRequest
                ),
                (
                    "/v1/principals", .post, jsonHeaders(admin),
                    ByteBuffer(string: #"{"name":"ok","roles":["admin\u001b"]}"#), .badRequest
                ),
            ]
            for (uri, method, headers, body, expected) in cases {
                let response = try await client.execute(uri: uri, method: method, headers: headers, body: body)
                #expect(
                    response.status == expected, "\(method) \(uri): \(response.status) \(String(buffer: response.body))"
                )
                #expect(
                    String(buffer: response.body).contains(#""error":{"code""#),
                    "\(method) \(uri) answers the JSON error shape")
            }
            // Malformed OCSP bodies get an OCSP malformedRequest, not an HTTP error.
            var ocsp = HTTPFields()
            ocsp[.contentType] = "application/ocsp-request"
            let garbage = try await client.execute(
                uri: "/ocsp", method: .post, headers: ocsp, body: ByteBuffer(bytes: SecureRandom.bytes(64)))
            #expect(try OCSPResponse(der: Array(buffer: garbage.body)).status == 1)
            // The server is still up.
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
        }
        #expect(try fixture.auditCount() == before, "no bad request wrote anything")
    }
}

@Suite struct OpenAPITests {
    @Test func everyRegisteredRouteIsDocumentedAndViceVersa() async throws {
        let routes = RouteTable.routes(try await ServerFixture().api)
        let document = try #require(try Yams.load(yaml: OpenAPIDocument.yaml) as? [String: Any])
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = try #require(document["paths"] as? [String: Any])
        var documented: Set<String> = []
        for (path, value) in paths {
            for method in (value as? [String: Any] ?? [:]).keys
            where ["get", "post", "put", "delete", "patch"].contains(method) {
                documented.insert("\(method.uppercased()) \(path)")
            }
        }
        let registered = Set(routes.map { "\($0.method.rawValue) \($0.path)" })
        #expect(
            documented == registered,
            "only documented: \(documented.subtracting(registered)); only registered: \(registered.subtracting(documented))"
        )
        // The permission each operation documents (x-permission) is the one the route enforces, and its roles (x-roles)
        // are the roles holding it.
        for route in routes {
            let operation = (paths[route.path] as? [String: Any])?[route.method.rawValue.lowercased()] as? [String: Any]
            let documentedRoles = operation?["x-roles"]
            switch route.access {
            case .public, .oauth: #expect(documentedRoles as? String == "public", "\(route.method) \(route.path)")
            case .permission(let permission):
                #expect(operation?["x-permission"] as? String == permission.rawValue, "\(route.method) \(route.path)")
                // `[any]` documents "every authenticated principal".
                let names = Set(documentedRoles as? [String] ?? [])
                let expected = names == ["any"] ? Set(Role.allCases.map(\.rawValue)) : names
                #expect(
                    expected == Set(route.access.roles.map(\.rawValue)),
                    "\(route.method) \(route.path): \(String(describing: documentedRoles))")
            }
        }
    }

    @Test func theDocumentIsServed() async throws {
        let fixture = try await ServerFixture()
        try await fixture.application.test(.router) { client in
            let response = try await client.execute(uri: "/openapi.yaml", method: .get)
            #expect(response.status == .ok && String(buffer: response.body).hasPrefix("openapi: 3.1.0"))
        }
    }
}

@Suite struct RestartTests {
    @Test func aRestartOnTheSameDirectoryKeepsEverythingAndTheAuditChainVerifies() async throws {
        let fixture = try await ServerFixture(engines: .embedded)
        let officer = fixture.tokens[.caOfficer]!
        let key = try PrivateKey.generate(.p256)
        let csr = try CertificateSigningRequest.make(
            subject: DistinguishedName(["C": "CN", "O": "Bureau", "CN": "bureau.example.gov.cn"]), key: key,
            subjectAlternativeNames: [.dns("bureau.example.gov.cn")])
        let serial: String = try await fixture.application.test(.live) { client in
            let body = try JSONSerialization.data(withJSONObject: [
                "ca": "rsa-issuing", "profile": "tls-server", "csr": csr.pem,
            ])
            let issued = try await client.execute(
                uri: "/v1/certificates", method: .post, headers: jsonHeaders(officer), body: ByteBuffer(bytes: body))
            #expect(issued.status == .created, "\(String(buffer: issued.body))")
            return (try JSONSerialization.jsonObject(with: Data(buffer: issued.body)) as! [String: Any])["serial"]
                as! String
        }
        // "Restart": open the same directory afresh, as a new trustd process does.
        let reopened = TrustAPI(appliance: try DataDirectory(fixture.dir.file("data")).open(engines: .embedded))
        #expect(
            try !reopened.access.bootstrapAdmin(tokenPath: fixture.dir.file("data/admin.token2")), "no second bootstrap"
        )
        try await Application(router: buildRouter(reopened)).test(.live) { client in
            let shown = try await client.execute(
                uri: "/v1/certificates/\(serial)", method: .get, headers: bearer(officer))
            #expect(shown.status == .ok && String(buffer: shown.body).contains(#""profile":"tls-server""#))
            let verify = try await client.execute(
                uri: "/v1/audit/verify", method: .post, headers: bearer(fixture.adminToken))
            #expect(String(buffer: verify.body).contains(#""intact":true"#), "\(String(buffer: verify.body))")
        }
    }
}

@Suite struct MetricsTests {
    @Test func metricsAreServedInPrometheusTextFormat() async throws {
        let fixture = try await ServerFixture()
        try await fixture.application.test(.router) { client in
            let response = try await client.execute(uri: "/metrics", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
            let body = String(buffer: response.body)
            #expect(body.contains("# TYPE trustd_certificates gauge"))
            #expect(body.contains("trustd_audit_records "))
            #expect(body.contains("trustd_ocsp_cached_responses 0"))
        }
    }

    /// A scrape reads memory only: the counts change when the maintenance loop refreshes them, not per request.
    @Test func countsComeFromMemoryRefreshedByMaintenance() async throws {
        let fixture = try await ServerFixture()
        try fixture.api.appliance.statistics.refresh()
        @Sendable func certificates(_ client: any TestClientProtocol) async throws -> String {
            let body = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            return String(body.split(separator: "\n").first { $0.hasPrefix("trustd_certificates ") } ?? "")
        }
        try await fixture.application.test(.router) { client in
            let before = try await certificates(client)
            let key = try PrivateKey.generate(.p256)
            let csr = try CertificateSigningRequest.make(
                subject: DistinguishedName(["CN": "m.example.cn"]), key: key,
                subjectAlternativeNames: [.dns("m.example.cn")])
            _ = try fixture.api.appliance.ca.issue(csr: csr, profile: "tls-server", ca: "rsa-issuing", actor: "test")
            let unchanged = try await certificates(client)
            #expect(unchanged == before, "a scrape does not count the table")
            await MaintenanceService(api: fixture.api).tick(hourly: false)
            let refreshed = try await certificates(client)
            #expect(refreshed != before)
        }
    }

    @Test func tokenAccessKeepsMetricsForAuditorsAndAdmins() async throws {
        let fixture = try await ServerFixture()
        let api = TrustAPI(appliance: fixture.api.appliance, metricsAccess: .token)
        try await Application(router: buildRouter(api)).test(.router) { client async throws in
            #expect(try await client.execute(uri: "/metrics", method: .get).status == .unauthorized)
            #expect(
                try await client.execute(uri: "/metrics", method: .get, headers: bearer(fixture.tokens[.platform]))
                    .status == .forbidden)
            #expect(
                try await client.execute(uri: "/metrics", method: .get, headers: bearer(fixture.tokens[.auditor]))
                    .status == .ok)
            #expect(
                try await client.execute(uri: "/metrics", method: .get, headers: bearer(fixture.adminToken)).status
                    == .ok)
        }
    }
}

@Suite struct RequestLogTests {
    final class Lines: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: [String] = []
        func add(_ line: String) { lock.withLock { stored.append(line) } }
        var all: [String] { lock.withLock { stored } }
    }

    @Test func everyRequestIsLoggedAsOneJSONLineWithoutSecrets() async throws {
        let fixture = try await ServerFixture()
        let lines = Lines()
        let logger = Logger(label: "trustd-test") { JSONLogHandler(label: $0) { lines.add($0) } }
        let app = Application(router: buildRouter(fixture.api), logger: logger)
        let token = fixture.tokens[.auditor]!
        try await app.test(.router) { client in
            _ = try await client.execute(uri: "/v1/audit?limit=5", method: .get, headers: bearer(token))
            _ = try await client.execute(
                uri: "/v1/certificates", method: .post, headers: jsonHeaders(token), body: ByteBuffer(string: "{}"))
        }
        let requests = lines.all.filter { $0.contains(#""message":"request""#) }
        #expect(requests.count == 2, "\(lines.all)")
        let first = try #require(requests.first)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: String])
        #expect(object["principal"] == "p-auditor" && object["status"] == "200" && object["route"] == "/v1/audit")
        #expect(object["request_id"]?.isEmpty == false && object["latency_ms"] != nil)
        #expect(requests.last?.contains(#""status":"403""#) == true)
        #expect(!lines.all.joined().contains(token), "tokens never reach the log")
    }
}

@Suite struct MaintenanceTests {
    @Test func ticksCheckpointTheAuditLogWhenDueAndTheChainStaysIntact() async throws {
        let fixture = try await ServerFixture()
        let maintenance = MaintenanceService(api: fixture.api)
        let before = try fixture.api.appliance.store.read { try $0.auditCheckpoints().count }
        await maintenance.tick(hourly: false)  // fewer than 1,000 new records: nothing
        #expect(try fixture.api.appliance.store.read { try $0.auditCheckpoints().count } == before)
        await maintenance.tick(hourly: true)  // hourly: anything new is checkpointed
        #expect(try fixture.api.appliance.store.read { try $0.auditCheckpoints().count } == before + 1)
        #expect(try fixture.api.appliance.audit.verify().isIntact)
    }
}

@Suite struct TimestampHTTPTests {
    @Test func rsaOverTSAAndSM2OverJSONVerifyIndependently() async throws {
        let fixture = try await ServerFixture()
        let platform = fixture.tokens[.platform]!
        let dir = try TemporaryDirectory()
        try dir.write("doc.txt", "a document")
        try #require(
            try Subprocess.run(
                "openssl",
                ["ts", "-query", "-data", dir.file("doc.txt"), "-sha256", "-cert", "-out", dir.file("q.der")]
            ).succeeded)
        try await fixture.application.test(.live) { client in
            var headers = bearer(platform)
            headers[.contentType] = "application/timestamp-query"
            let reply = try await client.execute(
                uri: "/tsa", method: .post, headers: headers, body: ByteBuffer(bytes: try dir.read("q.der")))
            #expect(reply.status == .ok && reply.headers[.contentType] == "application/timestamp-reply")
            try dir.write("r.der", Array(buffer: reply.body))
            let chain = try fixture.api.appliance.ca.chain(of: "rsa-issuing")
            try dir.write("ca.pem", chain.map(\.pem).joined())
            let verified = try Subprocess.run(
                "openssl",
                [
                    "ts", "-verify", "-data", dir.file("doc.txt"), "-in", dir.file("r.der"), "-CAfile",
                    dir.file("ca.pem"),
                ])
            #expect(verified.stdout.contains("Verification: OK"), "\(verified.stdout)\(verified.stderr)")
            #expect(
                try await client.execute(
                    uri: "/tsa", method: .post, headers: bearer(platform), body: ByteBuffer(string: "x")
                ).status == .unsupportedMediaType)

            let digest = Digest.hash(.sm3, Array("a document".utf8))
            let body = #"{"digest":"\#(Hex.encode(digest))","nonce":"0102030405060708"}"#
            let answer = try await client.execute(
                uri: "/v1/timestamp", method: .post, headers: jsonHeaders(platform), body: ByteBuffer(string: body))
            #expect(answer.status == .ok, "\(String(buffer: answer.body))")
            let object = try JSONSerialization.jsonObject(with: Data(buffer: answer.body)) as! [String: Any]
            try dir.write("sm2.der", Array(try #require(Data(base64Encoded: object["response"] as! String))))
            try dir.write("tsa.der", try fixture.api.appliance.timestamps.identity(.sm2).certificate.der)
            let check = try Subprocess.run(
                try TestPaths.python,
                [TestPaths.pythonScript("tsp_check.py"), dir.file("sm2.der"), Hex.encode(digest), dir.file("tsa.der")])
            #expect(
                check.stdout.contains("\"signature_ok\": true")
                    && check.stdout.contains("\"nonce\": 72623859790382856"), "\(check.stdout)\(check.stderr)")
            let short = try await client.execute(
                uri: "/v1/timestamp", method: .post, headers: jsonHeaders(platform),
                body: ByteBuffer(string: #"{"digest":"0102"}"#))
            #expect(short.status == .badRequest)
        }
    }
}
