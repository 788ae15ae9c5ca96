import APIContract
import Hummingbird
import TrustModel
import TrustServices

/// What the verification route needs of the verifier.
protocol VerificationOperations: Sendable {
    func verify(_ bytes: [UInt8], data: [UInt8]?, digest: [UInt8]?, by caller: Caller) async throws -> ValidationReport
}

extension SignatureVerifier: VerificationOperations {}

/// `POST /v1/verify`: the validation report as JSON, or `?format=html` as a readable page.
struct VerificationController: Controller {
    let verifier: any VerificationOperations

    var routes: [Route] {
        [
            Route(.post, "/v1/verify", .permission(.verify)) { request, context in
                let body = try await decode(VerifyRequestBody.self, request, context)
                let report = try await verifier.verify(
                    try body.signatureBytes(), data: try body.dataBytes(), digest: try body.digestBytes(),
                    by: try context.caller())
                let view = ValidationReportView(report)
                if request.uri.queryParameters["format"] == "html" {
                    return text(try ReportPage.render(view), contentType: "text/html; charset=utf-8")
                }
                return try json(view)
            }
        ]
    }
}
