import Foundation
import TrustModel
import TrustServices

/// The words of the public verification page and its seal lookup, in Chinese or English.
enum PublicPageText {
    static func page(_ language: ReportLanguage, maxBytes: Int) -> [String: Any] {
        let other: ReportLanguage = language == .zh ? .en : .zh
        let megabytes = maxBytes / (1 << 20)
        return [
            "lang": language.rawValue, "htmlLang": language.htmlTag, "otherLang": other.rawValue,
            "otherHtmlLang": other.htmlTag, "maxBytes": String(maxBytes),
            "t": [
                "switchLanguage": language.pick("English", "中文"),
                "title": language.pick("电子印章验证（验章）", "Electronic seal verification"),
                "intro": language.pick(
                    "上传加盖电子印章的 OFD 文件，或签章文件和原文，即可查看签章是否有效。",
                    "Upload a sealed OFD document, or a signature file with its document, to see whether the seal is valid."
                ),
                "uploadHeading": language.pick("验证文件", "Verify a document"),
                "documentLabel": language.pick("签章文件（OFD 或签名文件）", "Signed file (OFD or signature file)"),
                "documentHint": language.pick(
                    "不超过 \(megabytes) MB。", "At most \(megabytes) MB."),
                "originalLabel": language.pick("原文（仅分离式签名需要）", "Original document (detached signatures only)"),
                "originalHint": language.pick(
                    "签章文件不包含原文时，在此选择原文。", "If the signature file does not contain the document, choose it here."),
                "verifyButton": language.pick("开始验证", "Verify"),
                "noscript": language.pick(
                    "验证文件需要启用浏览器脚本；印章查询不需要。", "Verifying a file needs scripts enabled; the seal lookup does not."),
                "privacy": language.pick(
                    "文件只用于本次验证，不会被保存。", "Files are used for this verification only and are not kept."),
                "reading": language.pick("正在验证……", "Verifying…"),
                "failed": language.pick("无法验证：", "Could not verify:"),
                "tooLarge": language.pick("文件过大。", "The file is too large."),
                "lookupHeading": language.pick("印章状态查询", "Seal status lookup"),
                "lookupLabel": language.pick("印章编号、印章编码或备案号", "Seal id, seal code or filing number"),
                "lookupHint": language.pick("例如印章上的备案号。", "For example the filing number printed on the seal."),
                "lookupButton": language.pick("查询", "Look up"),
            ],
        ]
    }

    static func seal(_ status: PublicSealStatus, _ language: ReportLanguage) -> [String: Any] {
        let usable = status.state == .active && status.certificateStatus == .valid
        let facts: [[String: String]] = [
            ["label": language.pick("单位", "Organisation"), "value": status.organization],
            ["label": language.pick("印章名称", "Seal name"), "value": status.name],
            ["label": language.pick("印章编号", "Seal id"), "value": status.id],
            ["label": language.pick("印章编码", "Seal code"), "value": status.esID],
            ["label": language.pick("备案号", "Filing number"), "value": status.filingNumber ?? "—"],
            [
                "label": language.pick("有效期", "Valid"),
                "value": "\(ReportTime.day(status.validFrom)) – \(ReportTime.day(status.validTo))",
            ],
        ]
        return [
            "found": true, "state": ReportWords.sealState(status.state, language),
            "tone": usable ? "valid" : (status.state == .suspended ? "unknown" : "invalid"),
            "labels": [
                "state": language.pick("印章状态", "Seal status"),
                "caption": language.pick("印章登记信息", "Registered seal"),
            ],
            "facts": facts,
        ]
    }

    static func lookupError(_ error: APIError, _ language: ReportLanguage) -> String {
        switch error.status {
        case .notFound: language.pick("未找到该印章。", "No seal was found.")
        case .tooManyRequests: language.pick("查询过于频繁，请稍后再试。", "Too many lookups; try again in a moment.")
        case .badRequest:
            language.pick(
                "请输入 1 至 64 个字符的印章编号、编码或备案号。", "Enter a seal id, code or filing number of 1 to 64 characters.")
        default: language.pick("暂时无法查询，请稍后再试。", "The lookup is not available at present; try again later.")
        }
    }
}
