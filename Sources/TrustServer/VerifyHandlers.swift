import APIContract
import Foundation
import Hummingbird
import TrustCrypto
import TrustModel
import TrustServices

/// `POST /v1/verify`: the validation report as JSON, or `?format=html` as a readable page.
extension Handlers {
    func verifyHandler(for spec: RouteSpec) -> Handler? {
        guard spec.method == .post, spec.path == "/v1/verify" else { return nil }
        return { request, context in
            let body = try await decode(VerifyRequestBody.self, request, context)
            guard let signature = Data(base64Encoded: body.signature), !signature.isEmpty else {
                throw APIError(.badRequest, "malformed_base64", "signature is not base64")
            }
            var data: [UInt8]? = nil, digest: [UInt8]? = nil
            if let text = body.data {
                guard let decoded = Data(base64Encoded: text) else { throw APIError(.badRequest, "malformed_base64", "data is not base64") }
                data = Array(decoded)
            }
            if let text = body.digest {
                guard let decoded = Hex.decode(text.lowercased()), [32, 48, 64].contains(decoded.count) else { throw TrustError.invalid("digest must be a 32-, 48- or 64-byte hash in hex") }
                digest = decoded
            }
            guard data == nil || digest == nil else { throw TrustError.invalid("give data or digest, not both") }
            let verifier = api.appliance.verifier, bytes = Array(signature), document = data, hash = digest
            let report = try await BlockingWork.run { verifier.verify(bytes, data: document, digest: hash) }
            let view = ValidationReportView(
                valid: report.isValid, indication: report.indication.rawValue, subIndication: report.subIndication, format: report.format,
                signer: report.signer, seal: report.sealName.map { ValidationReportView.SealSummary(name: $0, esId: report.sealID) },
                signingTime: report.signingTime.map(iso8601), timeSource: report.timeSource,
                checks: report.checks.map { ValidationCheckView(name: $0.name, status: $0.status.rawValue, detail: $0.detail, subIndication: $0.subIndication) })
            if request.uri.queryParameters["format"] == "html" { return text(Self.html(view), contentType: "text/html; charset=utf-8") }
            return try json(view)
        }
    }

    static func html(_ report: ValidationReportView) -> String {
        func escape(_ text: String) -> String {
            text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
                .replacingOccurrences(of: "\"", with: "&quot;")
        }
        let rows = report.checks.map { check in
            "<tr class=\"\(check.status)\"><td>\(escape(check.name))</td><td>\(escape(check.status))</td><td>\(escape(check.detail))</td></tr>"
        }.joined(separator: "\n")
        let facts = [("Format", report.format), ("Signer", report.signer ?? "-"), ("Seal", report.seal.map { "\($0.name ?? "-") (\($0.esId ?? "-"))" } ?? "-"),
                     ("Signing time", report.signingTime.map { "\($0) (\(report.timeSource ?? "-"))" } ?? "-")]
            .map { "<tr><th>\($0.0)</th><td>\(escape($0.1))</td></tr>" }.joined(separator: "\n")
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Validation report — \(escape(report.indication))</title>
            <style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}
            .passed td:nth-child(2){color:#070}.failed td:nth-child(2){color:#b00}.indeterminate td:nth-child(2){color:#a60}</style></head>
            <body><h1>\(escape(report.indication))\(report.subIndication.map { " / " + escape($0) } ?? "")</h1>
            <table>\(facts)</table><h2>Checks</h2><table><tr><th>check</th><th>status</th><th>detail</th></tr>
            \(rows)
            </table></body></html>
            """
    }
}
