import APIContract
import Foundation
import HTTPTypes
import Hummingbird
import TrustModel
import TrustServices

/// What the verification route needs of the verifier.
protocol VerificationOperations: Sendable {
    func verifyAny(_ bytes: [UInt8], data: [UInt8]?, digest: [UInt8]?, by caller: Caller) async throws
        -> VerificationOutcome
}

extension SignatureVerifier: VerificationOperations {}

/// What the report page needs of the TSA: a timestamp over the page, so the page can be filed.
protocol ReportStamping: Sendable {
    func stampReport(_ report: [UInt8], by caller: Caller) async throws -> TimestampAuthority.Granted
}

extension TimestampAuthority: ReportStamping {}

/// `POST /v1/verify`: the validation report as JSON, or `?format=html` as a readable page; for an OFD document one
/// report per signature. The page comes with trustd's RFC 3161 timestamp over its bytes (`Trustd-Report-Timestamp`,
/// base64 DER TimeStampResp), so that it can be filed and checked later.
struct VerificationController: Controller {
    static let timestampHeader = HTTPField.Name("Trustd-Report-Timestamp")!

    let verifier: any VerificationOperations
    let stamps: any ReportStamping
    /// Shared with document sealing: a body that may be a document takes a place.
    let gate: LargeBodyGate

    var routes: [Route] {
        [
            Route(.post, "/v1/verify", .permission(.verify)) { request, context in
                request.mayCarryALargeBody
                    ? try await gate.admit { try await verify(request, context) } : try await verify(request, context)
            }
        ]
    }

    private func verify(_ request: Request, _ context: TrustRequestContext) async throws -> Response {
        let body = try await decode(VerifyRequestBody.self, request, context)
        let outcome = try await verifier.verifyAny(
            try body.signatureBytes(), data: try body.dataBytes(), digest: try body.digestBytes(),
            by: try context.caller())
        guard request.uri.queryParameters["format"] == "html" else {
            switch outcome {
            case .signature(let report): return json(ValidationReportView(report))
            case .document(let report): return try json(DocumentReportView(report))
            }
        }
        let language = ReportLanguage(request)
        let page: String
        switch outcome {
        case .signature(let report): page = try ReportPage.page(report, language, at: Date())
        case .document(let report): page = try ReportPage.page(report, language, at: Date())
        }
        let stamp = try await stamps.stampReport(Array(page.utf8), by: try context.caller())
        var response = Self.reportPage(page)
        response.headers[Self.timestampHeader] = Data(stamp.response).base64EncodedString()
        return response
    }

    /// A self-contained page (its picture inline): nothing may run in it, nothing be loaded from elsewhere.
    static func reportPage(_ html: String) -> Response {
        var response = text(html, contentType: "text/html; charset=utf-8")
        response.headers[.contentSecurityPolicy] = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
        response.headers[.xContentTypeOptions] = "nosniff"
        return response
    }
}
