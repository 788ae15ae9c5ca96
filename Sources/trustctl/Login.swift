import APIContract
import ArgumentParser
import AsyncHTTPClient
import CardReader
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import TrustCrypto

extension TrustctlCommand {
    struct Login: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Log in to a platform with a card or USB-key certificate, as a browser would (for tests).",
            discussion: """
                Walks trustd's login service for one platform: the authorization request (PKCE S256), the login page's \
                certificate step (the challenge signed with --key), the code, and the token endpoint. Prints the \
                token answer and the ID token's claims as JSON. The key file stands in for the card or USB key.
                """)
        @OptionGroup var server: ServerOptions
        @Option(name: .customLong("client-id"), help: "The platform's client id.") var clientID: String
        @Option(name: .customLong("client-secret-file"), help: "The platform's secret (confidential clients).")
        var clientSecretFile: String?
        @Option(name: .customLong("redirect-uri"), help: "The platform's registered redirect URI.") var redirectURI:
            String
        @Option(name: .customLong("id-number"), help: "The person's ID number.") var idNumber: String
        @Option(help: "The certificate (PEM) on the card or USB key.") var cert: String?
        @Option(help: "Its private key (PEM), standing in for the card.") var key: String?
        @Flag(help: "Sign with the person's smart card over PC/SC instead (a service-hall terminal).") var card = false
        @Option(help: "With --card: the reader (default: the first with a card).") var reader: String?
        @Option(name: .long, help: "With --card: read the PIN from this file instead of prompting.") var pinFile:
            String?
        @Option(help: "Scopes (space separated).") var scope = "openid"
        @Option(name: .customLong("acr-values"), help: "acr_values to ask for.") var acrValues: String?

        func validate() throws {
            guard card ? cert == nil && key == nil : cert != nil && key != nil else {
                throw ValidationError("give --cert and --key, or --card")
            }
        }

        /// The certificate (PEM) and the signature over `challenge`: from the key file, or from the card in a reader.
        func answer(_ challenge: [UInt8]) async throws -> (certificate: String, signature: [UInt8]) {
            if let cert, let key {
                let privateKey = try PrivateKey(pem: String(decoding: try readFile(key), as: UTF8.self))
                return (
                    String(decoding: try readFile(cert), as: UTF8.self),
                    try privateKey.sign(challenge)
                )
            }
            let (wanted, pinSource) = (reader, pinFile)
            let context = try await CardReaderThread.run { try PCSCContext() }
            let ready = try await CardReaderThread.waitForCard(in: context, reader: wanted, timeout: 30)
            let answer = try await CardReaderThread.run {
                try CardConnection(context: context, reader: ready.reader).counterResponse(
                    challenge: challenge,
                    pin: { certificate in try readPIN(file: pinSource, holder: certificate.subject.description) })
            }
            return (try Certificate(der: answer.certificate).pem, answer.signature)
        }

        func run() async throws {
            try await reportingErrors {
                var tls = TLSConfiguration.makeClientConfiguration()
                if let ca = ProcessInfo.processInfo.environment["TRUSTCTL_CA_FILE"] ?? server.caFile {
                    tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(ca))
                }
                let browser = LoginBrowser(base: server.serverURL, tls: tls)
                defer { browser.shutdown() }
                let verifier = Base64URL.encode(SecureRandom.bytes(32))
                var authorize = URLComponents()
                authorize.path = "/oidc/authorize"
                authorize.queryItems =
                    [
                        .init(name: "response_type", value: "code"), .init(name: "client_id", value: clientID),
                        .init(name: "redirect_uri", value: redirectURI), .init(name: "scope", value: scope),
                        .init(name: "state", value: Base64URL.encode(SecureRandom.bytes(8))),
                        .init(
                            name: "code_challenge", value: Base64URL.encode(Digest.hash(.sha256, utf8: verifier))),
                        .init(name: "code_challenge_method", value: "S256"),
                    ] + (acrValues.map { [URLQueryItem(name: "acr_values", value: $0)] } ?? [])
                let page = try await browser.get(authorize.string ?? "")
                guard page.status == 200 else { throw browser.unexpected("the login page", page) }
                var fields = LoginBrowser.hiddenFields(page.text)
                fields["id_number"] = idNumber
                fields["action"] = "cert-challenge"
                let step = try await browser.post("/oidc/login", fields)
                guard step.status == 200, let challenge = LoginBrowser.challenge(step.text),
                    let nonce = Data(base64Encoded: challenge)
                else { throw browser.unexpected("the certificate step", step) }
                let signed = try await answer(Array(nonce))
                fields = LoginBrowser.hiddenFields(step.text)
                fields["certificate"] = signed.certificate
                fields["signature"] = Data(signed.signature).base64EncodedString()
                fields["action"] = "cert-login"
                let loggedIn = try await browser.post("/oidc/login", fields)
                guard loggedIn.status == 303, let back = loggedIn.location else {
                    throw browser.unexpected("the certificate login", loggedIn)
                }
                let answer = try await browser.get(back)
                guard answer.status == 302, let location = answer.location,
                    let code = URLComponents(string: location)?.queryItems?.first(where: { $0.name == "code" })?.value
                else { throw browser.unexpected("the authorization answer", answer) }
                var form = [
                    "grant_type": "authorization_code", "code": code, "redirect_uri": redirectURI,
                    "code_verifier": verifier, "client_id": clientID,
                ]
                if let clientSecretFile {
                    form["client_secret"] = String(decoding: try readFile(clientSecretFile), as: UTF8.self)
                        .trimmingCharacters(in: .whitespacesAndNewlines)
                }
                let tokens = try await browser.post("/oidc/token", form)
                guard tokens.status == 200,
                    let object = try JSONSerialization.jsonObject(with: Data(tokens.text.utf8)) as? [String: Any],
                    let idToken = object["id_token"] as? String
                else { throw browser.unexpected("the token endpoint", tokens) }
                let payload = idToken.split(separator: ".").dropFirst().first.map(String.init) ?? ""
                let claims = Base64URL.decode(payload).flatMap {
                    try? JSONSerialization.jsonObject(with: Data($0))
                }
                let out = try JSONSerialization.data(
                    withJSONObject: ["tokens": object, "claims": claims ?? [:]], options: [.sortedKeys])
                print(String(decoding: out, as: UTF8.self))
            }
        }
    }
}

/// Just enough of a browser for the login pages: no redirects followed, cookies kept, forms posted.
final class LoginBrowser: @unchecked Sendable {
    struct Page {
        let status: Int
        let text: String
        let location: String?
    }
    let base: String
    let http: HTTPClient
    private var cookies: [String: String] = [:]

    init(base: String, tls: TLSConfiguration) {
        self.base = base
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.redirectConfiguration = .disallow
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    func shutdown() { try? http.syncShutdown() }

    func get(_ path: String) async throws -> Page { try await send(.GET, path, body: nil) }

    func post(_ path: String, _ form: [String: String]) async throws -> Page {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        let body = form.sorted { $0.key < $1.key }.map { name, value in
            "\(name.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")="
                + (value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")
        }.joined(separator: "&")
        return try await send(.POST, path, body: body)
    }

    private func send(_ method: HTTPMethod, _ path: String, body: String?) async throws -> Page {
        var request = HTTPClientRequest(url: path.hasPrefix("http") ? path : base + path)
        request.method = method
        if !cookies.isEmpty {
            request.headers.add(name: "Cookie", value: cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; "))
        }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await http.execute(request, timeout: .seconds(30))
        for header in response.headers[canonicalForm: "Set-Cookie"] {
            let pair = header.split(separator: ";").first.map(String.init) ?? ""
            if let equals = pair.firstIndex(of: "=") {
                cookies[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
            }
        }
        let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
        return Page(status: Int(response.status.code), text: text, location: response.headers.first(name: "Location"))
    }

    func unexpected(_ what: String, _ page: Page) -> CallFailure {
        CallFailure(
            message: "\(what) answered \(page.status): \(page.text.prefix(300))", exitCode: TrustctlExit.failure)
    }

    /// The hidden inputs of the page's form (values HTML-unescaped).
    static func hiddenFields(_ html: String) -> [String: String] {
        var fields: [String: String] = [:]
        let pattern = #"<input type="hidden" name="([^"]*)" value="([^"]*)">"#
        let regex = try? NSRegularExpression(pattern: pattern)
        let range = NSRange(html.startIndex..., in: html)
        for match in regex?.matches(in: html, range: range) ?? [] {
            guard let name = Range(match.range(at: 1), in: html), let value = Range(match.range(at: 2), in: html)
            else { continue }
            fields[unescape(String(html[name]))] = unescape(String(html[value]))
        }
        return fields
    }

    static func challenge(_ html: String) -> String? {
        guard let start = html.range(of: #"<code id="challenge">"#),
            let end = html.range(of: "</code>", range: start.upperBound..<html.endIndex)
        else { return nil }
        return unescape(String(html[start.upperBound..<end.lowerBound]))
    }

    static func unescape(_ text: String) -> String {
        text.replacingOccurrences(of: "&#x2F;", with: "/").replacingOccurrences(of: "&#x3D;", with: "=")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&#43;", with: "+").replacingOccurrences(of: "&amp;", with: "&")
    }
}
