import APIContract
import Foundation
import Mustache

/// The validation report as a page people read (`POST /v1/verify?format=html`), rendered from
/// `Templates/validation-report.mustache`; Mustache escapes every value.
enum ReportPage {
    private static let template = load("validation-report")
    private static let documentTemplate = load("document-report")

    private static func load(_ name: String) -> MustacheTemplate? {
        guard
            let url = Bundle.module.url(forResource: name, withExtension: "mustache", subdirectory: "Templates"),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else { return nil }
        return try? MustacheTemplate(string: text)
    }

    static func render(_ report: ValidationReportView) throws -> String {
        guard let template else {
            throw APIError(.internalServerError, "internal_error", "the report template is missing from the build")
        }
        var context = section(report)
        context["indication"] = report.indication
        return template.render(context)
    }

    /// A document: its findings, then one section per signature.
    static func render(_ report: DocumentReportView) throws -> String {
        guard let documentTemplate else {
            throw APIError(.internalServerError, "internal_error", "the report template is missing from the build")
        }
        var context: [String: Any] = [
            "indication": report.indication, "format": report.format, "count": String(report.signatures.count),
            "warnings": report.warnings, "hasWarnings": !report.warnings.isEmpty,
            "unprotected": report.unprotectedFiles, "hasUnprotected": !report.unprotectedFiles.isEmpty,
            "signatures": report.signatures.map { signature -> [String: Any] in
                var section = section(signature.report)
                section["id"] = signature.id
                section["type"] = signature.type
                section["indication"] = signature.report.indication
                section["facts"] =
                    (section["facts"] as? [[String: String]] ?? [])
                    + [["label": "Pages", "value": signature.pages.joined(separator: ", ")]]
                return section
            },
        ]
        if let sub = report.subIndication { context["subIndication"] = sub }
        return documentTemplate.render(context)
    }

    private static func section(_ report: ValidationReportView) -> [String: Any] {
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
        var context: [String: Any] = ["facts": facts, "checks": checks]
        if let sub = report.subIndication { context["subIndication"] = sub }
        return context
    }
}
