import Foundation
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing
import TrustModel

@testable import TrustServer

/// The report people read (`?format=html`) and the public verification page (验章), rendered through the router.
@Suite struct ReportPageTests {
    func body(_ object: [String: Any]) throws -> ByteBuffer {
        ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: object))
    }

    var json: HTTPFields {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return headers
    }

    @Test func anUnreadableFileIsInvalidInPlainChineseWithTheETSICodeKept() async throws {
        let fixture = try await ServerFixture()
        let platform = try #require(fixture.tokens[.platform])
        let data = Array("原文".utf8)
        try await fixture.application.test(.router) { client in
            // Anything that is not a signature: invalid, "not a recognised signed document", FORMAT_FAILURE kept.
            let zh = try await client.execute(
                uri: "/v1/verify?format=html", method: .post, headers: jsonHeaders(platform),
                body: try body(["signature": "MAMCAQE=", "data": Data(data).base64EncodedString()]))
            #expect(zh.status == .ok)
            let page = String(buffer: zh.body)
            #expect(page.contains("<html lang=\"zh-CN\">"))
            #expect(page.contains("data-verdict=\"TOTAL_FAILED\">无效</strong>"))
            #expect(page.contains("文件不是可识别的签章文件，或已损坏"))
            #expect(page.contains("<code>FORMAT_FAILURE</code>"))
            #expect(zh.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)
            // Stamped, so it can be filed: a granted RFC 3161 response (status 0) rides along.
            let stamp = try #require(
                zh.headers[VerificationController.timestampHeader].flatMap { Data(base64Encoded: $0) })
            #expect(stamp.count > 100 && stamp.starts(with: [0x30]))
            // English on request, by query or by Accept-Language.
            var english = jsonHeaders(platform)
            english[.acceptLanguage] = "en-GB,en;q=0.9,zh;q=0.5"
            let en = try await client.execute(
                uri: "/v1/verify?format=html", method: .post, headers: english,
                body: try body(["signature": "MAMCAQE="]))
            #expect(String(buffer: en.body).contains(">Invalid</strong>"))
            let asked = try await client.execute(
                uri: "/v1/verify?format=html&lang=en", method: .post, headers: jsonHeaders(platform),
                body: try body(["signature": "MAMCAQE="]))
            #expect(String(buffer: asked.body).contains("The file is not a recognised signed document"))
        }
    }

    @Test func reasonsAreSaidInWordsAClerkCanUse() {
        func reason(_ check: ValidationReport.Check) -> String? {
            PlainReason(ValidationReport(format: "ses", checks: [.passed(.format, "ok"), check]))?.text(.zh)
        }
        #expect(reason(.problem(.document, "digest differs", .hashFailure)) == "文件在签章后被修改")
        #expect(reason(.problem(.references, "Content.xml differs", .hashFailure)) == "文件在签章后被修改")
        #expect(reason(.problem(.revocation, "revoked", .revoked)) == "证书已吊销")
        #expect(
            reason(.problem(.sealStatus, "seal s1 is reported lost", .tryLater, cause: .sealReportedLost)) == "印章已挂失")
        #expect(
            reason(.problem(.sealStatus, "registry down", .tryLater, cause: .lookupFailed)) == "暂时无法查询印章或证书状态，请稍后再试")
        #expect(reason(.problem(.sealStatus, "revoked", .revoked)) == "印章已吊销或已销毁")
        #expect(reason(.problem(.revocation, "hold", .revoked, cause: .certificateOnHold)) == "证书已暂停使用（印章已挂失）")
        #expect(reason(.passed(.signature, "ok")) == nil)
        // A failure outranks an earlier indeterminate check.
        let report = ValidationReport(
            format: "ses",
            checks: [.problem(.revocation, "no CRL", .tryLater), .problem(.document, "differs", .hashFailure)])
        #expect(PlainReason(report) == .documentModified)
        // Every reason has both languages.
        for reason in PlainReason.allCases {
            #expect(!reason.text(.zh).isEmpty && !reason.text(.en).isEmpty && reason.text(.zh) != reason.text(.en))
        }
    }

    @Test func timesAreInBeijingTimeWithUTCBeside() {
        let date = Date(timeIntervalSince1970: 1_780_000_000)  // 2026-05-28T20:26:40Z
        #expect(ReportTime.text(date, .zh) == "2026-05-29 04:26:40 北京时间（UTC 2026-05-28 20:26:40）")
        #expect(ReportTime.text(date, .en) == "2026-05-29 04:26:40 Beijing time (UTC 2026-05-28 20:26:40)")
    }

    @Test func theLanguageIsChineseUnlessEnglishIsPreferred() {
        #expect(ReportLanguage.negotiate(nil) == nil)
        #expect(ReportLanguage.negotiate("fr-FR, de;q=0.8") == nil)
        #expect(ReportLanguage.negotiate("en-US,en;q=0.9") == .en)
        #expect(ReportLanguage.negotiate("zh-CN,zh;q=0.9,en;q=0.8") == .zh)
        #expect(ReportLanguage.negotiate("en;q=0.3, zh-Hans;q=0.7") == .zh)
        #expect(ReportLanguage.negotiate("zh;q=0, en;q=0.1") == .en)
        #expect(ReportLanguage.negotiate("en;q=abc") == .en)
    }

    @Test func everyValueIsEscapedAndOnlyRasterPicturesAreShown() throws {
        let report = ValidationReport(
            format: "ses", checks: [.passed(.format, "<b>bold</b>")], signer: "CN=<script>alert(1)</script>",
            sealName: "\"><img src=x onerror=alert(1)>", sealID: "ES-1",
            sealHolder: .init(organization: "某某&公司", filingNumber: "3501'01"),
            sealImage: .init(type: "svg", data: Array("<svg onload=alert(1)/>".utf8)))
        let page = try ReportPage.page(report, .zh, at: Date(timeIntervalSince1970: 0))
        #expect(!page.contains("<script>alert"))
        #expect(!page.contains("<img src=x"))
        #expect(!page.contains("<b>bold"))
        #expect(page.contains("某某&amp;公司"))
        #expect(!page.contains("<svg"))
        #expect(!page.contains("<img "))
        let png = ValidationReport(
            format: "ses", checks: [.passed(.format, "ok")], sealName: "公章",
            sealImage: .init(type: "png", data: [0x89, 0x50, 0x4E, 0x47]))
        #expect(try ReportPage.page(png, .zh, at: Date()).contains("<img src=\"data:image/png;base64,iVBORw==\""))
    }

    @Test func thePublicPageNeedsNoLoginStoresNothingAndLoadsNothingFromElsewhere() async throws {
        let fixture = try await ServerFixture()
        let before = try fixture.auditCount()
        try await fixture.application.test(.router) { client in
            let root = try await client.execute(uri: "/", method: .get)
            #expect(root.status == .seeOther && root.headers[.location] == "/verify")
            let page = try await client.execute(uri: "/verify", method: .get)
            #expect(page.status == .ok)
            let html = String(buffer: page.body)
            #expect(html.contains("电子印章验证"))
            #expect(html.contains("<label for=\"document\">") && html.contains("<label for=\"q\">"))
            #expect(!html.contains("http://") && !html.contains("https://"))
            let policy = try #require(page.headers[.contentSecurityPolicy])
            #expect(policy.contains("default-src 'none'") && policy.contains("script-src 'self'"))
            #expect(page.headers[.cacheControl] == "no-store")
            #expect(
                String(buffer: try await client.execute(uri: "/verify?lang=en", method: .get).body).contains(
                    "Electronic seal verification"))
            #expect(try await client.execute(uri: "/verify/page.js", method: .get).status == .ok)
            #expect(try await client.execute(uri: "/verify/style.css", method: .get).status == .ok)

            // A report fragment for anyone.
            let report = try await client.execute(
                uri: "/verify/report", method: .post, headers: json, body: try body(["signature": "MAMCAQE="]))
            #expect(report.status == .ok)
            #expect(String(buffer: report.body).contains("data-verdict=\"TOTAL_FAILED\">无效</strong>"))
            #expect(!String(buffer: report.body).contains("<html"))
            // Bad input: precise JSON errors.
            let bad = try await client.execute(
                uri: "/verify/report", method: .post, headers: json, body: try body(["signature": "%%%"]))
            #expect(bad.status == .badRequest && String(buffer: bad.body).contains("\"code\""))

            // The lookup: unknown and malformed queries say so on the page.
            let unknown = try await client.execute(uri: "/verify?q=3501000012345", method: .get)
            #expect(unknown.status == .notFound && String(buffer: unknown.body).contains("未找到该印章"))
            let long = try await client.execute(uri: "/verify?q=\(String(repeating: "9", count: 65))", method: .get)
            #expect(long.status == .badRequest)
        }
        #expect(try fixture.auditCount() == before, "verifying and looking up write nothing")
    }

    @Test func thePublicPageIsRateLimitedPerClient() async throws {
        let fixture = try await ServerFixture()
        let api = TrustAPI(appliance: fixture.api.appliance, publicLimiter: ClientRateLimiter(burst: 2, perMinute: 1))
        try await Application(router: buildRouter(api)).test(.router) { client in
            for _ in 0..<2 {
                let ok = try await client.execute(
                    uri: "/verify/report", method: .post, headers: json, body: try body(["signature": "MAMCAQE="]))
                #expect(ok.status == .ok)
            }
            let refused = try await client.execute(
                uri: "/verify/report", method: .post, headers: json, body: try body(["signature": "MAMCAQE="]))
            #expect(refused.status == .tooManyRequests)
            #expect(String(buffer: refused.body).contains("rate_limited"))
            let lookup = try await client.execute(uri: "/verify?q=x", method: .get)
            #expect(lookup.status == .tooManyRequests && String(buffer: lookup.body).contains("查询过于频繁"))
        }
    }

    @Test func theRateLimiterForgetsTheLongestIdleClientWhenFull() throws {
        let now = LockedBox(Date(timeIntervalSince1970: 0))
        let limiter = ClientRateLimiter(burst: 1, perMinute: 60, maxClients: 2, clock: { now.value })
        try limiter.admit("a")
        #expect(throws: (any Error).self) { try limiter.admit("a") }
        now.modify { $0 += 1 }
        try limiter.admit("a")  // one a second
        now.modify { $0 += 0.5 }
        try limiter.admit("b")
        try limiter.admit("c")  // forgets a, the longest idle
        try limiter.admit("a")
    }
}
