import APIContract
import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// How trustctl reaches trustd: `--server`, `--token-file`, and for https the CA to trust and an optional client
/// certificate (mutual TLS). Each also reads an environment variable, so scripts set them once.
struct ServerOptions: ParsableArguments {
    @Option(name: .long, help: "trustd's URL (env TRUSTCTL_SERVER; default http://127.0.0.1:8443).")
    var server: String?

    @Option(
        name: .long, help: "File holding the bearer token (env TRUSTCTL_TOKEN_FILE; default trustd-data/admin.token).")
    var tokenFile: String?

    @Option(
        name: .long,
        help:
            "PEM file with the CA certificate(s) to trust for https (env TRUSTCTL_CA_FILE; default: trustd's own root must be given, the system store is not used)."
    )
    var caFile: String?

    @Option(name: .long, help: "Client certificate (PEM) for mutual TLS, instead of a token.")
    var clientCert: String?

    @Option(name: .long, help: "Private key (PEM, mode 0600) of --client-cert.")
    var clientKey: String?

    private var environment: [String: String] { ProcessInfo.processInfo.environment }

    var serverURL: String {
        let url = server ?? environment["TRUSTCTL_SERVER"] ?? "http://127.0.0.1:8443"
        return url.hasSuffix("/") ? String(url.dropLast()) : url
    }

    func validate() throws {
        guard serverURL.hasPrefix("http://") || serverURL.hasPrefix("https://") else {
            throw ValidationError("--server must be an http:// or https:// URL")
        }
        guard (clientCert == nil) == (clientKey == nil) else {
            throw ValidationError("--client-cert and --client-key go together")
        }
    }

    /// The bearer token, or `nil` when a client certificate authenticates instead (or for public routes).
    func token(required: Bool) throws -> String? {
        if clientCert != nil { return nil }
        let path = tokenFile ?? environment["TRUSTCTL_TOKEN_FILE"] ?? "trustd-data/admin.token"
        guard let bytes = FileManager.default.contents(atPath: path) else {
            if !required { return nil }
            throw fail(
                "cannot read the token file \(path) (give --token-file or TRUSTCTL_TOKEN_FILE)",
                code: TrustctlExit.permission)
        }
        let token = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty, !token.contains(where: \.isNewline) else {
            throw fail("the token file \(path) does not hold one token", code: TrustctlExit.dataError)
        }
        return token
    }

    func client(authenticated: Bool = true) throws -> TrustdClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        let caPath = caFile ?? environment["TRUSTCTL_CA_FILE"]
        do {
            if let caPath { tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caPath)) }
            if let clientCert, let clientKey {
                tls.certificateChain = try NIOSSLCertificate.fromPEMFile(clientCert).map { .certificate($0) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: clientKey, format: .pem))
            }
        } catch {
            throw fail("cannot load TLS files: \(error)", code: TrustctlExit.dataError)
        }
        return TrustdClient(base: serverURL, token: try token(required: authenticated), tls: tls)
    }
}

/// A failed call: the server's `{"error":{"code","message"}}` or a transport failure, with trustctl's exit code.
struct CallFailure: Error {
    let message: String
    let exitCode: Int32

    init(status: Int, body: [UInt8]) {
        let detail = (try? JSONDecoder().decode(ErrorBody.self, from: Data(body))).map {
            "\($0.error.message) (\($0.error.code))"
        }
        message = "HTTP \(status): \(detail ?? String(decoding: body.prefix(200), as: UTF8.self))"
        exitCode =
            switch status {
            case 401, 403: TrustctlExit.permission
            case 404: TrustctlExit.notFound
            case 409: TrustctlExit.conflict
            // 422: the request was fine, the check it ran failed (a registry did not confirm).
            case 422: TrustctlExit.failure
            case 400..<500: TrustctlExit.dataError
            default: TrustctlExit.unavailable
            }
    }

    init(message: String, exitCode: Int32) {
        self.message = message
        self.exitCode = exitCode
    }
}

/// One HTTP client per command run, shut down when it ends.
struct TrustdClient {
    let base: String
    let token: String?
    let tls: TLSConfiguration

    struct Reply {
        let status: Int
        let contentType: String?
        let body: [UInt8]
        var headers: [String: String] = [:]
    }

    static let maxResponseBytes = 64 << 20

    func call(
        _ method: HTTPMethod, _ path: String, body: [UInt8]? = nil, contentType: String = "application/json",
        accept: String = "application/json"
    ) async throws -> Reply {
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
        do {
            var request = HTTPClientRequest(url: base + path)
            request.method = method
            request.headers.add(name: "Accept", value: accept)
            if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
            if let body {
                request.headers.add(name: "Content-Type", value: contentType)
                request.body = .bytes(ByteBuffer(bytes: body))
            }
            let response = try await http.execute(request, timeout: .seconds(60))
            let collected = try await response.body.collect(upTo: Self.maxResponseBytes)
            try await http.shutdown()
            let reply = Reply(
                status: Int(response.status.code), contentType: response.headers.first(name: "Content-Type"),
                body: Array(buffer: collected),
                headers: Dictionary(
                    response.headers.map { ($0.name.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a }))
            guard (200..<300).contains(reply.status) else { throw CallFailure(status: reply.status, body: reply.body) }
            return reply
        } catch let failure as CallFailure {
            throw failure
        } catch {
            try? await http.shutdown()
            throw CallFailure(
                message: "cannot reach trustd at \(base): \(Self.describe(error))", exitCode: TrustctlExit.unavailable)
        }
    }

    func get<T: Decodable>(_ type: T.Type, _ path: String) async throws -> T {
        try decode(type, try await call(.GET, path))
    }

    func post<T: Decodable>(_ type: T.Type, _ path: String, _ value: (some Encodable)?) async throws -> T {
        let body = try value.map { try JSONEncoder().encode($0) }.map(Array.init)
        return try decode(type, try await call(.POST, path, body: body))
    }

    private func decode<T: Decodable>(_ type: T.Type, _ reply: Reply) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(reply.body))
        } catch {
            throw CallFailure(message: "unexpected answer from trustd: \(error)", exitCode: TrustctlExit.failure)
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError { return "\(error)" }
        if let error = error as? NIOSSLError { return "TLS: \(error)" }
        if let error = error as? BoringSSLError { return "TLS: \(error)" }
        return "\(error)"
    }
}

/// Nothing to send in a POST body.
struct NoBody: Encodable {}

/// Percent-encodes one path segment.
func segment(_ text: String) -> String {
    text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
}

func readFile(_ path: String) throws -> [UInt8] {
    guard let bytes = FileManager.default.contents(atPath: path) else {
        throw fail("cannot read \(path)", code: TrustctlExit.ioError)
    }
    return Array(bytes)
}

func writeFile(_ path: String, _ bytes: [UInt8]) throws {
    do { try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
        throw fail("cannot write \(path): \(error.localizedDescription)", code: TrustctlExit.ioError)
    }
}
