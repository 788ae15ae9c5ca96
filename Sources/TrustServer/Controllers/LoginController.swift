import APIContract
import Foundation
import HTTPTypes
import Hummingbird
import TrustCrypto
import TrustModel
import TrustServices

/// The OpenID Provider's endpoints (统一身份认证): discovery, JWKS, the authorization endpoint with its login page,
/// token, userinfo and logout. They are public routes: the protocol authenticates (client credentials, code and PKCE
/// verifier, session cookie), and the service writes one audit record per request. The login form is guarded by a
/// double-submit CSRF cookie and the per-client rate limiter of the public pages.
struct LoginController: Controller {
    let login: LoginService
    let limiter: ClientRateLimiter

    /// Over https the cookies carry the `__Host-` prefix: the browser keeps them only if Secure, for this host alone
    /// (no Domain) and for every path, so no sibling host or plain-http page can plant or overwrite them.
    var isSecure: Bool { login.issuer.hasPrefix("https:") }
    var sessionCookie: String { isSecure ? "__Host-trustd_sso" : "trustd_sso" }
    var csrfCookie: String { isSecure ? "__Host-trustd_login_csrf" : "trustd_login_csrf" }
    /// The names of the authorization request's parameters carried through the login form.
    static let carried = [
        "response_type", "client_id", "redirect_uri", "scope", "state", "nonce", "code_challenge",
        "code_challenge_method", "acr_values", "max_age", "prompt",
    ]

    var routes: [Route] {
        [
            Route(.get, "/.well-known/openid-configuration", .public) { _, _ in
                var response = try json(login.discovery())
                response.headers[.cacheControl] = "public, max-age=300"
                return response
            },
            Route(.get, "/oidc/jwks", .oauth) { _, _ in try json(try await login.jwks()) },
            Route(.get, "/oidc/authorize", .oauth) { request, _ in
                // Form encoding (`+` is a space), as OAuth clients send it.
                try await authorize(OIDCAuthorizationRequest(try Self.parseForm(request.uri.query ?? "")), request)
            },
            Route(.post, "/oidc/login", .oauth) { request, context in
                try limiter.admit(ClientRateLimiter.client(of: context))
                return try await loginStep(try await form(request, context), request)
            },
            Route(.post, "/oidc/token", .oauth) { request, context in
                do {
                    let answer = try await login.token(
                        TokenRequest(form: try await form(request, context), basic: Self.basic(request)))
                    return noStore(try json(answer))
                } catch let error as OAuthError {
                    return oauthError(error)
                }
            },
            Route(.get, "/oidc/userinfo", .oauth) { request, _ in try await userinfo(request) },
            Route(.post, "/oidc/userinfo", .oauth) { request, _ in try await userinfo(request) },
            Route(.get, "/oidc/logout", .oauth) { request, _ in
                let query = try Self.parseForm(request.uri.query ?? "")
                let outcome = try await login.logout(
                    sessionCookie: request.cookies[sessionCookie]?.value, request: LogoutRequest(query))
                let target: String
                switch outcome {
                case .refused(let reason):
                    return try message("退出请求无效", heading: "退出请求无效", reason: reason, status: .badRequest)
                case .redirect(let uri): target = uri
                case .loggedOut: target = "/oidc/logged-out"
                }
                var response = redirect(target)
                response.setCookie(cookie(sessionCookie, "", maxAge: 0, sameSite: .lax))
                return response
            },
            Route(.get, "/oidc/logged-out", .oauth) { _, _ in
                try message("已退出", heading: "您已退出统一身份认证", reason: nil, status: .ok)
            },
        ]
    }

    // MARK: Authorization and login

    private func authorize(_ authorization: OIDCAuthorizationRequest, _ request: Request) async throws -> Response {
        let outcome = try await login.authorize(
            authorization, sessionCookie: request.cookies[sessionCookie]?.value)
        switch outcome {
        case .invalidClient(let reason):
            return try message("请求无效", heading: "登录请求无效", reason: reason, status: .badRequest)
        case .redirect(let target):
            return redirect(target, status: .found)
        case .login(let platform, let level):
            return try loginPage(platform, level, authorization, liveCheck: false)
        case .stepUp(let platform, let level):
            return try loginPage(platform, level, authorization, liveCheck: true)
        case .consent(let platform, let scopes):
            let csrf = Base64URL.encode(SecureRandom.bytes(24))
            var view = LoginPage.View(
                platform: platform, requiredLevel: nil, parameters: authorization.query, csrf: csrf)
            view.consent = scopes
            var response = page(try LoginPage.render(view), status: .ok, returnTo: authorization.redirectURI)
            response.setCookie(cookie(csrfCookie, csrf, maxAge: 900, sameSite: .strict))
            return response
        }
    }

    /// The login page with a fresh CSRF cookie.
    private func loginPage(
        _ platform: String, _ level: AssuranceLevel?, _ authorization: OIDCAuthorizationRequest, liveCheck: Bool
    ) throws -> Response {
        let csrf = Base64URL.encode(SecureRandom.bytes(24))
        var view = LoginPage.View(platform: platform, requiredLevel: level, parameters: authorization.query, csrf: csrf)
        view.liveCheck = liveCheck
        var response = page(try LoginPage.render(view), status: .ok, returnTo: authorization.redirectURI)
        response.setCookie(cookie(csrfCookie, csrf, maxAge: 900, sameSite: .strict))
        return response
    }

    private func loginStep(_ fields: [String: String], _ request: Request) async throws -> Response {
        let carried = Self.carried.compactMap { name in fields[name].map { (name, $0) } }
        let authorization = OIDCAuthorizationRequest(Dictionary(carried, uniquingKeysWith: { first, _ in first }))
        guard let csrf = fields["csrf"], let expected = request.cookies[csrfCookie]?.value,
            ConstantTime.equals(Array(csrf.utf8), Array(expected.utf8))
        else {
            throw APIError(.forbidden, "csrf", "the login form expired or did not come from this page; start again")
        }
        guard let platform = try await login.platformName(fields["client_id"]) else {
            throw APIError(.badRequest, "invalid_client", "the login form names no registered platform")
        }
        let session = request.cookies[sessionCookie]?.value
        if fields["action"] == "consent" {
            try await login.grantConsent(sessionCookie: session, request: authorization)
            return redirect(Self.authorizeURI(authorization))
        }
        if fields["action"] == "deny" {
            return redirect(try await login.denyConsent(sessionCookie: session, request: authorization))
        }
        if fields["action"] == "live" {
            do {
                _ = try await login.stepUp(
                    sessionCookie: request.cookies[sessionCookie]?.value,
                    livenessReference: fields["liveness_session"] ?? "")
                return redirect(Self.authorizeURI(authorization))
            } catch let error as TrustError
                where [.verificationFailed, .invalidRequest, .unavailable].contains(error.code)
            {
                // The person stays on the step: a failed check may be retried, a service outage waited out.
                var view = LoginPage.View(platform: platform, requiredLevel: .advanced, parameters: carried, csrf: csrf)
                view.liveCheck = true
                let unavailable = error.code == .unavailable
                view.error = unavailable ? "人脸识别服务暂时不可用，请稍后重试。" : "人脸识别未通过，请重试。"
                return page(
                    try LoginPage.render(view), status: unavailable ? .serviceUnavailable : .badRequest,
                    returnTo: authorization.redirectURI)
            }
        }
        let idNumber = fields["id_number"]?.trimmingCharacters(in: .whitespaces) ?? ""
        guard (1...18).contains(idNumber.count) else {
            throw APIError(.badRequest, "invalid_id_number", "enter an ID number of 18 characters")
        }
        switch fields["action"] {
        case "cert-challenge":
            let challenge = try await login.certificateChallenge(idNumber: idNumber)
            var view = LoginPage.View(platform: platform, requiredLevel: nil, parameters: carried, csrf: csrf)
            view.certificate = (idNumber, challenge.id, challenge.nonce.base64EncodedString())
            return page(try LoginPage.render(view), status: .ok, returnTo: authorization.redirectURI)
        case "cert-login":
            do {
                guard let signature = Data(base64Encoded: fields["signature"] ?? ""), signature.count <= 1024 else {
                    throw TrustError.invalid("the signature is not base64")
                }
                let finished = try await login.finishCertificateLogin(
                    idNumber: idNumber, challengeID: fields["challenge_id"] ?? "",
                    certificatePEM: fields["certificate"] ?? "", signature: Array(signature))
                return loggedIn(finished, authorization)
            } catch let error as TrustError where error.code == .invalidRequest {
                var view = LoginPage.View(platform: platform, requiredLevel: nil, parameters: carried, csrf: csrf)
                view.error = "证书登录未通过：请确认使用本人有效的智能卡或 USB Key。"
                return page(try LoginPage.render(view), status: .badRequest, returnTo: authorization.redirectURI)
            }
        case "send":
            let started = try await login.startLogin(idNumber: idNumber)
            return page(
                try LoginPage.render(
                    .init(
                        platform: platform, requiredLevel: nil, parameters: carried, csrf: csrf,
                        message: "验证码已发送。", code: (idNumber, started.otpID))), status: .ok,
                returnTo: authorization.redirectURI)
        case "verify":
            let otpID = fields["otp_id"] ?? ""
            do {
                let finished = try await login.finishLogin(
                    idNumber: idNumber, otpID: otpID, code: fields["code"] ?? "")
                return loggedIn(finished, authorization)
            } catch let error as TrustError where error.code == .invalidRequest {
                return page(
                    try LoginPage.render(
                        .init(
                            platform: platform, requiredLevel: nil, parameters: carried, csrf: csrf,
                            error: "验证码错误或已过期，请重新输入或重新获取。", code: (idNumber, otpID))),
                    status: .badRequest, returnTo: authorization.redirectURI)
            }
        default:
            throw APIError(.badRequest, "invalid_action", "action must be send or verify")
        }
    }

    // MARK: Userinfo

    private func userinfo(_ request: Request) async throws -> Response {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            var response = oauthError(OAuthError("invalid_token", "a Bearer access token is required", status: 401))
            response.headers[.wwwAuthenticate] = "Bearer"
            return response
        }
        do {
            return noStore(try json(try await login.userinfo(accessToken: String(header.dropFirst(7)))))
        } catch let error as OAuthError {
            var response = oauthError(error)
            response.headers[.wwwAuthenticate] = #"Bearer error="invalid_token""#
            return response
        }
    }

    // MARK: HTTP pieces

    /// An `application/x-www-form-urlencoded` body (at most 64 KiB), first value of each name.
    private func form(_ request: Request, _ context: TrustRequestContext) async throws -> [String: String] {
        guard request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true else {
            throw APIError(.unsupportedMediaType, "unsupported_media_type", "send application/x-www-form-urlencoded")
        }
        let body = try await request.body.collect(upTo: 64 * 1024)
        return try Self.parseForm(String(buffer: body))
    }

    static func parseForm(_ text: String) throws -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decoded(_ part: Substring) throws -> String {
                guard let value = part.replacingOccurrences(of: "+", with: " ").removingPercentEncoding,
                    // Line breaks are allowed (a certificate pasted in a text area); other control characters not.
                    !value.unicodeScalars.contains(where: {
                        $0.properties.generalCategory == .control && !["\n", "\r", "\t"].contains($0)
                    })
                else { throw APIError(.badRequest, "malformed_form", "the form is not valid URL encoding") }
                return value
            }
            let name = try decoded(parts[0])
            if fields[name] == nil { fields[name] = parts.count > 1 ? try decoded(parts[1]) : "" }
        }
        return fields
    }

    /// `Authorization: Basic` client credentials (RFC 6749 §2.3.1: each part form-encoded).
    static func basic(_ request: Request) -> (id: String, secret: String)? {
        guard let header = request.headers[.authorization], header.hasPrefix("Basic "),
            let data = Data(base64Encoded: String(header.dropFirst(6))),
            let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else { return nil }
        let id = String(text[..<colon]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
        let secret =
            String(text[text.index(after: colon)...]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
            ?? ""
        return (id, secret)
    }

    private func cookie(_ name: String, _ value: String, maxAge: Int, sameSite: Cookie.SameSite) -> Cookie {
        Cookie(
            name: name, value: value, maxAge: maxAge, path: isSecure ? "/" : "/oidc", secure: isSecure,
            httpOnly: true, sameSite: sameSite)
    }

    /// Logged in: the session cookie, and back to the authorization endpoint.
    private func loggedIn(_ finished: LoginService.FinishedLogin, _ authorization: OIDCAuthorizationRequest)
        -> Response
    {
        var response = redirect(Self.authorizeURI(authorization))
        response.setCookie(
            cookie(
                sessionCookie, finished.cookie, maxAge: Int(login.configuration.sessionLifetime), sameSite: .lax))
        return response
    }

    /// Back to the authorization endpoint with the platform's original request (a path on trustd: no open redirect).
    static func authorizeURI(_ authorization: OIDCAuthorizationRequest) -> String {
        var components = URLComponents()
        components.path = "/oidc/authorize"
        components.queryItems = authorization.query.map { name, value in URLQueryItem(name: name, value: value) }
        return components.percentEncodedQuery.map {
            "/oidc/authorize?" + $0.replacingOccurrences(of: "+", with: "%2B")
        } ?? "/oidc/authorize"
    }

    /// `scheme://host[:port]` of a URI, for a CSP source expression.
    static func origin(_ uri: String) -> String? {
        guard let components = URLComponents(string: uri), let scheme = components.scheme, let host = components.host,
            ["http", "https"].contains(scheme), host.allSatisfy({ $0.isLetter || $0.isNumber || ".-[]:".contains($0) })
        else { return nil }
        return "\(scheme)://\(host)" + (components.port.map { ":\($0)" } ?? "")
    }

    private func redirect(_ target: String, status: HTTPResponse.Status = .seeOther) -> Response {
        var headers = HTTPFields()
        headers[.location] = target
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers)
    }

    /// An HTML page with a strict policy. `returnTo` is the platform's redirect URI (already matched against its
    /// registration): browsers apply `form-action` to the redirects that follow a form's submission, so the login
    /// form may end at the platform's origin.
    private func page(_ html: String, status: HTTPResponse.Status, returnTo: String? = nil) -> Response {
        var response = text(html, contentType: "text/html; charset=utf-8")
        response.status = status
        let origin = returnTo.flatMap(Self.origin).map { " " + $0 } ?? ""
        response.headers[.contentSecurityPolicy] =
            "default-src 'none'; style-src 'self'; form-action 'self'\(origin); frame-ancestors 'none'; base-uri 'none'"
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.cacheControl] = "no-store"
        return response
    }

    /// A short page with a title and an optional reason (the error and "logged out" pages).
    private func message(_ title: String, heading: String, reason: String?, status: HTTPResponse.Status) throws
        -> Response
    {
        var context: [String: Any] = ["title": title, "heading": heading]
        if let reason { context["reason"] = reason }
        return page(try ReportPage.render(context, "login-message"), status: status)
    }

    private func noStore(_ response: Response) -> Response {
        var response = response
        response.headers[.cacheControl] = "no-store"
        if let pragma = HTTPField.Name("Pragma") { response.headers[pragma] = "no-cache" }
        return response
    }

    private func oauthError(_ error: OAuthError) -> Response {
        struct Body: Encodable {
            let error: String
            let errorDescription: String
            enum CodingKeys: String, CodingKey {
                case error
                case errorDescription = "error_description"
            }
        }
        var response =
            (try? json(Body(error: error.error, errorDescription: error.description))) ?? Response(status: .badRequest)
        response.status = HTTPResponse.Status(code: error.status)
        return noStore(response)
    }
}
