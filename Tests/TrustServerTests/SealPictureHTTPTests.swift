import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing
import TrustModel

/// `POST /v1/seal-pictures`: a type's standard picture for platforms and applicants, sized by policy.
@Suite struct SealPictureHTTPTests {
    func body(_ object: [String: Any]) throws -> ByteBuffer {
        ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: object))
    }

    @Test func platformsGetPNGAndSVGPicturesSizedByTheSealTypePolicy() async throws {
        let fixture = try await ServerFixture()
        let platform = try #require(fixture.tokens[.platform])
        let before = try fixture.auditCount()
        try await fixture.application.test(.router) { client in
            let png = try await client.execute(
                uri: "/v1/seal-pictures", method: .post, headers: jsonHeaders(platform),
                body: try body(["type": "contract", "organization": "某某科技有限公司", "number": "3501000012345"]))
            #expect(png.status == .ok, "\(String(buffer: png.body))")
            #expect(png.headers[.contentType] == "image/png")
            #expect(png.headers[HTTPField.Name("X-Seal-Width-MM")!] == "40")
            #expect(Array(png.body.readableBytesView.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
            let svg = try await client.execute(
                uri: "/v1/seal-pictures", method: .post, headers: jsonHeaders(platform),
                body: try body(["type": "invoice", "organization": "某某科技有限公司", "format": "svg"]))
            #expect(svg.headers[.contentType] == "image/svg+xml")
            #expect(String(buffer: svg.body).contains("width=\"40mm\" height=\"30mm\""))

            // Precise refusals: a type without a standard picture, an unknown type, bad fields, a role without it.
            for (fields, code) in [
                (["type": "personal", "organization": "张三"], "invalid_request"),
                (["type": "nope", "organization": "某某"], "invalid_request"),
                (["type": "official", "organization": "某某", "dpi": 5000], "invalid_request"),
                (["type": "official", "organization": "某某", "number": "35-01"], "invalid_request"),
                (["type": "official", "organization": String(repeating: "某", count: 41)], "invalid_request"),
            ] as [([String: Any], String)] {
                let refused = try await client.execute(
                    uri: "/v1/seal-pictures", method: .post, headers: jsonHeaders(platform), body: try body(fields))
                #expect(refused.status == .badRequest, "\(fields): \(String(buffer: refused.body))")
                #expect(
                    String(buffer: refused.body).contains("\"code\":\"\(code)\""), "\(String(buffer: refused.body))")
            }
            let auditor = try await client.execute(
                uri: "/v1/seal-pictures", method: .post, headers: jsonHeaders(fixture.tokens[.auditor]),
                body: try body(["type": "official", "organization": "某某"]))
            #expect(auditor.status == .forbidden)
        }
        #expect(try fixture.auditCount() == before + 1, "drawing stores nothing; the auditor's refusal is audited")
    }
}
