import APIContract
import Foundation
import Mustache

/// The validation report as a page people read (`POST /v1/verify?format=html`), rendered from
/// `Templates/validation-report.mustache`; Mustache escapes every value.
enum ReportPage {
    private static let template: MustacheTemplate? = {
        guard
            let url = Bundle.module.url(
                forResource: "validation-report", withExtension: "mustache", subdirectory: "Templates"),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else { return nil }
        return try? MustacheTemplate(string: text)
    }()

    static func render(_ report: ValidationReportView) throws -> String {
        guard let template else {
            throw APIError(.internalServerError, "internal_error", "the report template is missing from the build")
        }
        let facts: [[String: String]] = [
            ["label": "Format", "value": report.format],
            ["label": "Signer", "value": report.signer ?? "-"],
            ["label": "Seal", "value": report.seal.map { "\($0.name ?? "-") (\($0.esId ?? "-"))" } ?? "-"],
            [
                "label": "Signing time",
                "value": report.signingTime.map { "\($0) (\(report.timeSource ?? "-"))" } ?? "-",
            ],
        ]
        let checks: [[String: String]] = report.checks.map {
            ["name": $0.name, "status": $0.status, "detail": $0.detail]
        }
        var context: [String: Any] = ["indication": report.indication, "facts": facts, "checks": checks]
        if let sub = report.subIndication { context["subIndication"] = sub }
        return template.render(context)
    }
}
