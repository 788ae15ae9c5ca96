import APIContract
import Foundation
import HTTPTypes
import Hummingbird
import TrustModel
import TrustServices

/// What the public page needs of the seal registry.
protocol SealLookupOperations: Sendable {
    func lookup(_ query: String, by caller: Caller) async throws -> PublicSealStatus
}

extension SealService: SealLookupOperations {}

/// The public verification page (验章): anyone, without logging in, uploads a sealed OFD (or a signature file and its
/// document) and reads the report in Chinese or English, or looks a seal up by its id, seal code or filing number.
/// Nothing is stored (verification writes nothing); requests are rate-limited per client address and documents share
/// the places of the large-body gate. The page loads nothing from elsewhere (a strict Content-Security-Policy).
struct PublicVerificationController: Controller {
    let verifier: any VerificationOperations
    let seals: any SealLookupOperations
    let gate: LargeBodyGate
    let limiter: ClientRateLimiter

    /// The largest file the page accepts (the API's own bound for a document).
    static let maxFileBytes = SealDocumentRequestBody.maxDocumentBytes

    var routes: [Route] {
        [
            Route(.get, "/", .public) { _, _ in
                var headers = HTTPFields()
                headers[.location] = "/verify"
                return Response(status: .seeOther, headers: headers)
            },
            Route(.get, "/verify", .public) { request, context in try await page(request, context) },
            Route(.get, "/verify/style.css", .public) { _, _ in
                asset(try ReportPage.render([:], "report-style"), "text/css; charset=utf-8")
            },
            Route(.get, "/verify/page.js", .public) { _, _ in
                asset(Self.script, "text/javascript; charset=utf-8")
            },
            Route(.post, "/verify/report", .public) { request, context in
                try limiter.admit(ClientRateLimiter.client(of: context))
                return request.mayCarryALargeBody
                    ? try await gate.admit { try await report(request, context) }
                    : try await report(request, context)
            },
        ]
    }

    private func report(_ request: Request, _ context: TrustRequestContext) async throws -> Response {
        let body = try await decode(VerifyRequestBody.self, request, context)
        let language = ReportLanguage(request)
        let outcome = try await verifier.verifyAny(
            try body.signatureBytes(), data: try body.dataBytes(), digest: try body.digestBytes(), by: .anonymous)
        let html: String
        switch outcome {
        case .signature(let report): html = try ReportPage.fragment(report, language, at: Date())
        case .document(let report): html = try ReportPage.fragment(report, language, at: Date())
        }
        return page(html, status: .ok)
    }

    /// The page; with `?q=` it carries the seal's status (or why there is none) under the lookup form.
    private func page(_ request: Request, _ context: TrustRequestContext) async throws -> Response {
        let language = ReportLanguage(request)
        var status = HTTPResponse.Status.ok
        var view = PublicPageText.page(language, maxBytes: Self.maxFileBytes)
        if let query = request.uri.queryParameters["q"].map({ String($0).trimmingCharacters(in: .whitespaces) }) {
            view["query"] = query
            do {
                guard (1...64).contains(query.count),
                    query.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0 != "\u{7F}" })
                else {
                    throw APIError(
                        .badRequest, "invalid_query", "a seal id, seal code or filing number, 1–64 characters")
                }
                try limiter.admit(ClientRateLimiter.client(of: context))
                view["seal"] = PublicPageText.seal(try await seals.lookup(query, by: .anonymous), language)
            } catch {
                let failure = APIError.from(error)
                status = failure.status
                view["seal"] = ["error": PublicPageText.lookupError(failure, language)]
            }
        }
        return page(try ReportPage.render(view, "verify-page"), status: status)
    }

    private static let script: String = {
        guard
            let url = Bundle.module.url(forResource: "verify-page", withExtension: "js", subdirectory: "Templates"),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else { return "" }
        return text
    }()

    /// HTML with the headers a public page needs: nothing from elsewhere, no framing, nothing cached.
    private func page(_ html: String, status: HTTPResponse.Status) -> Response {
        var response = text(html, contentType: "text/html; charset=utf-8")
        response.status = status
        response.headers[.contentSecurityPolicy] =
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        response.headers[.cacheControl] = "no-store"
        return response
    }

    private func asset(_ body: String, _ contentType: String) -> Response {
        var response = text(body, contentType: contentType)
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.cacheControl] = "public, max-age=300"
        return response
    }
}
