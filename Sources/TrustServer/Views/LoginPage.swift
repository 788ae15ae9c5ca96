import Foundation
import TrustModel
import TrustServices

/// The login page (Chinese, plain HTML, no script, nothing from elsewhere): the ID number first, then the code.
enum LoginPage {
    struct View {
        var platform: String
        var requiredLevel: AssuranceLevel?
        var parameters: [(String, String)]
        var csrf: String
        var error: String? = nil
        var message: String? = nil
        /// Set once a code was sent: the second step.
        var code: (idNumber: String, otpID: String)? = nil
        /// The step-up: a live check for a person already logged in.
        var liveCheck = false
        /// The consent step: the scopes the platform asks for.
        var consent: [String]? = nil
        /// The certificate step: the challenge to sign.
        var certificate: (idNumber: String, challengeID: String, challenge: String)? = nil
    }

    static func render(_ view: View) throws -> String {
        var context: [String: Any] = [
            "platform": view.platform,
            "params": view.parameters.map { ["name": $0.0, "value": $0.1] },
            "csrf": view.csrf,
        ]
        if let level = view.requiredLevel { context["requiredLevel"] = levelName(level) }
        if let error = view.error { context["error"] = error }
        if let message = view.message { context["message"] = message }
        if view.liveCheck { context["liveCheck"] = true }
        if let scopes = view.consent {
            context["consent"] = true
            context["scopes"] = scopes.map { ["scope": $0, "meaning": scopeMeaning($0)] }
        }
        if let certificate = view.certificate {
            context["certificate"] = true
            context["idNumber"] = certificate.idNumber
            context["challengeID"] = certificate.challengeID
            context["challenge"] = certificate.challenge
        }
        if let code = view.code {
            context["askCode"] = true
            context["idNumber"] = code.idNumber
            context["otpID"] = code.otpID
        }
        return try ReportPage.render(context, "login-page")
    }

    static func scopeMeaning(_ scope: String) -> String {
        switch scope {
        case "openid": "您在该平台的专属标识（不含身份证号）"
        case "profile": "您的姓名"
        case "identity": "经核验的姓名和脱敏的身份证号"
        case "organization": "您所代表的单位、统一社会信用代码及授权范围"
        default: scope
        }
    }

    static func levelName(_ level: AssuranceLevel) -> String {
        switch level {
        case .anonymous: "匿名"
        case .primary: "初级"
        case .intermediate: "中级"
        case .advanced: "高级"
        }
    }
}
