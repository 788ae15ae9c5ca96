import Foundation
import Mustache
import TrustModel

/// Validation reports as pages people read (`POST /v1/verify?format=html`, the public verification page): Chinese by
/// default, the verdict and its reason in plain words, the seal's picture and holder, times in Beijing time with UTC
/// beside, each check in words with the ETSI code and the technical detail kept. Rendered from `Templates/` by
/// swift-mustache, which escapes every value.
enum ReportPage {
    static let library = loadLibrary()

    static func page(_ report: ValidationReport, _ language: ReportLanguage, at now: Date) throws -> String {
        try render(context(report, language, at: now), "report-page")
    }

    static func page(_ report: DocumentValidationReport, _ language: ReportLanguage, at now: Date) throws -> String {
        try render(context(report, language, at: now), "report-page")
    }

    /// The report without the page around it, for the public page to show under its form.
    static func fragment(_ report: ValidationReport, _ language: ReportLanguage, at now: Date) throws -> String {
        try render(context(report, language, at: now), "report-body")
    }

    static func fragment(_ report: DocumentValidationReport, _ language: ReportLanguage, at now: Date) throws -> String
    {
        try render(context(report, language, at: now), "report-body")
    }

    static func render(_ context: [String: Any], _ template: String) throws -> String {
        guard let text = library.render(context, withTemplate: template) else {
            throw APIError(.internalServerError, "internal_error", "the page template \(template) is missing")
        }
        return text
    }

    // MARK: Contexts

    private static func context(_ report: ValidationReport, _ language: ReportLanguage, at now: Date) -> [String: Any] {
        var context = common(language, at: now)
        context.merge(verdict(report.indication, PlainReason(report), language)) { $1 }
        context["signatures"] = [section(report, language, heading: nil)]
        return context
    }

    private static func context(_ report: DocumentValidationReport, _ language: ReportLanguage, at now: Date)
        -> [String: Any]
    {
        var context = common(language, at: now)
        let reason =
            report.signatures.isEmpty
            ? .noSignatures
            : report.signatures.first { $0.report.indication == report.indication }.flatMap { PlainReason($0.report) }
        context.merge(verdict(report.indication, reason, language)) { $1 }
        context["summary"] = language.pick(
            "OFD 文件，共 \(report.signatures.count) 个签章。", "OFD document with \(report.signatures.count) signature(s).")
        context["warnings"] = report.warnings
        context["hasWarnings"] = !report.warnings.isEmpty
        context["unprotected"] = report.unprotectedFiles
        context["hasUnprotected"] = !report.unprotectedFiles.isEmpty
        context["signatures"] = report.signatures.enumerated().map { index, signature -> [String: Any] in
            let kind =
                signature.kind == .seal
                ? language.pick("电子印章", "electronic seal") : language.pick("数字签名", "digital signature")
            var section = section(
                signature.report, language,
                heading: language.pick("第 \(index + 1) 个签章（\(kind)）", "Signature \(index + 1) (\(kind))"))
            var facts = section["facts"] as? [[String: String]] ?? []
            facts.append(["label": language.pick("所在页面", "Pages"), "value": signature.pages.joined(separator: ", ")])
            section["facts"] = facts
            return section
        }
        return context
    }

    private static func common(_ language: ReportLanguage, at now: Date) -> [String: Any] {
        [
            "htmlLang": language.htmlTag, "generatedAt": ReportTime.text(now, language),
            "labels": [
                "title": language.pick("签章验证报告", "Seal verification report"),
                "verdict": language.pick("验证结论", "Verdict"),
                "warnings": language.pick("提示", "Warnings"),
                "unprotected": language.pick("未受签章保护的文件", "Files no signature protects"),
                "facts": language.pick("印章与签章信息", "Seal and signature"),
                "checks": language.pick("逐项检查", "Checks"),
                "check": language.pick("检查项", "Check"), "result": language.pick("结果", "Result"),
                "detail": language.pick("技术细节（ETSI EN 319 102-1）", "Technical detail (ETSI EN 319 102-1)"),
                "generated": language.pick("本报告生成于", "Generated at"),
            ],
        ]
    }

    private static func verdict(
        _ indication: ValidationReport.Indication, _ reason: PlainReason?, _ language: ReportLanguage
    ) -> [String: Any] {
        var context: [String: Any] = [
            "indication": indication.rawValue, "verdict": ReportWords.verdict(indication, language),
            "tone": ReportWords.tone(indication),
        ]
        if let reason { context["reason"] = reason.text(language) }
        return context
    }

    private static func section(_ report: ValidationReport, _ language: ReportLanguage, heading: String?)
        -> [String: Any]
    {
        let none = "—"
        var facts: [[String: String]] = []
        func fact(_ zh: String, _ en: String, _ value: String?) {
            facts.append(["label": language.pick(zh, en), "value": value ?? none])
        }
        fact("单位", "Organisation", report.sealHolder?.organization)
        fact("印章名称", "Seal name", report.sealName)
        fact("印章编码", "Seal code", report.sealID)
        fact("备案号", "Filing number", report.sealHolder?.filingNumber)
        fact("签章人", "Signer", report.signer)
        fact("签章时间", "Signing time", report.signingTime.map { ReportTime.text($0, language) })
        if report.signingTime != nil {
            fact("时间来源", "Time source", ReportWords.timeSource(report.timeSource, language))
        }
        fact("格式", "Format", report.format)
        var section: [String: Any] = [
            "facts": facts,
            "checks": report.checks.map { check -> [String: Any] in
                var line: [String: Any] = [
                    "name": ReportWords.check(check.name, language), "key": check.name.rawValue,
                    "status": ReportWords.status(check.status, language), "statusClass": check.status.rawValue,
                    "detail": check.detail,
                ]
                if let code = check.subIndication { line["code"] = code.rawValue }
                return line
            },
        ]
        if let heading {
            section["heading"] = heading
            section.merge(verdict(report.indication, PlainReason(report), language)) { $1 }
        }
        if let image = report.sealImage.flatMap(dataURI) {
            section["image"] = image
            section["imageAlt"] = language.pick(
                "印章图像：\(report.sealName ?? none)", "Seal picture: \(report.sealName ?? none)")
        }
        return section
    }

    /// Pictures a browser shows without running anything (never SVG, which can carry script).
    private static func dataURI(_ image: ValidationReport.SealImage) -> String? {
        let media: String
        switch image.type.lowercased() {
        case "png": media = "image/png"
        case "jpg", "jpeg": media = "image/jpeg"
        case "gif": media = "image/gif"
        default: return nil
        }
        guard !image.data.isEmpty, image.data.count <= 512 * 1024 else { return nil }
        return "data:\(media);base64,\(Data(image.data).base64EncodedString())"
    }

    // MARK: Templates

    private static let templateNames = [
        "report-style", "report-body", "report-page", "verify-page", "seal-status", "login-page", "login-message",
    ]

    private static func loadLibrary() -> MustacheLibrary {
        var library = MustacheLibrary()
        for name in templateNames {
            guard
                let url = Bundle.module.url(forResource: name, withExtension: "mustache", subdirectory: "Templates"),
                let text = try? String(contentsOf: url, encoding: .utf8)
            else { continue }
            try? library.register(text, named: name)
        }
        return library
    }
}
